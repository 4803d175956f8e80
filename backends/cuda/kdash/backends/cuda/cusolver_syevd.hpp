// Batched symmetric eigendecomposition through cuSOLVER: for every b, A[b] = Q[b] * diag(W[b]) * Q[b]^T.
// Plain host code on raw device pointers and a CUDA stream; knows nothing of Kokkos or Shampoo.
#pragma once

#include <kdash/backends/cuda/runtime_api.hpp>
#include <kdash/backends/vendor/library_handle.hpp>
#include <kdash/backends/vendor/stream_workspace.hpp>

#include <cuda_runtime_api.h>
#include <cusolverDn.h>

#include <cstdint>
#include <memory>
#include <type_traits>

namespace kdash::backends::cuda {

// Which cuSOLVER routine serves batched_syevd.
enum class SyevdPath {
  automatic,   // batched when this build has it, else per_matrix
  batched,     // one cusolverDnXsyevBatched call per chunk of the batch (cuSOLVER >= 11.7.1, CUDA >= 12.6.2)
  per_matrix,  // one cusolverDnXsyevd (divide and conquer) per matrix, all enqueued on the stream
};

// True when this build was compiled against a cuSOLVER that has cusolverDnXsyevBatched.
bool has_syev_batched() noexcept;

// cuSOLVER's part of the vendor-neutral handle (kdash/backends/vendor/library_handle.hpp lists what each name is for).
struct Cusolver : CudaRuntime {
  using Handle = cusolverDnHandle_t;
  static constexpr const char* kName = "kdash::backends::cuda: a cuSOLVER handle";
  static Handle create();
  static void set_stream(Handle handle, Stream stream);
  static void destroy(Handle handle) noexcept;
};

// A cuSOLVER dense handle with its parameter object and a reusable workspace (device and host), all created on first
// use on the device current at that moment (constructing one needs no GPU). The workspace grows on demand and is kept
// for later calls. Move-only. Not thread-safe: use one handle per host thread.
class CusolverHandle {
 public:
  // The handle, created now if needed. Throws VendorError if cuSOLVER cannot be initialized (e.g. no GPU).
  cusolverDnHandle_t get() { return handle_.get(); }
  // The 64-bit API's parameter object, created now if needed.
  cusolverDnParams_t params();
  // Binds the handle to `stream`; throws std::logic_error if the current device is not the handle's.
  void set_stream(cudaStream_t stream) { handle_.set_stream(stream); }
  // The syevd workspace (kdash/backends/vendor/stream_workspace.hpp: safe to use from one stream after another).
  vendor::StreamWorkspace<CudaRuntime>& workspace() noexcept { return workspace_; }

 private:
  struct DestroyParams {
    void operator()(cusolverDnParams_t params) const noexcept;
  };

  vendor::LibraryHandle<Cusolver> handle_;
  std::unique_ptr<std::remove_pointer_t<cusolverDnParams_t>, DestroyParams> params_;
  vendor::StreamWorkspace<CudaRuntime> workspace_;  // destroyed first: it waits for the work still using it
};

// Eigendecomposition of a stack of `batch` symmetric n x n matrices, stored contiguously (row-major (batch, n, n), a
// packed Kokkos::View<T***, LayoutRight>).
//   a     in:  the symmetric matrices. A symmetric matrix reads the same row-major and column-major, so the stack is
//              handed to cuSOLVER as is. Only the upper triangle of each row-major matrix (= the lower triangle
//              column-major, CUBLAS_FILL_MODE_LOWER) is read.
//         out: the eigenvectors. cuSOLVER writes them column-major (column i = eigenvector i), so in the row-major
//              buffer ROW i of matrix b holds the unit eigenvector of w[b * n + i]: a[b] = Q[b]^T.
//   w     out: (batch, n) eigenvalues, ascending within each matrix.
//   info  out: (batch) per-matrix status on the device: 0 success, > 0 no convergence (see the cuSOLVER manual).
// Every argument is validated on the host before any CUDA call (std::invalid_argument naming it). An empty batch
// returns at once; n == 0 only zeroes info. Asynchronous on `stream`; read info after synchronizing.
void batched_syevd(CusolverHandle& handle, cudaStream_t stream, std::int64_t n, std::int64_t batch, float* a, float* w,
                   int* info, SyevdPath path = SyevdPath::automatic);
void batched_syevd(CusolverHandle& handle, cudaStream_t stream, std::int64_t n, std::int64_t batch, double* a,
                   double* w, int* info, SyevdPath path = SyevdPath::automatic);

}  // namespace kdash::backends::cuda
