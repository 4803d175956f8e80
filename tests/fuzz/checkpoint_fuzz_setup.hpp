// The optimizer the checkpoint fuzz target loads into and tests/fuzz/make_checkpoint_corpus.cpp saves its seeds from:
// a matrix split into four blocks, a vector and a scalar, with every optional state (EMA, grafting, momentum) on,
// and fixed parameters and gradients.
#pragma once

#include <kdash/optimizer.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstddef>
#include <vector>

namespace kdash::fuzz {

inline std::vector<ParamSpec> checkpoint_fuzz_specs() { return {{"w", {6, 5}}, {"b", {3}}, {"s", {}}}; }

inline Config checkpoint_fuzz_config() {
  Config c;
  c.block_size = 4;
  c.root_freq = 2;
  c.momentum = 0.5;
  c.weight_decay = 0.01;
  return c;
}

// Parameters and gradients for checkpoint_fuzz_specs(): parameters from reset(), gradients of step t from step(t).
class CheckpointFuzzRun {
 public:
  CheckpointFuzzRun() {
    for (const ParamSpec& s : checkpoint_fuzz_specs()) {
      const auto n = static_cast<std::size_t>(numel(s));
      params_.emplace_back("kdash::fuzz::param", n);
      grads_.emplace_back("kdash::fuzz::grad", n);
    }
    reset();
  }

  void reset() { fill(params_, 0); }

  // One optimizer step with gradients sin(k + 7t) (k: index within the parameter); std::runtime_error passes through.
  void step(Optimizer<>& opt, int t) {
    fill(grads_, 7 * t);
    opt.step(params_, std::vector<GradView>(grads_.begin(), grads_.end()));
    Kokkos::fence();
  }

 private:
  static void fill(std::vector<ParamView>& views, int offset) {
    for (auto& v : views) {
      auto h = Kokkos::create_mirror_view(v);
      for (std::size_t k = 0; k < h.extent(0); ++k) h(k) = static_cast<float>(std::sin(double(k + offset)));
      Kokkos::deep_copy(v, h);
    }
  }

  std::vector<ParamView> params_, grads_;
};

}  // namespace kdash::fuzz
