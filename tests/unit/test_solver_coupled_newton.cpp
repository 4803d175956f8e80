// Coupled Newton (design.md §3) on matrices with known spectra.
//
// The bound (derived, not measured). Write A for the stored block (its T values), lambda_i for its eigenvalues.
// 1. Exact arithmetic: every CN iterate is a polynomial in A, so M_k = X_k^p A has eigenvalues m_k(lambda_i) given
//    by the scalar map m <- m ((p+1-m)/p)^p from m_0 = lambda (p+1)/(2s) (cn_scalar_residual), and
//    ||X_k^p A - I||_2 = e_k := max_i |m_k(lambda_i) - 1|. Storing A in T moves each eigenvalue by at most
//    ||E||_2 <= ||E||_F <= u_T ||A||_F <= u_T sqrt(n) lambda_max (Weyl), so e_k is taken over lambda_i +- that.
// 2. Rounding: a GEMM of inner dimension n whose inputs are rounded to u_in and accumulated with unit roundoff u_acc
//    has normwise relative error delta_g = 2 u_in + sqrt(n) u_acc (probabilistic rounding model, Higham & Mary
//    2019: sqrt(n) u instead of the worst case n u). X_k = X_0 T_0 ... T_{k-1} picks up delta_g per product and the
//    error of T (= the error of M over p, M having absorbed about one delta_g per iteration), so its relative error
//    is at most 2 k delta_g. A relative error delta of X changes X^p A by at most p delta ||X||^p ||A|| = p delta
//    kappa. Hence  max_ij |X^p A - I| <= ||X^p A - I||_2 <= e_k + 2 p k delta_g kappa.
// 3. A run in a wider state type than the stack (fp64 on a float stack) rounds X back to T at the end: relative
//    error u_T more, i.e. + p u_T kappa.
// Where this is vacuous (kappa 1e8 in fp32), the test checks the other direction: the iteration provably has not
// converged (e_k ~ 1), and the solver must say so (status not_converged), not pretend.
#include "test_solver_matrices.hpp"
#include "test_spaces.hpp"  // tests/test_spaces.hpp

#include <gtest/gtest.h>

#include <type_traits>
#include <vector>

