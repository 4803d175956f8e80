// The optimizers `kdash train` compares, behind one interface: Adam (the baseline, here) and DASH (kdash::Optimizer,
// dash_param_optimizer.cpp).
#pragma once

#include "train/mlp.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kdash::tools::train {

class ParamOptimizer {
 public:
  virtual ~ParamOptimizer() = default;
  virtual std::string name() const = 0;
  // Updates every Param::value from its Param::grad.
  virtual void step(std::vector<Param>& params) = 0;
};

struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};
// Adam (Kingma & Ba 2015) with bias correction, no weight decay.
std::unique_ptr<ParamOptimizer> make_adam(const std::vector<Param>& params, const AdamOptions& options);

}  // namespace kdash::tools::train

namespace kdash::tools::train {

struct DashOptions {
  double lr = 1e-3;
  int block_size = 64;
  std::string solver = "evd";
  int root_freq = 1;
  std::uint64_t seed = 0;
};
// DASH (kdash::Optimizer) over the same parameters; bad options throw std::invalid_argument naming them.
std::unique_ptr<ParamOptimizer> make_dash(const std::vector<Param>& params, const DashOptions& options);

}  // namespace kdash::tools::train
