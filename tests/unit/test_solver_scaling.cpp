// Scale estimates (design.md §3 "Scaling s"). For a PSD A with eigenpairs (lambda_i, q_i), lambda_1 the largest, and a
// unit start vector v with gamma = (q_1 . v)^2, k power steps give the Rayleigh quotient
//   r_k = sum_i c_i^2 lambda_i^(2k+1) / sum_i c_i^2 lambda_i^(2k)   (c_i = q_i . v)
// which satisfies  gamma^(1/(2k)) lambda_1 <= r_k <= lambda_1: the upper bound because r_k is a Rayleigh quotient,
// the lower because, with weights c_i^2 summing to 1, the power means satisfy M_{2k+1}^(2k+1) >= M_{2k}^(2k+1), so
// r_k >= M_{2k} = (sum c_i^2 lambda_i^(2k))^(1/(2k)) >= (gamma lambda_1^(2k))^(1/(2k)).
// The test computes gamma from the very start vectors the solver uses (random_start_vectors with the same seed)
// and allows the rounding of k + 1 products in T: (k + 1) sqrt(n) u lambda_1 on either side.
#include "test_solver_matrices.hpp"
#include "test_spaces.hpp"  // tests/test_spaces.hpp

#include <kdash/solvers/scaling.hpp>

#include <gtest/gtest.h>

