// One `kdash bench` run: every (precision, solver, block size, mode) configuration of a preset timed, with the
// calibration peak of each precision measured first in the same run.
#pragma once

#include "bench/bench_report.hpp"
#include "bench/median_timer.hpp"
#include "bench/model_preset.hpp"

#include <kdash/optimizer_config.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace kdash::tools::bench {

struct BenchPlan {
  ModelPreset preset;
  std::vector<int> block_sizes{128, 256, 512};
  std::vector<RootMethod> solvers{RootMethod::evd, RootMethod::coupled_newton, RootMethod::newton_denman_beavers,
                                  RootMethod::chebyshev};
  std::vector<StackingMode> modes{StackingMode::sequential, StackingMode::layerwise, StackingMode::device};
  std::vector<Precision> precisions{Precision::fp32};
  int root_freq = 1;
  Scaling scaling = Scaling::power_iteration;
  backends::DeviceSymmetricForm device_symmetric = backends::DeviceSymmetricForm::automatic;
  TimingOptions timing{1, 5};
};

// Runs the plan; progress goes to `progress` (a bar when it is a TTY), notes (skipped solvers) to stderr.
BenchReport run_bench(const BenchPlan& plan, std::FILE* progress = stderr);

}  // namespace kdash::tools::bench
