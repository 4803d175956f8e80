#include "bench/bench_run.hpp"

#include "bench/calibration.hpp"
#include "bench/flop_model.hpp"
#include "bench/progress_bar.hpp"
#include "bench/step_engine.hpp"

#include <kdash/backends/execution.hpp>
#include <kdash/backends/kokkos_compat.hpp>

#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

namespace kdash::tools::bench {

BenchReport run_bench(const BenchPlan& plan, std::FILE* progress) {
  if (plan.root_freq < 1) throw std::invalid_argument("--root-freq must be >= 1");
  BenchReport report;
  report.machine = machine_description();
  report.backend = ExecSpace::name();
  report.kokkos_version = compat::kokkos_version_string();
  report.threads = compat::concurrency(ExecSpace());

  const int configs = int(plan.precisions.size() * plan.solvers.size() * plan.block_sizes.size() * plan.modes.size());
  ProgressBar bar(configs + int(plan.precisions.size()), progress);
  std::map<Precision, double> peak;
  for (auto prec : plan.precisions) {
    bar.start("calibration GEMM 1024^3 " + to_string(prec));
    const auto c = calibrate_peak(prec);
    peak[prec] = c.gflops;
    char msg[96];
    std::snprintf(msg, sizeof msg, "%.1f GFLOP/s", c.gflops);
    bar.done(msg);
  }
  // The report's single peak is the first precision's; each record's fraction uses its own precision's peak.
  report.peak_gflops = peak[plan.precisions.front()];

  std::set<RootMethod> unavailable;
  for (auto prec : plan.precisions) {
    for (auto solver : plan.solvers) {
      for (int b : plan.block_sizes) {
        FlopModelOptions fm;
        fm.block_size = b;
        fm.solver = solver;
        fm.root_freq = plan.root_freq;
        const double flops = step_flops(plan.preset, fm).total();
        for (const auto& mode : plan.modes) {
          const std::string label = to_string(solver) + " " + mode + " B=" + std::to_string(b) + " " + to_string(prec);
          bar.start(label);
          if (unavailable.count(solver)) {
            bar.done("skipped");
            continue;
          }
          StepConfig config{solver, mode, b, prec, plan.root_freq};
          double ms = 0;
          try {
            auto engine = make_step_engine(plan.preset, config);
            // One timed unit is root_freq consecutive steps (exactly one of which computes roots), so the median
            // is the amortised step time the FLOP model describes.
            ms = median_ms(
                     [&] {
                       for (int s = 0; s < plan.root_freq; ++s) engine->step();
                     },
                     plan.timing) /
                 plan.root_freq;
          } catch (const std::invalid_argument& e) {
            if (std::string(e.what()).find("not available") == std::string::npos) throw;
            unavailable.insert(solver);
            bar.finish();
            std::fprintf(stderr, "kdash bench: solver %s skipped: %s\n", to_string(solver).c_str(), e.what());
            bar.done("skipped");
            continue;
          }
          BenchRecord r;
          r.solver = to_string(solver);
          r.mode = mode;
          r.block_size = b;
          r.precision = to_string(prec);
          r.median_ms = ms;
          r.gflops = flops / (ms * 1e-3) * 1e-9;
          r.peak_fraction = peak[prec] > 0 ? r.gflops / peak[prec] : 0;
          char msg[96];
          std::snprintf(msg, sizeof msg, "%.2f ms, %.1f GFLOP/s", ms, r.gflops);
          bar.done(msg);
          report.results.push_back(r);
        }
      }
    }
  }
  bar.finish();
  compute_speedups(report.results);
  return report;
}

}  // namespace kdash::tools::bench
