// How the host backends spread per-block BLAS/LAPACK calls over the threads (SPEC §6, host column): with at least as
// many blocks as threads, one block per thread with single-threaded BLAS; with fewer, one block after another with
// the BLAS itself threaded (few large blocks).
#pragma once

#include <kdash/backends/host/host_blas.hpp>
#include <kdash/backends/kokkos_compat.hpp>

namespace kdash::backends::detail {

template <class ExecSpace, class BlockFn>
void for_each_block_on_host(const ExecSpace& exec, int count, const char* label, const BlockFn& one_block) {
  exec.fence();  // the inputs may come from kernels still running on this instance
  const int threads = compat::concurrency(exec);
  if (count >= threads || threads == 1) {
    host::ScopedBlasThreads single(1);
    Kokkos::parallel_for(label, Kokkos::RangePolicy<ExecSpace>(exec, 0, count), one_block);
    exec.fence();
  } else {
    host::ScopedBlasThreads all(threads);
    for (int blk = 0; blk < count; ++blk) one_block(blk);
  }
}

}  // namespace kdash::backends::detail
