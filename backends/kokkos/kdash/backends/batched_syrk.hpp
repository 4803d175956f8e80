// Batched symmetric products over stacks, using the symmetry where it pays:
//   batched_syrk               C[b] = alpha * op(A[b]) op(A[b])^T + beta * C[b]  (op(A) = A: A A^T; A^T: A^T A),
//   batched_square             C[b] = alpha * A[b] A[b] + beta * C[b]   for symmetric A[b] (computed as A A^T),
//   batched_symmetric_product  C[b] = alpha * A[b] B[b] + beta * C[b]   for a product known to be symmetric.
// All three write the full matrix C (both triangles), since the code after them reads full matrices.
//
// Host BLAS path (GemmPath::vendor, blocks of size >= kHostSyrkMinSize): single-threaded ?syrk or ?gemmt on the upper
// triangle (half the flops of a GEMM), the lower triangle mirrored from it, blocks (and halves of large blocks) in
// parallel over Kokkos' threads. Everywhere else (smaller blocks, Kokkos Kernels' path, devices) the products go
// through batched_gemm. The choice and the split depend on the block size and the path only, never on the number
// of blocks in the stack: a block is computed by the same library calls in every stacking mode. The thresholds are
// measured by perf/bench_batched_syrk.cpp (docs/performance.md).
// GPU vendor path: the vendors have no batched ?syrk (cuBLAS) or ?gemmt, so a product is one GEMM, or, with
// GemmOptions::device_symmetric = lower_triangle, three half-size GEMMs for its lower block triangle
// (vendor/lower_triangle_gemms.hpp) and a mirror pass (mirror_block.hpp).
#pragma once

#include <kdash/backends/batched_gemm.hpp>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace kdash::backends {

// Host: blocks of at least this size use ?syrk + mirror; smaller ones the GEMM (measured, docs/performance.md).
inline constexpr int kHostSyrkMinSize = 64;

// Whether an n x n symmetric output with inner dimension k takes the ?syrk path.
template <class ExecSpace>
bool uses_host_syrk(GemmPath requested, int n, int k) {
  if constexpr (!is_host_space_v<ExecSpace>) {
    return false;
  } else {
    return n >= kHostSyrkMinSize && resolve_gemm_path<ExecSpace>(requested, n, n, k) == GemmPath::vendor;
  }
}

