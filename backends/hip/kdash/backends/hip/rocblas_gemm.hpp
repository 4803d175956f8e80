// Strided-batched GEMM on row-major (LayoutRight) stacks through rocBLAS: C[b] = alpha op(A[b]) op(B[b]) + beta C[b].
// The handle and the call sequence are the vendor-neutral ones that cuBLAS shares (kdash/backends/vendor/
// library_handle.hpp, gemm_strided_batched.hpp); this header names what is rocBLAS's.
#pragma once

#include <kdash/backends/hip/data_type.hpp>
#include <kdash/backends/hip/runtime_api.hpp>
#include <kdash/backends/vendor/gemm_args.hpp>
#include <kdash/backends/vendor/gemm_strided_batched.hpp>
#include <kdash/backends/vendor/library_handle.hpp>

#include <rocblas/rocblas.h>

namespace kdash::backends::hip {

// The vendor-neutral GEMM arguments (kdash/backends/vendor/gemm_args.hpp), shared with the CUDA adapters.
// allow_tf32 is accepted for (f32, f32) and ignored: rocBLAS's strided-batched _ex has no TF32 mode, so the product
// is plain fp32.
using vendor::GemmArgs;
using vendor::kPacked;
using vendor::Op;

// rocBLAS's part of the vendor-neutral handle and GEMM (their headers list what each name is for).
struct Rocblas : HipRuntime {
  using Handle = rocblas_handle;
  static constexpr const char* kName = "kdash::backends::hip: a rocBLAS handle";
  static constexpr const char* kFunction = "kdash::backends::hip::gemm_strided_batched";
  static constexpr const char* kLibrary = "rocBLAS";
  static Handle create();  // with alpha and beta passed by host pointer
  static void set_stream(Handle handle, Stream stream);
  static void destroy(Handle handle) noexcept;
  static void gemm(Handle handle, const GemmArgs& args, const vendor::ResolvedGemm& resolved,
                   const vendor::GemmScalars& scalars);  // rocblas_gemm_strided_batched_ex, D = C
};

// A rocBLAS handle (also rocSOLVER's), created on first use on the device current at that moment and bound to a
// stream per call; set_stream throws std::logic_error on another device. Not thread-safe.
using RocblasHandle = vendor::LibraryHandle<Rocblas>;

// gemm_strided_batched(RocblasHandle&, hipStream_t, const GemmArgs&): validates `args` (std::invalid_argument naming
// the first bad field, sizes beyond rocBLAS's 32-bit ints included; no HIP call), then enqueues the batched GEMM.
// An empty problem (batch, m or n zero) returns without touching the device.
using vendor::gemm_strided_batched;

}  // namespace kdash::backends::hip
