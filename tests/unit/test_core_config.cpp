// kdash::Config: reference defaults, validation naming the option, JSON keys and errors.
#include <gtest/gtest.h>

#include <kdash/config_json.hpp>
#include <kdash/optimizer.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace {

// Runs f, which must throw E, and checks that the message names `what`.
template <class E = std::invalid_argument, class F>
void expect_error_naming(F&& f, const std::string& what) {
  try {
    f();
    FAIL() << "no exception; expected one naming '" << what << "'";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << "message: " << e.what();
  }
}

TEST(CoreConfig, ReferenceDefaults) {
  const kdash::Config c;
  EXPECT_EQ(c.block_size, 1024);
  EXPECT_EQ(c.stacking, kdash::StackingMode::device);
  EXPECT_EQ(c.root_freq, 10);
  EXPECT_EQ(c.start_prec_step, -1);
  EXPECT_DOUBLE_EQ(c.beta_g, 0.9);
  EXPECT_DOUBLE_EQ(c.beta_statistics, 0.95);
  EXPECT_DOUBLE_EQ(c.beta_graft, 0.95);
  EXPECT_DOUBLE_EQ(c.eps_graft, 1e-8);
  EXPECT_DOUBLE_EQ(c.root.eps, 1e-10);
  EXPECT_DOUBLE_EQ(c.momentum, 0);
  EXPECT_TRUE(c.nesterov);
  EXPECT_TRUE(c.bias_correction);
  EXPECT_EQ(c.root.max_iterations, 10);
  EXPECT_DOUBLE_EQ(c.root.tolerance, 1e-6);
  EXPECT_EQ(c.root.power_iteration_steps, 10);
  EXPECT_DOUBLE_EQ(c.root.scale_margin, 2);
  EXPECT_EQ(c.root.power_iteration_vectors, 16);
  EXPECT_EQ(c.root.chebyshev_degree, 20);
  EXPECT_EQ(c.weight_decay_mode, kdash::WeightDecayMode::decoupled);
  EXPECT_EQ(c.grafting, kdash::GraftingType::adam);
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.root.method, kdash::RootMethod::evd);
  EXPECT_EQ(c.root.scaling, kdash::Scaling::power_iteration);
  EXPECT_EQ(c.root.chebyshev_nodes, 10000);
}

TEST(CoreConfig, ValidateNamesTheParameter) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto with = [](auto mutate) {
    kdash::Config c;
    mutate(c);
    return c;
  };
  expect_error_naming([&] { with([&](kdash::Config& c) { c.lr = nan; }).validate(); }, "lr");
  expect_error_naming([&] { with([](kdash::Config& c) { c.lr = -1; }).validate(); }, "lr");
  expect_error_naming([&] { with([](kdash::Config& c) { c.weight_decay = -0.1; }).validate(); }, "weight_decay");
  expect_error_naming([&] { with([](kdash::Config& c) { c.block_size = 0; }).validate(); }, "block_size");
  expect_error_naming([&] { with([](kdash::Config& c) { c.root_freq = 0; }).validate(); }, "root_freq");
  expect_error_naming([&] { with([&](kdash::Config& c) { c.beta_g = nan; }).validate(); }, "beta_g");
  expect_error_naming([&] { with([](kdash::Config& c) { c.beta_graft = 1; }).validate(); }, "beta_graft");
  expect_error_naming([&] { with([](kdash::Config& c) { c.beta_statistics = -0.5; }).validate(); }, "beta_lr");
  expect_error_naming([&] { with([](kdash::Config& c) { c.eps_graft = 0; }).validate(); }, "eps_graft");
  expect_error_naming([&] { with([](kdash::Config& c) { c.root.eps = -1e-3; }).validate(); }, "eps_root");
  expect_error_naming([&] { with([](kdash::Config& c) { c.momentum = 1.5; }).validate(); }, "mu");
  expect_error_naming([&] { with([](kdash::Config& c) { c.max_failures = -1; }).validate(); }, "max_failures");
  expect_error_naming([&] { with([](kdash::Config& c) { c.root_batch_mb = -1; }).validate(); }, "root_batch_mb");
  expect_error_naming([&] { with([](kdash::Config& c) { c.root_batch_mb = std::nan(""); }).validate(); },
                      "root_batch_mb");
  expect_error_naming([&] { with([&](kdash::Config& c) { c.root.tolerance = nan; }).validate(); }, "tolerance");
  expect_error_naming([&] { with([](kdash::Config& c) { c.root.usable_residual = -0.5; }).validate(); },
                      "usable_residual");
  // Not representable in JSON, so not in a checkpoint's config: refused rather than lost.
  expect_error_naming(
      [&] {
        with([](kdash::Config& c) { c.root.usable_residual = std::numeric_limits<double>::infinity(); }).validate();
      },
      "usable_residual");
  expect_error_naming([&] { with([](kdash::Config& c) { c.root.max_iterations = 0; }).validate(); }, "newton_steps");
  // A solver the build does not provide (or invalid solver options) fails at construction, naming the solver.
  try {
    kdash::Optimizer<> opt({{"w", {2, 2}}},
                           with([](kdash::Config& c) { c.root.method = kdash::RootMethod::chebyshev; }));
    SUCCEED() << "this build implements cbshv";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cbshv"), std::string::npos) << e.what();
  }
  // The optimizer refuses an invalid configuration too.
  expect_error_naming(
      [&] {
        kdash::Optimizer<>({{"w", {2, 2}}}, with([](kdash::Config& c) { c.block_size = 0; }));
      },
      "block_size");
}

