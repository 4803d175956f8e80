// Replaying an optimizer trajectory from files (the `kdash replay` tool, design.md §8): the hook for comparing kdash
// with another Shampoo implementation on the same gradient sequence.
//
//   params_dir/<name>.npy   initial value of each parameter (float32 or float64, any rank; names from the files)
//   grads_dir/<name>.npy    its gradients for T steps, shape (T, *param_shape)
//   out_dir/<name>.npy      the parameters after T steps (float32)
//   out_dir/<name>.trace.npy  with trace: the parameters after every step, shape (T, *param_shape)
#pragma once

#include <kdash/distributed/communicator.hpp>
#include <kdash/metrics.hpp>
#include <kdash/optimizer_config.hpp>

#include <memory>
#include <string>
#include <vector>

namespace kdash {

struct ReplayOptions {
  Config config;
  std::string params_dir, grads_dir, out_dir;
  bool trace = false;
  // Distributed replay (design.md §5): every rank reads the inputs and runs its blocks; rank 0 alone writes the
  // outputs, which equal the single-process ones. Null: one process.
  std::shared_ptr<distributed::Communicator> comm;
};

struct ReplayResult {
  std::vector<std::string> params;  // in the order the optimizer saw them (sorted by name)
  std::int64_t steps = 0;
  Metrics metrics;
};

// Input problems (missing directory or file, malformed .npy, shape mismatches, differing step counts, a gradient
// file without a parameter, a non-finite initial value) throw std::invalid_argument naming the file; optimizer
// failures, a parameter that becomes non-finite (naming it and the step) and unwritable outputs throw
// std::runtime_error. The outputs are reserved before the first step (an unwritable out_dir fails at once) and
// replaced all together after the last, or not at all (kdash/io/output_set.hpp).
ReplayResult replay(const ReplayOptions& options);

}  // namespace kdash
