// Chebyshev + Clenshaw (design.md §3): the coefficients, and the batched matrix evaluation against a double-precision
// scalar evaluation of the same polynomial on diagonal matrices.
#include "test_solver_matrices.hpp"
#include "test_spaces.hpp"  // tests/test_spaces.hpp

#include <kdash/solvers/chebyshev.hpp>

#include <gtest/gtest.h>

#include <type_traits>

namespace {

using namespace kdash;
using namespace kdash::testing;

TEST(Chebyshev, DegreeNMinusOneInterpolatesAtTheNNodes) {
  // Discrete orthogonality of cos(k theta_j) over the N nodes makes the degree N-1 series (with c_0 halved) the
  // interpolant: p(x_j) = f(x_j) exactly in exact arithmetic, so a wrong node, angle or normalisation shows up.
  const int nodes = 9;
  const double eps = 1e-3, pi = std::acos(-1.0);
  for (double p : {2.0, 4.0}) {
    auto c = solvers::chebyshev_coefficients(eps, nodes - 1, p, nodes);
    for (int j = 0; j < nodes; ++j) {
      const double theta = pi * (j + 0.5) / nodes;
      const double t = std::cos(theta);                // the Chebyshev variable
      const double x = 0.5 * t + 0.5 * (1 + 2 * eps);  // its point in [eps, 1 + eps]
      EXPECT_NEAR(solvers::chebyshev_evaluate(c, t), std::pow(x, -1.0 / p), 1e-11 * std::pow(eps, -1.0 / p));
    }
  }
}

TEST(Chebyshev, CoefficientsAreCachedAndInputsChecked) {
  auto a = solvers::chebyshev_coefficients(1e-6, 20, 4, 10000);
  auto b = solvers::chebyshev_coefficients(1e-6, 20, 4, 10000);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, solvers::chebyshev_coefficients(1e-6, 20, 4, 5000));  // the node count matters (design.md §3)
  EXPECT_THROW(solvers::chebyshev_coefficients(1e-6, 20, 4, 20), std::invalid_argument);
  EXPECT_THROW(solvers::chebyshev_coefficients(0, 20, 4, 100), std::invalid_argument);
  EXPECT_THROW(solvers::chebyshev_coefficients(1e-6, -1, 4, 100), std::invalid_argument);
}

// Diagonal blocks: every GEMM of diagonal matrices keeps the off-diagonal entries exactly 0 and computes each
// diagonal entry with one rounded product, so the matrix Clenshaw is, entry by entry, the scalar recurrence in T.
// Error of the T recurrence against the double one (Clenshaw's error analysis): the local rounding of step k is
// |eta_k| <= 3u (|2 x B_{k+1}| + |B_{k+2}| + |c_k|) and propagates to the result through the U Chebyshev polynomials,
// |U_{k-1}(x)| <= k on [-1, 1]; the entry x = (2/s) d - 1 itself carries <= 4u (two roundings of a value <= 2 in
// magnitude plus the rounding of 2/s), which moves p(x) by <= |p'| 4u <= d^2 sum|c_k| 4u (Markov's inequality).
template <class Space, class T>
void check_diagonal(int n, int degree, double p, double eps) {
  const int count = 3;
  HostStack<T> ah("a", count, n, n);
  std::mt19937_64 gen(n + degree);
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  for (int b = 0; b < count; ++b)
    for (int i = 0; i < n; ++i) ah(b, i, i) = static_cast<T>(b == 0 ? std::pow(10.0, -6 * dist(gen)) : dist(gen));
  RootOptions o;
  o.method = RootMethod::chebyshev;
  o.p = p;
  o.eps = eps;
  o.chebyshev_degree = degree;
  o.scaling = Scaling::frobenius;
  HostStack<T> x;
  auto r = run_root<Space>(ah, x, o);
  const auto c = solvers::chebyshev_coefficients(eps, degree, p, o.chebyshev_nodes);
  double csum = 0;
  for (double v : c) csum += std::abs(v);
  const double u = std::numeric_limits<T>::epsilon() / 2;
  for (int b = 0; b < count; ++b) {
    ASSERT_EQ(r[b].status, RootStatus::converged);
    EXPECT_EQ(r[b].iterations, degree);
    const double s = r[b].scale;
    for (int i = 0; i < n; ++i) {
      const double t = 2.0 * double(ah(b, i, i)) / s - 1.0;
      // Double recurrence with its error bound.
      double b1 = 0, b2 = 0, bound = 0;
      for (int k = degree; k >= 1; --k) {
        const double bk = 2 * t * b1 - b2 + c[k];
        bound += k * 3 * u * (std::abs(2 * t * b1) + std::abs(b2) + std::abs(c[k]));
        b2 = b1;
        b1 = bk;
      }
      const double expected = t * b1 - b2 + c[0];
      bound += 3 * u * (std::abs(t * b1) + std::abs(b2) + std::abs(c[0]));
      bound += double(degree) * degree * csum * 4 * u;
      EXPECT_NEAR(double(x(b, i, i)), expected, bound) << "block " << b << " entry " << i << " degree " << degree;
      EXPECT_EQ(expected, solvers::chebyshev_evaluate(c, t));
      for (int j = 0; j < n; ++j)
        if (j != i) ASSERT_EQ(x(b, i, j), T(0));
    }
  }
}

template <class Param>
class ChebyshevOnDiagonals : public ::testing::Test {};
TYPED_TEST_SUITE(ChebyshevOnDiagonals, TestSpacesAndScalars, SpaceNames);

TYPED_TEST(ChebyshevOnDiagonals, MatchesTheScalarPolynomial) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  // Each precision's blocks and ridge: float 16 x 16 with eps 1e-6, double 7 x 7 with eps 1e-10.
  const int n = std::is_same_v<T, float> ? 16 : 7;
  const double eps = std::is_same_v<T, float> ? 1e-6 : 1e-10;
  for (int degree : {1, 2, 5, 20, 60})
    for (double p : {2.0, 4.0}) check_diagonal<Space, T>(n, degree, p, eps);
}

template <class Space>
class Chebyshev : public ::testing::Test {};
TYPED_TEST_SUITE(Chebyshev, TestSpaces, SpaceNames);

TYPED_TEST(Chebyshev, IsNotRescaledBySToTheMinusOneOverP) {
  using Space = TypeParam;
  // X approximates (A/s + eps)^(-1/p): scaling A by a power of two scales s by it exactly and leaves S = (2/s)A - I,
  // hence X, bit for bit unchanged (documented: the reference does not rescale, grafting cancels the factor).
  const int n = 10;
  auto stack = spectrum_stack<float>(n, {geometric_spectrum(n, 100)}, 4);
  HostStack<float> big("big", 1, n, n);
  for (int i = 0; i < n * n; ++i) big.data()[i] = std::ldexp(stack.host.data()[i], 40);
  RootOptions o;
  o.method = RootMethod::chebyshev;
  o.scaling = Scaling::frobenius;
  HostStack<float> x1, x2;
  auto r1 = run_root<Space>(stack.host, x1, o);
  auto r2 = run_root<Space>(big, x2, o);
  EXPECT_EQ(r2[0].scale, std::ldexp(r1[0].scale, 40));
  for (int i = 0; i < n * n; ++i) ASSERT_EQ(x1.data()[i], x2.data()[i]);
}

}  // namespace