namespace detail {

// One tile of mirror_upper: C[j, i] := C[i, j] for i0 <= i < i1, j0 <= j < j1, i < j.
template <class T>
void mirror_tile_by_entries(T* c, int ld, int i0, int i1, int j0, int j1) {
  for (int j = j0; j < j1; ++j) {
    T* out = c + std::size_t(j) * ld;
    for (int i = i0; i < std::min(i1, j); ++i) out[i] = c[std::size_t(i) * ld + j];
  }
}

template <class T>
void mirror_tile(T* c, int ld, int i0, int i1, int j0, int j1) {
  mirror_tile_by_entries(c, ld, i0, i1, j0, j1);
}

#if defined(__SSE2__)
// float: 4 x 4 sub-blocks strictly above the diagonal by SSE transposes (four loads, four stores), the rest as above.
template <>
inline void mirror_tile<float>(float* c, int ld, int i0, int i1, int j0, int j1) {
  for (int j = j0; j < j1; j += 4) {
    for (int i = i0; i < i1; i += 4) {
      if (i + 4 <= i1 && j + 4 <= j1 && j >= i + 4) {
        const float* in = c + std::size_t(i) * ld + j;
        __m128 r0 = _mm_loadu_ps(in), r1 = _mm_loadu_ps(in + ld), r2 = _mm_loadu_ps(in + 2 * std::size_t(ld)),
               r3 = _mm_loadu_ps(in + 3 * std::size_t(ld));
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        float* out = c + std::size_t(j) * ld + i;
        _mm_storeu_ps(out, r0);
        _mm_storeu_ps(out + ld, r1);
        _mm_storeu_ps(out + 2 * std::size_t(ld), r2);
        _mm_storeu_ps(out + 3 * std::size_t(ld), r3);
      } else {
        mirror_tile_by_entries(c, ld, i, std::min(i1, i + 4), j, std::min(j1, j + 4));
      }
    }
  }
}
#endif

// C[c0:c1, r0:r1] := C[r0:r1, c0:c1]^T for the entries above the diagonal (j > i) of a row-major C with leading
// dimension ld. In 32 x 32 tiles, each written along its rows: a row-by-row mirror writes one entry per cache line
// with a stride of ld, and at ld = 256 or 512 floats those lines fall into a few L1 sets (measured 7-9x slower than
// the tiles at n = 256..512); float tiles move 4 x 4 sub-blocks by SSE transposes.
template <class T>
void mirror_upper(T* c, int ld, int r0, int r1, int c0, int c1) {
  constexpr int tile = 32;
  for (int i0 = r0; i0 < r1; i0 += tile) {
    const int i1 = std::min(r1, i0 + tile);
    for (int j0 = std::max(c0, i0); j0 < c1; j0 += tile) mirror_tile(c, ld, i0, i1, j0, std::min(c1, j0 + tile));
  }
}

// The units of a block of size n (host_symmetric_unit below).
inline int symmetric_units(int n) { return n < kHostSplitRows ? 1 : 2; }

// One unit of a block's symmetric n x n output C (row-major, leading dimension n), written in full.
// diagonal(r0, r1) computes the upper triangle of the diagonal block C[r0:r1, r0:r1] (?syrk, ?gemmt), off_diagonal(r0,
// r1, c0, c1) the whole block C[r0:r1, c0:c1] (GEMM). Blocks of n >= kHostSplitRows are two units of equal work
// (n^2 k / 2 flops each), so that a lone block still keeps two threads busy: with h = n / 2, unit 0 computes the
// diagonal quarters C[0:h, 0:h] and C[h:n, h:n], unit 1 the off-diagonal quarter C[0:h, h:n]; each unit mirrors what
// it wrote. Every block of that size is always computed this way, alone or in a stack, so the result does not depend
// on the stack.
template <class T, class Diagonal, class OffDiagonal>
void host_symmetric_unit(int n, T* c, int unit, const Diagonal& diagonal, const OffDiagonal& off_diagonal) {
  if (n < kHostSplitRows) {
    diagonal(0, n);
    mirror_upper(c, n, 0, n, 0, n);
    return;
  }
  const int h = n / 2;
  if (unit == 0) {
    diagonal(0, h);
    diagonal(h, n);
    mirror_upper(c, n, 0, h, 0, h);
    mirror_upper(c, n, h, n, h, n);
  } else {
    off_diagonal(0, h, h, n);
    mirror_upper(c, n, 0, h, h, n);
  }
}

// Runs unit(blk, u) for u < units(n) of every active block, in parallel over Kokkos' threads with single-threaded
// BLAS; on the calling thread when there is little work (flops_per_block: the GEMM's count, for that rule only).
template <class ExecSpace, class Unit>
void host_symmetric_blocks(const ExecSpace& exec, const char* label, int count, int n, double flops_per_block,
                           const Kokkos::View<const int*, typename ExecSpace::memory_space>& active, const Unit& unit) {
  const std::vector<int> todo = active_blocks(exec, count, active);
  const int work = static_cast<int>(todo.size());
  if (work == 0) return;
  const int* list = todo.data();
  const int units = symmetric_units(n);
  auto run = [=](const int u) { unit(list[u / units], u % units); };
  host::ScopedBlasThreads single(1);
  if (compat::concurrency(exec) == 1 || flops_per_block * work < kHostSerialFlops) {
    for (int u = 0; u < work * units; ++u) run(u);
    return;
  }
  Kokkos::parallel_for(label, Kokkos::RangePolicy<ExecSpace>(exec, 0, work * units), run);
  exec.fence();
}

}  // namespace detail

