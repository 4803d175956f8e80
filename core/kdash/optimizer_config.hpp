// kdash::Config: every option of the DASH optimizer (SPEC §1, §3, §4) with the reference defaults.
// (Named optimizer_config.hpp because <kdash/config.hpp> is the generated build-configuration header.)
#pragma once

#include <kdash/solvers/root_options.hpp>

#include <cstdint>
#include <string>

namespace kdash {

// decoupled: W <- W (1 - lr wd) before the update (AdamW style); l2: G <- G + wd W before everything else.
// Both apply to parameters of rank >= 2 only (biases and norm gains are never decayed, SPEC §1).
enum class WeightDecayMode { decoupled, l2 };
// How blocks are grouped into stacks (SPEC §2); all three give the same numbers.
enum class StackingMode { sequential, layerwise, device };
// The first-order method whose per-block step norm the Shampoo direction is grafted onto.
enum class GraftingType { adam, adagrad, rmsprop, sgd };
// What 1-D parameters use: AdamW (beta1 0.9, beta2 0.95, eps 1e-8, no weight decay) or one-sided Shampoo on
// length-block_size segments (the paper's choice).
enum class OneDimMode { adamw, shampoo };
// A block whose gradient holds NaN/Inf: skip its update (counted in the metrics) or throw naming it.
enum class NonFinitePolicy { skip, error };

// Upper bounds of the options whose cost (time, memory) grows with their value long after the accuracy they buy has
// saturated. Config::validate and the kdash root tool reject larger values, naming the option and the bound.
namespace limits {
inline constexpr int newton_steps = 1000;   // Newton iterations converge quadratically: tens suffice
inline constexpr int pi_steps = 10000;      // power iteration: enough for an eigenvalue gap ratio of 0.999
inline constexpr int pim_vectors = 1024;    // start vectors: beyond the block size they add nothing
inline constexpr int cheb_degree = 1000;    // one GEMM per degree per root
inline constexpr int cheb_nodes = 1000000;  // the fit costs nodes x degree; 50x the degree already converges
}  // namespace limits

struct Config {
  double lr = 1e-3;
  double weight_decay = 0.0;
  WeightDecayMode weight_decay_mode = WeightDecayMode::decoupled;
  int block_size = 1024;
  StackingMode stacking = StackingMode::device;

  // Inverse roots (SPEC §3), passed to kdash::inverse_root through to_root_options().
  RootMethod solver = RootMethod::evd;
  int root_freq = 10;              // inv_root_freq
  long long start_prec_step = -1;  // first preconditioned step; <= 1: from step 1
  double eps_root = 1e-10;         // ridge eps_inv_root
  Scaling scaling = Scaling::pi;
  int newton_steps = 10;
  double tolerance = 1e-6;
  int pi_steps = 10;
  double pi_const = 2.0;
  int pim_vectors = 16;
  int cheb_degree = 20;
  int cheb_nodes = 10000;
  Precision precision = Precision::fp32;
  backends::GemmPath gemm_path = backends::GemmPath::automatic;
  // Largest working set of one solver call, MiB: a factor stack whose roots would need more is solved in slices
  // (a solver holds ~10 temporaries the size of its input). 0: one call per stack, however large.
  double root_batch_mb = 4096;
  std::uint64_t seed = 0;

  // The step (SPEC §1).
  double beta_g = 0.9;       // gradient EMA; 0 disables it
  double beta_lr = 0.95;     // factor statistics EMA; >= 1: plain sums (AdaGrad style)
  double beta_graft = 0.95;  // grafting second-moment EMA (adam, rmsprop)
  double eps_graft = 1e-8;
  double mu = 0.0;  // momentum; 0 disables it
  bool nesterov = true;
  bool bias_correction = true;
  GraftingType grafting = GraftingType::adam;
  OneDimMode one_dim = OneDimMode::shampoo;

  // Robustness (SPEC §4).
  int max_failures = 5;  // more consecutive root failures of one block than this is an error
  NonFinitePolicy nonfinite_policy = NonFinitePolicy::skip;
  std::string dump_dir;  // when set, failing factor matrices are written there as .npy

  // Throws std::invalid_argument naming the first invalid option (NaN, out of range, ...).
  void validate() const;
  // The solver knobs of this configuration; p is set per factor by the optimizer (4 two-sided, 2 one-sided).
  RootOptions to_root_options() const;
};

std::string to_string(WeightDecayMode m);
std::string to_string(StackingMode m);
std::string to_string(GraftingType g);
std::string to_string(OneDimMode m);
std::string to_string(NonFinitePolicy p);
std::string to_string(backends::GemmPath p);
// Parse the names above (the same spelling as the JSON values); unknown names throw std::invalid_argument listing
// the accepted ones.
WeightDecayMode parse_weight_decay_mode(const std::string& name);
StackingMode parse_stacking_mode(const std::string& name);
GraftingType parse_grafting_type(const std::string& name);
OneDimMode parse_one_dim_mode(const std::string& name);
NonFinitePolicy parse_nonfinite_policy(const std::string& name);
backends::GemmPath parse_gemm_path(const std::string& name);

}  // namespace kdash
