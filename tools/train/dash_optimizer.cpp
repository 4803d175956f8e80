#include "train/param_optimizer.hpp"

#include <stdexcept>

namespace kdash::tools::train {

// Wired to kdash::Optimizer once the core lands in this branch.
std::unique_ptr<ParamOptimizer> make_dash(const std::vector<Param>&, const DashOptions&) {
  throw std::runtime_error("DASH is not available in this build yet (kdash::Optimizer); run --optimizers adam");
}

}  // namespace kdash::tools::train
