// Batched element-wise kernels and per-block reductions over stacks (finite checks, identity updates, norms,
// residuals), shared by the solvers and the optimizer's step.
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/backends/for_each_entry.hpp>
#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/backends/scratch_cache.hpp>

#include <limits>

namespace kdash::backends {

// A read-only stack in an execution space's memory.
template <class T, class ExecSpace>
using ConstStackT = Kokkos::View<const T***, Kokkos::LayoutRight, MemOf<ExecSpace>>;

// Per-block reductions over n x n entries use several teams per block: one team per block leaves a GPU with one busy
// SM per block, and one block at a time (the sequential and layerwise modes, any small stack) a 1024 x 1024
// reduction then took milliseconds. Team (b, c) reduces chunk c (kReduceChunk consecutive entries) of block b into
// partial(b, c); a second kernel combines block b's chunks in chunk order, so the result does not depend on the
// number of teams or threads.
inline constexpr int kReduceChunk = 16384;

inline int reduce_chunks(std::size_t entries) {
  return static_cast<int>(entries == 0 ? 1 : (entries + kReduceChunk - 1) / kReduceChunk);
}

// For every selected block b (an empty mask selects all) and chunk c: f(member, b, first, last) runs on one team over
// the entries [first, last) of block b.
template <class F, class ExecSpace>
void for_each_block_chunk(const ExecSpace& exec, const char* label, int count, std::size_t entries,
                          const Kokkos::View<int*, MemOf<ExecSpace>>& active, const F& f) {
  using Policy = Kokkos::TeamPolicy<ExecSpace>;
  using Member = typename Policy::member_type;
  const int chunks = reduce_chunks(entries);
  Kokkos::parallel_for(
      label, Policy(exec, count * chunks, Kokkos::AUTO), KOKKOS_LAMBDA(const Member& member) {
        const int b = member.league_rank() / chunks, c = member.league_rank() % chunks;
        if (active.extent(0) != 0 && active(b) == 0) return;
        const std::size_t first = std::size_t(c) * kReduceChunk;
        const std::size_t last = first + kReduceChunk < entries ? first + kReduceChunk : entries;
        f(member, b, c, static_cast<int>(first), static_cast<int>(last));
      });
}

// finite(b) = 1 when every entry of a(b) is finite, else 0.
template <class T, class ExecSpace>
void finite_blocks(const ExecSpace& exec, const ConstStackT<T, ExecSpace>& a,
                   const PerBlock<int, MemOf<ExecSpace>>& finite) {
  const int count = static_cast<int>(a.extent(0));
  const std::size_t nn = a.extent(1) * a.extent(2);
  const int chunks = reduce_chunks(nn);
  auto bad = scratch_view<Kokkos::View<int**, Kokkos::LayoutRight, MemOf<ExecSpace>>>(
      exec, "kdash::solvers::finite_partial", false, count, chunks);
  const T* data = a.data();
  for_each_block_chunk(
      exec, "kdash::solvers::finite_blocks", count, nn, {},
      KOKKOS_LAMBDA(const typename Kokkos::TeamPolicy<ExecSpace>::member_type& member, int b, int c, int first,
                    int last) {
        const T* block = data + std::size_t(b) * nn;
        int nb = 0;
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(member, first, last),
            [&](const int i, int& sum) { sum += compat::isfinite(block[i]) ? 0 : 1; }, nb);
        Kokkos::single(Kokkos::PerTeam(member), [&]() { bad(b, c) = nb; });
      });
  Kokkos::parallel_for(
      "kdash::solvers::finite_combine", Kokkos::RangePolicy<ExecSpace>(exec, 0, count), KOKKOS_LAMBDA(const int b) {
        int total = 0;
        for (int c = 0; c < chunks; ++c) total += bad(b, c);
        finite(b) = total == 0 ? 1 : 0;
      });
}