TEST(CoreConfig, JsonRoundTripAndKeys) {
  kdash::Config c;
  c.lr = 0.25;
  c.weight_decay_mode = kdash::WeightDecayMode::l2;
  c.stacking = kdash::StackingMode::layerwise;
  c.root.method = kdash::RootMethod::coupled_newton;
  c.start_prec_step = 7;
  c.grafting = kdash::GraftingType::rmsprop;
  c.one_dim = kdash::OneDimMode::adamw;
  c.root.scaling = kdash::Scaling::frobenius;
  c.root.precision = kdash::Precision::bf16;
  c.root.seed = 123456789012345ull;
  c.root.device_symmetric = kdash::backends::DeviceSymmetricForm::lower_triangle;
  c.root.usable_residual = 0.25;
  c.nesterov = false;
  c.dump_dir = "dumps";
  const std::string text = kdash::config_to_json(c);
  const kdash::Config back = kdash::config_from_json(text);
  EXPECT_TRUE(kdash::config_differences(c, back).empty()) << text;
  // The JSON keys users write (docs/api.md), spelled exactly.
  for (const char* key : {"lr",        "weight_decay", "weight_decay_mode", "block_size",
                          "stacking",  "solver",       "root_freq",         "start_prec_step",
                          "beta_g",    "beta_lr",      "beta_graft",        "eps_graft",
                          "eps_root",  "mu",           "nesterov",          "bias_correction",
                          "grafting",  "one_dim",      "scaling",           "newton_steps",
                          "tolerance", "pi_steps",     "pi_const",          "cheb_degree",
                          "precision", "seed",         "max_failures"}) {
    EXPECT_NE(text.find(std::string("\"") + key + "\""), std::string::npos) << key;
  }
  EXPECT_NE(text.find("\"usable_residual\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"device_symmetric\""), std::string::npos) << text;
  const kdash::Config partial = kdash::config_from_json(R"({"block_size": 128, "solver": "auto", "mu": 0.5})");
  EXPECT_EQ(partial.block_size, 128);
  EXPECT_EQ(partial.root.method, kdash::RootMethod::automatic);
  EXPECT_EQ(partial.momentum, 0.5);
  EXPECT_EQ(partial.root_freq, 10);
  EXPECT_EQ(kdash::config_differences(kdash::Config{}, partial).size(), 3u);
}

TEST(CoreConfig, JsonErrorsNameTheKey) {
  expect_error_naming([] { kdash::config_from_json(R"({"learning_rate": 1})"); }, "learning_rate");
  expect_error_naming([] { kdash::config_from_json(R"({"solver": "newton"})"); }, "newton");
  expect_error_naming([] { kdash::config_from_json(R"({"solver": "newton"})"); }, "solver");
  expect_error_naming([] { kdash::config_from_json(R"({"stacking": "gpu"})"); }, "stacking");
  expect_error_naming([] { kdash::config_from_json(R"({"device_symmetric": "upper"})"); }, "device_symmetric");
  expect_error_naming([] { kdash::config_from_json(R"({"block_size": 2.5})"); }, "block_size");
  expect_error_naming([] { kdash::config_from_json(R"({"block_size": 0})"); }, "block_size");
  expect_error_naming([] { kdash::config_from_json(R"({"lr": "fast"})"); }, "lr");
  expect_error_naming([] { kdash::config_from_json(R"({"lr": -1})"); }, "lr");
  expect_error_naming([] { kdash::config_from_json(R"({"nesterov": 1})"); }, "nesterov");
  expect_error_naming([] { kdash::config_from_json(R"({"seed": -3})"); }, "seed");
  expect_error_naming([] { kdash::config_from_json(R"([1, 2])"); }, "object");
  expect_error_naming([] { kdash::config_from_json(R"({"lr": )"); }, "JSON");
  expect_error_naming([] { kdash::load_config("/nonexistent/kdash.json"); }, "/nonexistent/kdash.json");
}

