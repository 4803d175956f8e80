// EVD's Shampoo fix-up on blocks whose smallest computed eigenvalue l_min is negative: the fixed-up spectrum is
// d_i = (l_i - l_min) + eps with l_i the eigenvalues of A + eps I. l_i - l_min is exact (0) for the smallest
// eigenvalue and never negative, so every d_i >= eps and every root is finite, in float as in double. Blocks:
//   - rank-deficient Gram matrices, whose roundoff alone puts l_min near -u lambda_max (|l_min| > eps / u from a scale
//     of ~3e4 on in float): on the range of the block the root must be lambda^(-1/p) to within the eigenvalue error
//     bound ~ n u kappa_range / p, whatever the scale;
//   - an indefinite block with spectrum in [-1, 2]: the exact fixed-up root is Q diag((lambda_i - lambda_min + eps)^
//     (-1/p)) Q^T (the ridge eps cancels in l_i - l_min), and float must find it as double does.
#include "known_spectrum.hpp"  // tests/known_spectrum.hpp
#include "test_helpers.hpp"    // tests/test_helpers.hpp
#include "test_spaces.hpp"     // tests/test_spaces.hpp

#include <kdash/solvers/inverse_root.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace {

using namespace kdash::testing;

template <class Space, class T>
std::vector<kdash::BlockRootResult> evd(const HostStack<T>& ah, HostStack<T>& xh, double p, double eps) {
  kdash::Stack<T, typename Space::memory_space> x("x", ah.extent(0), ah.extent(1), ah.extent(2));
  kdash::RootOptions options;
  options.method = kdash::RootMethod::evd;
  options.p = p;
  options.eps = eps;
  auto results = kdash::inverse_root(Space(), to_device_input<Space>(ah), x, options);
  xh = to_host(x);
  return results;
}

template <class T>
bool all_finite(const HostStack<T>& x, int b) {
  const int n = static_cast<int>(x.extent(1));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (!std::isfinite(double(x(b, i, j)))) return false;
  return true;
}

// The reproducer: four Gram blocks G G^T of 16 x 4 standard Gaussians times 1, 10, 100, 1000, stored in float. Before
// the fix-up was evaluated as (l - l_min) + eps, the two largest scales lost eps and came back non_finite.
template <class Space>
class EvdShift : public ::testing::Test {};
TYPED_TEST_SUITE(EvdShift, TestSpaces, SpaceNames);

template <class Param>
class EvdShiftPrecision : public ::testing::Test {};
TYPED_TEST_SUITE(EvdShiftPrecision, TestSpacesAndScalars, SpaceNames);

TYPED_TEST(EvdShift, GaussianGramBlocksOfEveryScaleGetFiniteRoots) {
  using Space = TypeParam;
  const int n = 16, r = 4;
  const std::vector<double> scales = {1, 10, 100, 1000};
  HostStack<float> ah("a", scales.size(), n, n);
  std::mt19937_64 gen(7);
  std::normal_distribution<double> dist;
  for (std::size_t b = 0; b < scales.size(); ++b) {
    std::vector<double> g(n * r);
    for (auto& v : g) v = scales[b] * dist(gen);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        double s = 0;
        for (int k = 0; k < r; ++k) s += g[i * r + k] * g[j * r + k];
        ah(b, i, j) = static_cast<float>(s);
      }
  }
  HostStack<float> xh;
  const auto results = evd<Space>(ah, xh, 4, 1e-10);
  for (std::size_t b = 0; b < scales.size(); ++b) {
    EXPECT_EQ(results[b].status, kdash::RootStatus::converged) << "scale " << scales[b];
    EXPECT_TRUE(all_finite(xh, int(b))) << "scale " << scales[b];
  }
}

