// EVD inverse roots on matrices with known spectra: A = Q diag(lambda) Q^T with a random orthogonal Q, so the exact
// root is Q diag((lambda + eps)^(-1/p)) Q^T. The bound scales with the condition number: a backward-stable eigh
// perturbs lambda by ~ n u ||A||, i.e. relative ~ n u kappa for the smallest eigenvalue, amplified by 1/p in the root.
#include "known_spectrum.hpp"  // tests/known_spectrum.hpp
#include "test_helpers.hpp"    // tests/test_helpers.hpp
#include "test_spaces.hpp"     // tests/test_spaces.hpp

#include <kdash/solvers/inverse_root.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace {

using namespace kdash::testing;

template <class Space, class T>
void check_known_spectrum(int n, double kappa, double p) {
  const int count = 3;
  const double eps = 1e-10;
  HostStack<T> ah("a", count, n, n);
  std::vector<std::vector<double>> exact(count);
  for (int b = 0; b < count; ++b) {
    auto q = random_orthogonal(n, 100 + b);
    const auto lambda = geometric_spectrum(n, kappa);  // from 1 down to 1/kappa
    std::vector<double> root(n);
    for (int i = 0; i < n; ++i) {
      // The Shampoo fix-up of an SPD matrix adds eps twice: once as the ridge, once in the fix-up (design.md §3).
      root[i] = std::pow(lambda[i] + 2 * eps, -1.0 / p);
    }
    auto a = from_spectrum(q, lambda, n);
    for (int i = 0; i < n * n; ++i) ah.data()[b * n * n + i] = static_cast<T>(a[i]);
    exact[b] = from_spectrum(q, root, n);
  }
  kdash::Stack<T, typename Space::memory_space> x("x", count, n, n);
  kdash::RootOptions options;
  options.method = kdash::RootMethod::evd;
  options.p = p;
  options.eps = eps;
  auto results = kdash::inverse_root(Space(), to_device_input<Space>(ah), x, options);
  auto xh = to_host(x);
  const double u = std::numeric_limits<T>::epsilon();
  // Input rounding to T perturbs eigenvalues by ~u ||A|| too, so the relative error of the root's largest entries is
  // ~ (1/p) * c * n * u * kappa; c = 10 leaves room for the eigenvector error, which the same bound covers.
  const double bound = 10.0 * n * u * kappa / p + 10 * u;
  for (int b = 0; b < count; ++b) {
    EXPECT_EQ(results[b].status, kdash::RootStatus::converged);
    EXPECT_NEAR(results[b].lambda_max, 1.0, 10 * n * u);
    double err = 0, ref = 0;
    for (int i = 0; i < n * n; ++i) {
      err = std::max(err, std::abs(double(xh.data()[b * n * n + i]) - exact[b][i]));
      ref = std::max(ref, std::abs(exact[b][i]));
    }
    EXPECT_LE(err / ref, bound) << "n=" << n << " kappa=" << kappa << " p=" << p << " block " << b;
  }
}

// The sizes, condition numbers and roots each precision is checked on: kappa up to where the bound 10 n u kappa / p
// stays well below 1.
template <class T>
struct KnownSpectrumCases;
template <>
struct KnownSpectrumCases<float> {
  static constexpr int sizes[] = {1, 2, 17, 64};
  static constexpr double kappas[] = {1e1, 1e3};
  static constexpr double roots[] = {2.0, 4.0};
};
template <>
struct KnownSpectrumCases<double> {
  static constexpr int sizes[] = {5, 40};
  static constexpr double kappas[] = {1e2, 1e8};
  static constexpr double roots[] = {2.0, 4.0, 3.0};
};

template <class Param>
class EvdRoot : public ::testing::Test {};
TYPED_TEST_SUITE(EvdRoot, TestSpacesAndScalars, SpaceNames);

template <class Space>
class EvdRootOnSpace : public ::testing::Test {};
TYPED_TEST_SUITE(EvdRootOnSpace, TestSpaces, SpaceNames);

TYPED_TEST(EvdRoot, KnownSpectra) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  using Cases = KnownSpectrumCases<T>;
  for (int n : Cases::sizes)
    for (double kappa : Cases::kappas)
      for (double p : Cases::roots) check_known_spectrum<Space, T>(n, kappa, p);
}

TYPED_TEST(EvdRootOnSpace, NonFiniteBlockIsFlaggedAndLeftUnchangedWhileOthersAreComputed) {
  using Space = TypeParam;
  const int n = 4;
  HostStack<float> ah("a", 2, n, n);
  for (int i = 0; i < n; ++i) ah(0, i, i) = ah(1, i, i) = 4.0f;
  ah(1, 2, 3) = std::nanf("");
  kdash::Stack<float, typename Space::memory_space> x("x", 2, n, n);
  Kokkos::deep_copy(x, 7.0f);
  kdash::RootOptions options;
  options.p = 2;
  auto results = kdash::inverse_root(Space(), to_device_input<Space>(ah), x, options);
  auto xh = to_host(x);
  EXPECT_EQ(results[0].status, kdash::RootStatus::converged);
  EXPECT_EQ(results[1].status, kdash::RootStatus::non_finite);
  EXPECT_NEAR(xh(0, 1, 1), 0.5f, 1e-6f);
  EXPECT_NEAR(xh(0, 0, 1), 0.0f, 1e-6f);
  EXPECT_EQ(xh(1, 0, 0), 7.0f);
  EXPECT_EQ(xh(1, 2, 3), 7.0f);
}

}  // namespace