namespace {

using namespace kdash;
using namespace kdash::testing;

struct Case {
  int n;
  double kappa;
  int p;
  int iterations;
  Precision precision = Precision::fp32;
  int count = 2;
};

// e_k over the eigenvalues moved by the storage rounding (step 1 above).
double exact_part(const std::vector<double>& lambda, double s, int p, int k, double storage_shift) {
  double e = 0;
  for (double l : lambda)
    for (double d : {-storage_shift, 0.0, storage_shift})
      e = std::max(e, cn_scalar_residual(std::max(l + d, 1e-300), s, p, k));
  return e;
}

template <class Space, class T>
void check_bound(const Case& c) {
  const int count = c.count;
  std::vector<std::vector<double>> spectra(count, geometric_spectrum(c.n, c.kappa));
  auto stack = spectrum_stack<T>(c.n, spectra, 7 * c.n + c.p);
  RootOptions o;
  o.method = RootMethod::coupled_newton;
  o.p = c.p;
  o.eps = 0;
  o.tolerance = 0;  // run exactly c.iterations
  o.max_iterations = c.iterations;
  o.precision = c.precision;
  HostStack<T> x;
  auto results = run_root<Space>(stack.host, x, o);
  const double u_store = std::numeric_limits<T>::epsilon() / 2;
  const double u_acc = c.precision == Precision::fp64 || std::is_same_v<T, double> ? unit_roundoff(Precision::fp64)
                                                                                   : unit_roundoff(Precision::fp32);
  const bool reduced =
      c.precision == Precision::tf32 || c.precision == Precision::fp16 || c.precision == Precision::bf16;
  const double u_in = reduced ? unit_roundoff(c.precision) : 0;
  const double delta_g = 2 * u_in + std::sqrt(double(c.n)) * u_acc;
  const double kappa = c.n == 1 ? 1.0 : c.kappa;
  for (int b = 0; b < count; ++b) {
    SCOPED_TRACE(::testing::Message() << "n=" << c.n << " kappa=" << c.kappa << " p=" << c.p << " k=" << c.iterations
                                      << " precision=" << to_string(c.precision) << " block " << b);
    ASSERT_EQ(results[b].iterations, c.iterations);
    ASSERT_GT(results[b].scale, 0);
    const double shift = u_store * std::sqrt(double(c.n));
    const double output_rounding =
        c.precision == Precision::fp64 && std::is_same_v<T, float> ? c.p * u_store * kappa : 0.0;
    const double bound = exact_part(spectra[b], results[b].scale, c.p, c.iterations, shift) +
                         2.0 * c.p * c.iterations * delta_g * kappa + output_rounding;
    const double measured = root_residual(stack.block(x, b), stack.stored[b], c.p, c.n);
    EXPECT_LE(measured, bound);
    // The reported residual max|M - I| tracks the true one up to M's own rounding (same model).
    EXPECT_LE(std::abs(results[b].residual - measured), bound + 2.0 * c.p * c.iterations * delta_g * kappa);
  }
}

// The cases of each stack type: float up to kappa 1e4 (the bound grows with kappa u and is vacuous at 1e8 in fp32),
// double up to 1e8 with 40 iterations.
template <class T>
std::vector<Case> derived_bound_cases() {
  std::vector<Case> cases;
  if constexpr (std::is_same_v<T, float>) {
    for (int n : {1, 8, 64})
      for (double kappa : {1e1, 1e3, 1e4})
        for (int p : {1, 2, 4})
          for (int k : {5, 12}) cases.push_back({n, kappa, p, k});
    cases.push_back({24, 1e2, 3, 10});
    cases.push_back({200, 1e2, 4, 12});
  } else {
    for (double kappa : {1e2, 1e6, 1e8})
      for (int p : {2, 4}) cases.push_back({32, kappa, p, 40});
  }
  return cases;
}

template <class Param>
class CoupledNewtonBound : public ::testing::Test {};
TYPED_TEST_SUITE(CoupledNewtonBound, TestSpacesAndScalars, SpaceNames);

TYPED_TEST(CoupledNewtonBound, ReachesTheDerivedBound) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  for (const Case& c : derived_bound_cases<T>()) check_bound<Space, T>(c);
}

template <class Space>
class CoupledNewton : public ::testing::Test {};
TYPED_TEST_SUITE(CoupledNewton, TestSpaces, SpaceNames);

TYPED_TEST(CoupledNewton, ReachesTheDerivedBoundOnALargeBlock) {
  using Space = TypeParam;
  check_bound<Space, float>({512, 1e2, 4, 12, Precision::fp32, 1});  // n = 512: the vendor GEMM path, one block
}

TYPED_TEST(CoupledNewton, ReducedPrecisionInputsConvergeToTheirPrecisionsLevel) {
  using Space = TypeParam;
  for (Precision prec : {Precision::tf32, Precision::fp16, Precision::bf16})
    for (int p : {2, 4}) check_bound<Space, float>({32, 1e1, p, 10, prec});
}

TYPED_TEST(CoupledNewton, Fp64PrecisionOnAFloatStackReachesDoubleAccuracy) {
  using Space = TypeParam;
  // At kappa 1e4 and 40 iterations the fp32 bound is vacuous (2 p k sqrt(n) u kappa ~ 1.1) while the fp64 run is
  // limited only by rounding X to float at the end (p u kappa ~ 2.4e-3).
  check_bound<Space, float>({32, 1e4, 4, 40, Precision::fp64});
}

