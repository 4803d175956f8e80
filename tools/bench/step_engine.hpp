// What `kdash bench` times: one optimizer step of a preset's parameters with synthetic gradients, for one
// (solver, stacking mode, block size, precision) configuration.
#pragma once

#include "bench/model_preset.hpp"

#include <kdash/optimizer_config.hpp>

#include <memory>
#include <string>

namespace kdash::tools::bench {

struct StepConfig {
  RootMethod solver = RootMethod::evd;
  StackingMode mode = StackingMode::device;
  int block_size = 512;
  Precision precision = Precision::fp32;
  int root_freq = 1;
  Scaling scaling =
      Scaling::power_iteration;  // the iterative solvers' scale estimate (power iteration, the reference default)
  backends::DeviceSymmetricForm device_symmetric = backends::DeviceSymmetricForm::automatic;  // GPUs only
};

class StepEngine {
 public:
  virtual ~StepEngine() = default;
  // One full step; may return before the device work ends (the timer fences).
  virtual void step() = 0;
  // The flops of the last inverse-root computation, from the iterations each factor used (flop_model.hpp).
  virtual double last_root_flops() const = 0;
};

// A kdash::Optimizer over the preset's parameters (every option at its default except those of `config`), with
// random parameters and a fixed random gradient per parameter (synthetic: the step's cost does not depend on the
// values). Allocates everything up front (not timed).
std::unique_ptr<StepEngine> make_step_engine(const ModelPreset& preset, const StepConfig& config);

}  // namespace kdash::tools::bench
