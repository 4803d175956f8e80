// Batched symmetric products over stacks, using the symmetry where it pays:
//   batched_syrk    C[b] = alpha * op(A[b]) * op(A[b])^T + beta * C[b]   (op(A) = A: A A^T; op(A) = A^T: A^T A),
//   batched_square  C[b] = alpha * A[b] * A[b] + beta * C[b]             for symmetric A[b] (computed as A A^T).
// Both write the full matrix C (both triangles), since the code after them reads full matrices.
//
// Host BLAS path (GemmPath::vendor, blocks of size >= kHostSyrkMinSize): single-threaded ?syrk on the upper triangle
// (half the flops of a GEMM), the lower triangle mirrored from it, blocks (and halves of large blocks) in parallel
// over Kokkos' threads. Everywhere else (smaller blocks, Kokkos Kernels' path, devices) the products go through
// batched_gemm as before. The choice and the split depend on the block size and the path only, never on the number
// of blocks in the stack: a block is computed by the same library calls in every stacking mode. The thresholds are
// measured by perf/bench_batched_syrk.cpp (docs/performance.md).
#pragma once

#include <kdash/backends/batched_gemm.hpp>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace kdash::backends {

// Host: blocks of at least this size use ?syrk + mirror; smaller ones the GEMM (measured, docs/performance.md).
inline constexpr int kHostSyrkMinSize = 64;
// Host: blocks of at least this size are split into two units of equal work (host_syrk_unit).
inline constexpr int kHostSyrkSplitSize = 128;

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

// One block's product, upper triangle by ?syrk, lower triangle mirrored; row-major n x n C, leading dimension n.
// Blocks of n >= kHostSyrkSplitSize are two units of equal work (n^2 k / 2 flops each), so that a lone block still
// keeps two threads busy: with h = n / 2, unit 0 computes the diagonal quarters C[0:h, 0:h] and C[h:n, h:n] by
// ?syrk, unit 1 the off-diagonal quarter C[0:h, h:n] by GEMM; each unit mirrors what it wrote. Every block of that
// size is always computed this way, alone or in a stack, so the result does not depend on the stack.
template <class T>
void host_syrk_unit(Trans t, int n, int k, T alpha, const T* a, int lda, T beta, T* c, int unit) {
  const host::Op op = t == Trans::none ? host::Op::N : host::Op::T;
  const host::Op other = t == Trans::none ? host::Op::T : host::Op::N;
  // Row r of op(A): row r of A, or column r when A is transposed.
  auto rows = [&](int r) { return a + (t == Trans::none ? std::size_t(r) * lda : std::size_t(r)); };
  auto mirror = [&](int r0, int r1, int c0, int c1) {  // C[c0:c1, r0:r1] := C[r0:r1, c0:c1]^T
    for (int i = r0; i < r1; ++i)
      for (int j = std::max(c0, i + 1); j < c1; ++j) c[std::size_t(j) * n + i] = c[std::size_t(i) * n + j];
  };
  if (n < kHostSyrkSplitSize) {
    host::syrk(op, n, k, alpha, a, lda, beta, c, n);
    mirror(0, n, 0, n);
    return;
  }
  const int h = n / 2;
  if (unit == 0) {
    host::syrk(op, h, k, alpha, rows(0), lda, beta, c, n);
    host::syrk(op, n - h, k, alpha, rows(h), lda, beta, c + std::size_t(h) * n + h, n);
    mirror(0, h, 0, h);
    mirror(h, n, h, n);
  } else {
    host::gemm(op, other, h, n - h, k, alpha, rows(0), lda, rows(h), lda, beta, c + h, n);
    mirror(0, h, h, n);
  }
}

template <class ExecSpace, class T>
void host_batched_syrk(const ExecSpace& exec, Trans t, int k, T alpha, const ConstStackIn<T, ExecSpace>& a, T beta,
                       const StackIn<T, ExecSpace>& c,
                       const Kokkos::View<const int*, typename ExecSpace::memory_space>& active) {
  const int count = static_cast<int>(c.extent(0));
  const int n = static_cast<int>(c.extent(1));
  const int lda = static_cast<int>(a.extent(2));
  const std::size_t sa = a.extent(1) * a.extent(2), sc = c.extent(1) * c.extent(2);
  const std::vector<int> todo = active_blocks(exec, count, active);
  const int work = static_cast<int>(todo.size());
  if (work == 0) return;
  const int* list = todo.data();
  const T* pa = a.data();
  T* pc = c.data();
  const int units = n < kHostSyrkSplitSize ? 1 : 2;
  auto run = [=](const int u) {
    const int blk = list[u / units];
    host_syrk_unit(t, n, k, alpha, pa + blk * sa, lda, beta, pc + blk * sc, u % units);
  };
  host::ScopedBlasThreads single(1);
  if (compat::concurrency(exec) == 1 || double(n) * n * k * work < kHostSerialFlops) {
    for (int u = 0; u < work * units; ++u) run(u);
    return;
  }
  Kokkos::parallel_for("kdash::syrk::blas_units", Kokkos::RangePolicy<ExecSpace>(exec, 0, work * units), run);
  exec.fence();
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
  batched_gemm(exec, t, other, alpha, a, a, beta, c, options);
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
    batched_gemm(exec, Trans::none, Trans::none, alpha, a, a, beta, c, options);
  }
}

}  // namespace kdash::backends
