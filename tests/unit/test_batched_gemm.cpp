// Batched GEMM over stacks against a double-precision reference, with the rigorous forward-error bound of a
// length-k dot product in precision u: |C - C_exact| <= gamma_k (|alpha| |op(A)| |op(B)| + |beta| |C0|),
// gamma_k = k u / (1 - k u) (Higham, Accuracy and Stability of Numerical Algorithms, §3.5).
#include "test_helpers.hpp"  // tests/test_helpers.hpp
#include "test_spaces.hpp"   // tests/test_spaces.hpp

#include <kdash/backends/batched_gemm.hpp>

#include <gtest/gtest.h>

#include <limits>
#include <tuple>
#include <utility>

namespace {

using kdash::backends::GemmOptions;
using kdash::backends::GemmPath;
using kdash::backends::InputPrecision;
using kdash::backends::Trans;
using namespace kdash::testing;

template <class Space, class T>
void check_gemm(int count, int m, int n, int k, Trans ta, Trans tb, GemmPath path, InputPrecision input, bool masked) {
  const bool tA = ta == Trans::transpose, tB = tb == Trans::transpose;
  auto ah = random_host_stack<T>(count, tA ? k : m, tA ? m : k, 1);
  auto bh = random_host_stack<T>(count, tB ? n : k, tB ? k : n, 2);
  auto ch = random_host_stack<T>(count, m, n, 3);
  const T alpha = T(0.75), beta = T(-0.5);
  auto a = to_device<Space>(ah), b = to_device<Space>(bh), c = to_device<Space>(ch);
  Kokkos::View<int*, typename Space::memory_space> active("active", count);
  auto active_h = Kokkos::create_mirror_view(active);
  for (int i = 0; i < count; ++i) active_h(i) = (i % 2 == 0) ? 1 : 0;
  Kokkos::deep_copy(active, active_h);

  GemmOptions<T, Space> options;
  options.path = path;
  options.input = input;
  if (masked) options.active = active;
  using ConstStack = kdash::Stack<const T, typename Space::memory_space>;
  kdash::backends::batched_gemm(Space(), ta, tb, alpha, ConstStack(a), ConstStack(b), beta, c, options);
  auto result = to_host(c);

  // Inputs as the product saw them (16-bit rounding is part of the contract, not of the error).
  auto in = [&](T x) { return double(kdash::backends::round_input(x, input)); };
  const double u = std::numeric_limits<T>::epsilon() / 2;
  const double gamma = k * u / (1 - k * u) + 4 * u;  // + the rounding of alpha*sum and beta*C and their sum
  for (int blk = 0; blk < count; ++blk) {
    const bool updated = !masked || active_h(blk) == 1;
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        double exact = 0, magnitude = 0;
        for (int l = 0; l < k; ++l) {
          const double p = in(T(op_at(ah, blk, i, l, tA))) * in(T(op_at(bh, blk, l, j, tB)));
          exact += p;
          magnitude += std::abs(p);
        }
        const double expected = updated ? alpha * exact + beta * double(ch(blk, i, j)) : double(ch(blk, i, j));
        const double bound =
            updated ? gamma * (std::abs(double(alpha)) * magnitude + std::abs(double(beta) * ch(blk, i, j))) : 0.0;
        ASSERT_LE(std::abs(double(result(blk, i, j)) - expected), bound)
            << "block " << blk << " (" << i << ", " << j << "), m=" << m << " n=" << n << " k=" << k;
      }
  }
}

// Runs body(path, ta, tb) for every path and both transposes of each operand.
template <class Body>
void for_each_path_and_transpose(Body&& body) {
  const std::pair<GemmPath, const char*> paths[] = {
      {GemmPath::kokkos_kernels, "kk"}, {GemmPath::vendor, "vendor"}, {GemmPath::automatic, "automatic"}};
  for (const auto& [path, name] : paths)
    for (Trans ta : {Trans::none, Trans::transpose})
      for (Trans tb : {Trans::none, Trans::transpose}) {
        SCOPED_TRACE(::testing::Message() << "path " << name << ", op(A) " << (ta == Trans::none ? "A" : "A^T")
                                          << ", op(B) " << (tb == Trans::none ? "B" : "B^T"));
        body(path, ta, tb);
      }
}

