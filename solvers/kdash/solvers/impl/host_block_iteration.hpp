// The block schedule of the Newton solvers on the host: each thread runs every iteration of one block, with
// single-threaded BLAS, in one parallel region for the whole solve. The stack schedule (one kernel or batched product
// per step over every block of the stack) sweeps the whole stack several times per iteration, which is larger than the
// cores' caches from a few dozen blocks of 256 on, and wakes the threads for every step. The block schedule keeps a
// block's matrices in its core's cache (at n = 256 the seven matrices of coupled Newton take 1.8 MB, the six of
// Newton–DB 1.5 MB) and makes the same library calls on the same data in the same order as the stack schedule, so both
// give the same bits; it needs enough blocks to keep every thread busy, since a block is never split between threads
// here.
#pragma once

#include <kdash/backends/batched_syrk.hpp>
#include <kdash/backends/execution.hpp>
#include <kdash/backends/host/host_blas.hpp>
#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/backends/stack_ops.hpp>
#include <kdash/solvers/impl/block_convergence.hpp>
#include <kdash/solvers/root_options.hpp>

#include <vector>

namespace kdash::solvers::impl {

// The block schedule needs at least this many blocks per thread (fewer: the stack schedule, which splits large
// blocks between threads). With blocks of equal cost, k blocks per thread leave at most 1 / k of the threads idle for
// one block's time at the end.
inline constexpr int kBlockScheduleMinBlocksPerThread = 4;

// The usable blocks of a solve when it takes the block schedule, else none: the solver's products are per-block host
// library calls the block schedule can make itself (`per_block_calls`: the host BLAS path of its products), inputs
// not rounded, and enough usable blocks.
template <class T, class ExecSpace>
std::vector<int> block_schedule_blocks(const ExecSpace& exec, const RootOptions& options,
                                       const BlockConvergence<T, ExecSpace>& conv, bool per_block_calls) {
  if constexpr (!is_host_space_v<ExecSpace>) {
    return {};
  } else {
    if (!per_block_calls || gemm_input(options.precision) != backends::InputPrecision::native) return {};
    std::vector<int> usable = backends::detail::active_blocks(exec, int(conv.active.extent(0)), conv.active);
    if (int(usable.size()) < kBlockScheduleMinBlocksPerThread * compat::concurrency(exec)) return {};
    return usable;
  }
}

// Whether a solver's n x n GEMMs take the host BLAS path: per-block library calls (backends::host_block::gemm_block)
// that the block schedule can make itself.
template <class ExecSpace>
bool uses_host_blas_gemm(const RootOptions& options, int n) {
  return is_host_space_v<ExecSpace> &&
         backends::resolve_gemm_path<ExecSpace>(options.gemm_path, n, n, n) == backends::GemmPath::vendor;
}

// What one block's iterations end with, as BlockConvergence::mark records it in the stack schedule.
template <class T>
struct BlockOutcome {
  int state = running;
  int iterations = 0;
  T residual = T(0);

  // After a residual r (NaN when an entry is not finite): retires the block (false) when it diverged or converged, or
  // when no update follows (`will_update` false); otherwise counts the update about to be made (true).
  bool mark(T r, T tol, bool will_update) {
    residual = r;
    if (!compat::isfinite(r)) {
      state = diverged;
      return false;
    }
    if (r < tol) {
      state = done;
      return false;
    }
    if (!will_update) return false;
    iterations += 1;
    return true;
  }
};

// max_ij |m_ij - delta_ij| of one row-major n x n block (NaN when an entry is not finite), and with `next` also
// next = alpha m + beta I in the same pass, as backends::max_abs_minus_identity(_and_affine) computes them.
template <class T>
T block_residual(int n, const T* m, T* next, T alpha, T beta) {
  T worst = 0;
  for (int r = 0; r < n; ++r) {
    const std::size_t at = std::size_t(r) * n;
    const T v = next ? backends::row_residual<true>(m + at, next + at, 0, n, r, alpha, beta)
                     : backends::row_residual<false>(m + at, static_cast<T*>(nullptr), 0, n, r, alpha, beta);
    worst = v > worst ? v : worst;
  }
  return worst < compat::infinity<T>() ? worst : compat::quiet_nan<T>();
}

// Runs work(b) for every block b of `todo` (block_schedule_blocks) on the host threads: one block per thread at a
// time, dynamically scheduled, with single-threaded BLAS.
template <class ExecSpace, class Work>
void for_each_listed_block(const ExecSpace& exec, const char* label, const std::vector<int>& todo, const Work& work) {
  const int* list = todo.data();
  backends::host::ScopedBlasThreads single(1);
  Kokkos::parallel_for(label,
                       Kokkos::RangePolicy<ExecSpace, Kokkos::Schedule<Kokkos::Dynamic>>(exec, 0, int(todo.size())),
                       [=](const int k) { work(list[k]); });
  exec.fence();
}

// Runs outcome = solve(b) for every block of `todo` (block_schedule_blocks) as for_each_listed_block does and records
// the outcomes in `conv` as its mark() would have.
template <class T, class ExecSpace, class Solve>
void for_each_active_block(const ExecSpace& exec, const char* label, BlockConvergence<T, ExecSpace>& conv,
                           const std::vector<int>& todo, const Solve& solve) {
  auto active = conv.active;
  auto state = conv.state;
  auto iterations = conv.iterations;
  auto residual = conv.residual;
  for_each_listed_block(exec, label, todo, [=](const int b) {
    const BlockOutcome<T> outcome = solve(b);
    state(b) = outcome.state;
    iterations(b) = outcome.iterations;
    residual(b) = outcome.residual;
    active(b) = 0;
  });
}

}  // namespace kdash::solvers::impl
