// Strided-batched GEMM on row-major (LayoutRight) stacks through rocBLAS: C[b] = alpha op(A[b]) op(B[b]) + beta C[b].
// The HIP twin of kdash/backends/cuda/cublas_gemm.hpp (same GemmArgs, same validation, same operand swap).
// NOT COMPILED on the machine this was written on (no ROCm there): written from the documented rocBLAS API.
#pragma once

#include <kdash/backends/hip/data_type.hpp>

#include <hip/hip_runtime_api.h>
#include <rocblas/rocblas.h>

#include <cstdint>

namespace kdash::backends::hip {

enum class Op { N, T };

inline constexpr std::int64_t kPacked = -1;

// Shapes are those of the row-major matrices as stored: A[b] is m x k (op_a == N) or k x m (T), B[b] is k x n or
// n x k, C[b] is m x n; ld* = row stride, stride_* = block stride, kPacked = packed. Type pairs as on CUDA:
// (f32, f32), (f64, f64), (f16 or bf16, f32), (f16, f16), (bf16, bf16). allow_tf32 is accepted for (f32, f32) and
// ignored: rocBLAS's strided-batched _ex has no TF32 mode, so the product is plain fp32.
struct GemmArgs {
  Op op_a = Op::N;
  Op op_b = Op::N;
  std::int64_t batch = 0;
  std::int64_t m = 0;
  std::int64_t n = 0;
  std::int64_t k = 0;
  double alpha = 1.0;
  double beta = 0.0;
  DataType input_type = DataType::f32;
  DataType output_type = DataType::f32;
  bool allow_tf32 = false;
  const void* a = nullptr;
  std::int64_t lda = kPacked;
  std::int64_t stride_a = kPacked;
  const void* b = nullptr;
  std::int64_t ldb = kPacked;
  std::int64_t stride_b = kPacked;
  void* c = nullptr;
  std::int64_t ldc = kPacked;
  std::int64_t stride_c = kPacked;
};

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

// Throws std::invalid_argument naming the first bad field of `args`. Makes no HIP call.
void validate_gemm_args(const GemmArgs& args);

// Validates, then enqueues rocblas_gemm_strided_batched_ex on `stream`. Empty problems return without a HIP call.
void gemm_strided_batched(RocblasHandle& handle, hipStream_t stream, const GemmArgs& args);

}  // namespace kdash::backends::hip