// One block's symmetric products on the calling thread, for host solvers that run a whole iteration per block: unit
// `unit` of the block as the batched functions above compute it (symmetric_units(n) units per block; running every
// unit of a block in turn gives the bits the batched function gives).
namespace host_block {

using detail::symmetric_units;

// Unit `unit` of one block's op(A) op(A)^T (?syrk on the diagonal blocks, GEMM off them; alpha, beta as in ?syrk).
template <class T>
void syrk_block_unit(Trans t, int n, int k, T alpha, const T* a, int lda, T beta, T* c, int unit) {
  const host::Op op = t == Trans::none ? host::Op::N : host::Op::T;
  const host::Op other = t == Trans::none ? host::Op::T : host::Op::N;
  // Row r of op(A): row r of A, or column r when A is transposed.
  auto rows = [&](int r) { return a + (t == Trans::none ? std::size_t(r) * lda : std::size_t(r)); };
  detail::host_symmetric_unit(
      n, c, unit,
      [&](int r0, int r1) { host::syrk(op, r1 - r0, k, alpha, rows(r0), lda, beta, c + std::size_t(r0) * n + r0, n); },
      [&](int r0, int r1, int c0, int c1) {
        host::gemm(op, other, r1 - r0, c1 - c0, k, alpha, rows(r0), lda, rows(c0), lda, beta,
                   c + std::size_t(r0) * n + c0, n);
      });
}

// Unit `unit` of one block's product A B known to be symmetric (?gemmt on the diagonal blocks, GEMM off them).
template <class T>
void symmetric_product_block_unit(int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c,
                                  int unit) {
  detail::host_symmetric_unit(
      n, c, unit,
      [&](int r0, int r1) {
        host::gemmt_upper(r1 - r0, k, alpha, a + std::size_t(r0) * lda, lda, b + r0, ldb, beta,
                          c + std::size_t(r0) * n + r0, n);
      },
      [&](int r0, int r1, int c0, int c1) {
        host::gemm(host::Op::N, host::Op::N, r1 - r0, c1 - c0, k, alpha, a + std::size_t(r0) * lda, lda, b + c0, ldb,
                   beta, c + std::size_t(r0) * n + c0, n);
      });
}

}  // namespace host_block

namespace detail {

template <class ExecSpace, class T>
void host_batched_syrk(const ExecSpace& exec, Trans t, int k, T alpha, const ConstStackIn<T, ExecSpace>& a, T beta,
                       const StackIn<T, ExecSpace>& c,
                       const Kokkos::View<const int*, typename ExecSpace::memory_space>& active) {
  const int n = static_cast<int>(c.extent(1));
  const int lda = static_cast<int>(a.extent(2));
  const std::size_t sa = a.extent(1) * a.extent(2), sc = c.extent(1) * c.extent(2);
  const T* pa = a.data();
  T* pc = c.data();
  host_symmetric_blocks(exec, "kdash::syrk::blas_units", int(c.extent(0)), n, double(n) * n * k, active,
                        [=](int blk, int unit) {
                          host_block::syrk_block_unit(t, n, k, alpha, pa + blk * sa, lda, beta, pc + blk * sc, unit);
                        });
}

template <class ExecSpace, class T>
void host_batched_symmetric_product(const ExecSpace& exec, T alpha, const ConstStackIn<T, ExecSpace>& a,
                                    const ConstStackIn<T, ExecSpace>& b, T beta, const StackIn<T, ExecSpace>& c,
                                    const Kokkos::View<const int*, typename ExecSpace::memory_space>& active) {
  const int n = static_cast<int>(c.extent(1));
  const int k = static_cast<int>(a.extent(2));
  const int lda = static_cast<int>(a.extent(2)), ldb = static_cast<int>(b.extent(2));
  const std::size_t sa = a.extent(1) * a.extent(2), sb = b.extent(1) * b.extent(2), sc = c.extent(1) * c.extent(2);
  const T* pa = a.data();
  const T* pb = b.data();
  T* pc = c.data();
  host_symmetric_blocks(exec, "kdash::symmetric_product::blas_units", int(c.extent(0)), n, 2.0 * n * n * k, active,
                        [=](int blk, int unit) {
                          host_block::symmetric_product_block_unit(n, k, alpha, pa + blk * sa, lda, pb + blk * sb, ldb,
                                                                   beta, pc + blk * sc, unit);
                        });
}

}  // namespace detail