// out(b) = a(b) + shift * I
template <class T, class ExecSpace>
void copy_add_identity(const ExecSpace& exec, const ConstStackT<T, ExecSpace>& a, const Stack<T, MemOf<ExecSpace>>& out,
                       T shift) {
  const int n = static_cast<int>(a.extent(1));
  backends::for_each_entry(
      exec, "kdash::solvers::copy_add_identity", int(a.extent(0)), n, n,
      KOKKOS_LAMBDA(const int b, const int i, const int j) { out(b, i, j) = a(b, i, j) + (i == j ? shift : T(0)); });
}

}  // namespace kdash::backends

namespace kdash::backends {

// A per-block mask: active(b) != 0 selects block b; an empty mask selects every block.
template <class ExecSpace>
using BlockMask = Kokkos::View<int*, MemOf<ExecSpace>>;

template <class Mask>
KOKKOS_INLINE_FUNCTION bool selected(const Mask& active, int b) {
  return active.extent(0) == 0 || active(b) != 0;
}

// out(b) = alpha(b) * in(b) + beta * I on the selected blocks (alpha per block, e.g. CN's z = (p+1)/(2s)).
template <class T, class ExecSpace>
void scale_add_identity(const ExecSpace& exec, const ConstStackT<T, ExecSpace>& in,
                        const Stack<T, MemOf<ExecSpace>>& out, const Kokkos::View<const T*, MemOf<ExecSpace>>& alpha,
                        T beta, const BlockMask<ExecSpace>& active) {
  const int n = static_cast<int>(in.extent(1));
  backends::for_each_entry(
      exec, "kdash::solvers::scale_add_identity", int(in.extent(0)), n, n,
      KOKKOS_LAMBDA(const int b, const int i, const int j) {
        if (!selected(active, b)) return;
        out(b, i, j) = alpha(b) * in(b, i, j) + (i == j ? beta : T(0));
      });
}

// out(b) = alpha * in(b) + beta * I on the selected blocks (the same constants for every block).
template <class T, class ExecSpace>
void affine_identity(const ExecSpace& exec, const ConstStackT<T, ExecSpace>& in, const Stack<T, MemOf<ExecSpace>>& out,
                     T alpha, T beta, const BlockMask<ExecSpace>& active) {
  const int n = static_cast<int>(in.extent(1));
  backends::for_each_entry(
      exec, "kdash::solvers::affine_identity", int(in.extent(0)), n, n,
      KOKKOS_LAMBDA(const int b, const int i, const int j) {
        if (!selected(active, b)) return;
        out(b, i, j) = alpha * in(b, i, j) + (i == j ? beta : T(0));
      });
}

// out(b) = diag(b) * I on the selected blocks.
template <class T, class ExecSpace>
void set_scaled_identity(const ExecSpace& exec, const Stack<T, MemOf<ExecSpace>>& out,
                         const Kokkos::View<const T*, MemOf<ExecSpace>>& diag, const BlockMask<ExecSpace>& active) {
  const int n = static_cast<int>(out.extent(1));
  backends::for_each_entry(
      exec, "kdash::solvers::set_scaled_identity", int(out.extent(0)), n, n,
      KOKKOS_LAMBDA(const int b, const int i, const int j) {
        if (!selected(active, b)) return;
        out(b, i, j) = i == j ? diag(b) : T(0);
      });
}

// out(b) += shift * I on the selected blocks.
template <class T, class ExecSpace>
void add_identity(const ExecSpace& exec, const Stack<T, MemOf<ExecSpace>>& out, T shift,
                  const BlockMask<ExecSpace>& active) {
  const int n = static_cast<int>(out.extent(1));
  Kokkos::parallel_for(
      "kdash::solvers::add_identity",
      Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(exec, {0, 0}, {int(out.extent(0)), n}),
      KOKKOS_LAMBDA(const int b, const int i) {
        if (!selected(active, b)) return;
        out(b, i, i) += shift;
      });
}

namespace detail {

// |v| as its bit pattern: for a non-negative IEEE value the (non-negative) integer order of the bits is the numeric
// order, +infinity's bits are the exponent mask, and every NaN's are above them. So the largest |v| over a span is an
// integer max, which every compiler vectorises (a floating-point max reduction clang vectorises only under no-NaN
// math), and it tells a non-finite entry at once.
template <class T>
KOKKOS_INLINE_FUNCTION typename compat::IntegerOfSize<T>::type magnitude_bits(T v) {
  using I = typename compat::IntegerOfSize<T>::type;
  return compat::bits_of(v) & ~(I(1) << (8 * sizeof(I) - 1));
}

// The largest magnitude_bits over the entries [c0, c1) of a row off the diagonal, folded into `worst`, and next = alpha
// v there. A SIMD loop on the host (the build passes -fopenmp-simd where the compiler has it): its float
// predecessor measured 2x the scalar loop at n = 128..256 with SSE2. next may be row itself: entry by entry.
template <bool kWrite, class T>
KOKKOS_INLINE_FUNCTION void off_diagonal_span(const T* row, T* next, int c0, int c1, T alpha,
                                              typename compat::IntegerOfSize<T>::type& worst) {
  typename compat::IntegerOfSize<T>::type m = worst;
#if !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
#pragma omp simd reduction(max : m)
#endif
  for (int col = c0; col < c1; ++col) {
    const T v = row[col];
    const auto d = magnitude_bits(v);
    m = d > m ? d : m;
    if constexpr (kWrite) next[col] = alpha * v;
  }
  worst = m;
}

}  // namespace detail

// max over columns [c0, c1) of |row[col] - (col == diagonal)|, or +infinity when an entry is not finite (no finite
// entry reaches that: the largest float minus 1 is finite). With kWrite the same pass also writes next[col] =
// alpha row[col] + beta (col == diagonal); next may be row itself. Accumulated in a value of its own: a reduction
// through the reducer's reference stays in memory (a store and a reload per entry).
template <bool kWrite, class T>
KOKKOS_INLINE_FUNCTION T row_residual(const T* row, T* next, int c0, int c1, int diagonal, T alpha, T beta) {
  typename compat::IntegerOfSize<T>::type worst = 0;
  const int split = diagonal < c0 ? c0 : diagonal > c1 ? c1 : diagonal;
  detail::off_diagonal_span<kWrite>(row, next, c0, split, alpha, worst);
  int rest = split;
  if (diagonal >= c0 && diagonal < c1) {
    const T v = row[diagonal];
    const auto d = detail::magnitude_bits(T(v - T(1)));
    worst = d > worst ? d : worst;
    if constexpr (kWrite) next[diagonal] = alpha * v + beta;
    rest = diagonal + 1;
  }
  detail::off_diagonal_span<kWrite>(row, next, rest, c1, alpha, worst);
  const T largest = compat::from_bits<T>(worst);
  return largest < compat::infinity<T>() ? largest : compat::infinity<T>();
}

namespace detail {

// residual(b) = max_ij |m(b, i, j) - delta_ij| on the selected blocks. A non-finite entry makes the residual NaN, so
// the caller can tell divergence from slow convergence.
template <bool kWrite, class T, class ExecSpace>
void residual_pass(const ExecSpace& exec, const ConstStackT<T, ExecSpace>& m,
                   const PerBlock<T, MemOf<ExecSpace>>& residual, const BlockMask<ExecSpace>& active,
                   const Stack<T, MemOf<ExecSpace>>& next, T alpha, T beta) {
  const int count = static_cast<int>(m.extent(0));
  const int n = static_cast<int>(m.extent(1));
  const std::size_t nn = std::size_t(n) * n;
  const int chunks = reduce_chunks(nn);
  auto worst =
      scratch_view<StackVectors<T, MemOf<ExecSpace>>>(exec, "kdash::solvers::residual_partial", false, count, chunks);
  const T* data = m.data();
  T* out = kWrite ? next.data() : nullptr;
  for_each_block_chunk(
      exec, kWrite ? "kdash::solvers::residual_and_affine" : "kdash::solvers::max_abs_minus_identity", count, nn,
      active,
      KOKKOS_LAMBDA(const typename Kokkos::TeamPolicy<ExecSpace>::member_type& member, int b, int c, int first,
                    int last) {
        const T* block = data + std::size_t(b) * nn;
        T* out_block = kWrite ? out + std::size_t(b) * nn : nullptr;
        // By rows of the chunk, so that the diagonal is known without a division per entry: row r holds columns
        // [c0, c1) of the chunk and the identity's 1 at column r.
        const int r0 = first / n, r1 = (last - 1) / n + 1;
        T w = 0;
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(member, r0, r1),
            [&](const int r, T& local) {
              const int c0 = r == r0 ? first - r * n : 0, c1 = r == r1 - 1 ? last - r * n : n;
              const std::size_t at = std::size_t(r) * n;
              const T v = row_residual<kWrite>(block + at, kWrite ? out_block + at : nullptr, c0, c1, r, alpha, beta);
              local = v > local ? v : local;
            },
            Kokkos::Max<T>(w));
        Kokkos::single(Kokkos::PerTeam(member), [&]() { worst(b, c) = w; });
      });
  Kokkos::parallel_for(
      "kdash::solvers::residual_combine", Kokkos::RangePolicy<ExecSpace>(exec, 0, count), KOKKOS_LAMBDA(const int b) {
        if (!selected(active, b)) return;
        T w = 0;
        for (int c = 0; c < chunks; ++c) w = worst(b, c) > w ? worst(b, c) : w;
        residual(b) = w < compat::infinity<T>() ? w : compat::quiet_nan<T>();
      });
}

}  // namespace detail

