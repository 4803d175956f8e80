// kdash::Config: every option of the DASH optimizer (design.md §1, §3, §4) with the reference defaults.
// (Named optimizer_config.hpp because <kdash/config.hpp> is the generated build-configuration header.)
#pragma once

#include <kdash/solvers/root_options.hpp>

#include <cstdint>
#include <string>

namespace kdash {

// decoupled: W <- W (1 - lr wd) before the update (AdamW style); l2: G <- G + wd W before everything else.
// Both apply to parameters of rank >= 2 only (biases and norm gains are never decayed, design.md §1).
enum class WeightDecayMode { decoupled, l2 };
// How blocks are grouped into stacks (design.md §2); all three give the same numbers.
enum class StackingMode { sequential, layerwise, device };
// The first-order method whose per-block step norm the Shampoo direction is grafted onto.
enum class GraftingType { adam, adagrad, rmsprop, sgd };
// What 1-D parameters use: AdamW (beta1 0.9, beta2 0.95, eps 1e-8, no weight decay) or one-sided Shampoo on
// length-block_size segments (the paper's choice).
enum class OneDimMode { adamw, shampoo };
// A block whose gradient holds NaN/Inf: skip its update (counted in the metrics) or throw naming it.
enum class NonFinitePolicy { skip, error };

struct Config {
  double lr = 1e-3;
  double weight_decay = 0.0;
  WeightDecayMode weight_decay_mode = WeightDecayMode::decoupled;
  int block_size = 1024;
  StackingMode stacking = StackingMode::device;

  // Inverse roots (design.md §3): the solver options (kdash::RootOptions, validated by validate_root_options; p is
  // set per factor: 4 two-sided, 2 one-sided), how often roots are recomputed, from which step, and in how large
  // slices.
  RootOptions root;
  int root_freq = 10;              // key "inv_root_freq" in the reference, "root_freq" here
  long long start_prec_step = -1;  // first preconditioned step; <= 1: from step 1
  // Largest working set of one solver call, MiB: a factor stack whose roots would need more is solved in slices
  // (a solver holds ~10 temporaries the size of its input). 0: one call per stack, however large.
  double root_batch_mb = 4096;

  // The step (design.md §1).
  double beta_g = 0.9;            // gradient EMA; 0 disables it
  double beta_statistics = 0.95;  // factor statistics EMA (key "beta_lr"); >= 1: plain sums (AdaGrad style)
  double beta_graft = 0.95;       // grafting second-moment EMA (adam, rmsprop)
  double eps_graft = 1e-8;
  double momentum = 0.0;  // key "mu"; 0 disables it
  bool nesterov = true;
  bool bias_correction = true;
  GraftingType grafting = GraftingType::adam;
  OneDimMode one_dim = OneDimMode::shampoo;

  // Robustness (design.md §4).
  int max_failures = 5;  // more consecutive root failures of one block than this is an error
  NonFinitePolicy nonfinite_policy = NonFinitePolicy::skip;
  std::string dump_dir;  // when set, failing factor matrices are written there as .npy

  // Throws std::invalid_argument naming the first invalid option (NaN, out of range, ...) by its configuration key.
  void validate() const;
};

std::string to_string(WeightDecayMode m);
std::string to_string(StackingMode m);
std::string to_string(GraftingType g);
std::string to_string(OneDimMode m);
std::string to_string(NonFinitePolicy p);
std::string to_string(backends::GemmPath p);
std::string to_string(backends::DeviceSymmetricForm f);
// Parse the names above (the same spelling as the JSON values); unknown names throw std::invalid_argument listing
// the accepted ones.
WeightDecayMode parse_weight_decay_mode(const std::string& name);
StackingMode parse_stacking_mode(const std::string& name);
GraftingType parse_grafting_type(const std::string& name);
OneDimMode parse_one_dim_mode(const std::string& name);
NonFinitePolicy parse_nonfinite_policy(const std::string& name);
backends::GemmPath parse_gemm_path(const std::string& name);
backends::DeviceSymmetricForm parse_device_symmetric(const std::string& name);

}  // namespace kdash
