// kdash bench: the DASH paper's step-time table for a model shape set (design.md §8, §9; docs/bench.md).
#include "command.hpp"

#include "bench/bench_plot.hpp"
#include "bench/bench_run.hpp"
#include "bench/gnuplot.hpp"
#include "bench/model_preset.hpp"

#include <kdash/io/output_set.hpp>

#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

namespace kdash::tools {
namespace {

// The items of a comma-separated option value, each parsed by `parse`: an empty item (also a leading or trailing
// comma), or one that means the same as an earlier item however it is spelt (`128,0128`, `128,+128`), is a usage
// error naming the option.
template <class Parse>
auto parse_list(const std::string& text, const std::string& option, const Parse& parse) {
  std::vector<decltype(parse(text))> values;
  std::vector<std::string> items;
  for (std::size_t start = 0;;) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) throw UsageError(option + ": empty item in '" + text + "'");
    const auto value = parse(item);
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i] != value) continue;
      throw UsageError(option + ": '" + item + "' is given twice in '" + text + "'" +
                       (items[i] == item ? "" : " (as '" + items[i] + "')"));
    }
    values.push_back(value);
    items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}

struct BenchArgs {
  std::string preset = "small";
  std::string block_sizes = "128,256,512";
  std::string solvers = "evd,cn,ndb,cbshv";
  std::string modes = "sequential,layerwise,device";
  std::string precisions = "fp32";
  std::string scaling = "pi";
  std::string device_symmetric = "auto";
  int root_freq = 1;
  int repeats = 5;
  int warmup = 1;
  std::string json_out, plot_out;
};

bench::BenchPlan make_plan(const BenchArgs& a) {
  bench::BenchPlan plan;
  plan.preset = bench::resolve_preset(a.preset, bench::this_machine_memory());
  plan.block_sizes = parse_list(a.block_sizes, "--block-size", [](const std::string& s) {
    std::size_t used = 0;
    int b = 0;
    try {
      b = std::stoi(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || b < 1) {
      throw UsageError("--block-size: '" + s + "' is not an integer from 1 to " +
                       std::to_string(std::numeric_limits<int>::max()));
    }
    return b;
  });
  plan.solvers = parse_list(a.solvers, "--solvers", [](const std::string& s) {
    const auto m = parse_root_method(s);
    if (m == RootMethod::automatic) throw UsageError("--solvers: name the solvers (evd, cn, ndb, cbshv), not auto");
    return m;
  });
  plan.modes = parse_list(a.modes, "--modes", [](const std::string& s) { return parse_stacking_mode(s); });
  plan.precisions = parse_list(a.precisions, "--precision", [](const std::string& s) {
    Precision p = Precision::fp32;
    try {
      p = parse_precision(s);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--precision: ") + e.what());
    }
    if (p == Precision::fp64) throw UsageError("--precision: fp64 is not benched (accepted: fp32, tf32, fp16, bf16)");
    return p;
  });
  try {
    plan.scaling = parse_scaling(a.scaling);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--scaling: ") + e.what());
  }
  try {
    plan.device_symmetric = parse_device_symmetric(a.device_symmetric);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--device-symmetric: ") + e.what());
  }
  if (a.root_freq < 1) throw UsageError("--root-freq must be >= 1");
  if (a.repeats < 1) throw UsageError("--repeats must be >= 1");
  if (a.warmup < 0) throw UsageError("--warmup must be >= 0");
  plan.root_freq = a.root_freq;
  plan.timing = {a.warmup, a.repeats};
  return plan;
}

}  // namespace

Action register_bench(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand(
      "bench", "time full optimizer steps per solver x stacking mode x block size (the DASH paper's table)");
  cmd->add_option("--preset", args->preset, "small | llama-953m | a preset file NAME.json")->capture_default_str();
  cmd->add_option("--block-size", args->block_sizes, "block sizes, comma-separated")->capture_default_str();
  cmd->add_option("--solvers", args->solvers, "inverse-root solvers: evd,cn,ndb,cbshv")->capture_default_str();
  cmd->add_option("--modes", args->modes, "stacking modes: sequential,layerwise,device")->capture_default_str();
  cmd->add_option("--precision", args->precisions, "solver matmul precisions: fp32,tf32,fp16,bf16")
      ->capture_default_str();
  cmd->add_option("--scaling", args->scaling, "scale estimate of the iterative solvers: pi, pim, fro")
      ->capture_default_str();
  cmd->add_option("--device-symmetric", args->device_symmetric,
                  "GPU vendor path: symmetric products as full, lower_triangle (three half-size GEMMs) or auto")
      ->capture_default_str();
  cmd->add_option(
         "--root-freq", args->root_freq,
         "inverse roots every F steps; each timed repeat runs F steps and reports their mean (the amortised step)")
      ->capture_default_str();
  cmd->add_option("--repeats", args->repeats, "timed repeats per configuration (the median is reported)")
      ->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "untimed warm-up repeats per configuration")->capture_default_str();
  cmd->add_option("--json", args->json_out, "write the JSON report to this file");
  cmd->add_option("--plot", args->plot_out, "draw a PNG chart with gnuplot to this file");
  return [args] {
    const auto plan = make_plan(*args);
    if (!args->plot_out.empty() && !gnuplot_available()) {  // fail before the run, not after it
      throw std::runtime_error(
          "--plot: gnuplot is not installed (Debian: apt-get install gnuplot-nox, or run "
          "scripts/bootstrap.sh)");
    }
    // --json and --plot are replaced together after the run, or not at all; both are checked before the run.
    io::OutputSet outputs;
    if (!args->json_out.empty()) outputs.reserve(args->json_out);
    if (!args->plot_out.empty()) outputs.reserve(args->plot_out);
    std::cout << "kdash bench: preset " << plan.preset.name << " (" << plan.preset.description << "; "
              << plan.preset.params.size() << " parameters, " << plan.preset.numel() << " elements)\n"
              << std::flush;
    const auto report = bench::run_bench(plan);
    std::printf("machine %s, backend %s, Kokkos %s, %d threads\n", report.machine.c_str(), report.backend.c_str(),
                report.kokkos_version.c_str(), report.threads);
    std::printf("host BLAS/LAPACK %s\n", report.blas.c_str());
    std::printf("calibration peak %.1f GFLOP/s (GEMM 1024^3, %s, median over the run)\n", report.peak_gflops,
                to_string(plan.precisions.front()).c_str());
    std::printf("scaling %s; root every %d step(s); median of %d interleaved repeats after %d warm-up\n",
                to_string(plan.scaling).c_str(), plan.root_freq, plan.timing.repeats, plan.timing.warmup);
    std::cout << bench::format_table(report) << std::flush;
    for (const auto& w : report.blas_warnings) std::fprintf(stderr, "kdash bench: WARNING: %s\n", w.c_str());
    if (!args->json_out.empty()) outputs.write(args->json_out, {bench::to_json(report).dump(2), "\n"});
    if (!args->plot_out.empty()) {
      const std::string title = "kdash bench, preset " + plan.preset.name + ", " + report.backend + " " +
                                std::to_string(report.threads) + " threads";
      const std::string png =
          render_to_bytes(args->plot_out, [&](const std::string& path) { bench::plot_report(report, path, title); });
      outputs.write(args->plot_out, {png});
    }
    outputs.commit();
    if (!args->json_out.empty()) std::cout << "wrote " << args->json_out << "\n";
    if (!args->plot_out.empty()) std::cout << "wrote " << args->plot_out << "\n";
    return 0;
  };
}

}  // namespace kdash::tools
