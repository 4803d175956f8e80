// Hostile and careless input to the kdash tool (`kdash root`, `kdash replay`), end to end: every case checks the exit
// code (2: usage, configuration or input error; 1: runtime failure), that the message names the file or option at
// fault, that the previous outputs are untouched and no temporary file is left behind, and that the tool stays within
// a small memory budget (a malformed header must not make it allocate what the header announces).
#include <kdash/io/npy.hpp>

#include <gtest/gtest.h>

#include "temp_directory.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#ifndef KDASH_CLI_PATH
#error "KDASH_CLI_PATH (the kdash tool) is set by tests/CMakeLists.txt"
#endif

namespace {

namespace fs = std::filesystem;

// The tool under test; KDASH_CLI overrides the one built with this test (to run the suite against another build).
std::string tool() {
  const char* env = std::getenv("KDASH_CLI");
  return env != nullptr && *env != '\0' ? env : KDASH_CLI_PATH;
}

struct Outcome {
  int exit_code = -1;
  std::string err;
  long max_rss_kib = 0;
  double seconds = 0;
};

// A malformed input may cost the tool no more than this much resident memory.
constexpr long kMemoryBudgetKiB = 512 * 1024;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

// A raw .npy file: magic, version 1.0, the header dict padded to 64 bytes, then `payload`.
void write_raw_npy(const fs::path& path, const std::string& dict, const std::string& payload) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += char(1);
  bytes += char(0);
  bytes += char(header.size() & 0xff);
  bytes += char(header.size() >> 8);
  write_bytes(path, bytes + header + payload);
}

std::string doubles(const std::vector<double>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

// `count` identity blocks of size n, float64, as raw bytes.
std::string identity_blocks(std::size_t count, std::size_t n) {
  std::vector<double> v(count * n * n, 0.0);
  for (std::size_t b = 0; b < count; ++b)
    for (std::size_t i = 0; i < n; ++i) v[b * n * n + i * n + i] = 1.0;
  return doubles(v);
}

class BadInputCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = kdash::testing::fresh_test_directory("kdash_bad_input"); }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  fs::path path(const std::string& name) const { return dir_ / name; }
  std::string arg(const std::string& name) const { return path(name).string(); }

  // Runs `kdash <args>` through /bin/sh after `shell_prefix` (e.g. resource limits); measures its peak memory.
  Outcome run(const std::string& args, const std::string& shell_prefix = "") {
    const std::string err = arg("stderr.txt");
    const std::string cmd = shell_prefix + " exec timeout 120 " + tool() + " " + args + " >/dev/null 2>" + err;
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    struct rusage usage {};
    ::wait4(pid, &status, 0, &usage);
    Outcome o;
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    o.max_rss_kib = usage.ru_maxrss;
    o.err = read_bytes(err);
    fs::remove(err);
    return o;
  }

  // Previous outputs: files with known contents that a failed command must leave as they are.
  void plant(const std::string& name) { write_bytes(path(name), "previous contents of " + name); }
  void expect_untouched(const std::string& name) {
    EXPECT_EQ(read_bytes(path(name)), "previous contents of " + name) << name << " was modified";
  }
  // Every file under the test directory (recursively): no temporary may survive a failure.
  std::set<std::string> files() const {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) out.insert(e.path().lexically_relative(dir_).string());
    return out;
  }

  // A failure with `code` whose message names every entry of `names`, within the memory budget.
  void expect_failure(const Outcome& o, int code, const std::vector<std::string>& names) {
    EXPECT_EQ(o.exit_code, code) << o.err;
    for (const auto& n : names)
      EXPECT_NE(o.err.find(n), std::string::npos) << "message does not name " << n << ": " << o.err;
    EXPECT_LT(o.max_rss_kib, kMemoryBudgetKiB) << "peak memory " << o.max_rss_kib << " KiB: " << o.err;
    for (const char* internal : {"stoull", "stoi", "bad_alloc", "basic_string", "vector::"})
      EXPECT_EQ(o.err.find(internal), std::string::npos) << "internal error text leaks: " << o.err;
  }

  fs::path dir_;
};

