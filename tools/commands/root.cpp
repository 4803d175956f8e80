// kdash root: batched inverse roots of the blocks of an .npy stack, also the replay tool for dumped
// failing blocks. Input float32/float64 (N, n, n) or (n, n); output float32 (float64 with --precision fp64) of the same
// shape; optional JSON report with one record per block. Malformed input (unreadable file, wrong rank, non-square or
// non-symmetric blocks) is a usage error (exit 2) naming the file and the block; a block with NaN/Inf is reported
// non_finite (its output is zero) while the others are computed. With a report, every solver measures each block's
// residual, and every block carries its condition estimate and ill_conditioned flag (docs/solvers.md).
#include "command.hpp"
#include "seed_option.hpp"

#include <kdash/backends/execution.hpp>
#include <kdash/io/npy.hpp>
#include <kdash/io/output_set.hpp>
#include <kdash/optimizer_config.hpp>
#include <kdash/solvers/inverse_root.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

namespace kdash::tools {
namespace {

struct RootArgs {
  std::string solver = "auto", scaling = "pi", precision = "fp32", fixup = "shampoo";
  std::string in, out, report;
  double root = 4, eps = 1e-10, tol = 1e-6, sym_tol = 1e-5;
  int iters = 10, degree = 20, nodes = 10000, power_iteration_steps = 10, power_iteration_vectors = 16;
  std::string seed = "0";  // parse_seed (seed_option.hpp)
};

// The cost options are bounded like the optimizer's (kdash::limits): beyond the bound they buy no accuracy.
void check_cost_options(const RootArgs& args) {
  const struct {
    const char* option;
    int value, limit;
  } bounded[] = {{"--iters", args.iters, limits::max_iterations},
                 {"--pi-steps", args.power_iteration_steps, limits::power_iteration_steps},
                 {"--pim-vectors", args.power_iteration_vectors, limits::power_iteration_vectors},
                 {"--degree", args.degree, limits::chebyshev_degree},
                 {"--nodes", args.nodes, limits::chebyshev_nodes}};
  for (const auto& b : bounded) {
    if (b.value > b.limit) {
      throw UsageError(std::string(b.option) + " must be at most " + std::to_string(b.limit) + ", got " +
                       std::to_string(b.value));
    }
  }
}

// Checks shape and symmetry, and symmetrises exactly (0.5 (A + A^T)): solvers assume exact symmetry.
void check_and_symmetrise(const RootArgs& args, std::vector<double>& data, std::size_t count, std::size_t n) {
  for (std::size_t b = 0; b < count; ++b) {
    double* a = data.data() + b * n * n;
    double big = 0, asym = 0;
    bool finite = true;
    for (std::size_t i = 0; i < n * n; ++i) {
      finite = finite && std::isfinite(a[i]);
      big = std::max(big, std::abs(a[i]));
    }
    if (!finite) continue;  // reported non_finite by the solver
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) asym = std::max(asym, std::abs(a[i * n + j] - a[j * n + i]));
    if (asym > args.sym_tol * big) {
      std::ostringstream m;
      m << args.in << ": block " << b << " is not symmetric: max|A - A^T| = " << asym << " > " << args.sym_tol
        << " * max|A| = " << args.sym_tol * big << " (--sym-tol)";
      throw UsageError(m.str());
    }
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) a[i * n + j] = a[j * n + i] = 0.5 * (a[i * n + j] + a[j * n + i]);
  }
}

template <class T>
std::vector<BlockRootResult> solve(const std::vector<double>& data, std::size_t count, std::size_t n,
                                   const RootOptions& options, std::vector<T>& out, double& seconds) {
  Kokkos::View<T***, Kokkos::LayoutRight, Kokkos::HostSpace> ah("kdash::root_cli::a", count, n, n);
  for (std::size_t i = 0; i < data.size(); ++i) ah.data()[i] = static_cast<T>(data[i]);
  Stack<T> a("kdash::root_cli::a", count, n, n);
  Stack<T> x("kdash::root_cli::x", count, n, n);  // zero: non-finite blocks come out as zeros
  Kokkos::deep_copy(a, ah);
  Kokkos::fence();
  const auto start = std::chrono::steady_clock::now();
  auto results = inverse_root(DefaultExecSpace(), Stack<const T>(a), x, options);
  Kokkos::fence();
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.resize(count * n * n);
  Kokkos::View<T***, Kokkos::LayoutRight, Kokkos::HostSpace> xh(out.data(), count, n, n);
  Kokkos::deep_copy(xh, x);
  return results;
}

