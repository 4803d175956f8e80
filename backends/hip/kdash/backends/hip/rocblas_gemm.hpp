// Strided-batched GEMM on row-major (LayoutRight) stacks through rocBLAS: C[b] = alpha op(A[b]) op(B[b]) + beta C[b].
// The HIP twin of kdash/backends/cuda/cublas_gemm.hpp (same GemmArgs, same validation, same operand swap).
// NOT COMPILED on the machine this was written on (no ROCm there): written from the documented rocBLAS API.
#pragma once

#include <kdash/backends/hip/data_type.hpp>
#include <kdash/backends/vendor/gemm_args.hpp>

#include <hip/hip_runtime_api.h>
#include <rocblas/rocblas.h>

namespace kdash::backends::hip {

// The vendor-neutral GEMM arguments (kdash/backends/vendor/gemm_args.hpp), shared with the CUDA adapters.
// allow_tf32 is accepted for (f32, f32) and ignored: rocBLAS's strided-batched _ex has no TF32 mode, so the product
// is plain fp32.
using vendor::GemmArgs;
using vendor::kPacked;
using vendor::Op;

// A rocBLAS handle (also rocSOLVER's), created on first use, bound to a stream per call. Not thread-safe.
class RocblasHandle {
 public:
  RocblasHandle() noexcept = default;
  ~RocblasHandle();
  RocblasHandle(const RocblasHandle&) = delete;
  RocblasHandle& operator=(const RocblasHandle&) = delete;
  RocblasHandle(RocblasHandle&& other) noexcept;
  RocblasHandle& operator=(RocblasHandle&& other) noexcept;

  rocblas_handle get();
  void set_stream(hipStream_t stream);
  bool created() const noexcept { return handle_ != nullptr; }

 private:
  rocblas_handle handle_ = nullptr;
};

// Throws std::invalid_argument naming the first bad field of `args` (the same rules as the CUDA adapter, with
// rocBLAS's 32-bit ints). Makes no HIP call.
void validate_gemm_args(const GemmArgs& args);

// Validates, then enqueues rocblas_gemm_strided_batched_ex on `stream`. Empty problems return without a HIP call.
void gemm_strided_batched(RocblasHandle& handle, hipStream_t stream, const GemmArgs& args);

}  // namespace kdash::backends::hip
