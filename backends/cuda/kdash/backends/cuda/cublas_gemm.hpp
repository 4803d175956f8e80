// Strided-batched GEMM on row-major (LayoutRight) stacks through cuBLAS: C[b] = alpha * op(A[b]) * op(B[b]) + beta *
// C[b] for b = 0 .. batch-1. Plain host code on raw device pointers and a CUDA stream; knows nothing of Kokkos or
// Shampoo.
#pragma once

#include <kdash/backends/cuda/data_type.hpp>
#include <kdash/backends/vendor/gemm_args.hpp>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

namespace kdash::backends::cuda {

// The vendor-neutral GEMM arguments (kdash/backends/vendor/gemm_args.hpp), shared with the HIP adapters. On cuBLAS,
// 16-bit inputs accumulate in fp32 on the tensor cores and allow_tf32 selects CUBLAS_COMPUTE_32F_FAST_TF32.
using vendor::GemmArgs;
using vendor::kPacked;
using vendor::Op;

// A cuBLAS handle, created on first use (so that constructing one needs no GPU) on the device current at that
// moment, and bound to a stream per call. Not thread-safe: use one handle per host thread.
class CublasHandle {
 public:
  CublasHandle() noexcept = default;
  ~CublasHandle();
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  CublasHandle(CublasHandle&& other) noexcept;
  CublasHandle& operator=(CublasHandle&& other) noexcept;

  // The handle, created now if needed. Throws VendorError if cuBLAS cannot be initialized (e.g. no GPU).
  cublasHandle_t get();
  // Binds the handle to `stream` (creating it if needed); throws std::logic_error if the current device is not the
  // one the handle was created on.
  void set_stream(cudaStream_t stream);
  bool created() const noexcept { return handle_ != nullptr; }

 private:
  cublasHandle_t handle_ = nullptr;
  int device_ = -1;
};

// Throws std::invalid_argument naming the first bad field of `args` (negative sizes, null pointers to non-empty
// matrices, leading dimensions or strides too small, unsupported type pairs, allow_tf32 off fp32, sizes beyond
// cuBLAS's 32-bit ints). Makes no CUDA call.
void validate_gemm_args(const GemmArgs& args);

// Validates `args`, then enqueues the batched GEMM on `stream` (cublasGemmStridedBatchedEx). An empty problem
// (batch, m or n zero) returns after validation without touching the device. Asynchronous like any cuBLAS call.
void gemm_strided_batched(CublasHandle& handle, cudaStream_t stream, const GemmArgs& args);

}  // namespace kdash::backends::cuda
