// `kdash root` end to end: the built tool on .npy files written here, its output and JSON report read back.
#include "test_solver_matrices.hpp"

#include <kdash/io/npy.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#ifndef KDASH_CLI_PATH
#error "KDASH_CLI_PATH (the kdash tool) is set by tests/CMakeLists.txt"
#endif

namespace {

using namespace kdash;
using namespace kdash::testing;
namespace fs = std::filesystem;

class RootCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kdash_root_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs the tool; returns its exit code and keeps stderr in err_.
  int run(const std::string& args) {
    const std::string err = path("stderr.txt");
    const std::string cmd = std::string(KDASH_CLI_PATH) + " root " + args + " >/dev/null 2>" + err;
    const int status = std::system(cmd.c_str());
    std::ifstream f(err);
    err_.assign(std::istreambuf_iterator<char>(f), {});
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  fs::path dir_;
  std::string err_;
};

TEST_F(RootCli, EverySolverComputesRootsAndReportsEveryBlock) {
  const int n = 16;
  auto stack =
      spectrum_stack<double>(n, {geometric_spectrum(n, 10), geometric_spectrum(n, 100), geometric_spectrum(n, 30)}, 2);
  std::vector<double> data(stack.host.data(), stack.host.data() + stack.host.size());
  data[1 * n * n + 5] = std::nan("");  // block 1 is poisoned
  io::write_npy(path("a.npy"), {3, std::size_t(n), std::size_t(n)}, data.data());
  for (std::string solver : {"evd", "cn", "ndb", "cbshv", "auto"})
    for (std::string precision : {"fp32", "fp64"}) {
      SCOPED_TRACE(solver + " " + precision);
      ASSERT_EQ(run("--solver " + solver + " --root 4 --iters 30 --tol 1e-4 --precision " + precision + " --in " +
                    path("a.npy") + " --out " + path("x.npy") + " --report " + path("r.json")),
                0)
          << err_;
      auto x = io::read_npy(path("x.npy"));
      EXPECT_EQ(x.type, precision == "fp64" ? io::NpyType::f64 : io::NpyType::f32);
      ASSERT_EQ(x.shape, (std::vector<std::size_t>{3, std::size_t(n), std::size_t(n)}));
      std::ifstream f(path("r.json"));
      const auto report = nlohmann::json::parse(f);
      EXPECT_EQ(report["solver"], solver);
      EXPECT_EQ(report["root"], 4.0);
      ASSERT_EQ(report["blocks"].size(), 3u);
      EXPECT_EQ(report["blocks"][1]["status"], "non_finite");
      for (int b : {0, 2}) {
        EXPECT_EQ(report["blocks"][b]["index"], b);
        EXPECT_EQ(report["blocks"][b]["status"], "converged");
        Matrix xb(x.data.begin() + b * n * n, x.data.begin() + (b + 1) * n * n);
        if (solver == "cbshv") {  // not rescaled: X s^(-1/4) is the root (of A + eps s I)
          const double s = report["blocks"][b]["scale"];
          for (auto& v : xb) v *= std::pow(s, -0.25);
        }
        // kappa <= 100: EVD and the converged iterations are at least fp32-accurate; Chebyshev of degree 20 on
        // [eps, 1+eps] is a coarse fit (docs/solvers.md table), so only its order of magnitude is checked.
        const double limit = solver == "cbshv" ? 1.0 : (precision == "fp64" ? 1e-3 : 2e-2);
        EXPECT_LE(root_residual(xb, stack.stored[b], 4, n), limit) << "block " << b;
      }
      for (int i = 0; i < n * n; ++i) ASSERT_EQ(x.data[n * n + i], 0.0);  // the poisoned block's output is zero
    }
}

// Every block of a report carries the residual of its root (EVD measures it for the report), its condition estimate
// and the ill_conditioned flag: a kappa-10 block is resolvable in float, a rank-1 block is not (its regularised
// condition is ~ lambda_max / (u lambda_max + 2 eps)), and no report may call its root converged and unflagged.
TEST_F(RootCli, ReportCarriesResidualConditionAndFlagOfEveryBlock) {
  const int n = 16;
  std::vector<double> rank_one(n, 0.0);
  rank_one[0] = 100;
  auto stack = spectrum_stack<double>(n, {geometric_spectrum(n, 10), rank_one}, 4);
  io::write_npy(path("a.npy"), {2, std::size_t(n), std::size_t(n)}, stack.host.data());
  for (std::string solver : {"evd", "cn"}) {
    SCOPED_TRACE(solver);
    ASSERT_EQ(run("--solver " + solver + " --iters 30 --tol 1e-5 --in " + path("a.npy") + " --out " + path("x.npy") +
                  " --report " + path("r.json")),
              0)
        << err_;
    std::ifstream f(path("r.json"));
    const auto blocks = nlohmann::json::parse(f)["blocks"];
    const double u = std::ldexp(1.0, -24), residual = blocks[0]["residual"], condition = blocks[0]["condition"];
    EXPECT_GT(residual, 0.0);
    EXPECT_LE(residual, 10.0 * 4 * n * u * 10);
    EXPECT_GE(condition, 10 * 0.25 * 0.25);  // power iteration bounds (test_solver_root_quality.cpp); EVD: exact 10
    EXPECT_LE(condition, 10 * 1.01);
    EXPECT_EQ(blocks[0]["ill_conditioned"], false);
    // EVD flags the rank-1 block; CN diverges on it (its null space never converges) and says so by its status.
    EXPECT_TRUE(blocks[1]["ill_conditioned"] == true || blocks[1]["status"] != "converged") << blocks[1].dump();
  }
}

TEST_F(RootCli, SingleMatrixKeepsItsTwoDimensionalShape) {
  const int n = 5;
  auto stack = spectrum_stack<double>(n, {geometric_spectrum(n, 4)}, 1);
  io::write_npy(path("m.npy"), {std::size_t(n), std::size_t(n)}, stack.host.data());
  ASSERT_EQ(run("--solver cn --root 2 --in " + path("m.npy") + " --out " + path("y.npy")), 0) << err_;
  auto y = io::read_npy(path("y.npy"));
  EXPECT_EQ(y.shape, (std::vector<std::size_t>{std::size_t(n), std::size_t(n)}));
  EXPECT_LE(root_residual(y.data, stack.stored[0], 2, n), 1e-4);
}

TEST_F(RootCli, MalformedInputIsAUsageErrorNamingTheProblem) {
  std::vector<double> z(2 * 5 * 4, 0.0);
  io::write_npy(path("rect.npy"), {2, 5, 4}, z.data());
  EXPECT_EQ(run("--in " + path("rect.npy") + " --out " + path("o.npy")), 2);
  EXPECT_NE(err_.find("square"), std::string::npos) << err_;

  std::vector<double> v(4 * 3, 1.0);
  io::write_npy(path("rank4.npy"), {1, 1, 3, 4}, v.data());
  EXPECT_EQ(run("--in " + path("rank4.npy") + " --out " + path("o.npy")), 2);
  EXPECT_NE(err_.find("(N, n, n)"), std::string::npos) << err_;

  std::vector<double> ns(3 * 3 * 3, 0.0);
  for (int b = 0; b < 3; ++b)
    for (int i = 0; i < 3; ++i) ns[b * 9 + i * 4] = 1.0;
  ns[2 * 9 + 1] = 0.5;  // block 2: A(0,1) = 0.5, A(1,0) = 0
  io::write_npy(path("nonsym.npy"), {3, 3, 3}, ns.data());
  EXPECT_EQ(run("--in " + path("nonsym.npy") + " --out " + path("o.npy")), 2);
  EXPECT_NE(err_.find("block 2 is not symmetric"), std::string::npos) << err_;

  std::ofstream(path("garbage.npy")) << "not an npy file";
  EXPECT_EQ(run("--in " + path("garbage.npy") + " --out " + path("o.npy")), 2);
  EXPECT_NE(err_.find("garbage.npy"), std::string::npos) << err_;
  EXPECT_EQ(run("--in " + path("missing.npy") + " --out " + path("o.npy")), 2);
  EXPECT_NE(err_.find("missing.npy"), std::string::npos) << err_;

  auto stack = spectrum_stack<double>(3, {geometric_spectrum(3, 4)}, 1);
  io::write_npy(path("ok.npy"), {1, 3, 3}, stack.host.data());
  EXPECT_EQ(run("--solver qr --in " + path("ok.npy") + " --out " + path("o.npy")), 2);
  EXPECT_NE(err_.find("unknown solver 'qr'"), std::string::npos) << err_;
  EXPECT_EQ(run("--solver ndb --root 3 --in " + path("ok.npy") + " --out " + path("o.npy")), 2);
  EXPECT_NE(err_.find("2 or 4"), std::string::npos) << err_;
  EXPECT_EQ(run("--solver cn --precision fp8 --in " + path("ok.npy") + " --out " + path("o.npy")), 2);
  EXPECT_NE(err_.find("--precision: unknown precision 'fp8'"), std::string::npos) << err_;
  EXPECT_EQ(run("--out " + path("o.npy")), 2);  // --in is required
  EXPECT_FALSE(fs::exists(path("o.npy")));
}

TEST_F(RootCli, Tf32IsAcceptedAndItsReportNamesIt) {
  const int n = 8;
  auto stack = spectrum_stack<double>(n, {geometric_spectrum(n, 10)}, 3);
  io::write_npy(path("a.npy"), {1, std::size_t(n), std::size_t(n)}, stack.host.data());
  ASSERT_EQ(run("--solver cn --precision tf32 --iters 20 --tol 1e-2 --in " + path("a.npy") + " --out " + path("x.npy") +
                " --report " + path("r.json")),
            0)
      << err_;
  EXPECT_EQ(io::read_npy(path("x.npy")).type, io::NpyType::f32);  // fp32 storage
  std::ifstream f(path("r.json"));
  const auto report = nlohmann::json::parse(f);
  EXPECT_EQ(report["precision"], "tf32");
  EXPECT_EQ(report["blocks"][0]["status"], "converged");
}

// `kdash bench --precision` takes tf32 beside fp32/fp16/bf16 and names the option when it rejects a value (before any
// optimizer is built).
TEST_F(RootCli, BenchPrecisionOptionNamesItselfOnBadValues) {
  const auto bench = [&](const std::string& args) {
    const std::string cmd = std::string(KDASH_CLI_PATH) + " bench " + args + " >/dev/null 2>" + path("e.txt");
    const int status = std::system(cmd.c_str());
    std::ifstream f(path("e.txt"));
    err_.assign(std::istreambuf_iterator<char>(f), {});
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(bench("--preset small --precision fp32,tf33"), 2);
  EXPECT_NE(err_.find("--precision: unknown precision 'tf33'"), std::string::npos) << err_;
  EXPECT_NE(err_.find("tf32"), std::string::npos) << err_;
  EXPECT_EQ(bench("--preset small --precision fp64"), 2);
  EXPECT_NE(err_.find("--precision: fp64 is not benched"), std::string::npos) << err_;
}

}  // namespace