// ---- kdash root --------------------------------------------------------------------------------------------------

class RootBadInput : public BadInputCli {
 protected:
  void SetUp() override {
    BadInputCli::SetUp();
    plant("out.npy");
    plant("report.json");
  }
  // `kdash root` on in.npy, writing out.npy and report.json; `extra` options first.
  Outcome root(const std::string& extra, const std::string& shell_prefix = "") {
    return run(
        "root " + extra + " --in " + arg("in.npy") + " --out " + arg("out.npy") + " --report " + arg("report.json"),
        shell_prefix);
  }
  // The failure leaves out.npy and report.json as they were and nothing else behind.
  void expect_outputs_untouched(const std::set<std::string>& inputs = {"in.npy"}) {
    expect_untouched("out.npy");
    expect_untouched("report.json");
    std::set<std::string> want = inputs;
    want.insert({"out.npy", "report.json"});
    EXPECT_EQ(files(), want);
  }
};

TEST_F(RootBadInput, AHeaderAnnouncingGigabytesIsRejectedBeforeAllocating) {
  // 768 bytes on disk, 2 GiB announced.
  write_raw_npy(path("in.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (16384, 16384), }",
                std::string(704, '\0'));
  const Outcome o = root("");
  expect_failure(o, 2, {arg("in.npy"), "2147483648"});
  expect_outputs_untouched();
}

TEST_F(RootBadInput, ShapeOverflowingSizeTIsAnInputErrorNamingTheFile) {
  write_raw_npy(path("in.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999, 2), }",
                std::string(64, '\0'));
  expect_failure(root(""), 2, {arg("in.npy"), "shape"});
  expect_outputs_untouched();
}

TEST_F(RootBadInput, MalformedShapeTuplesAreRejected) {
  for (const std::string shape : {"(3,, 2, 2)", "(3 2, 2)", "(,)", "(3, 2, 2", "(-3, 2, 2)", "(3, 2., 2)"}) {
    SCOPED_TRACE(shape);
    write_raw_npy(path("in.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }",
                  identity_blocks(3, 2));
    expect_failure(root(""), 2, {arg("in.npy"), "shape"});
    expect_outputs_untouched();
  }
}

TEST_F(RootBadInput, DuplicateOrUnknownHeaderKeysAreRejected) {
  write_raw_npy(path("in.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), 'shape': (1, 2, 2), }",
                identity_blocks(1, 2));
  expect_failure(root(""), 2, {arg("in.npy"), "'shape'", "twice"});
  expect_outputs_untouched();
  write_raw_npy(path("in.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), 'extra': 1, }",
                identity_blocks(1, 2));
  expect_failure(root(""), 2, {arg("in.npy"), "'extra'"});
  expect_outputs_untouched();
}

TEST_F(RootBadInput, ADirectoryAsInputIsNamed) {
  fs::create_directories(path("in.npy"));
  expect_failure(root(""), 2, {arg("in.npy"), "directory"});
  expect_outputs_untouched();
}

TEST_F(RootBadInput, NegativeOrHugeSeedIsRejected) {
  write_raw_npy(path("in.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }",
                identity_blocks(1, 2));
  for (const std::string seed : {"-1", "18446744073709551616", "1e3", "x"}) {
    SCOPED_TRACE(seed);
    expect_failure(root("--seed " + seed), 2, {"--seed"});
    expect_outputs_untouched();
  }
}

TEST_F(RootBadInput, CostOptionsHaveUpperBoundsNamedInTheMessage) {
  write_raw_npy(path("in.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }",
                identity_blocks(1, 2));
  for (const std::string option :
       {"--nodes 2147483647", "--degree 2147483646 --nodes 2147483647", "--pim-vectors 2147483647 --scaling pim",
        "--iters 2147483647", "--pi-steps 2147483647"}) {
    SCOPED_TRACE(option);
    const Outcome o = root("--solver cbshv " + option);
    expect_failure(o, 2, {option.substr(0, option.find(' ')), "at most"});
    EXPECT_LT(o.seconds, 60);
    expect_outputs_untouched();
  }
}

// --report cannot be written: --out keeps its previous contents too (all or none), and the problem is found before
// anything is computed.
TEST_F(RootBadInput, UnwritableReportLeavesTheOutputUntouched) {
  write_raw_npy(path("in.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }",
                identity_blocks(1, 2));
  plant("not_a_directory");
  const Outcome o = run("root --in " + arg("in.npy") + " --out " + arg("out.npy") + " --report " +
                        arg("not_a_directory/report.json"));
  expect_failure(o, 1, {arg("not_a_directory/report.json")});
  expect_outputs_untouched({"in.npy", "not_a_directory"});
  expect_untouched("not_a_directory");
}

// A full disk (simulated with a file-size limit: writes past it fail with EFBIG): an error, never exit 0 with a
// truncated or empty report, and neither output replaced.
TEST_F(RootBadInput, FullDiskFailsWithoutReplacingAnything) {
  // The output (16 bytes a block + 128) fits under the limit, the report (over 100 bytes a block) does not; the
  // smaller report is one the C++ stream buffers whole, so only a checked flush and close see the failure. Open MPI's
  // shared-memory store would hit the limit too: PMIX_MCA_gds=hash keeps it in memory.
  for (const auto& [blocks, limit_kib] : {std::pair{40, 4}, std::pair{16, 1}}) {
    SCOPED_TRACE(std::to_string(blocks) + " blocks");
    write_raw_npy(path("in.npy"),
                  "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(blocks) + ", 2, 2), }",
                  identity_blocks(std::size_t(blocks), 2));
    const Outcome o =
        root("", "ulimit -f " + std::to_string(limit_kib) + "; trap '' XFSZ; PMIX_MCA_gds=hash; export PMIX_MCA_gds;");
    expect_failure(o, 1, {arg("report.json")});
    expect_outputs_untouched();
  }
}

// The output path (or the temporary file kdash once used, out.npy.tmp) is a symlink to another file: that file is
// never written; the output becomes a regular file of its own.
TEST_F(RootBadInput, SymlinksAreNeverFollowedIntoAnotherFile) {
  write_raw_npy(path("in.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }",
                identity_blocks(1, 2));
  plant("victim");
  plant("victim2");
  fs::create_symlink(path("victim"), path("out.npy.tmp"));
  fs::remove(path("report.json"));
  fs::create_symlink(path("victim2"), path("report.json"));
  const Outcome o = root("");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  expect_untouched("victim");
  expect_untouched("victim2");
  EXPECT_FALSE(fs::is_symlink(path("report.json")));
  EXPECT_EQ(kdash::io::read_npy(arg("out.npy")).data, (std::vector<double>{1, 0, 0, 1}));
  EXPECT_EQ(files(), (std::set<std::string>{"in.npy", "out.npy", "out.npy.tmp", "report.json", "victim", "victim2"}));
}

// ---- kdash replay ------------------------------------------------------------------------------------------------

class ReplayBadInput : public BadInputCli {
 protected:
  void SetUp() override {
    BadInputCli::SetUp();
    fs::create_directories(path("p"));
    fs::create_directories(path("g"));
    fs::create_directories(path("out"));
    // Two parameters, 3 steps of small gradients.
    const std::vector<std::size_t> shape = {2, 3};
    std::vector<double> w(6), gw(18), b(3), gb(9);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.1 * double(i) - 0.2;
    for (std::size_t i = 0; i < gw.size(); ++i) gw[i] = 0.01 * double(i % 7) - 0.03;
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = 0.5 - 0.1 * double(i);
    for (std::size_t i = 0; i < gb.size(); ++i) gb[i] = 0.02 * double(i % 4) - 0.01;
    kdash::io::write_npy(arg("p/a.npy"), shape, w.data());
    kdash::io::write_npy(arg("g/a.npy"), {3, 2, 3}, gw.data());
    kdash::io::write_npy(arg("p/b.npy"), {3}, b.data());
    kdash::io::write_npy(arg("g/b.npy"), {3, 3}, gb.data());
    plant("out/a.npy");
    plant("out/b.npy");
    baseline_ = files();
  }
  Outcome replay(const std::string& extra = "", const std::string& out = "out") {
    return run("replay " + extra + " --params " + arg("p") + " --grads " + arg("g") + " --out " + arg(out));
  }
  Outcome replay_with_config(const std::string& json, const std::string& extra = "") {
    write_bytes(path("config.json"), json);
    baseline_.insert("config.json");
    return replay("--config " + arg("config.json") + " " + extra);
  }
  void expect_outputs_untouched() {
    expect_untouched("out/a.npy");
    expect_untouched("out/b.npy");
    EXPECT_EQ(files(), baseline_);
  }
  std::set<std::string> baseline_;
};

TEST_F(ReplayBadInput, TheGoodCaseReplacesEveryOutput) {
  const Outcome o = replay("--trace");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(kdash::io::read_npy(arg("out/a.npy")).shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(kdash::io::read_npy(arg("out/b.trace.npy")).shape, (std::vector<std::size_t>{3, 3}));
  std::set<std::string> want = baseline_;
  want.insert({"out/a.trace.npy", "out/b.trace.npy"});
  EXPECT_EQ(files(), want);
}

TEST_F(ReplayBadInput, MalformedNpyIsAnInputErrorNamingTheFile) {
  struct Case {
    std::string file, dict, payload, problem;
  };
  const std::vector<Case> cases = {
      {"p/a.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1048576), }", "", "shape"},
      {"p/a.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", "", "shape"},
      {"g/b.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (16384, 16384), }", std::string(64, '\0'),
       "2147483648"},
      {"g/a.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,, 2, 3), }", std::string(144, '\0'), "shape"},
      {"p/b.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'shape': (3,), }", std::string(24, '\0'),
       "twice"},
      {"p/b.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", std::string(24, '\0'), "dtype"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file + " " + c.dict);
    const std::string saved = read_bytes(path(c.file));
    write_raw_npy(path(c.file), c.dict, c.payload);
    expect_failure(replay(), 2, {arg(c.file), c.problem});
    expect_outputs_untouched();
    write_bytes(path(c.file), saved);
  }
}

TEST_F(ReplayBadInput, ConfigErrorsNameTheKey) {
  struct Case {
    std::string json, key;
  };
  const std::vector<Case> cases = {
      {R"({"lr": 1e400})", "lr"},
      {R"({"start_prec_step": 18446744073709551615})", "start_prec_step"},
      {R"({"cheb_nodes": 2147483647})", "cheb_nodes"},
      {R"({"cheb_degree": 2147483646, "cheb_nodes": 2147483647})", "cheb_degree"},
      {R"({"pim_vectors": 2147483647, "scaling": "pim"})", "pim_vectors"},
      {R"({"newton_steps": 2147483647})", "newton_steps"},
      {R"({"pi_steps": 2147483647})", "pi_steps"},
      {R"({"seed": -1})", "seed"},
      {R"({"block_size": 1e400})", "block_size"},
      {R"({"lr": 1, "lr": 2})", "lr"},
      // 10^6 nested arrays crashed the error message (a stack overflow in nlohmann's dump()).
      {R"({"lr": )" + std::string(1000000, '[') + std::string(1000000, ']') + "}", "more than 100 levels deep"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    const Outcome o = replay_with_config(c.json);
    expect_failure(o, 2, {arg("config.json"), c.key});
    expect_outputs_untouched();
  }
}

// Parameters that become non-finite are a failed run (exit 1) naming the parameter and the step; nothing is written.
TEST_F(ReplayBadInput, ParametersBecomingNonFiniteFailTheRun) {
  const Outcome o = replay_with_config(R"({"lr": 1e308, "start_prec_step": 100})");
  expect_failure(o, 1, {"parameter '", "non-finite", "step 1"});
  expect_outputs_untouched();
}

// A non-finite initial parameter is an input error naming the file.
TEST_F(ReplayBadInput, NonFiniteInitialParameterIsAnInputError) {
  const std::vector<double> w = {0, 1, std::nan(""), 3, 4, 5};
  kdash::io::write_npy(arg("p/a.npy"), {2, 3}, w.data());
  expect_failure(replay(), 2, {arg("p/a.npy"), "non-finite"});
  expect_outputs_untouched();
}

// The second output cannot be replaced (it is a directory): the first keeps its previous contents.
TEST_F(ReplayBadInput, OutputsAreReplacedAllOrNone) {
  fs::remove(path("out/b.npy"));
  fs::create_directories(path("out/b.npy"));
  baseline_ = files();
  const Outcome o = replay();
  expect_failure(o, 1, {arg("out/b.npy")});
  expect_untouched("out/a.npy");
  EXPECT_EQ(files(), baseline_);
}

// An unwritable --out is found before any step runs: the run would fail at step 1 (a non-finite gradient under the
// error policy), but the message is about the output directory.
TEST_F(ReplayBadInput, UnwritableOutIsFoundBeforeAnyStep) {
  std::vector<double> g(18, 0.0);
  g[0] = std::nan("");
  kdash::io::write_npy(arg("g/a.npy"), {3, 2, 3}, g.data());
  plant("not_a_directory");
  write_bytes(path("config.json"), R"({"nonfinite_policy": "error"})");
  baseline_ = files();
  const Outcome o = run("replay --config " + arg("config.json") + " --params " + arg("p") + " --grads " + arg("g") +
                        " --out " + arg("not_a_directory/out"));
  expect_failure(o, 1, {arg("not_a_directory/out")});
  EXPECT_EQ(o.err.find("non-finite"), std::string::npos) << o.err;
  expect_untouched("not_a_directory");
  expect_outputs_untouched();
}

// ---- kdash train --------------------------------------------------------------------------------------------------

// Checked before any training: a seed outside [0, 2^64 - 1] (CLI11 wrapped -1 and saturated 10^20 to 2^64 - 1: two
// seeds silently the same), a target accuracy outside (0, 1] (never reachable), and a hidden layer whose weights
// cannot fit into memory (2 * 10^9 units: 477 GiB asked of malloc).
TEST_F(BadInputCli, TrainSeedTargetAndHiddenAreCheckedBeforeTraining) {
  const std::pair<std::string, std::string> cases[] = {{"--seed -1", "--seed"},
                                                       {"--seed 99999999999999999999", "--seed"},
                                                       {"--seed 1e3", "--seed"},
                                                       {"--target 2", "--target"},
                                                       {"--target 0", "--target"},
                                                       {"--target nan", "--target"},
                                                       {"--hidden 2000000000", "--hidden 2000000000"}};
  for (const auto& [args, named] : cases) {
    SCOPED_TRACE(args);
    const Outcome o = run("train --optimizers dash --epochs 1 --json " + arg("log.json") + " " + args);
    expect_failure(o, 2, {named});
    EXPECT_FALSE(fs::exists(path("log.json")));
  }
}

// ---- kdash bench --------------------------------------------------------------------------------------------------

class BenchPresetBadInput : public BadInputCli {
 protected:
  // `kdash bench` on a preset file holding `text` fails with an input error naming the file and `detail`, before the
  // calibration.
  void expect_rejected_before_calibration(const std::string& text, const std::string& detail) {
    SCOPED_TRACE(text.substr(0, 80));
    write_bytes(path("preset.json"), text);
    const Outcome o = run("bench --preset " + arg("preset.json") + " --block-size 128 --solvers evd --modes device");
    expect_failure(o, 2, {arg("preset.json"), detail});
    EXPECT_EQ(o.err.find("calibration"), std::string::npos) << o.err;
  }
};

// A preset of a few bytes that announces terabytes (a mistyped shape, a Llama shape with billions of layers), an
// element count beyond 64 bits, or a Llama field beyond int: an input error naming the file, before the calibration
// and within the memory budget (the Llama list alone would have taken 5 TB to build).
TEST_F(BenchPresetBadInput, AnnouncingMoreThanTheMachineIsRejectedBeforeAllocating) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"llama": {"layers": 2147483647, "width": 1, "hidden": 1, "vocab": 1}})", "need"},
      {R"({"llama": {"layers": 2147483647, "width": 64, "hidden": 64, "vocab": 64}})", "TiB"},
      {R"({"params": [{"name": "typo", "shape": [40960000, 40960]}]})", "'typo' (40960000x40960)"},
      {R"({"params": [{"shape": [3, 4294967296, 4294967296]}]})", "overflows"},
      {R"({"llama": {"layers": 1, "width": 4294967297, "hidden": 8, "vocab": 8}})", "llama.width"}};
  for (const auto& [text, detail] : cases) expect_rejected_before_calibration(text, detail);
}

// A preset nested 10^6 levels deep (it crashed with a stack overflow while the error message showed the value), or
// with an empty or repeated parameter name (the optimizer's error came after the calibration, naming neither the file
// nor the entry): an input error naming the file, before the calibration.
TEST_F(BenchPresetBadInput, TooDeepOrWithBadNamesIsRejectedBeforeTheCalibration) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"params": [{"shape": )" + std::string(1000000, '[') + std::string(1000000, ']') + "}]}",
       "nested more than 100 levels deep"},
      {R"({"params": [{"name": "w", "shape": [4, 4]}, {"name": "w", "shape": [4]}]})",
       "params[1]: the name 'w' is already that of params[0]"},
      {R"({"params": [{"name": "", "shape": [4, 4]}]})", "params[0]: \"name\" must not be empty"}};
  for (const auto& [text, detail] : cases) expect_rejected_before_calibration(text, detail);
}