TYPED_TEST(CoupledNewton, Kappa1e8InFp32With10IterationsIsReportedNotConverged) {
  using Space = TypeParam;
  // m_0 = lambda_min (p+1)/(2s) ~ 1e-8 * 5/4 / (2 * 1) and m grows by at most ((p+1)/p)^p = 2.44 per iteration while
  // small: after 10 iterations m_10 < 1e-4, so max|M - I| >= |m_10 - 1| / n > 0.9 / n: the solver cannot converge.
  const int n = 16;
  auto stack = spectrum_stack<float>(n, {geometric_spectrum(n, 1e8)}, 3);
  RootOptions o;
  o.method = RootMethod::coupled_newton;
  o.p = 4;
  o.max_iterations = 10;
  HostStack<float> x;
  auto r = run_root<Space>(stack.host, x, o);
  EXPECT_LE(cn_scalar_residual(1e-8, r[0].scale, 4, 10), 1.0);
  EXPECT_GE(cn_scalar_residual(1e-8, r[0].scale, 4, 10), 0.9);
  EXPECT_EQ(r[0].status, RootStatus::not_converged);
  EXPECT_EQ(r[0].iterations, 10);
  EXPECT_GT(r[0].residual, 0.9 / n);
}

TYPED_TEST(CoupledNewton, RankDeficientWithRidgeConvergesInFp64AndNotIn10Fp32Iterations) {
  using Space = TypeParam;
  // Half the eigenvalues are 0; with the ridge eps the solver sees A + eps I, kappa = (1 + eps)/eps = 1e6+1.
  const int n = 16;
  std::vector<double> lambda(n, 0.0);
  for (int i = 0; i < n / 2; ++i) lambda[i] = std::pow(10.0, -i / 4.0);
  auto stack = spectrum_stack<double>(n, {lambda}, 11);
  RootOptions o;
  o.method = RootMethod::coupled_newton;
  o.p = 4;
  o.eps = 1e-6;
  o.tolerance = 1e-9;
  o.max_iterations = 40;
  HostStack<double> x;
  auto r = run_root<Space>(stack.host, x, o);
  EXPECT_EQ(r[0].status, RootStatus::converged);
  auto ridged = stack.stored[0];
  for (int i = 0; i < n; ++i) ridged[i * n + i] += o.eps;
  // Bound of the file header with kappa = 1e6 + 1, k = iterations, u = fp64; e_k < tol by convergence (the scalar map
  // is monotone on (0, 1], so the block's max|M - I| < tol bounds every eigenvalue's |m_k - 1| up to rounding).
  const double delta_g = std::sqrt(double(n)) * unit_roundoff(Precision::fp64);
  const double bound = n * o.tolerance + 2.0 * 4 * r[0].iterations * delta_g * (1e6 + 1);
  EXPECT_LE(root_residual(stack.block(x, 0), ridged, 4, n), bound);

  o.max_iterations = 10;
  o.precision = Precision::fp32;
  auto stack32 = spectrum_stack<float>(n, {lambda}, 11);
  HostStack<float> x32;
  auto r32 = run_root<Space>(stack32.host, x32, o);
  EXPECT_EQ(r32[0].status, RootStatus::not_converged);
}

TYPED_TEST(CoupledNewton, ConvergedBlocksAreNotModifiedByLaterIterations) {
  using Space = TypeParam;
  // Block 0 (kappa 2) converges long before block 1 (kappa 1e3). Its result must equal a run of block 0 alone that
  // stops at exactly the iteration count the batched run reports for it.
  const int n = 24;
  auto stack = spectrum_stack<float>(n, {geometric_spectrum(n, 2), geometric_spectrum(n, 1e3)}, 5);
  RootOptions o;
  o.method = RootMethod::coupled_newton;
  o.p = 4;
  o.tolerance = 1e-4;
  o.max_iterations = 30;
  HostStack<float> x;
  auto r = run_root<Space>(stack.host, x, o);
  ASSERT_EQ(r[0].status, RootStatus::converged);
  ASSERT_LT(r[0].iterations, r[1].iterations);  // the mask had work to do

  HostStack<float> one("one", 1, n, n);
  Kokkos::deep_copy(one, Kokkos::subview(stack.host, std::make_pair(0, 1), Kokkos::ALL, Kokkos::ALL));
  RootOptions alone = o;
  alone.tolerance = 0;
  alone.max_iterations = r[0].iterations;
  HostStack<float> x1;
  auto r1 = run_root<Space>(one, x1, alone);
  EXPECT_EQ(r1[0].iterations, r[0].iterations);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) ASSERT_EQ(x(0, i, j), x1(0, i, j)) << i << "," << j;
}