template <class T, class ExecSpace>
void max_abs_minus_identity(const ExecSpace& exec, const ConstStackT<T, ExecSpace>& m,
                            const PerBlock<T, MemOf<ExecSpace>>& residual, const BlockMask<ExecSpace>& active) {
  detail::residual_pass<false, T>(exec, m, residual, active, Stack<T, MemOf<ExecSpace>>(), T(0), T(0));
}

// max_abs_minus_identity and, in the same pass over m, next(b) = alpha m(b) + beta I on the selected blocks: the
// Newton solvers' next factor (CN's T = (1 + 1/p) I - M/p, NDB's E = 1.5 I - 0.5 Z Y) costs no read of its own. next
// may be m (in place); it is written even for a block whose residual then retires it (the solvers ignore it).
template <class T, class ExecSpace>
void max_abs_minus_identity_and_affine(const ExecSpace& exec, const ConstStackT<T, ExecSpace>& m,
                                       const PerBlock<T, MemOf<ExecSpace>>& residual,
                                       const BlockMask<ExecSpace>& active, const Stack<T, MemOf<ExecSpace>>& next,
                                       T alpha, T beta) {
  detail::residual_pass<true, T>(exec, m, residual, active, next, alpha, beta);
}

// Sum of squares of a team's `len` entries entry(k), taken after dividing by the largest |entry| (big): sum =
// sum_k (entry(k) * inv)^2 with inv = 1/big, or inv = 1 when big is 0 or not finite. Scaling first keeps the squares
// from overflowing (entries ~ 1e20 in float) or underflowing (~ 1e-20); the 2-norm is sqrt(sum) / inv.
template <class T>
struct ScaledSumOfSquares {
  T big, inv, sum;
};