namespace {

using namespace kdash;
using namespace kdash::testing;

template <class Space, class T>
void check_power_iteration(int n, double kappa, int vectors, int steps, std::uint64_t seed) {
  const int count = 3;
  std::vector<std::vector<double>> spectra(count, geometric_spectrum(n, kappa));  // lambda_1 = 1, q_1 = row 0 of Q
  auto stack = spectrum_stack<T>(n, spectra, 31 * n);
  RootOptions o;
  o.scaling = vectors == 1 ? Scaling::power_iteration : Scaling::multi_vector_power_iteration;
  o.power_iteration_vectors = vectors;
  o.power_iteration_steps = steps;
  o.seed = seed;
  PerBlock<T, typename Space::memory_space> scale("scale", count), lambda("lambda", count);
  solvers::estimate_scale<T>(Space(), to_device_input<Space>(stack.host), o, scale, lambda);
  auto lh = to_host(lambda);
  auto sh = to_host(scale);
  auto v = to_host(solvers::random_start_vectors<T>(Space(), count, n, vectors, seed, 0));
  const double u = std::numeric_limits<T>::epsilon() / 2;
  const double slack = (steps + 1) * std::sqrt(double(n)) * u;
  for (int b = 0; b < count; ++b) {
    const auto q = random_orthogonal(n, 31 * n + b);
    double gamma = 0;
    for (int j = 0; j < vectors; ++j) {
      double dot = 0, norm = 0;
      for (int i = 0; i < n; ++i) {
        dot += q[i] * double(v(b, i, j));
        norm += double(v(b, i, j)) * double(v(b, i, j));
      }
      gamma = std::max(gamma, dot * dot / norm);
    }
    // The storage rounding moves lambda_1 by <= u sqrt(n) (Weyl), inside the slack.
    SCOPED_TRACE(::testing::Message() << "n=" << n << " vectors=" << vectors << " steps=" << steps << " block " << b
                                      << " gamma=" << gamma);
    EXPECT_LE(double(lh(b)), 1.0 + slack);
    EXPECT_GE(double(lh(b)), std::pow(gamma, 1.0 / (2 * steps)) - slack);
    EXPECT_EQ(double(sh(b)), double(T(o.scale_margin) * lh(b)));
  }
}

template <class Space>
class ScaleEstimates : public ::testing::Test {};
TYPED_TEST_SUITE(ScaleEstimates, TestSpaces, SpaceNames);

TYPED_TEST(ScaleEstimates, PowerIterationIsWithinItsDerivedFactorOfLambdaMax) {
  using Space = TypeParam;
  for (int n : {1, 5, 64})
    for (int steps : {1, 3, 10}) {
      check_power_iteration<Space, float>(n, 1e3, 1, steps, 1);
      check_power_iteration<Space, float>(n, 1e3, 16, steps, 2);
      check_power_iteration<Space, double>(n, 10, 4, steps, 3);
    }
}

TYPED_TEST(ScaleEstimates, MultiVectorKeepsTheLargestRayleighQuotient) {
  using Space = TypeParam;
  using Memory = typename Space::memory_space;
  // Each column of pim is a pi run; the kept quotient is the largest, so pim >= pi started from its first column.
  // (Column 0 of the pim start vectors is not pi's start vector, so the check is per column: with one vector the
  // estimate equals the first column's run exactly, and adding columns can only raise it.)
  const int n = 32;
  auto stack = spectrum_stack<float>(n, {geometric_spectrum(n, 1e2)}, 5);
  RootOptions o;
  o.scaling = Scaling::multi_vector_power_iteration;
  o.power_iteration_steps = 2;
  PerBlock<float, Memory> s1("s", 1), l1("l", 1), s16("s", 1), l16("l", 1);
  const auto a = to_device_input<Space>(stack.host);
  o.power_iteration_vectors = 1;
  solvers::estimate_scale<float>(Space(), a, o, s1, l1);
  o.power_iteration_vectors = 16;
  solvers::estimate_scale<float>(Space(), a, o, s16, l16);
  EXPECT_GE(to_host(l16)(0), to_host(l1)(0) * (1 - 3 * std::sqrt(double(n)) * 6e-8));
}

TYPED_TEST(ScaleEstimates, FrobeniusNormIsExactAndSurvivesHugeAndTinyEntries) {
  using Space = TypeParam;
  const int n = 6;
  for (int e2 : {0, 60, -60}) {  // 2^60: squares overflow float; 2^-60: squares underflow
    auto h = random_host_stack<float>(2, n, n, 9);
    double ref[2] = {0, 0};
    for (int b = 0; b < 2; ++b)
      for (int i = 0; i < n * n; ++i) {
        float& v = h.data()[b * n * n + i];
        v = std::ldexp(v, e2);
        ref[b] += double(v) * double(v);
      }
    RootOptions o;
    o.scaling = Scaling::frobenius;
    PerBlock<float, typename Space::memory_space> s("s", 2), l("l", 2);
    solvers::estimate_scale<float>(Space(), to_device_input<Space>(h), o, s, l);
    auto lh = to_host(l);
    // Two roundings per term plus a sum of n^2 terms: n^2 u relative (worst case).
    for (int b = 0; b < 2; ++b) EXPECT_NEAR(lh(b) / std::sqrt(ref[b]), 1.0, n * n * 6e-8) << "2^" << e2;
  }
}

TYPED_TEST(ScaleEstimates, FrobeniusNormCombinesChunksOfDifferentMagnitudeAndPropagatesNonFinite) {
  using Space = TypeParam;
  // 200 x 200 = 40,000 entries: the reduction splits each block into chunks, each scaled by its own largest entry.
  // Block 0 falls in five steps of 4x from 2^60 (squares overflow float), block 1 rises in five steps of 4x to 2^-60
  // (squares underflow): every chunk weighs in, each with another largest entry. Block 2 has a NaN in its last
  // chunk, block 3 an infinity in its first, block 4 is all zero.
  const int n = 200, nn = n * n, count = 5;
  auto h = random_host_stack<float>(count, n, n, 17);
  double ref[2] = {0, 0};
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < nn; ++i) {
      const int step = int(std::int64_t(i) * 5 / nn);  // 0..4
      float& v = h.data()[b * nn + i];
      v = std::ldexp(v, b == 0 ? 60 - 2 * step : -68 + 2 * step);
      ref[b] += double(v) * double(v);
    }
  h.data()[2 * nn + nn - 3] = std::numeric_limits<float>::quiet_NaN();
  h.data()[3 * nn + 7] = -std::numeric_limits<float>::infinity();
  for (int i = 0; i < nn; ++i) h.data()[4 * nn + i] = 0;
  RootOptions o;
  o.scaling = Scaling::frobenius;
  PerBlock<float, typename Space::memory_space> s("s", count), l("l", count);
  solvers::estimate_scale<float>(Space(), to_device_input<Space>(h), o, s, l);
  auto lh = to_host(l);
  // Two roundings per term, the rescaling of each chunk's sum (three more) and a sum of n^2 terms: (n^2 + 5) u.
  for (int b = 0; b < 2; ++b) EXPECT_NEAR(lh(b) / std::sqrt(ref[b]), 1.0, (nn + 5) * 6e-8) << "block " << b;
  EXPECT_TRUE(std::isnan(lh(2)));
  EXPECT_EQ(lh(3), std::numeric_limits<float>::infinity());
  EXPECT_EQ(lh(4), 0.0f);
}

TYPED_TEST(ScaleEstimates, StartVectorsAreReproducibleAndKeyedByTheGlobalBlockIndex) {
  using Space = TypeParam;
  auto a = to_host(solvers::random_start_vectors<float>(Space(), 4, 9, 3, 42, 0));
  auto b = to_host(solvers::random_start_vectors<float>(Space(), 4, 9, 3, 42, 0));
  auto c = to_host(solvers::random_start_vectors<float>(Space(), 1, 9, 3, 42, 2));  // block 2 alone
  auto d = to_host(solvers::random_start_vectors<float>(Space(), 4, 9, 3, 43, 0));
  bool differs = false;
  for (int i = 0; i < 9; ++i)
    for (int j = 0; j < 3; ++j) {
      for (int blk = 0; blk < 4; ++blk) ASSERT_EQ(a(blk, i, j), b(blk, i, j));
      ASSERT_EQ(a(2, i, j), c(0, i, j));
      differs = differs || a(0, i, j) != d(0, i, j);
    }
  EXPECT_TRUE(differs);  // another seed, other numbers
}

}  // namespace