template <class Param>
class BatchedGemm : public ::testing::Test {};
TYPED_TEST_SUITE(BatchedGemm, TestSpacesAndScalars, SpaceNames);

template <class Space>
class BatchedGemmOnSpace : public ::testing::Test {};
TYPED_TEST_SUITE(BatchedGemmOnSpace, TestSpaces, SpaceNames);

TYPED_TEST(BatchedGemm, MatchesReferenceWithinForwardErrorBound) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  for_each_path_and_transpose([](GemmPath path, Trans ta, Trans tb) {
    for (auto [m, n, k] : {std::tuple{1, 1, 1}, {7, 5, 3}, {16, 16, 16}, {33, 65, 70}}) {
      check_gemm<Space, T>(5, m, n, k, ta, tb, path, InputPrecision::native, false);
    }
    check_gemm<Space, T>(3, 20, 9, 130, ta, tb, path, InputPrecision::native, false);
  });
}

TYPED_TEST(BatchedGemm, MaskedBlocksAreLeftUnchanged) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  for_each_path_and_transpose([](GemmPath path, Trans ta, Trans tb) {
    check_gemm<Space, T>(6, 12, 12, 12, ta, tb, path, InputPrecision::native, true);
  });
}

TYPED_TEST(BatchedGemmOnSpace, SixteenBitInputsAccumulateInFp32) {
  using Space = TypeParam;
  for_each_path_and_transpose([](GemmPath path, Trans ta, Trans tb) {
    check_gemm<Space, float>(3, 17, 17, 40, ta, tb, path, InputPrecision::fp16, false);
    check_gemm<Space, float>(3, 17, 17, 40, ta, tb, path, InputPrecision::bf16, false);
  });
}

TYPED_TEST(BatchedGemmOnSpace, MismatchedShapesAreRejectedWithTheirSizes) {
  using Space = TypeParam;
  using Stack = kdash::Stack<float, typename Space::memory_space>;
  using ConstStack = kdash::Stack<const float, typename Space::memory_space>;
  Stack a("a", 2, 3, 4), b("b", 2, 5, 6), c("c", 2, 3, 6), c3("c3", 3, 3, 6);
  try {
    kdash::backends::batched_gemm(Space(), Trans::none, Trans::none, 1.0f, ConstStack(a), ConstStack(b), 0.0f, c);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("3x4"), std::string::npos) << e.what();
  }
  EXPECT_THROW(
      kdash::backends::batched_gemm(Space(), Trans::none, Trans::none, 1.0f, ConstStack(a), ConstStack(a), 0.0f, c3),
      std::invalid_argument);
}

TEST(LowPrecisionRounding, MatchesTheSixteenBitGrids) {
  using kdash::backends::round_to_bf16;
  using kdash::backends::round_to_fp16;
  EXPECT_EQ(round_to_fp16(1.0f), 1.0f);
  EXPECT_EQ(round_to_fp16(1.0f + 1.0f / 4096), 1.0f);               // below half an fp16 ulp (2^-10)
  EXPECT_EQ(round_to_fp16(1.0f + 3.0f / 2048), 1.0f + 1.0f / 512);  // 1.5 ulp rounds to even (2 ulp)
  EXPECT_EQ(round_to_fp16(65504.0f), 65504.0f);
  EXPECT_TRUE(std::isinf(round_to_fp16(70000.0f)));
  EXPECT_EQ(round_to_fp16(std::ldexp(1.0f, -24)), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(round_to_fp16(std::ldexp(1.0f, -26)), 0.0f);
  EXPECT_EQ(round_to_fp16(-2.5f), -2.5f);
  EXPECT_EQ(round_to_bf16(1.0f + 1.0f / 256), 1.0f);  // half a bf16 ulp (2^-7): tie to even
  EXPECT_EQ(round_to_bf16(1.0f + 3.0f / 256), 1.0f + 1.0f / 64);
  EXPECT_TRUE(std::isnan(round_to_bf16(std::nanf(""))));
}

}  // namespace