int run(const RootArgs& args) {
  RootOptions o;
  o.method = parse_root_method(args.solver);
  o.scaling = parse_scaling(args.scaling);
  try {
    o.precision = parse_precision(args.precision);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--precision: ") + e.what());
  }
  o.fixup = parse_eigen_fixup(args.fixup);
  o.p = args.root;
  o.eps = args.eps;
  o.tolerance = args.tol;
  o.max_iterations = args.iters;
  o.chebyshev_degree = args.degree;
  o.chebyshev_nodes = args.nodes;
  o.power_iteration_steps = args.power_iteration_steps;
  o.power_iteration_vectors = args.power_iteration_vectors;
  o.seed = parse_seed(args.seed);
  o.measure_residual = !args.report.empty();  // every block of a report carries the residual its root achieved
  if (!(args.sym_tol >= 0)) throw UsageError("--sym-tol must be >= 0");
  check_cost_options(args);

  // --out and --report are replaced together or not at all; both destinations are checked before any work.
  io::OutputSet outputs;
  outputs.reserve(args.out);
  if (!args.report.empty()) outputs.reserve(args.report);

  io::NpyArray in;
  try {
    in = io::read_npy(args.in);
  } catch (const std::exception& e) {
    throw UsageError(std::string("cannot read the input stack: ") + e.what());
  }
  const auto& shape = in.shape;
  if (shape.size() != 2 && shape.size() != 3) {
    throw UsageError(args.in + ": expected an (N, n, n) stack or one (n, n) matrix, got shape " + in.shape_string());
  }
  const std::size_t count = shape.size() == 3 ? shape[0] : 1;
  const std::size_t rows = shape[shape.size() - 2], cols = shape[shape.size() - 1];
  if (rows != cols) {
    throw UsageError(args.in + ": blocks must be square, every block (block 0 first) is " + std::to_string(rows) + "x" +
                     std::to_string(cols) + " (shape " + in.shape_string() + ")");
  }
  if (rows == 0) throw UsageError(args.in + ": blocks of size 0 (shape " + in.shape_string() + ")");
  check_and_symmetrise(args, in.data, count, rows);

  double seconds = 0;
  std::vector<BlockRootResult> results;
  if (o.precision == Precision::fp64) {
    std::vector<double> out;
    results = solve<double>(in.data, count, rows, o, out, seconds);
    io::write_npy(outputs, args.out, shape, out.data());
  } else {
    std::vector<float> out;
    results = solve<float>(in.data, count, rows, o, out, seconds);
    io::write_npy(outputs, args.out, shape, out.data());
  }

  std::map<std::string, int> tally;
  for (const auto& r : results) {
    tally[to_string(r.status)] += 1;
    if (r.ill_conditioned) tally["ill_conditioned"] += 1;
  }
  std::cout << "kdash root: " << count << " block(s) of " << rows << "x" << rows << ", solver " << args.solver
            << ", root " << args.root << ", precision " << args.precision << ": " << seconds << " s;";
  for (const auto& [status, n] : tally) std::cout << " " << status << " " << n;
  std::cout << "\n";

  if (!args.report.empty()) {
    nlohmann::json blocks = nlohmann::json::array();
    for (std::size_t b = 0; b < results.size(); ++b) {
      const auto& r = results[b];
      auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
      blocks.push_back({{"index", b},
                        {"iterations", r.iterations},
                        {"residual", number(r.residual)},
                        {"lambda_max", number(r.lambda_max)},
                        {"scale", number(r.scale)},
                        {"condition", number(r.condition)},
                        {"ill_conditioned", r.ill_conditioned},
                        {"status", to_string(r.status)}});
    }
    nlohmann::json report = {{"solver", args.solver},   {"root", args.root},  {"precision", args.precision},
                             {"scaling", args.scaling}, {"seconds", seconds}, {"shape", shape},
                             {"blocks", blocks}};
    outputs.write(args.report, {report.dump(2), "\n"});
  }
  outputs.commit();
  return 0;
}

}  // namespace

Action register_root(CLI::App& app) {
  auto args = std::make_shared<RootArgs>();
  auto* cmd = app.add_subcommand("root", "batched inverse roots X = A^(-1/p) of an .npy stack of SPD blocks");
  cmd->add_option("--solver", args->solver, "evd | cn | ndb | cbshv | auto")->capture_default_str();
  cmd->add_option("--root,--p", args->root, "the root p (EVD any p > 0, CN integer p >= 1, NDB/Chebyshev 2 or 4)")
      ->capture_default_str();
  cmd->add_option("--scaling", args->scaling, "fro | pi | pim (iterative solvers)")->capture_default_str();
  cmd->add_option("--iters", args->iters, "iteration cap (CN, NDB per stage)")->capture_default_str();
  cmd->add_option("--tol", args->tol, "per-block tolerance on max|M - I|")->capture_default_str();
  cmd->add_option("--eps", args->eps, "ridge eps")->capture_default_str();
  cmd->add_option("--degree", args->degree, "Chebyshev degree")->capture_default_str();
  cmd->add_option("--nodes", args->nodes, "Chebyshev fit nodes")->capture_default_str();
  cmd->add_option("--pi-steps", args->power_iteration_steps, "power-iteration steps")->capture_default_str();
  cmd->add_option("--pim-vectors", args->power_iteration_vectors, "start vectors of --scaling pim")
      ->capture_default_str();
  cmd->add_option("--precision", args->precision,
                  "fp32 | tf32 | fp16 | bf16 | fp64 (GEMM inputs; tf32: TF32 tensor cores on CUDA, fp32 "
                  "elsewhere; fp64: all in double)")
      ->capture_default_str();
  cmd->add_option("--fixup", args->fixup, "EVD eigenvalue fix-up: shampoo | abs | abs-add | relu")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed of the power iteration's start vectors")->capture_default_str();
  cmd->add_option("--sym-tol", args->sym_tol, "reject blocks with max|A - A^T| > sym_tol * max|A|")
      ->capture_default_str();
  cmd->add_option("--in,in", args->in, "input .npy, float32/float64, (N, n, n) or (n, n)")->required();
  cmd->add_option("--out,out", args->out, "output .npy (same shape)")->required();
  cmd->add_option("--report", args->report, "JSON report with one record per block");
  return [args] { return run(*args); };
}

}  // namespace kdash::tools