// C[b] = alpha * op(A[b]) op(A[b])^T + beta * C[b]; C is count x n x n with n = op(A)'s rows. options.active masks
// blocks as in batched_gemm (masked blocks keep C). Throws std::invalid_argument naming a shape mismatch.
template <class ExecSpace, class T>
void batched_syrk(const ExecSpace& exec, Trans t, T alpha, const ConstStackIn<T, ExecSpace>& a, T beta,
                  const StackIn<T, ExecSpace>& c, const GemmOptions<T, ExecSpace>& options = {}) {
  const int n = detail::op_rows(int(a.extent(1)), int(a.extent(2)), t);
  const int k = detail::op_cols(int(a.extent(1)), int(a.extent(2)), t);
  if (a.extent(0) != c.extent(0) || int(c.extent(1)) != n || int(c.extent(2)) != n) {
    throw std::invalid_argument(
        "kdash::batched_syrk: op(A) is " + std::to_string(a.extent(0)) + " x " + std::to_string(n) + "x" +
        std::to_string(k) + " but C is " + std::to_string(c.extent(0)) + " x " + std::to_string(c.extent(1)) + "x" +
        std::to_string(c.extent(2)) + " (expected " + std::to_string(n) + "x" + std::to_string(n) + ")");
  }
  if constexpr (is_host_space_v<ExecSpace>) {  // the host code below is never instantiated for a device
    if (uses_host_syrk<ExecSpace>(options.path, n, k)) {
      if (options.active.extent(0) != 0 && options.active.extent(0) != c.extent(0)) {
        throw std::invalid_argument("kdash::batched_syrk: the active mask has " +
                                    std::to_string(options.active.extent(0)) + " entries for " +
                                    std::to_string(c.extent(0)) + " blocks");
      }
      if (c.extent(0) == 0 || n == 0) return;
      ConstStackIn<T, ExecSpace> a_in = a;
      if (options.input != InputPrecision::native) a_in = detail::rounded_copy(exec, a, options.input);
      detail::host_batched_syrk(exec, t, k, alpha, a_in, beta, c, options.active);
      return;
    }
  }
  const Trans other = t == Trans::none ? Trans::transpose : Trans::none;
  detail::checked_batched_gemm(exec, t, other, alpha, a, a, beta, c, options, true);
}

// C[b] = alpha * A[b] A[b] + beta * C[b] for symmetric square A[b]: A A^T by batched_syrk where the ?syrk path
// applies (the result is then exactly symmetric), otherwise the GEMM A A as before.
template <class ExecSpace, class T>
void batched_square(const ExecSpace& exec, T alpha, const ConstStackIn<T, ExecSpace>& a, T beta,
                    const StackIn<T, ExecSpace>& c, const GemmOptions<T, ExecSpace>& options = {}) {
  const int n = static_cast<int>(a.extent(1));
  if (a.extent(2) == a.extent(1) && uses_host_syrk<ExecSpace>(options.path, n, n)) {
    batched_syrk(exec, Trans::none, alpha, a, beta, c, options);
  } else {
    detail::checked_batched_gemm(exec, Trans::none, Trans::none, alpha, a, a, beta, c, options,
                                 a.extent(2) == a.extent(1));
  }
}

// C[b] = alpha * A[b] B[b] + beta * C[b] for square A[b], B[b] whose product is symmetric (symmetric and commuting:
// the iterates of the Newton solvers, all polynomials in the same matrix). On the host ?syrk path's sizes the upper
// triangle comes from ?gemmt (host::gemmt_upper: about half the flops) and is mirrored; elsewhere the GEMM A B.
template <class ExecSpace, class T>
void batched_symmetric_product(const ExecSpace& exec, T alpha, const ConstStackIn<T, ExecSpace>& a,
                               const ConstStackIn<T, ExecSpace>& b, T beta, const StackIn<T, ExecSpace>& c,
                               const GemmOptions<T, ExecSpace>& options = {}) {
  const int n = static_cast<int>(c.extent(1));
  const bool square = a.extent(1) == a.extent(2) && b.extent(1) == b.extent(2) && c.extent(1) == c.extent(2) &&
                      int(a.extent(1)) == n && int(b.extent(1)) == n;
  if constexpr (is_host_space_v<ExecSpace>) {
    if (square && a.extent(0) == c.extent(0) && b.extent(0) == c.extent(0) &&
        uses_host_syrk<ExecSpace>(options.path, n, n)) {
      if (options.active.extent(0) != 0 && options.active.extent(0) != c.extent(0)) {
        throw std::invalid_argument("kdash::batched_symmetric_product: the active mask has " +
                                    std::to_string(options.active.extent(0)) + " entries for " +
                                    std::to_string(c.extent(0)) + " blocks");
      }
      if (c.extent(0) == 0 || n == 0) return;
      ConstStackIn<T, ExecSpace> a_in = a, b_in = b;
      if (options.input != InputPrecision::native) {
        a_in = detail::rounded_copy(exec, a, options.input);
        b_in = detail::rounded_copy(exec, b, options.input);
      }
      detail::host_batched_symmetric_product(exec, alpha, a_in, b_in, beta, c, options.active);
      return;
    }
  }
  detail::checked_batched_gemm(exec, Trans::none, Trans::none, alpha, a, b, beta, c, options, square);
}

}  // namespace kdash::backends
