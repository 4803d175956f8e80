// Batched symmetric products (backends/kokkos/kdash/backends/batched_syrk.hpp) against a double-precision reference
// with the forward-error bound of a length-k dot product (as test_batched_gemm.cpp), on both sides of the ?syrk
// threshold: the full output (both triangles) is written and exactly symmetric, masks are honoured, and a block's
// result does not depend on the other blocks of its stack (the stacking modes' bitwise agreement rests on it). On a
// GPU both forms of the vendor path run: one GEMM, and the three GEMMs of the lower block triangle with its mirror.
#include "test_helpers.hpp"  // tests/test_helpers.hpp
#include "test_spaces.hpp"   // tests/test_spaces.hpp

#include <kdash/backends/batched_syrk.hpp>
#include <kdash/backends/mirror_block.hpp>

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace {

using kdash::backends::DeviceSymmetricForm;
using kdash::backends::GemmOptions;
using kdash::backends::InputPrecision;
using kdash::backends::kHostSplitRows;
using kdash::backends::kHostSyrkMinSize;
using kdash::backends::Trans;
using namespace kdash::testing;

// Sizes on both sides of the ?syrk threshold and of the split into two units (an odd one: unequal halves).
const int kSizes[] = {kHostSyrkMinSize - 1, kHostSyrkMinSize, kHostSplitRows - 1, kHostSplitRows + 37};

template <class Space>
Kokkos::View<int*, typename Space::memory_space> every_other(int count) {
  Kokkos::View<int*, typename Space::memory_space> active("active", count);
  auto h = Kokkos::create_mirror_view(active);
  for (int i = 0; i < count; ++i) h(i) = i % 2 == 0;
  Kokkos::deep_copy(active, h);
  return active;
}

// The forms a symmetric product takes on `Space`: host backends have one (their own ?syrk rule), devices two.
template <class Space>
std::vector<DeviceSymmetricForm> symmetric_forms() {
  if (kdash::is_host_space_v<Space>) return {DeviceSymmetricForm::automatic};
  return {DeviceSymmetricForm::full, DeviceSymmetricForm::lower_triangle};
}

template <class Space, class T>
void check_syrk(int count, int n, int k, Trans t, InputPrecision input, bool masked,
                DeviceSymmetricForm form = DeviceSymmetricForm::automatic) {
  const bool tr = t == Trans::transpose;
  auto ah = random_host_stack<T>(count, tr ? k : n, tr ? n : k, 11);
  auto ch = random_host_stack<T>(count, n, n, 12);
  for (int b = 0; b < count; ++b)  // a symmetric C0, as factor statistics are
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < i; ++j) ch(b, i, j) = ch(b, j, i);
  const T alpha = T(0.05), beta = T(0.95);
  auto c = to_device<Space>(ch);
  GemmOptions<T, Space> options;
  options.input = input;
  options.device_symmetric = form;
  if (masked) options.active = every_other<Space>(count);
  kdash::backends::batched_syrk(Space(), t, alpha, to_device_input<Space>(ah), beta, c, options);
  auto result = to_host(c);
  auto in = [&](T x) { return double(kdash::backends::round_input(x, input)); };
  const double u = std::numeric_limits<T>::epsilon() / 2;
  const double gamma = k * u / (1 - k * u) + 4 * u;
  for (int b = 0; b < count; ++b) {
    const bool updated = !masked || b % 2 == 0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        double exact = 0, magnitude = 0;
        for (int l = 0; l < k; ++l) {
          const double p = in(T(op_at(ah, b, i, l, tr))) * in(T(op_at(ah, b, j, l, tr)));
          exact += p;
          magnitude += std::abs(p);
        }
        const double c0 = ch(b, i, j);
        const double expected = updated ? alpha * exact + beta * c0 : c0;
        const double bound = updated ? gamma * (alpha * magnitude + beta * std::abs(c0)) : 0.0;
        ASSERT_LE(std::abs(double(result(b, i, j)) - expected), bound)
            << "block " << b << " (" << i << ", " << j << ") n=" << n << " k=" << k << " transpose=" << tr;
        if ((n >= kHostSyrkMinSize && kdash::is_host_space_v<Space>) || form == DeviceSymmetricForm::lower_triangle) {
          // The ?syrk path mirrors its upper triangle, the device's lower-triangle form its lower-left block: the
          // output is symmetric to the bit.
          ASSERT_EQ(result(b, i, j), result(b, j, i)) << "block " << b << " (" << i << ", " << j << ") n=" << n;
        }
      }
  }
}

