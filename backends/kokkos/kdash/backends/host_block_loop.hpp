// How the host backends spread per-block LAPACK calls over the threads (design.md §6, host column): one block per
// thread with single-threaded LAPACK/BLAS. Only a stack of fewer large blocks than threads runs one block after another
// with the library itself threaded, since nothing else could use the idle cores. Threaded and single-threaded LAPACK
// round differently, so below kThreadedLapackMinSize every stacking mode computes bit-identical blocks; above it the
// modes may differ by rounding (docs/performance.md).
#pragma once

#include <kdash/backends/host/host_blas.hpp>
#include <kdash/backends/kokkos_compat.hpp>

namespace kdash::backends::detail {

inline constexpr int kThreadedLapackMinSize = 256;

template <class ExecSpace, class BlockFn>
void for_each_block_on_host(const ExecSpace& exec, int count, int block_size, const char* label,
                            const BlockFn& one_block) {
  exec.fence();  // the inputs may come from kernels still running on this instance
  const int threads = compat::concurrency(exec);
  if (count < threads && block_size >= kThreadedLapackMinSize) {
    host::ScopedBlasThreads all(threads);
    for (int blk = 0; blk < count; ++blk) one_block(blk);
    return;
  }
  host::ScopedBlasThreads single(1);
  if (count == 1 || threads == 1) {  // no parallel region to wake for a single block
    for (int blk = 0; blk < count; ++blk) one_block(blk);
    return;
  }
  Kokkos::parallel_for(label, Kokkos::RangePolicy<ExecSpace>(exec, 0, count), one_block);
  exec.fence();
}

}  // namespace kdash::backends::detail
