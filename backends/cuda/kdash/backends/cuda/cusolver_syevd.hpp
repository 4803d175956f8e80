// Batched symmetric eigendecomposition through cuSOLVER: for every b, A[b] = Q[b] * diag(W[b]) * Q[b]^T.
// Plain host code on raw device pointers and a CUDA stream; knows nothing of Kokkos or Shampoo.
#pragma once

#include <cuda_runtime_api.h>
#include <cusolverDn.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kdash::backends::cuda {

// Which cuSOLVER routine serves batched_syevd.
enum class SyevdPath {
  automatic,   // batched when this build has it, else per_matrix
  batched,     // one cusolverDnXsyevBatched call per chunk of the batch (cuSOLVER >= 11.7.1, CUDA >= 12.6.2)
  per_matrix,  // one cusolverDnXsyevd (divide and conquer) per matrix, all enqueued on the stream
};

// True when this build was compiled against a cuSOLVER that has cusolverDnXsyevBatched.
bool has_syev_batched() noexcept;

// A cuSOLVER dense handle with its parameter object and a reusable workspace (device and host), all created on first
// use on the device current at that moment (constructing one needs no GPU). The workspace grows on demand and is kept
// for later calls. Not thread-safe: use one handle per host thread.
class CusolverHandle {
 public:
  CusolverHandle() noexcept = default;
  ~CusolverHandle();
  CusolverHandle(const CusolverHandle&) = delete;
  CusolverHandle& operator=(const CusolverHandle&) = delete;
  CusolverHandle(CusolverHandle&& other) noexcept;
  CusolverHandle& operator=(CusolverHandle&& other) noexcept;

  // The handle, created now if needed. Throws VendorError if cuSOLVER cannot be initialized (e.g. no GPU).
  cusolverDnHandle_t get();
  cusolverDnParams_t params();
  // Binds the handle to `stream`; throws std::logic_error if the current device is not the handle's.
  void set_stream(cudaStream_t stream);
  bool created() const noexcept { return handle_ != nullptr; }

  // Workspace of at least the given sizes for work about to be enqueued on the handle's stream; call
  // release_workspace() once that work is enqueued. Growing the workspace first waits (on the host) for the work
  // that last used it; handing it to a different stream than last time makes that stream wait for it (on the device).
  struct Workspace {
    void* device;
    std::size_t device_bytes;
    void* host;
    std::size_t host_bytes;
  };
  Workspace acquire_workspace(std::size_t device_bytes, std::size_t host_bytes);
  // Records, on the handle's stream, that the work using the workspace has been enqueued.
  void release_workspace();
  std::size_t device_workspace_bytes() const noexcept { return device_bytes_; }

 private:
  void release() noexcept;

  cusolverDnHandle_t handle_ = nullptr;
  cusolverDnParams_t params_ = nullptr;
  int device_ = -1;
  cudaStream_t stream_ = nullptr;            // bound by the latest set_stream
  cudaStream_t workspace_stream_ = nullptr;  // where the workspace was last used
  cudaEvent_t workspace_free_ = nullptr;     // completes when the last work using the workspace has finished
  void* device_workspace_ = nullptr;
  std::size_t device_bytes_ = 0;
  std::vector<unsigned char> host_workspace_;
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
