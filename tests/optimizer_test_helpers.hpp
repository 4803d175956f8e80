// Helpers shared by the optimizer tests (checkpoint, partition, replay, step, the distributed optimizer): a small
// configuration, parameters with their gradient buffers and random steps, and a check that a call throws an error
// naming the problem.
#pragma once

#include <kdash/optimizer.hpp>

#include <gtest/gtest.h>
#include <Kokkos_Core.hpp>

#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace kdash::testing {

// Block size 4 with every optional state on: roots every 3 steps, momentum, weight decay.
inline Config test_config() {
  Config c;
  c.block_size = 4;
  c.lr = 0.01;
  c.root_freq = 3;
  c.momentum = 0.5;
  c.weight_decay = 0.01;
  return c;
}

// Parameters uniform in [-1, 1) drawn from `seed`, and a gradient buffer of the same size for each, in the memory of
// execution space `Space` (the optimizer it steps is an Optimizer<Space>).
template <class Space>
struct OptimizerHarness {
  using Optimizer = kdash::Optimizer<Space>;
  using ParamView = typename Optimizer::ParamView;
  using GradView = typename Optimizer::GradView;

  std::vector<ParamView> params;
  std::vector<ParamView> grads;

  OptimizerHarness(const std::vector<ParamSpec>& specs, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-1, 1);
    for (const auto& s : specs) {
      const auto n = static_cast<std::size_t>(numel(s));
      params.emplace_back("p", n);
      grads.emplace_back("g", n);
      auto h = Kokkos::create_mirror_view(params.back());
      for (std::size_t k = 0; k < n; ++k) h(k) = dist(gen);
      Kokkos::deep_copy(params.back(), h);
    }
  }

  // One optimizer step with gradients uniform in [-1, 1) drawn from `seed`.
  void random_step(Optimizer& opt, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-1, 1);
    std::vector<GradView> gv;
    for (auto& g : grads) {
      auto h = Kokkos::create_mirror_view(g);
      for (std::size_t k = 0; k < h.extent(0); ++k) h(k) = dist(gen);
      Kokkos::deep_copy(g, h);
      gv.push_back(g);
    }
    opt.step(params, gv);
  }

  std::vector<std::vector<float>> values() const {
    std::vector<std::vector<float>> out;
    for (const auto& p : params) {
      auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), p);
      out.emplace_back(h.data(), h.data() + h.extent(0));
    }
    return out;
  }

  void set(const std::vector<std::vector<float>>& v) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto h = Kokkos::create_mirror_view(params[i]);
      for (std::size_t k = 0; k < v[i].size(); ++k) h(k) = v[i][k];
      Kokkos::deep_copy(params[i], h);
    }
  }
};

// f() throws an Error whose message contains `what`.
template <class Error, class F>
void expect_error_naming(F&& f, const std::string& what) {
  try {
    f();
    FAIL() << "no exception; expected one naming '" << what << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

}  // namespace kdash::testing