template <class Param>
class BatchedSyrkPrecision : public ::testing::Test {};
TYPED_TEST_SUITE(BatchedSyrkPrecision, TestSpacesAndScalars, SpaceNames);

template <class Space>
class BatchedSyrk : public ::testing::Test {};
TYPED_TEST_SUITE(BatchedSyrk, TestSpaces, SpaceNames);

TYPED_TEST(BatchedSyrkPrecision, MatchesTheExactProductOnBothSidesOfTheThreshold) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  for (DeviceSymmetricForm form : symmetric_forms<Space>())
    for (int n : kSizes)
      for (Trans t : {Trans::none, Trans::transpose}) {
        check_syrk<Space, T>(3, n, n, t, InputPrecision::native, false, form);
        check_syrk<Space, T>(1, n, 40, t, InputPrecision::native, false, form);  // a strip: inner dimension 40
      }
}

TYPED_TEST(BatchedSyrkPrecision, MaskedBlocksKeepTheirValues) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  for (DeviceSymmetricForm form : symmetric_forms<Space>())
    for (int n : kSizes) check_syrk<Space, T>(4, n, 50, Trans::none, InputPrecision::native, true, form);
}

TYPED_TEST(BatchedSyrk, DoublePrecisionAndRoundedInputs) {
  using Space = TypeParam;
  for (DeviceSymmetricForm form : symmetric_forms<Space>()) {
    check_syrk<Space, double>(2, kHostSplitRows + 1, 30, Trans::transpose, InputPrecision::native, false, form);
    check_syrk<Space, float>(2, kHostSplitRows + 1, 30, Trans::none, InputPrecision::bf16, false, form);
  }
}

// The same block alone and in a stack of three (different neighbours, a different number of blocks than threads):
// the same bits, because the kernel is chosen by the block's shape only.
TYPED_TEST(BatchedSyrk, ABlockIsComputedAlikeAloneAndInAStack) {
  using Space = TypeParam;
  using Stack = kdash::Stack<float, typename Space::memory_space>;
  using ConstStack = kdash::Stack<const float, typename Space::memory_space>;
  for (int n : kSizes) {
    auto ah = random_host_stack<float>(3, n, n + 5, 21);
    auto one = random_host_stack<float>(1, n, n + 5, 21);  // the same seed: block 0 of ah
    Kokkos::deep_copy(one, Kokkos::subview(ah, std::make_pair(0, 1), Kokkos::ALL, Kokkos::ALL));
    Stack c3("c3", 3, n, n), c1("c1", 1, n, n);
    Space exec;
    kdash::backends::batched_syrk(exec, Trans::none, 1.0f, to_device_input<Space>(ah), 0.0f, c3);
    kdash::backends::batched_syrk(exec, Trans::none, 1.0f, to_device_input<Space>(one), 0.0f, c1);
    Stack s3("s3", 3, n, n), s1("s1", 1, n, n);
    kdash::backends::batched_square(exec, 1.0f, ConstStack(c3), 0.0f, s3);
    kdash::backends::batched_square(exec, 1.0f, ConstStack(c1), 0.0f, s1);
    auto r3 = to_host(c3), r1 = to_host(c1), q3 = to_host(s3), q1 = to_host(s1);
    int mismatches = 0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) mismatches += (r3(0, i, j) != r1(0, i, j)) + (q3(0, i, j) != q1(0, i, j));
    EXPECT_EQ(mismatches, 0) << "n=" << n;
  }
}

