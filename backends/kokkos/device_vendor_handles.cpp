// Per-thread vendor handles and scratch of the GPU vendor path (see device_vendor_dispatch.hpp). Empty in builds
// without one.
#include "kdash/backends/device_vendor_dispatch.hpp"

#if KDASH_HAVE_DEVICE_VENDOR

#include <kdash/backends/scratch_cache.hpp>
#if defined(KOKKOS_ENABLE_CUDA)
#include <kdash/backends/cuda/cublas_gemm.hpp>
#include <kdash/backends/cuda/cusolver_syevd.hpp>
#else
#include <kdash/backends/hip/rocblas_gemm.hpp>
#include <kdash/backends/hip/rocsolver_syevd.hpp>
#endif

#include <array>
#include <optional>

namespace kdash::backends::detail {
namespace {

#if defined(KOKKOS_ENABLE_CUDA)
using BlasHandle = cuda::CublasHandle;
using SolverHandle = cuda::CusolverHandle;
auto stream_of(const VendorExec& exec) { return exec.cuda_stream(); }
namespace adapters = cuda;
#else
using BlasHandle = hip::RocblasHandle;
using SolverHandle = hip::RocsolverHandle;
auto stream_of(const VendorExec& exec) { return exec.hip_stream(); }
namespace adapters = hip;
#endif

BlasHandle& blas_handle() {
  thread_local BlasHandle handle;
  return handle;
}

SolverHandle& solver_handle() {
  thread_local SolverHandle handle;
  return handle;
}

}  // namespace

void vendor_gemm_strided_batched(const VendorExec& exec, const vendor::GemmArgs& args) {
  adapters::gemm_strided_batched(blas_handle(), stream_of(exec), args);
}

void vendor_batched_syevd(const VendorExec& exec, std::int64_t n, std::int64_t batch, float* a, float* w, int* info) {
  adapters::batched_syevd(solver_handle(), stream_of(exec), n, batch, a, w, info);
}

void vendor_batched_syevd(const VendorExec& exec, std::int64_t n, std::int64_t batch, double* a, double* w, int* info) {
  adapters::batched_syevd(solver_handle(), stream_of(exec), n, batch, a, w, info);
}

Kokkos::View<std::uint16_t*, VendorMem> sixteen_bit_scratch(const VendorExec& exec, int slot, std::size_t count) {
  using Buffer = Kokkos::View<std::uint16_t*, VendorMem>;
  thread_local std::array<Buffer, 2> buffers;
  thread_local std::optional<VendorExec> last_user;  // a copy keeps its stream alive
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

std::vector<std::pair<std::int64_t, std::int64_t>> active_runs(const VendorExec& exec,
                                                               const Kokkos::View<const int*, VendorMem>& active,
                                                               std::int64_t count) {
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
