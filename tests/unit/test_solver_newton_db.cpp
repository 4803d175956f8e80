// Newton–DB (design.md §3) on matrices with known spectra. The bound has the same two parts as the coupled Newton one
// (test_solver_coupled_newton.cpp):
// 1. Exact arithmetic: all iterates are polynomials in A', so each eigenvalue x = lambda/s follows the scalar map
//    (e = 1.5 - 0.5 x, y = x e, z = e; then e = 1.5 - 0.5 z y, y <- y e, z <- e z) and X = Z s^(-1/p) gives
//    X^p A = Z^p A' with eigenvalues z^p x: e_k = max_i |z_k(x_i)^p x_i - 1|, for p = 4 with the second stage run on
//    the first stage's y. Storage rounding moves x by <= u_T sqrt(n) lambda_max / s (Weyl), covered as in CN.
// 2. Rounding: relative error of Z <= 2 K delta_g after K iterations in all (3 GEMMs per iteration, each delta_g;
//    Z's update reads E, whose error is that of Z Y), and p delta kappa for X^p A: + 2 p K delta_g kappa.
#include "test_solver_matrices.hpp"
#include "test_spaces.hpp"  // tests/test_spaces.hpp

#include <gtest/gtest.h>

#include <type_traits>

namespace {

using namespace kdash;
using namespace kdash::testing;

// One scalar Newton–DB stage with k iterations (iteration 1 is the initial step): returns {y, z}.
std::pair<double, double> ndb_scalar(double x, int k) {
  double e = 1.5 - 0.5 * x, y = x * e, z = e;
  for (int it = 1; it < k; ++it) {
    e = 1.5 - 0.5 * z * y;
    y *= e;
    z = e * z;
  }
  return {y, z};
}

double ndb_scalar_residual(double lambda, double s, int p, int k) {
  const double x = lambda / s;
  auto [y, z] = ndb_scalar(x, k);
  if (p == 2) return std::abs(z * z * x - 1);
  auto [y2, z2] = ndb_scalar(y, k);
  (void)y2;
  return std::abs(std::pow(z2, 4) * x - 1);
}

template <class Space, class T>
void check_bound(int n, double kappa, int p, int k, Scaling scaling = Scaling::power_iteration) {
  const int count = 2;
  std::vector<std::vector<double>> spectra(count, geometric_spectrum(n, kappa));
  auto stack = spectrum_stack<T>(n, spectra, 13 * n + p);
  RootOptions o;
  o.method = RootMethod::newton_denman_beavers;
  o.p = p;
  o.eps = 0;
  o.tolerance = 0;
  o.max_iterations = k;
  o.scaling = scaling;
  HostStack<T> x;
  auto results = run_root<Space>(stack.host, x, o);
  const double u = std::numeric_limits<T>::epsilon() / 2;
  const double delta_g = std::sqrt(double(n)) * u;
  const double kap = n == 1 ? 1.0 : kappa;
  for (int b = 0; b < count; ++b) {
    SCOPED_TRACE(::testing::Message() << "n=" << n << " kappa=" << kappa << " p=" << p << " k=" << k << " scaling "
                                      << to_string(scaling) << " block " << b);
    const int total = p == 4 ? 2 * k : k;
    ASSERT_EQ(results[b].iterations, total);
    const double s = results[b].scale;
    const double shift = u * std::sqrt(double(n));
    double exact = 0;
    for (double l : spectra[b])
      for (double d : {-shift, 0.0, shift})
        exact = std::max(exact, ndb_scalar_residual(std::max(l + d, 1e-300), s, p, k));
    const double bound = exact + 2.0 * p * total * delta_g * kap;
    EXPECT_LE(root_residual(stack.block(x, b), stack.stored[b], p, n), bound);
  }
}

template <class Param>
class NewtonDBBound : public ::testing::Test {};
TYPED_TEST_SUITE(NewtonDBBound, TestSpacesAndScalars, SpaceNames);

// Float up to kappa 1e3 with a few iterations and every scaling; double up to 1e6 with 30 iterations.
TYPED_TEST(NewtonDBBound, ReachesTheDerivedBound) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  if constexpr (std::is_same_v<T, float>) {
    for (int n : {1, 8, 64})
      for (double kappa : {1e1, 1e3})
        for (int p : {2, 4})
          for (int k : {4, 10}) check_bound<Space, T>(n, kappa, p, k);
    check_bound<Space, T>(40, 1e2, 4, 10, Scaling::frobenius);
    check_bound<Space, T>(40, 1e2, 2, 10, Scaling::multi_vector_power_iteration);
  } else {
    for (double kappa : {1e2, 1e6})
      for (int p : {2, 4}) check_bound<Space, T>(24, kappa, p, 30);
  }
}