// batched_square(S) = S S for symmetric S, within the GEMM bound.
TYPED_TEST(BatchedSyrk, SquareOfASymmetricMatrix) {
  using Space = TypeParam;
  for (int n : kSizes) {
    auto sh = random_host_stack<double>(2, n, n, 31);
    for (int b = 0; b < 2; ++b)
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < i; ++j) sh(b, i, j) = sh(b, j, i);
    kdash::Stack<double, typename Space::memory_space> out("out", 2, n, n);
    kdash::backends::batched_square(Space(), 1.0, to_device_input<Space>(sh), 0.0, out);
    auto r = to_host(out);
    const double u = std::numeric_limits<double>::epsilon() / 2, gamma = n * u / (1 - n * u) + 2 * u;
    for (int b = 0; b < 2; ++b)
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          double exact = 0, magnitude = 0;
          for (int l = 0; l < n; ++l) {
            exact += sh(b, i, l) * sh(b, l, j);
            magnitude += std::abs(sh(b, i, l) * sh(b, l, j));
          }
          ASSERT_LE(std::abs(r(b, i, j) - exact), gamma * magnitude) << "n=" << n << " (" << i << ", " << j << ")";
        }
  }
}

// batched_symmetric_product(S, S) = S S for symmetric S (the one product of two stored matrices that is symmetric in
// exact arithmetic), with alpha, beta, a mask, a lone block equal to the same block in a stack, and the output
// symmetric to the bit on the host ?gemmt path.
TYPED_TEST(BatchedSyrk, SymmetricProductOfCommutingMatrices) {
  using Space = TypeParam;
  for (DeviceSymmetricForm form : symmetric_forms<Space>())
    for (int n : kSizes) {
      const int count = 3;
      auto sh = random_host_stack<double>(count, n, n, 41);
      auto ch = random_host_stack<double>(count, n, n, 42);
      for (int b = 0; b < count; ++b)
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < i; ++j) {
            sh(b, i, j) = sh(b, j, i);
            ch(b, i, j) = ch(b, j, i);
          }
      const double alpha = 0.5, beta = 0.25;
      auto out = to_device<Space>(ch);
      GemmOptions<double, Space> options;
      options.active = every_other<Space>(count);
      options.device_symmetric = form;
      const auto s = to_device_input<Space>(sh);
      kdash::backends::batched_symmetric_product(Space(), alpha, s, s, beta, out, options);
      auto r = to_host(out);
      HostStack<double> first("first", 1, n, n);
      Kokkos::deep_copy(first, Kokkos::subview(sh, std::make_pair(0, 1), Kokkos::ALL, Kokkos::ALL));
      const auto s0 = to_device_input<Space>(first);
      kdash::Stack<double, typename Space::memory_space> one("one", 1, n, n);
      GemmOptions<double, Space> every_block;
      every_block.device_symmetric = form;
      kdash::backends::batched_symmetric_product(Space(), 1.0, s0, s0, 0.0, one, every_block);
      const double u = std::numeric_limits<double>::epsilon() / 2, gamma = n * u / (1 - n * u) + 4 * u;
      for (int b = 0; b < count; ++b)
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < n; ++j) {
            if (b % 2 == 1) {
              ASSERT_EQ(r(b, i, j), ch(b, i, j)) << "masked block " << b;
              continue;
            }
            double exact = 0, magnitude = 0;
            for (int l = 0; l < n; ++l) {
              exact += sh(b, i, l) * sh(b, l, j);
              magnitude += std::abs(sh(b, i, l) * sh(b, l, j));
            }
            ASSERT_LE(std::abs(r(b, i, j) - (alpha * exact + beta * ch(b, i, j))),
                      gamma * (alpha * magnitude + beta * std::abs(ch(b, i, j))))
                << "n=" << n << " (" << i << ", " << j << ")";
            if ((n >= kHostSyrkMinSize && kdash::is_host_space_v<Space>) || form == DeviceSymmetricForm::lower_triangle)
              ASSERT_EQ(r(b, i, j), r(b, j, i));
          }
      // Block 0 alone (alpha 1, beta 0) equals block 0 of a stack of three computed the same way.
      auto three = to_device<Space>(ch);
      kdash::backends::batched_symmetric_product(Space(), 1.0, s, s, 0.0, three, every_block);
      auto r1 = to_host(one), r3 = to_host(three);
      int mismatches = 0;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) mismatches += r1(0, i, j) != r3(0, i, j);
      EXPECT_EQ(mismatches, 0) << "n=" << n;
    }
}

