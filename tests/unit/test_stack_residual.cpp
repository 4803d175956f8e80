// The Newton solvers' residual pass (backends/kokkos/kdash/backends/stack_ops.hpp): residual(b) = max_ij |m_ij -
// delta_ij| and, with the affine form, next = alpha m + beta I in the same pass, against an entry-by-entry host
// reference. Both are exact operations in T (a max of rounded differences, one multiply and one add), so the
// comparison is exact up to a contracted multiply-add in next. Sizes put the diagonal at a chunk's edge and split rows
// across chunks (kReduceChunk entries each); non-finite entries anywhere (on or off the diagonal, first or last
// column) make the residual NaN, and the largest finite value does not; masked-out blocks are left untouched.
#include "test_helpers.hpp"  // tests/test_helpers.hpp
#include "test_spaces.hpp"   // tests/test_spaces.hpp

#include <kdash/backends/stack_ops.hpp>
#include <kdash/solvers/impl/host_block_iteration.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace {

using namespace kdash::testing;

template <class P>
class StackResidual : public ::testing::Test {};
TYPED_TEST_SUITE(StackResidual, TestSpacesAndScalars, SpaceNames);

// Near-identity blocks (entries of m - I in [-0.5, 0.5]).
template <class T>
HostStack<T> near_identity(int count, int n, unsigned seed) {
  auto h = random_host_stack<T>(count, n, n, seed, -0.5, 0.5);
  for (int b = 0; b < count; ++b)
    for (int i = 0; i < n; ++i) h(b, i, i) += T(1);
  return h;
}

template <class T>
T reference_residual(const HostStack<T>& h, int b) {
  const int n = int(h.extent(1));
  T worst = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const T v = h(b, i, j);
      if (!std::isfinite(v)) return std::numeric_limits<T>::quiet_NaN();
      const T d = std::abs(i == j ? T(v - T(1)) : v);
      worst = d > worst ? d : worst;
    }
  return worst;
}

// Runs both forms of the pass on `h` with the mask `selected` (empty: all) and checks them against the reference;
// blocks outside the mask keep the sentinel residual and next.
template <class Space, class T>
void check_pass(const HostStack<T>& h, const std::vector<int>& selected) {
  using Mem = typename Space::memory_space;
  const int count = int(h.extent(0)), n = int(h.extent(1));
  const T alpha = T(-0.25), beta = T(1.25), sentinel = T(-7);
  kdash::backends::BlockMask<Space> active("active", selected.size());
  {
    auto a = Kokkos::create_mirror_view(active);
    for (std::size_t b = 0; b < selected.size(); ++b) a(b) = selected[b];
    Kokkos::deep_copy(active, a);
  }
  const auto m = to_device<Space>(h);
  for (const bool affine : {false, true}) {
    kdash::PerBlock<T, Mem> residual("residual", count);
    Kokkos::deep_copy(residual, sentinel);
    kdash::Stack<T, Mem> next("next", count, n, n);
    Kokkos::deep_copy(next, sentinel);
    const kdash::backends::ConstStackT<T, Space> in(m);
    if (affine) {
      kdash::backends::max_abs_minus_identity_and_affine<T>(Space(), in, residual, active, next, alpha, beta);
    } else {
      kdash::backends::max_abs_minus_identity<T>(Space(), in, residual, active);
    }
    const auto r = to_host(residual);
    const auto x = to_host(next);
    for (int b = 0; b < count; ++b) {
      SCOPED_TRACE(::testing::Message() << "n " << n << ", block " << b << (affine ? ", affine" : ""));
      const bool on = selected.empty() || selected[b] != 0;
      const T want = on ? reference_residual(h, b) : sentinel;
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(r(b))) << r(b);
      } else {
        EXPECT_EQ(r(b), want);
      }
      if (!affine) continue;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          const T v = h(b, i, j);
          if (!on) {
            ASSERT_EQ(x(b, i, j), sentinel) << i << "," << j;
          } else if (std::isfinite(v)) {
            const T e = alpha * v + (i == j ? beta : T(0));
            ASSERT_NEAR(x(b, i, j), e, 2 * std::numeric_limits<T>::epsilon() * (std::abs(e) + beta)) << i << "," << j;
          }
        }
    }
  }
}

TYPED_TEST(StackResidual, MatchesEntryByEntryReference) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  // 128: one chunk per block; 200 and 131: rows cut by chunk boundaries (40000 and 17161 entries); 1: a lone diagonal.
  for (const int n : {1, 7, 128, 131, 200}) {
    const auto h = near_identity<T>(3, n, 100 + unsigned(n));
    check_pass<Space>(h, {});
    check_pass<Space>(h, {1, 0, 1});
  }
}

TYPED_TEST(StackResidual, LargestOffDiagonalEntryAndDiagonalDeviation) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  const int n = 131;
  auto h = near_identity<T>(4, n, 7);
  h(0, 0, n - 1) = T(-3);                             // the last column, negative: |v| counts
  h(1, n - 1, n - 1) = T(-2);                         // the diagonal: |v - 1| = 3
  h(2, 64, 0) = std::numeric_limits<T>::max();        // the largest finite value stays finite
  h(3, 0, 0) = std::numeric_limits<T>::denorm_min();  // a subnormal on the diagonal: |v - 1| rounds to 1
  check_pass<Space>(h, {});
  const auto r = to_host([&] {
    kdash::PerBlock<T, typename Space::memory_space> residual("residual", 4);
    kdash::backends::max_abs_minus_identity<T>(Space(), to_device<Space>(h), residual, {});
    return residual;
  }());
  EXPECT_EQ(r(0), T(3));
  EXPECT_EQ(r(1), T(3));
  EXPECT_EQ(r(2), std::numeric_limits<T>::max());
  EXPECT_EQ(r(3), T(1));
}

TYPED_TEST(StackResidual, NonFiniteEntryMakesTheResidualNaN) {
  using Space = typename TypeParam::space;
  using T = typename TypeParam::scalar;
  const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
  const int n = 200;
  auto h = near_identity<T>(7, n, 11);
  h(0, 0, 1) = nan;           // off the diagonal, first row
  h(1, 81, 81) = inf;         // on the diagonal (row 81 straddles a chunk boundary)
  h(2, n - 1, n - 1) = -inf;  // the last entry
  h(3, 100, 3) = -nan;        // a NaN with its sign bit set
  h(4, 0, 0) = nan;           // the first entry, on the diagonal
  h(5, 81, 199) = inf;        // the last column
  check_pass<Space>(h, {});   // block 6 stays finite
  check_pass<Space>(h, {0, 1, 0, 1, 0, 1, 1});
}

// The host's block schedule takes the same residual one block at a time (solvers/impl/host_block_iteration.hpp).
TYPED_TEST(StackResidual, BlockScheduleResidualAgrees) {
  using T = typename TypeParam::scalar;
  const int n = 131;
  auto h = near_identity<T>(3, n, 5);
  h(1, 130, 0) = std::numeric_limits<T>::infinity();
  h(2, 5, 5) = std::numeric_limits<T>::quiet_NaN();
  std::vector<T> next(std::size_t(n) * n);
  for (int b = 0; b < 3; ++b) {
    const T* m = &h(b, 0, 0);
    const T want = reference_residual(h, b);
    for (T* out : {static_cast<T*>(nullptr), next.data()}) {
      const T got = kdash::solvers::impl::block_residual(n, m, out, T(-0.25), T(1.25));
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got)) << "block " << b;
      } else {
        EXPECT_EQ(got, want) << "block " << b;
      }
    }
  }
}

}  // namespace
