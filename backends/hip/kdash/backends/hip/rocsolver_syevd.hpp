// Batched symmetric eigendecomposition through rocSOLVER (rocsolver_{s,d}syevd_strided_batched).
// The HIP twin of kdash/backends/cuda/cusolver_syevd.hpp, with the same layout contract; the handle and workspace are
// the vendor-neutral ones they share (kdash/backends/vendor/library_handle.hpp, stream_workspace.hpp).
#pragma once

#include <kdash/backends/hip/rocblas_gemm.hpp>
#include <kdash/backends/hip/runtime_api.hpp>
#include <kdash/backends/vendor/library_handle.hpp>
#include <kdash/backends/vendor/stream_workspace.hpp>

#include <hip/hip_runtime_api.h>
#include <rocblas/rocblas.h>

#include <cstdint>

namespace kdash::backends::hip {

// A rocBLAS handle for rocSOLVER plus the device buffer rocSOLVER's syevd needs for the off-diagonal (E, batch x n
// elements), created on first use and grown on demand. Move-only. Not thread-safe.
class RocsolverHandle {
 public:
  // The handle, created now if needed. Throws VendorError if rocBLAS cannot be initialized (e.g. no GPU).
  rocblas_handle get() { return handle_.get(); }
  // Binds the handle to `stream`; throws std::logic_error if the current device is not the handle's.
  void set_stream(hipStream_t stream) { handle_.set_stream(stream); }
  // The off-diagonal buffer (kdash/backends/vendor/stream_workspace.hpp: safe to use from one stream after another).
  vendor::StreamWorkspace<HipRuntime>& workspace() noexcept { return workspace_; }

 private:
  vendor::LibraryHandle<Rocblas> handle_;
  vendor::StreamWorkspace<HipRuntime> workspace_;  // destroyed first: it waits for the work still using it
};

// Stack of `batch` symmetric n x n matrices, packed row-major (batch, n, n). On exit ROW i of matrix b holds the unit
// eigenvector of w[b * n + i]; w ascending per matrix; info[b] = 0 on success (rocblas_int == int). Only the upper
// triangle of each row-major matrix is read. Arguments are validated on the host first (std::invalid_argument).
void batched_syevd(RocsolverHandle& handle, hipStream_t stream, std::int64_t n, std::int64_t batch, float* a, float* w,
                   int* info);
void batched_syevd(RocsolverHandle& handle, hipStream_t stream, std::int64_t n, std::int64_t batch, double* a,
                   double* w, int* info);

}  // namespace kdash::backends::hip