// Every nlohmann exception (number overflow, ...) is a configuration error naming the key; integers at the edge of
// their type are range-checked without overflow; a key given twice is an error, not a silent choice.
TEST(CoreConfig, JsonEdgeValuesAreConfigErrorsNamingTheKey) {
  expect_error_naming([] { kdash::config_from_json(R"({"lr": 1e400})"); }, "lr");
  expect_error_naming([] { kdash::config_from_json(R"({"lr": -1e400})"); }, "lr");
  expect_error_naming([] { kdash::config_from_json(R"({"block_size": 1e400})"); }, "block_size");
  expect_error_naming([] { kdash::config_from_json(R"({"start_prec_step": 18446744073709551615})"); },
                      "start_prec_step");
  expect_error_naming([] { kdash::config_from_json(R"({"start_prec_step": 9223372036854775808})"); },
                      "start_prec_step");
  EXPECT_EQ(kdash::config_from_json(R"({"start_prec_step": 9223372036854775807})").start_prec_step,
            std::numeric_limits<long long>::max());
  expect_error_naming([] { kdash::config_from_json(R"({"root_freq": 2147483648})"); }, "root_freq");
  expect_error_naming([] { kdash::config_from_json(R"({"seed": 18446744073709551616})"); }, "seed");
  expect_error_naming([] { kdash::config_from_json(R"({"lr": 1, "lr": 2})"); }, "'lr': appears twice");
  expect_error_naming([] { kdash::config_from_json(R"({"seed": 1.5})"); }, "seed");
}

// Nesting beyond kdash::io::kMaxJsonNesting is rejected before parsing: 10^6 nested arrays (2 MB) used to overflow the
// stack in the error message, whose dump() of the value recurses once per level.
TEST(CoreConfig, DeeplyNestedJsonIsAnErrorNotAStackOverflow) {
  const auto nested = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  expect_error_naming([&] { kdash::config_from_json(nested(1000000)); }, "more than 100 levels deep");
  expect_error_naming([&] { kdash::config_from_json(R"({"lr": )" + nested(1000000) + "}"); }, "100 levels");
  // Within the limit the usual messages, value included.
  expect_error_naming([&] { kdash::config_from_json(nested(100)); }, "config must be a JSON object, got [[[");
  expect_error_naming([&] { kdash::config_from_json(R"({"lr": )" + nested(99) + "}"); }, "lr");
}

// The options that buy accuracy with time and memory are bounded; the message names the option and the limit.
TEST(CoreConfig, CostOptionsHaveUpperBounds) {
  auto with = [](auto mutate) {
    kdash::Config c;
    mutate(c);
    return c;
  };
  const int big = std::numeric_limits<int>::max();
  struct Case {
    const char* key;
    int kdash::RootOptions::*field;
    int limit;
  };
  for (const Case& c :
       {Case{"cheb_degree", &kdash::RootOptions::chebyshev_degree, kdash::limits::chebyshev_degree},
        Case{"cheb_nodes", &kdash::RootOptions::chebyshev_nodes, kdash::limits::chebyshev_nodes},
        Case{"pim_vectors", &kdash::RootOptions::power_iteration_vectors, kdash::limits::power_iteration_vectors},
        Case{"newton_steps", &kdash::RootOptions::max_iterations, kdash::limits::max_iterations},
        Case{"pi_steps", &kdash::RootOptions::power_iteration_steps, kdash::limits::power_iteration_steps}}) {
    SCOPED_TRACE(c.key);
    EXPECT_NO_THROW(with([&](kdash::Config& x) { x.root.*c.field = c.limit; }).validate());
    expect_error_naming([&] { with([&](kdash::Config& x) { x.root.*c.field = c.limit + 1; }).validate(); },
                        std::string(c.key) + " must be at most " + std::to_string(c.limit));
    expect_error_naming([&] { with([&](kdash::Config& x) { x.root.*c.field = big; }).validate(); }, c.key);
  }
  // cheb_nodes >= cheb_degree + 1 is checked without overflowing at INT_MAX.
  expect_error_naming([&] { with([&](kdash::Config& c) { c.root.chebyshev_degree = big; }).validate(); },
                      "cheb_degree");
}

}  // namespace