// On the host every product of the iteration is computed on one triangle and mirrored (?syrk, ?gemmt), so X, T and M
// stay exactly symmetric. With full GEMMs, M picks up a non-symmetric rounding error each iteration that the
// iteration does not remove: in fp32 at n = 256, max|M - I| then stalls at 1e-6 (kappa 1e2) to 1e-2 (kappa 1e7) and
// never reaches the tolerance. Symmetric iterates converge to the tolerance, and X to the exact root within the
// p-th root's conditioning: ||dX|| / ||X|| <= (kappa / p) ||dA|| / ||A|| for a backward error dA of the storage
// rounding (u sqrt(n)) plus a few u per product (8 u allowed). Devices still use full GEMMs.
TYPED_TEST(CoupledNewton, SymmetricIteratesConvergeInFp32UpToKappa1e6) {
  using Space = TypeParam;
  if (!is_host_space_v<Space>) GTEST_SKIP() << "the symmetric products are the host's";
  const int n = 256, p = 4;
  const std::vector<double> kappas{1e2, 1e4, 1e6};
  std::vector<std::vector<double>> spectra;
  for (double kappa : kappas) spectra.push_back(geometric_spectrum(n, kappa));
  auto stack = spectrum_stack<float>(n, spectra, 91);
  RootOptions o;
  o.method = RootMethod::coupled_newton;
  o.p = p;
  o.eps = 0;
  o.scaling = Scaling::frobenius;
  o.tolerance = 1e-6;
  o.max_iterations = 40;
  HostStack<float> x;
  auto r = run_root<Space>(stack.host, x, o);
  const double u = unit_roundoff(Precision::fp32);
  for (std::size_t b = 0; b < kappas.size(); ++b) {
    SCOPED_TRACE(::testing::Message() << "kappa=" << kappas[b]);
    EXPECT_EQ(r[b].status, RootStatus::converged);
    EXPECT_LT(r[b].residual, o.tolerance);
    std::vector<double> root_spectrum;
    for (double l : spectra[b]) root_spectrum.push_back(std::pow(l, -1.0 / p));
    const Matrix exact = from_spectrum(random_orthogonal(n, 91 + unsigned(b)), root_spectrum, n);
    const Matrix got = stack.block(x, int(b));
    double diff = 0, norm = 0;
    for (std::size_t i = 0; i < exact.size(); ++i) {
      diff += (got[i] - exact[i]) * (got[i] - exact[i]);
      norm += exact[i] * exact[i];
    }
    EXPECT_LE(std::sqrt(diff / norm), kappas[b] / p * (std::sqrt(double(n)) + 8) * u);
  }
}

TYPED_TEST(CoupledNewton, StopsEarlyWhenEveryBlockHasConverged) {
  using Space = TypeParam;
  const int n = 8;
  auto stack = spectrum_stack<double>(n, {geometric_spectrum(n, 4), geometric_spectrum(n, 10)}, 2);
  RootOptions o;
  o.method = RootMethod::coupled_newton;
  o.p = 2;
  o.tolerance = 1e-10;
  o.max_iterations = 100;
  HostStack<double> x;
  auto r = run_root<Space>(stack.host, x, o);
  for (int b = 0; b < 2; ++b) {
    EXPECT_EQ(r[b].status, RootStatus::converged);
    EXPECT_LT(r[b].iterations, 20);  // quadratic convergence from m_0 >= 3/4 * 1/10 takes < 10 iterations
    EXPECT_LT(r[b].residual, o.tolerance);
  }
}

}  // namespace