// Rank-4 blocks with a known range: A = s^2 sum_{i<4} sigma_i^2 q_i q_i^T. On the range, q_i^T X q_i must be
// (s^2 sigma_i^2 + 2 eps)^(-1/p): the computed eigenvalues carry an absolute error ~ n u lambda_max (relative n u
// kappa_range on the range, kappa_range = 4 here), and the noise eigenvectors leak into q_i by an angle ~ n u
// kappa_range, each leaking component weighing at most eps^(-1/p) against lambda_i^(-1/p). Forming X = Q^T D Q rounds
// every entry by ~ n u max_k d_k^(-1/p) <= n u eps^(-1/p), which is what q_i^T X q_i sees of the null space's large
// factors.
template <class Space, class T>
void check_low_rank_range(double p) {
  const int n = 16;
  const std::vector<double> sigma2 = {4, 2.25, 1.44, 1};
  const double kappa_range = sigma2.front() / sigma2.back();
  const std::vector<double> scales = {1, 10, 100, 1000, 1e4};
  const double eps = 1e-10;
  HostStack<T> ah("a", scales.size(), n, n);
  std::vector<Matrix> qs;
  for (std::size_t b = 0; b < scales.size(); ++b) {
    qs.push_back(random_orthogonal(n, 40 + unsigned(b)));
    std::vector<double> lambda(n, 0.0);
    for (std::size_t i = 0; i < sigma2.size(); ++i) lambda[i] = scales[b] * scales[b] * sigma2[i];
    const Matrix a = from_spectrum(qs.back(), lambda, n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) ah(b, i, j) = static_cast<T>(0.5 * (a[i * n + j] + a[j * n + i]));
  }
  HostStack<T> xh;
  const auto results = evd<Space>(ah, xh, p, eps);
  const double u = std::numeric_limits<T>::epsilon();
  for (std::size_t b = 0; b < scales.size(); ++b) {
    SCOPED_TRACE("scale " + std::to_string(scales[b]));
    ASSERT_EQ(results[b].status, kdash::RootStatus::converged);
    ASSERT_TRUE(all_finite(xh, int(b)));
    const Matrix& q = qs[b];
    for (std::size_t k = 0; k < sigma2.size(); ++k) {
      const double lambda = scales[b] * scales[b] * sigma2[k];
      double xq = 0;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) xq += q[k * n + i] * double(xh(b, i, j)) * q[k * n + j];
      const double angle = 10.0 * n * u * kappa_range;
      const double null_weight = std::pow(lambda / eps, 1.0 / p);  // eps^(-1/p) / lambda^(-1/p)
      const double bound =
          10.0 * n * u * kappa_range / p + (n - 4) * null_weight * angle * angle + 10.0 * n * u * null_weight;
      // Fixed-up: lambda + 2 eps - l_neg, |l_neg| <= n u lambda_max (inside the first term of the bound).
      EXPECT_NEAR(xq / std::pow(lambda + 2 * eps, -1.0 / p), 1.0, bound) << "eigenvector " << k;
    }
  }
}

TYPED_TEST(EvdShiftPrecision, LowRankBlocksHaveTheExactRootOnTheirRangeAtEveryScale) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  for (double p : {4.0, 2.0}) check_low_rank_range<Space, T>(p);
}

// Spectrum evenly spaced in [-1, 2]: every fixed-up eigenvalue is exact up to the eigenvalue error ~ n u ||A||, and
// the eigenvectors are off by ~ n u ||A|| / gap; the largest root factor eps^(-1/p) sits on the smallest eigenvalue,
// whose fixed-up value is exactly eps, so the relative error of X is ~ n u ||A|| / gap. The condition number is
// (3 + eps) / eps: flagged in float (u * 3e10 > 1e-2), not in double.
template <class Space, class T>
void check_indefinite(double p) {
  const int n = 8;
  const double eps = 1e-10, lo = -1, hi = 2, gap = (hi - lo) / (n - 1);
  std::vector<double> lambda(n), root(n);
  for (int i = 0; i < n; ++i) {
    lambda[i] = lo + i * gap;
    root[i] = std::pow((lambda[i] - lo) + eps, -1.0 / p);
  }
  const Matrix q = random_orthogonal(n, 5);
  const Matrix a = from_spectrum(q, lambda, n), exact = from_spectrum(q, root, n);
  HostStack<T> ah("a", 1, n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) ah(0, i, j) = static_cast<T>(0.5 * (a[i * n + j] + a[j * n + i]));
  HostStack<T> xh;
  const auto results = evd<Space>(ah, xh, p, eps);
  ASSERT_EQ(results[0].status, kdash::RootStatus::converged);
  ASSERT_TRUE(all_finite(xh, 0));
  double err = 0, ref = 0;
  for (int i = 0; i < n * n; ++i) {
    err = std::max(err, std::abs(double(xh.data()[i]) - exact[i]));
    ref = std::max(ref, std::abs(exact[i]));
  }
  const double u = std::numeric_limits<T>::epsilon();
  EXPECT_LE(err / ref, 10.0 * n * u * (hi - lo) / gap) << "p = " << p;
  const double condition = (hi - lo + eps) / eps;
  EXPECT_NEAR(results[0].condition / condition, 1.0, 10.0 * n * u);  // d_max = 3 up to n u ||A||; d_min = eps
  EXPECT_EQ(results[0].ill_conditioned, condition * u / 2 > kdash::kResolvableCondition);
}

TYPED_TEST(EvdShiftPrecision, IndefiniteBlockGetsTheShiftedRoot) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  for (double p : {2.0, 4.0}) check_indefinite<Space, T>(p);
}

}  // namespace
