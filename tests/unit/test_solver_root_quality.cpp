// What every block's result says about its root (root_quality.hpp): a condition estimate of the regularised block,
// the ill_conditioned flag (condition * u > kResolvableCondition), and on request the residual max|X^p A_reg - I|.
// Properties checked:
//   - a status never vouches alone for a root the precision cannot resolve: EVD on a rank-1 block and on a
//     condition-1e12 block in float carries the flag, and so does Chebyshev on an indefinite block (its series is
//     evaluated outside its fit interval), while double on the condition-1e12 block is unflagged and accurate;
//   - on well-conditioned blocks every solver's estimate lies within the bounds of its ingredients (power-iteration
//     Rayleigh quotients are within gamma^(1/(2k)) of the eigenvalue they estimate; ||A||_F <= sqrt(n) lambda_max);
//   - the measured residual is the residual of the X that was written, as recomputed in double here.
#include "test_solver_matrices.hpp"
#include "test_spaces.hpp"  // tests/test_spaces.hpp

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace {

using namespace kdash;
using namespace kdash::testing;

RootOptions options_for(RootMethod method, Precision precision = Precision::fp32) {
  RootOptions o;
  o.method = method;
  o.precision = precision;
  o.max_iterations = 40;
  o.tolerance = 1e-5;
  return o;
}

template <class Space>
class RootQuality : public ::testing::Test {};
TYPED_TEST_SUITE(RootQuality, TestSpaces, SpaceNames);

TYPED_TEST(RootQuality, EvdOnARankOneBlockInFloatIsFlagged) {
  using Space = TypeParam;
  const int n = 16;
  std::vector<double> spectrum(n, 0.0);
  spectrum[0] = 100;
  auto stack = spectrum_stack<float>(n, {spectrum}, 3);
  HostStack<float> x;
  const auto r = run_root<Space>(stack.host, x, options_for(RootMethod::evd));
  // The regularised block has eigenvalues ~100 and ~eps (plus roundoff of ~u * 100 >> eps): condition >= 100 / (n u
  // 100 + 2 eps) ~ 1e6 at least, far beyond 1e-2 / u.
  EXPECT_GT(r[0].condition, 1e-2 / (std::numeric_limits<float>::epsilon() / 2));
  EXPECT_TRUE(r[0].ill_conditioned);
}

// kappa 1e12 on a geometric spectrum: float's roundoff (u lambda_max ~ 6e-8) swamps the smallest eigenvalues (1e-12),
// double's does not (1e-16 * 1e12 = 1e-4 relative).
template <class Space, class T>
std::vector<BlockRootResult> evd_on_kappa_1e12(double& relative_error, Precision precision) {
  const int n = 16;
  const double kappa = 1e12, p = 4, eps = 1e-10;
  auto lambda = geometric_spectrum(n, kappa);
  auto stack = spectrum_stack<T>(n, {lambda}, 11);
  HostStack<T> x;
  RootOptions o = options_for(RootMethod::evd, precision);
  o.eps = eps;
  const auto r = run_root<Space>(stack.host, x, o);
  std::vector<double> root(n);
  for (int i = 0; i < n; ++i) root[i] = std::pow(lambda[i] + 2 * eps, -1 / p);
  const Matrix exact = from_spectrum(random_orthogonal(n, 11), root, n);
  double err = 0, ref = 0;
  for (int i = 0; i < n * n; ++i) {
    err = std::max(err, std::abs(double(x.data()[i]) - exact[i]));
    ref = std::max(ref, std::abs(exact[i]));
  }
  relative_error = err / ref;
  return r;
}

TYPED_TEST(RootQuality, EvdOnAConditionOneE12BlockIsFlaggedInFloatAndAccurateInDouble) {
  using Space = TypeParam;
  double err32 = 0, err64 = 0;
  const auto r32 = evd_on_kappa_1e12<Space, float>(err32, Precision::fp32);
  EXPECT_TRUE(r32[0].ill_conditioned) << "condition " << r32[0].condition << ", relative error " << err32;
  const auto r64 = evd_on_kappa_1e12<Space, double>(err64, Precision::fp64);
  // The regularised block's fixed-up eigenvalues are lambda + 2 eps: condition (1 + 2 eps) / (1e-12 + 2 eps) ~ 5e9.
  const double eps = 1e-10, condition = (1 + 2 * eps) / (1e-12 + 2 * eps);
  const double u = std::numeric_limits<double>::epsilon();
  EXPECT_FALSE(r64[0].ill_conditioned) << "condition " << r64[0].condition;
  EXPECT_NEAR(r64[0].condition / condition, 1.0, 10.0 * 16 * u * condition);
  // The unflagged double root is as accurate as the flag promises: relative error ~ n u condition / p.
  EXPECT_LE(err64, 10.0 * 16 * u * condition / 4);
}

// Spectrum in [-1, 2]: Chebyshev maps A to S = (2/s) A - I, whose eigenvalue for -1 lies outside [-1, 1], where the
// series grows like the Chebyshev polynomials do. Whatever the status, the result must say the root is not to be
// trusted.
TYPED_TEST(RootQuality, ChebyshevOnAnIndefiniteBlockIsNotPlainConverged) {
  using Space = TypeParam;
  const int n = 8;
  std::vector<double> lambda(n);
  for (int i = 0; i < n; ++i) lambda[i] = -1 + 3.0 * i / (n - 1);
  auto stack = spectrum_stack<float>(n, {lambda}, 9);
  HostStack<float> x;
  RootOptions o = options_for(RootMethod::chebyshev);
  o.measure_residual = true;
  const auto r = run_root<Space>(stack.host, x, o);
  EXPECT_TRUE(r[0].status != RootStatus::converged || r[0].ill_conditioned)
      << "condition " << r[0].condition << " residual " << r[0].residual;
  if (r[0].status == RootStatus::converged) EXPECT_GT(r[0].residual, 1.0);  // X^p A_reg is far from I
}

// kappa 10: every solver is resolvable in float, and its estimate lies within the bounds of its ingredients: the
// lambda_max estimate is within [gamma^(1/(2k)), sqrt(n)] of lambda_max (pi: Rayleigh quotient; fro: ||A||_F), and
// rho(X)^p within [gamma^(p/(2k)), 1 + c] of 1/lambda_min (c: the root's own error, tol for CN/NDB; the fit error for
// Chebyshev, whose X is (A/s + eps)^(-1/p) within ~35% at degree 20). With k = 10 steps and gamma >= 1e-3 for these
// seeds' start vectors, gamma^(p/(2k)) >= 0.25.
TYPED_TEST(RootQuality, ConditionEstimatesOfWellConditionedBlocksAreWithinTheirBounds) {
  using Space = TypeParam;
  const int n = 16;
  const double kappa = 10;
  auto stack = spectrum_stack<float>(n, {geometric_spectrum(n, kappa), geometric_spectrum(n, kappa)}, 21);
  for (RootMethod m :
       {RootMethod::evd, RootMethod::coupled_newton, RootMethod::newton_denman_beavers, RootMethod::chebyshev})
    for (Scaling scaling : {Scaling::frobenius, Scaling::power_iteration}) {
      SCOPED_TRACE(to_string(m) + " " + to_string(scaling));
      RootOptions o = options_for(m);
      o.scaling = scaling;
      HostStack<float> x;
      const auto r = run_root<Space>(stack.host, x, o);
      const double upper = (scaling == Scaling::frobenius && m != RootMethod::evd ? std::sqrt(double(n)) : 1.0) *
                           (m == RootMethod::chebyshev ? 1.35 * 1.35 * 1.35 * 1.35 : 1.01);
      for (const auto& b : r) {
        EXPECT_EQ(b.status, RootStatus::converged);
        EXPECT_FALSE(b.ill_conditioned);
        EXPECT_GE(b.condition, kappa * 0.25 * 0.25 / 1.01);
        EXPECT_LE(b.condition, kappa * upper);
      }
    }
}

// The residual reported on request is max|X^p A_reg - I| of the X written, up to the rounding of the check itself:
// Chebyshev's (A_reg = A/s + eps I, X not rescaled) is the fit error, ~0.3 at degree 20, far above any rounding, so
// it must match the double recomputation closely; EVD's is pure rounding (~ n u kappa), matched within that size.
TYPED_TEST(RootQuality, MeasuredResidualIsTheResidualOfTheWrittenRoot) {
  using Space = TypeParam;
  const int n = 16, p = 4;
  const double kappa = 100, u = std::numeric_limits<float>::epsilon();
  auto stack = spectrum_stack<float>(n, {geometric_spectrum(n, kappa)}, 31);
  for (RootMethod m : {RootMethod::chebyshev, RootMethod::evd}) {
    SCOPED_TRACE(to_string(m));
    RootOptions o = options_for(m);
    o.measure_residual = true;
    HostStack<float> x;
    const auto r = run_root<Space>(stack.host, x, o);
    Matrix a_reg = stack.stored[0];
    for (int i = 0; i < n; ++i) {
      if (m == RootMethod::chebyshev) {
        for (int j = 0; j < n; ++j) a_reg[i * n + j] /= r[0].scale;
        a_reg[i * n + i] += o.eps;
      } else {
        a_reg[i * n + i] += 2 * o.eps;  // PSD: the Shampoo fix-up adds eps twice
      }
    }
    const double host = root_residual(stack.block(x, 0), a_reg, p, n);
    const double rounding = 10.0 * p * n * u * kappa;
    EXPECT_GT(r[0].residual, 0.0);
    EXPECT_NEAR(r[0].residual, host, rounding);
    if (m == RootMethod::chebyshev) EXPECT_GT(host, 10 * rounding);  // the comparison above is not vacuous
  }
  RootOptions o = options_for(RootMethod::evd);  // without the request nothing is measured
  HostStack<float> x;
  EXPECT_EQ(run_root<Space>(stack.host, x, o)[0].residual, 0.0);
}

}  // namespace