template <class T, class Member, class Entry>
KOKKOS_INLINE_FUNCTION ScaledSumOfSquares<T> team_scaled_sum_of_squares(const Member& member, const int len,
                                                                        const Entry& entry) {
  T big = 0;
  Kokkos::parallel_reduce(
      Kokkos::TeamThreadRange(member, len),
      [&](const int k, T& local) {
        const T v = compat::abs(entry(k));
        local = v > local ? v : local;
      },
      Kokkos::Max<T>(big));
  const T inv = big > T(0) && compat::isfinite(big) ? T(1) / big : T(1);
  T sum = 0;
  Kokkos::parallel_reduce(
      Kokkos::TeamThreadRange(member, len),
      [&](const int k, T& local) {
        const T v = entry(k) * inv;
        local += v * v;
      },
      sum);
  return {big, inv, sum};
}

// Per-block Frobenius norm, computed as max|a| * ||a / max|a|||_F so that float blocks with entries near 1e20 (whose
// squares overflow) or 1e-20 (whose squares underflow) still get their norm. Each chunk of a block is scaled by its
// own largest entry big_c; combining rescales by (big_c / big)^2 <= 1, the largest entry of the block being big.
// A NaN entry makes the norm NaN, an infinite one (and no NaN) +inf.
template <class T, class ExecSpace>
void frobenius_norms(const ExecSpace& exec, const ConstStackT<T, ExecSpace>& a,
                     const PerBlock<T, MemOf<ExecSpace>>& norm) {
  const int count = static_cast<int>(a.extent(0));
  const std::size_t nn = a.extent(1) * a.extent(2);
  const int chunks = reduce_chunks(nn);
  auto big_part =
      scratch_view<StackVectors<T, MemOf<ExecSpace>>>(exec, "kdash::solvers::fro_big_partial", false, count, chunks);
  auto sum_part =
      scratch_view<StackVectors<T, MemOf<ExecSpace>>>(exec, "kdash::solvers::fro_sum_partial", false, count, chunks);
  const T* data = a.data();
  for_each_block_chunk(
      exec, "kdash::solvers::frobenius_norms", count, nn, {},
      KOKKOS_LAMBDA(const typename Kokkos::TeamPolicy<ExecSpace>::member_type& member, int b, int c, int first,
                    int last) {
        const T* chunk = data + std::size_t(b) * nn + first;
        const auto s = team_scaled_sum_of_squares<T>(member, last - first, [&](const int k) { return chunk[k]; });
        Kokkos::single(Kokkos::PerTeam(member), [&]() {
          big_part(b, c) = s.big;
          sum_part(b, c) = s.sum;  // scaled by 1 / big_c, or by 1 when big_c is 0 or infinite
        });
      });
  Kokkos::parallel_for(
      "kdash::solvers::frobenius_combine", Kokkos::RangePolicy<ExecSpace>(exec, 0, count), KOKKOS_LAMBDA(const int b) {
        T big = 0;  // NaN entries never win a comparison: they reach the norm through their chunk's sum
        for (int c = 0; c < chunks; ++c) big = big_part(b, c) > big ? big_part(b, c) : big;
        T sum = 0;
        if (big > T(0) && compat::isfinite(big)) {
          for (int c = 0; c < chunks; ++c) {
            const T ratio = big_part(b, c) / big;
            sum += big_part(b, c) > T(0) ? sum_part(b, c) * ratio * ratio : sum_part(b, c);
          }
          norm(b) = big * compat::sqrt(sum);
        } else {  // all zero (and NaN), or an infinite entry: the plain sum is 0, +inf or NaN
          for (int c = 0; c < chunks; ++c) sum += sum_part(b, c);
          norm(b) = compat::sqrt(sum);
        }
      });
}

// out(b) = factor(b) * in(b) on the blocks with write(b) != 0; the others keep out(b) (a solver's commit step).
template <class T, class U, class ExecSpace>
void copy_scaled_where(const ExecSpace& exec, const Kokkos::View<const T***, Kokkos::LayoutRight, MemOf<ExecSpace>>& in,
                       const Stack<U, MemOf<ExecSpace>>& out, const Kokkos::View<const T*, MemOf<ExecSpace>>& factor,
                       const Kokkos::View<const int*, MemOf<ExecSpace>>& write) {
  const int n = static_cast<int>(in.extent(1));
  const bool scaled = factor.extent(0) > 0;
  backends::for_each_entry(
      exec, "kdash::solvers::copy_scaled_where", int(in.extent(0)), n, n,
      KOKKOS_LAMBDA(const int b, const int i, const int j) {
        if (write(b) == 0) return;
        out(b, i, j) = static_cast<U>(scaled ? factor(b) * in(b, i, j) : in(b, i, j));
      });
}

}  // namespace kdash::backends