template <class Space>
class NewtonDB : public ::testing::Test {};
TYPED_TEST_SUITE(NewtonDB, TestSpaces, SpaceNames);

TYPED_TEST(NewtonDB, Kappa1e8WithTenIterationsIsReportedNotConverged) {
  using Space = TypeParam;
  // x_min = 1e-8 / 2: the scalar map multiplies z by at most 1.5 per iteration while x z^2 << 1, so after 10
  // iterations z^2 x <= 1.5^20 * 5e-9 < 2e-5: the block is provably far from converged.
  const int n = 16;
  auto stack = spectrum_stack<float>(n, {geometric_spectrum(n, 1e8)}, 3);
  RootOptions o;
  o.method = RootMethod::newton_denman_beavers;
  o.p = 2;
  HostStack<float> x;
  auto r = run_root<Space>(stack.host, x, o);
  EXPECT_GT(ndb_scalar_residual(1e-8, r[0].scale, 2, 10), 0.99);
  EXPECT_EQ(r[0].status, RootStatus::not_converged);
  EXPECT_GT(r[0].residual, o.tolerance);
}

TYPED_TEST(NewtonDB, ConvergesAndStopsWithinTolerance) {
  using Space = TypeParam;
  const int n = 12;
  auto stack = spectrum_stack<double>(n, {geometric_spectrum(n, 3), geometric_spectrum(n, 50)}, 8);
  RootOptions o;
  o.method = RootMethod::newton_denman_beavers;
  o.p = 4;
  o.tolerance = 1e-10;
  o.max_iterations = 40;
  HostStack<double> x;
  auto r = run_root<Space>(stack.host, x, o);
  for (int b = 0; b < 2; ++b) {
    EXPECT_EQ(r[b].status, RootStatus::converged);
    EXPECT_LT(r[b].iterations, 2 * o.max_iterations);
    EXPECT_LT(r[b].residual, o.tolerance);
    // Converged to tol on Z Y - I in both stages: X^4 A - I is within ~4 n tol plus rounding (kappa 50, fp64).
    EXPECT_LE(root_residual(stack.block(x, b), stack.stored[b], 4, n), 4 * n * o.tolerance + 1e-10);
  }
}

TYPED_TEST(NewtonDB, SpectrumOutsideTheRegionIsReportedNotHidden) {
  using Space = TypeParam;
  // pi_const = 0.1 puts the top eigenvalues of A' = A/s near 10 (power iteration gets lambda_est ~ lambda_max):
  // the scalar map diverges for x > 5 (see docs/solvers.md), so the block must not come back `converged`;
  // if it overflowed it is non_finite and X is left unchanged.
  const int n = 8;
  auto stack = spectrum_stack<float>(n, {geometric_spectrum(n, 4)}, 21);
  RootOptions o;
  o.method = RootMethod::newton_denman_beavers;
  o.p = 4;
  o.scale_margin = 0.1;
  o.max_iterations = 20;
  Stack<float, typename Space::memory_space> xd("x", 1, n, n);
  Kokkos::deep_copy(xd, 3.0f);
  auto r = inverse_root(Space(), to_device_input<Space>(stack.host), xd, o);
  auto x = to_host(xd);
  EXPECT_GT(1.0 / r[0].scale, 5.0);  // lambda_max / s > 5: outside the region by construction
  EXPECT_NE(r[0].status, RootStatus::converged);
  if (r[0].status == RootStatus::non_finite) EXPECT_EQ(x(0, 1, 2), 3.0f);
}

}  // namespace
