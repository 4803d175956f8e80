// Strided-batched GEMM on row-major (LayoutRight) stacks through cuBLAS: C[b] = alpha * op(A[b]) * op(B[b]) + beta *
// C[b] for b = 0 .. batch-1. Plain host code on raw device pointers and a CUDA stream; knows nothing of Kokkos or
// Shampoo. The handle and the call sequence are the vendor-neutral ones (kdash/backends/vendor/library_handle.hpp,
// gemm_strided_batched.hpp); this header names what is cuBLAS's.
#pragma once

#include <kdash/backends/cuda/data_type.hpp>
#include <kdash/backends/cuda/runtime_api.hpp>
#include <kdash/backends/vendor/gemm_args.hpp>
#include <kdash/backends/vendor/gemm_strided_batched.hpp>
#include <kdash/backends/vendor/library_handle.hpp>

#include <cublas_v2.h>

namespace kdash::backends::cuda {

// The vendor-neutral GEMM arguments (kdash/backends/vendor/gemm_args.hpp), shared with the HIP adapters. On cuBLAS,
// 16-bit inputs accumulate in fp32 on the tensor cores and allow_tf32 selects CUBLAS_COMPUTE_32F_FAST_TF32.
using vendor::GemmArgs;
using vendor::kPacked;
using vendor::Op;

// cuBLAS's part of the vendor-neutral handle and GEMM (their headers list what each name is for).
struct Cublas : CudaRuntime {
  using Handle = cublasHandle_t;
  static constexpr const char* kName = "kdash::backends::cuda: a cuBLAS handle";
  static constexpr const char* kFunction = "kdash::backends::cuda::gemm_strided_batched";
  static constexpr const char* kLibrary = "cuBLAS";
  static Handle create();  // with alpha and beta passed by host pointer
  static void set_stream(Handle handle, Stream stream);
  static void destroy(Handle handle) noexcept;
  static void gemm(Handle handle, const GemmArgs& args, const vendor::ResolvedGemm& resolved,
                   const vendor::GemmScalars& scalars);  // cublasGemmStridedBatchedEx
};

// A cuBLAS handle, created on first use on the device current at that moment and bound to a stream per call;
// set_stream throws std::logic_error on another device. Not thread-safe: use one handle per host thread.
using CublasHandle = vendor::LibraryHandle<Cublas>;

// gemm_strided_batched(CublasHandle&, cudaStream_t, const GemmArgs&): validates `args` (std::invalid_argument naming
// the first bad field, sizes beyond cuBLAS's 32-bit ints included; no CUDA call), then enqueues the batched GEMM.
// An empty problem (batch, m or n zero) returns without touching the device.
using vendor::gemm_strided_batched;

}  // namespace kdash::backends::cuda
