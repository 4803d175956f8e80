// Per-thread vendor handles and scratch of the CUDA path (see cuda_dispatch.hpp). Empty in non-CUDA builds.
#include "kdash/backends/cuda_dispatch.hpp"

#if KDASH_BACKEND_IS_CUDA && KDASH_HAVE_CUDA_ADAPTERS

#include <kdash/backends/scratch_cache.hpp>

#include <array>
#include <optional>

namespace kdash::backends::detail {

cuda::CublasHandle& cublas_handle() {
  thread_local cuda::CublasHandle handle;
  return handle;
}

cuda::CusolverHandle& cusolver_handle() {
  thread_local cuda::CusolverHandle handle;
  return handle;
}

Kokkos::View<std::uint16_t*, Kokkos::CudaSpace> sixteen_bit_scratch(const Kokkos::Cuda& exec, int slot,
                                                                    std::size_t count) {
  using Buffer = Kokkos::View<std::uint16_t*, Kokkos::CudaSpace>;
  thread_local std::array<Buffer, 2> buffers;
  thread_local std::optional<Kokkos::Cuda> last_user;  // a copy keeps its stream alive
  thread_local bool registered = false;
  if (!registered) {
    // Device memory (and the instance) must go before Kokkos does, not at thread exit; release_scratch() frees the
    // buffers between root computations (a device free waits for the work still reading them).
    Kokkos::push_finalize_hook([] {
      buffers = {};
      last_user.reset();
    });
    scratch_releasers().push_back([] { buffers = {}; });
    registered = true;
  }
  // Work queued on another stream may still read the buffers: let it finish before this stream overwrites them.
  if (last_user && !compat::same_stream(*last_user, exec)) last_user->fence();
  last_user = exec;
  Buffer& buffer = buffers.at(static_cast<std::size_t>(slot));
  if (buffer.extent(0) < count) {
    buffer = Buffer();  // free first: the old and the new buffer need not fit together
    buffer = Buffer(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kdash::gemm::sixteen_bit_input"), count);
  }
  return buffer;
}

std::vector<std::pair<std::int64_t, std::int64_t>> active_runs(
    const Kokkos::Cuda& exec, const Kokkos::View<const int*, Kokkos::CudaSpace>& active, std::int64_t count) {
  std::vector<std::pair<std::int64_t, std::int64_t>> runs;
  if (active.extent(0) == 0) {
    if (count > 0) runs.emplace_back(0, count);
    return runs;
  }
  // The mask may still be being written by kernels on this instance: copy it in order, then wait for it.
  Kokkos::View<int*, Kokkos::HostSpace> mask(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kdash::gemm::mask"),
                                             active.extent(0));
  Kokkos::deep_copy(exec, mask, active);
  exec.fence();
  for (std::int64_t b = 0; b < count; ++b) {
    if (mask(b) == 0) continue;
    if (!runs.empty() && runs.back().second == b) {
      runs.back().second = b + 1;
    } else {
      runs.emplace_back(b, b + 1);
    }
  }
  return runs;
}

}  // namespace kdash::backends::detail

#endif
