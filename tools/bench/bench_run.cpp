#include "bench/bench_run.hpp"

#include "bench/blas_health.hpp"
#include "bench/calibration.hpp"
#include "bench/flop_model.hpp"
#include "bench/progress_bar.hpp"
#include "bench/step_engine.hpp"

#include <kdash/backends/execution.hpp>
#include <kdash/backends/host/host_blas.hpp>
#include <kdash/backends/kokkos_compat.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

namespace kdash::tools::bench {
namespace {

// blas_health.hpp's checks of the host BLAS, for host backends (a device backend's calibration GEMM is the GPU's).
std::vector<std::string> host_blas_warnings(int threads, double calibration_gflops) {
  if (!is_host_space_v<DefaultExecSpace>) return {};
  std::ifstream file("/proc/cpuinfo");
  const std::string cpuinfo((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto blas = backends::host::blas_library_info();
  return blas_warnings({blas.library, blas.version, blas.kernel, parse_cpuinfo(cpuinfo), threads, calibration_gflops});
}

}  // namespace

BenchReport run_bench(const BenchPlan& plan, std::FILE* progress) {
  if (plan.root_freq < 1) throw std::invalid_argument("--root-freq must be >= 1");
  BenchReport report;
  report.machine = machine_description();
  report.backend = DefaultExecSpace::name();
  report.kokkos_version = compat::kokkos_version_string();
  report.threads = compat::concurrency(DefaultExecSpace());
  report.blas = backends::host::blas_description();

  const int groups = int(plan.precisions.size() * plan.solvers.size() * plan.block_sizes.size());
  ProgressBar bar(groups + int(plan.precisions.size()), progress);
  // The calibration GEMMs of each precision (calibration.hpp): 5 samples now (the first ones also warm up), then
  // one more per repeat round of every configuration of that precision; the peak uses the median of all samples.
  std::map<Precision, std::unique_ptr<CalibrationGemm>> calibration;
  for (auto prec : plan.precisions) {
    bar.start("calibration GEMM 1024^3 " + to_string(prec));
    auto& c = calibration[prec] = std::make_unique<CalibrationGemm>(prec);
    for (int i = 0; i < 5; ++i) c->sample();
    char msg[96];
    std::snprintf(msg, sizeof msg, "%.1f GFLOP/s", c->median_gflops());
    bar.done(msg);
  }
  // Said now, before the long run, and kept in the report. The fp32 calibration (if run) is the BLAS's own speed.
  {
    const Precision own = calibration.count(Precision::fp32) ? Precision::fp32 : plan.precisions.front();
    report.blas_warnings = host_blas_warnings(report.threads, calibration.at(own)->median_gflops());
    bar.finish();
    for (const auto& w : report.blas_warnings) std::fprintf(stderr, "kdash bench: WARNING: %s\n", w.c_str());
  }

  // The modes of one (precision, solver, block size) are timed interleaved, repeat by repeat, so that a change in
  // the machine's load during the run (a shared machine) hits every mode alike and the speed-ups stay honest. That
  // needs every mode's optimizer alive at once; past kInterleaveLimit parameters (llama-953m: ~40 GB of state per
  // optimizer at B = 1024) the modes run one after the other instead.
  constexpr std::int64_t kInterleaveLimit = 50'000'000;
  const bool interleave = plan.preset.numel() <= kInterleaveLimit;
  std::set<RootMethod> unavailable;
  for (auto prec : plan.precisions) {
    for (auto solver : plan.solvers) {
      for (int b : plan.block_sizes) {
        bar.start(to_string(solver) + " B=" + std::to_string(b) + " " + to_string(prec));
        if (unavailable.count(solver)) {
          bar.done("skipped");
          continue;
        }
        FlopModelOptions fm;
        fm.block_size = b;
        fm.solver = solver;
        fm.root_freq = plan.root_freq;
        const StepFlops model = step_flops(plan.preset, fm);
        std::vector<double> medians(plan.modes.size()), flops(plan.modes.size());
        // Work of one step: statistics and direction from the model, roots from the iterations each factor used
        // in the engine's last root computation, amortised over root_freq.
        auto step_work = [&](const StepEngine& engine) {
          return model.statistics + model.direction + engine.last_root_flops() / plan.root_freq;
        };
        try {
          // One timed unit is root_freq consecutive steps (exactly one of which computes roots), so its time divided
          // by root_freq is the amortised step time the FLOP model describes.
          auto unit = [&](StepEngine& engine) {
            return time_once_ms([&] {
                     for (int s = 0; s < plan.root_freq; ++s) engine.step();
                   }) /
                   plan.root_freq;
          };
          auto make = [&](StackingMode mode) {
            auto engine = make_step_engine(
                plan.preset, StepConfig{solver, mode, b, prec, plan.root_freq, plan.scaling, plan.device_symmetric});
            for (int w = 0; w < plan.timing.warmup; ++w) unit(*engine);
            return engine;
          };
          if (interleave) {
            std::vector<std::unique_ptr<StepEngine>> engines;
            for (auto mode : plan.modes) engines.push_back(make(mode));
            std::vector<std::vector<double>> samples(plan.modes.size());
            for (int r = 0; r < plan.timing.repeats; ++r) {
              for (std::size_t m = 0; m < engines.size(); ++m) samples[m].push_back(unit(*engines[m]));
              calibration[prec]->sample();
            }
            for (std::size_t m = 0; m < engines.size(); ++m) {
              medians[m] = median(samples[m]);
              flops[m] = step_work(*engines[m]);
            }
          } else {
            for (std::size_t m = 0; m < plan.modes.size(); ++m) {
              auto engine = make(plan.modes[m]);
              std::vector<double> samples;
              for (int r = 0; r < plan.timing.repeats; ++r) {
                samples.push_back(unit(*engine));
                calibration[prec]->sample();
              }
              medians[m] = median(samples);
              flops[m] = step_work(*engine);
            }
          }
        } catch (const std::invalid_argument& e) {
          if (std::string(e.what()).find("not available") == std::string::npos) throw;
          unavailable.insert(solver);
          bar.finish();
          std::fprintf(stderr, "kdash bench: solver %s skipped: %s\n", to_string(solver).c_str(), e.what());
          bar.done("skipped");
          continue;
        }
        std::string summary;
        for (std::size_t m = 0; m < plan.modes.size(); ++m) {
          BenchRecord r;
          r.solver = to_string(solver);
          r.mode = to_string(plan.modes[m]);
          r.block_size = b;
          r.precision = to_string(prec);
          r.median_ms = medians[m];
          r.gflops = flops[m] / (medians[m] * 1e-3) * 1e-9;
          report.results.push_back(r);
          char msg[96];
          std::snprintf(msg, sizeof msg, "%s%s %.2f ms", m ? ", " : "", r.mode.c_str(), r.median_ms);
          summary += msg;
        }
        bar.done(summary);
      }
    }
  }
  bar.finish();
  for (auto& r : report.results) {
    const double peak = calibration.at(parse_precision(r.precision))->median_gflops();
    r.peak_fraction = peak > 0 ? r.gflops / peak : 0;
  }
  // The report's single peak is the first precision's; each record's fraction uses its own precision's peak.
  report.peak_gflops = calibration.at(plan.precisions.front())->median_gflops();
  compute_speedups(report.results);
  return report;
}

}  // namespace kdash::tools::bench
