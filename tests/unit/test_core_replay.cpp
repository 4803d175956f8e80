// kdash::replay (the `kdash replay` tool's engine) on real .npy files in a temporary directory: the outputs are
// exactly what the optimizer computes on the same data, the trace holds every step, and bad inputs are rejected with
// messages naming the file.
#include <gtest/gtest.h>

#include <kdash/io/npy.hpp>
#include <kdash/optimizer.hpp>
#include <kdash/replay.hpp>

#include "optimizer_test_helpers.hpp"
#include "test_helpers.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>

namespace {

namespace fs = std::filesystem;
using kdash::testing::expect_error_naming;

class CoreReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("kdash_replay_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "p");
    fs::create_directories(root_ / "g");
    options_.params_dir = (root_ / "p").string();
    options_.grads_dir = (root_ / "g").string();
    options_.out_dir = (root_ / "out").string();
    options_.config.block_size = 4;
    options_.config.lr = 0.01;
    options_.config.root_freq = 2;
  }
  void TearDown() override { fs::remove_all(root_); }

  // A parameter file (float64) and T steps of gradients (float32), uniform random.
  void add(const std::string& name, const std::vector<std::size_t>& shape, std::size_t steps) {
    std::size_t n = 1;
    for (auto d : shape) n *= d;
    std::mt19937 gen(static_cast<unsigned>(name.size() * 7 + n));
    std::uniform_real_distribution<double> dist(-1, 1);
    std::vector<double> p(n);
    for (auto& x : p) x = dist(gen);
    std::vector<float> g(steps * n);
    for (auto& x : g) x = static_cast<float>(dist(gen));
    kdash::io::write_npy((root_ / "p" / (name + ".npy")).string(), shape, p.data());
    std::vector<std::size_t> gshape = {steps};
    gshape.insert(gshape.end(), shape.begin(), shape.end());
    kdash::io::write_npy((root_ / "g" / (name + ".npy")).string(), gshape, g.data());
    initial_[name] = p;
    grads_[name] = g;
    shapes_[name] = shape;
  }

  fs::path root_;
  kdash::ReplayOptions options_;
  std::map<std::string, std::vector<double>> initial_;
  std::map<std::string, std::vector<float>> grads_;
  std::map<std::string, std::vector<std::size_t>> shapes_;
};

TEST_F(CoreReplay, OutputsEqualTheOptimizerOnTheSameData) {
  const std::size_t steps = 5;
  add("w", {6, 5}, steps);
  add("conv", {2, 3, 2}, steps);
  add("bias", {7}, steps);
  add("gain", {}, steps);
  options_.trace = true;
  const kdash::ReplayResult r = kdash::replay(options_);
  EXPECT_EQ(r.steps, 5);
  EXPECT_EQ(r.params, (std::vector<std::string>{"bias", "conv", "gain", "w"}));

  // The same run, directly.
  std::vector<kdash::ParamSpec> specs;
  std::vector<kdash::ParamView> params;
  std::vector<kdash::ParamView> grads;
  for (const auto& name : r.params) {
    kdash::ParamSpec s{name, {}};
    for (auto d : shapes_[name]) s.shape.push_back(std::int64_t(d));
    specs.push_back(s);
    const std::size_t n = initial_[name].size();
    params.emplace_back("p", n);
    grads.emplace_back("g", n);
    auto h = Kokkos::create_mirror_view(params.back());
    for (std::size_t k = 0; k < n; ++k) h(k) = static_cast<float>(initial_[name][k]);
    Kokkos::deep_copy(params.back(), h);
  }
  kdash::Optimizer<> opt(specs, options_.config);  // replay runs on the default execution space
  for (std::size_t t = 0; t < steps; ++t) {
    std::vector<kdash::GradView> gv;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      auto h = Kokkos::create_mirror_view(grads[i]);
      const auto& g = grads_[specs[i].name];
      for (std::size_t k = 0; k < h.extent(0); ++k) h(k) = g[t * h.extent(0) + k];
      Kokkos::deep_copy(grads[i], h);
      gv.push_back(grads[i]);
    }
    opt.step(params, gv);
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const auto trace = kdash::io::read_npy((root_ / "out" / (specs[i].name + ".trace.npy")).string());
      auto h = kdash::testing::to_host(params[i]);
      ASSERT_EQ(trace.shape[0], steps);
      for (std::size_t k = 0; k < h.extent(0); ++k) ASSERT_EQ(trace.data[t * h.extent(0) + k], double(h(k)));
    }
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto out = kdash::io::read_npy((root_ / "out" / (specs[i].name + ".npy")).string());
    EXPECT_EQ(out.type, kdash::io::NpyType::f32);
    EXPECT_EQ(out.shape, shapes_[specs[i].name]);
    auto h = kdash::testing::to_host(params[i]);
    for (std::size_t k = 0; k < h.extent(0); ++k) ASSERT_EQ(out.data[k], double(h(k)));
  }
}

