// Which roots the optimizer keeps (solvers::root_is_usable) and what metrics() says about them:
//   - converged roots, whatever the scale of the statistics: float EVD on large rank-deficient statistics (whose
//     roundoff makes the smallest computed eigenvalue negative) is not a failure;
//   - a not_converged CN iterate below usable_residual is kept and counted (roots_not_converged_accepted). For a PSD
//     factor and a scale with m0 in (0, p+1), the scalar map m -> m ((p+1-m)/p)^p sends (0, p+1) into (0, 1], so
//     ||X^p A - I||_2 < 1 after any number of iterations: such an iterate is always usable;
//   - a not_converged iterate at or above it (NDB from a scale far below lambda_max, whose iteration diverges) takes
//     the failure path: counted as a failure, dumped, the previous root kept;
//   - roots_ill_conditioned counts the factors whose root carries the ill_conditioned flag.
#include <gtest/gtest.h>

#include <kdash/optimizer.hpp>

#include "optimizer_test_helpers.hpp"
#include "test_spaces.hpp"

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

using kdash::Config;
using kdash::ParamSpec;
using kdash::RootStatus;

// Gradients of standard normal entries times `scale`, a new draw per call, in the memory of `Space`.
template <class Space>
struct GaussianSteps {
  using Optimizer = kdash::Optimizer<Space>;
  std::vector<typename Optimizer::ParamView> params;
  std::vector<typename Optimizer::ParamView> grads;
  std::mt19937_64 gen{17};

  explicit GaussianSteps(const std::vector<ParamSpec>& specs) {
    for (const auto& s : specs) {
      params.emplace_back("param", static_cast<std::size_t>(kdash::numel(s)));
      grads.emplace_back("grad", static_cast<std::size_t>(kdash::numel(s)));
    }
  }
  void step(Optimizer& opt, double scale) {
    std::normal_distribution<double> dist;
    std::vector<typename Optimizer::GradView> gv;
    for (auto& g : grads) {
      auto h = Kokkos::create_mirror_view(g);
      for (std::size_t k = 0; k < h.extent(0); ++k) h(k) = static_cast<float>(scale * dist(gen));
      Kokkos::deep_copy(g, h);
      gv.push_back(g);
    }
    opt.step(params, gv);
  }
  bool finite() const {
    for (const auto& p : params) {
      auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), p);
      for (std::size_t k = 0; k < h.extent(0); ++k)
        if (!std::isfinite(h(k))) return false;
    }
    return true;
  }
};

template <class Space>
class RootAcceptance : public ::testing::Test {};
TYPED_TEST_SUITE(RootAcceptance, kdash::testing::TestSpaces, kdash::testing::SpaceNames);

// A (16, 64) parameter, 8 steps of gradients of scale 300: R = G^T G is 64 x 64 of rank <= 16 with lambda_max ~ 1e7,
// so float roundoff puts its smallest computed eigenvalue near -1, far beyond eps / u. Every root must be kept.
TYPED_TEST(RootAcceptance, FloatEvdOnLargeRankDeficientStatisticsNeverFails) {
  using Space = TypeParam;
  const std::vector<ParamSpec> specs = {{"w", {16, 64}}};
  Config c;
  c.root_freq = 1;
  kdash::Optimizer<Space> opt(Space(), specs, c);
  GaussianSteps<Space> run(specs);
  run.step(opt, 300);
  // After one step R (64 x 64) has rank 16 and a ridge of 1e-10: far beyond float's reach, and the metrics say so;
  // L (16 x 16, from 64 columns) has condition ~ ((8 + 4) / (8 - 4))^2 = 9.
  auto m = opt.metrics();
  EXPECT_EQ(m.roots_ill_conditioned, 1);
  for (const auto& f : m.factors) EXPECT_EQ(f.ill_conditioned, f.side == 'R') << f.side << " " << f.condition;
  for (int t = 1; t < 8; ++t) run.step(opt, 300);
  m = opt.metrics();
  EXPECT_EQ(m.root_failures, 0);
  for (const auto& f : m.factors) EXPECT_EQ(f.status, RootStatus::converged) << f.side;
  EXPECT_TRUE(run.finite());
}

// Roots every step by `solver`, stopped after two iterations.
Config two_iteration_roots(kdash::RootMethod solver) {
  Config c = kdash::testing::test_config();
  c.root_freq = 1;
  c.root.method = solver;
  c.root.max_iterations = 2;
  return c;
}

TYPED_TEST(RootAcceptance, NotConvergedIterateBelowTheUsableResidualIsKeptAndCounted) {
  using Space = TypeParam;
  const std::vector<ParamSpec> specs = {{"w", {8, 12}}};
  Config c = two_iteration_roots(kdash::RootMethod::coupled_newton);
  c.root.tolerance = 1e-30;  // never met in float: every root ends not_converged
  kdash::Optimizer<Space> opt(Space(), specs, c);
  GaussianSteps<Space> run(specs);
  for (int t = 0; t < 3; ++t) run.step(opt, 1);
  const auto m = opt.metrics();
  ASSERT_FALSE(m.factors.empty());
  EXPECT_EQ(m.root_failures, 0);
  EXPECT_EQ(m.roots_not_converged_accepted, static_cast<std::int64_t>(m.factors.size()));
  for (const auto& f : m.factors) {
    EXPECT_EQ(f.status, RootStatus::not_converged);
    EXPECT_LT(f.residual, 1.0);
    EXPECT_EQ(f.total_failures, 0);
  }
  EXPECT_TRUE(run.finite());
}

TYPED_TEST(RootAcceptance, NotConvergedIterateAboveTheUsableResidualFailsAndIsDumped) {
  using Space = TypeParam;
  const std::vector<ParamSpec> specs = {{"w", {4, 4}}};
  Config c = two_iteration_roots(kdash::RootMethod::newton_denman_beavers);
  c.root.scale_margin = 0.1;  // A/s has eigenvalues up to 10: Newton-DB diverges (see newton_db.hpp)
  c.max_failures = 5;
  const auto dump = std::filesystem::temp_directory_path() /
                    ("kdash_acceptance_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(dump);
  c.dump_dir = dump.string();
  kdash::Optimizer<Space> opt(Space(), specs, c);
  GaussianSteps<Space> run(specs);
  run.step(opt, 1);
  const auto m = opt.metrics();
  ASSERT_EQ(m.factors.size(), 2u);
  EXPECT_EQ(m.roots_not_converged_accepted, 0);
  EXPECT_EQ(m.root_failures, 2);
  for (const auto& f : m.factors) {
    EXPECT_EQ(f.total_failures, 1) << f.side;
    EXPECT_EQ(f.consecutive_failures, 1) << f.side;
    EXPECT_TRUE(f.status == RootStatus::not_converged || f.status == RootStatus::non_finite) << f.side;
    if (f.status == RootStatus::not_converged) EXPECT_GE(f.residual, 1.0) << f.side;
  }
  int dumps = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dump)) {
    EXPECT_EQ(entry.path().extension(), ".npy");
    ++dumps;
  }
  EXPECT_EQ(dumps, 2);
  EXPECT_TRUE(run.finite());
  std::filesystem::remove_all(dump);
}

}  // namespace