// List options: an empty item (a trailing comma was dropped silently), an item given twice (also under another
// spelling of the same value: `0128` ran block size 128 twice), or a block size beyond int are usage errors naming the
// option and the item.
TEST_F(BadInputCli, BenchListOptionsRejectEmptyRepeatedAndOutOfRangeItems) {
  const std::pair<std::string, std::string> cases[] = {
      {"--block-size 128, --solvers evd --modes device", "--block-size: empty item"},
      {"--block-size ,128 --solvers evd --modes device", "--block-size: empty item"},
      {"--block-size 128 --solvers evd,evd --modes device", "--solvers: 'evd' is given twice"},
      {"--block-size 128 --solvers evd --modes device,layerwise,device", "--modes: 'device' is given twice"},
      {"--block-size 128,256,0128 --solvers evd --modes device",
       "--block-size: '0128' is given twice in '128,256,0128' (as '128')"},
      {"--block-size 99999999999 --solvers evd --modes device", "from 1 to 2147483647"}};
  for (const auto& [args, named] : cases) {
    SCOPED_TRACE(args);
    const Outcome o = run("bench " + args + " --repeats 1 --warmup 0");
    expect_failure(o, 2, {named});
  }
}

// --json and --plot are one output set: an unwritable --plot is found before the run, and the previous report stays
// (the report used to be truncated when the run started and rewritten before the chart failed).
TEST_F(BadInputCli, BenchUnwritablePlotLeavesThePreviousReport) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot is not installed";
  plant("report.json");
  plant("not_a_directory");
  const auto before = files();
  const Outcome o =
      run("bench --preset small --block-size 128 --solvers evd --modes device --repeats 1 --warmup 0 "
          "--json " +
          arg("report.json") + " --plot " + arg("not_a_directory/chart.png"));
  expect_failure(o, 1, {arg("not_a_directory/chart.png")});
  expect_untouched("report.json");
  EXPECT_EQ(files(), before);
}

}  // namespace