TEST_F(CoreReplay, BadInputNamesTheFile) {
  expect_error_naming<std::invalid_argument>([&] { kdash::replay(options_); }, "no .npy files");
  add("w", {4, 3}, 3);
  add("b", {3}, 2);
  expect_error_naming<std::invalid_argument>([&] { kdash::replay(options_); },
                                             "w.npy: 3 steps of gradients, but 'b' has 2");
  add("b", {3}, 3);
  {
    std::vector<float> g(3 * 5);
    kdash::io::write_npy((root_ / "g" / "b.npy").string(), {3, 5}, g.data());
  }
  expect_error_naming<std::invalid_argument>([&] { kdash::replay(options_); },
                                             "b.npy: gradient shape (3, 5) does not match");
  add("b", {3}, 3);
  {
    std::vector<float> g(3);
    kdash::io::write_npy((root_ / "g" / "orphan.npy").string(), {3}, g.data());
  }
  expect_error_naming<std::invalid_argument>([&] { kdash::replay(options_); }, "orphan.npy' has no parameter file");
  fs::remove(root_ / "g" / "orphan.npy");
  fs::remove(root_ / "g" / "w.npy");
  expect_error_naming<std::invalid_argument>([&] { kdash::replay(options_); }, "missing gradient file");
  {
    std::ofstream bad(root_ / "g" / "w.npy");
    bad << "not a numpy file";
  }
  expect_error_naming<std::invalid_argument>([&] { kdash::replay(options_); }, "w.npy");
  options_.grads_dir = (root_ / "nowhere").string();
  expect_error_naming<std::invalid_argument>([&] { kdash::replay(options_); }, "does not exist");
  options_.grads_dir = (root_ / "g").string();
  options_.config.block_size = 0;
  expect_error_naming<std::invalid_argument>([&] { kdash::replay(options_); }, "block_size");
}

// Parameters that become non-finite fail the run naming the parameter and the step, before anything is written; a
// non-finite initial value is an input error naming its file.
TEST_F(CoreReplay, NonFiniteParametersAreReported) {
  add("w", {4, 3}, 3);
  add("b", {3}, 3);
  options_.config.lr = 1e308;
  options_.config.start_prec_step = 100;  // grafted Adam steps of size ~lr: the first step overflows
  expect_error_naming<std::runtime_error>([&] { kdash::replay(options_); }, "non-finite after step 1");
  EXPECT_FALSE(fs::exists(root_ / "out")) << "the output directory the run created is removed again";
  options_.config.lr = 0.01;
  std::vector<double> w(12, 0.5);
  w[7] = std::numeric_limits<double>::infinity();
  kdash::io::write_npy((root_ / "p" / "w.npy").string(), {4, 3}, w.data());
  expect_error_naming<std::invalid_argument>([&] { kdash::replay(options_); }, "w.npy: 1 non-finite value");
  EXPECT_FALSE(fs::exists(root_ / "out" / "b.npy"));
}

}  // namespace