// The mirror of the lower-triangle form: the upper-right block of the selected blocks becomes the transpose of the
// lower-left block (h = n / 2, an odd n included), and nothing else changes.
TYPED_TEST(BatchedSyrk, MirrorCopiesTheLowerLeftBlockOfTheSelectedBlocks) {
  using Space = TypeParam;
  for (int n : {1, 2, 7, 8}) {
    const int count = 3, h = n / 2;
    auto ch = random_host_stack<float>(count, n, n, 51);
    auto c = to_device<Space>(ch);
    kdash::backends::mirror_lower_left_block<float>(Space(), c, every_other<Space>(count));
    auto r = to_host(c);
    for (int b = 0; b < count; ++b)
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          const bool mirrored = b % 2 == 0 && i < h && j >= h;
          ASSERT_EQ(r(b, i, j), mirrored ? ch(b, j, i) : ch(b, i, j))
              << "n=" << n << " block " << b << " (" << i << ", " << j << ")";
        }
  }
}

// Without a library ?gemmt, host::gemmt_upper computes GEMMs over row panels: the upper triangle of any product (here
// of two general matrices, k != n) within the dot-product bound, for sizes around the panel height.
TEST(HostGemmt, PanelsComputeTheUpperTriangle) {
  for (int n : {1, 63, 64, 65, 130}) {
    const int k = n + 3;
    auto ah = random_host_stack<double>(1, n, k, 51);
    auto bh = random_host_stack<double>(1, k, n, 52);
    auto ch = random_host_stack<double>(1, n, n, 53);
    auto c0 = random_host_stack<double>(1, n, n, 53);
    kdash::backends::host::gemmt_upper_by_panels(n, k, 2.0, ah.data(), k, bh.data(), n, -1.0, ch.data(), n);
    const double u = std::numeric_limits<double>::epsilon() / 2, gamma = k * u / (1 - k * u) + 4 * u;
    for (int i = 0; i < n; ++i)
      for (int j = i; j < n; ++j) {
        double exact = 0, magnitude = 0;
        for (int l = 0; l < k; ++l) {
          exact += ah(0, i, l) * bh(0, l, j);
          magnitude += std::abs(ah(0, i, l) * bh(0, l, j));
        }
        ASSERT_LE(std::abs(ch(0, i, j) - (2 * exact - c0(0, i, j))), gamma * (2 * magnitude + std::abs(c0(0, i, j))))
            << "n=" << n << " (" << i << ", " << j << ")";
      }
  }
}

TYPED_TEST(BatchedSyrk, ShapeMismatchesAreRejectedWithTheShapes) {
  using Space = TypeParam;
  using Stack = kdash::Stack<float, typename Space::memory_space>;
  using ConstStack = kdash::Stack<const float, typename Space::memory_space>;
  Stack a("a", 2, 130, 7), c("c", 2, 7, 7), mask_c("mc", 2, 130, 130);
  try {
    kdash::backends::batched_syrk(Space(), Trans::none, 1.0f, ConstStack(a), 0.0f, c);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("130x7"), std::string::npos) << e.what();
  }
  GemmOptions<float, Space> options;
  options.active = every_other<Space>(3);
  EXPECT_THROW(kdash::backends::batched_syrk(Space(), Trans::none, 1.0f, ConstStack(a), 0.0f, mask_c, options),
               std::invalid_argument);
}

}  // namespace
