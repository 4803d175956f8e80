// Strided-batched GEMM on row-major (LayoutRight) stacks through cuBLAS: C[b] = alpha * op(A[b]) * op(B[b]) + beta *
// C[b] for b = 0 .. batch-1. Plain host code on raw device pointers and a CUDA stream; knows nothing of Kokkos or
// Shampoo.
#pragma once

#include <kdash/backends/cuda/data_type.hpp>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstdint>

namespace kdash::backends::cuda {

enum class Op { N, T };

// A leading dimension or batch stride equal to kPacked means "the packed value": ld = number of columns of the
// matrix as stored, stride = rows * ld, i.e. the layout of a contiguous Kokkos::View<T***, LayoutRight>.
inline constexpr std::int64_t kPacked = -1;

// One batched GEMM. Shapes are those of the row-major matrices as stored:
//   A[b] is m x k (op_a == N) or k x m (op_a == T); element (i, j) at a + b * stride_a + i * lda + j,
//   B[b] is k x n (op_b == N) or n x k (op_b == T); likewise with ldb, stride_b,
//   C[b] is m x n; likewise with ldc, stride_c.
// Supported (input_type, output_type) pairs: (f32, f32), (f64, f64), (f16, f32), (bf16, f32), (f16, f16),
// (bf16, bf16). 16-bit inputs accumulate in fp32 (tensor cores). allow_tf32 lets fp32 inputs be rounded to TF32 on
// the tensor cores (fp32 accumulation); it is only valid for (f32, f32). alpha and beta are converted to the
// compute precision (fp32, or fp64 for f64).
// A stride of 0 for A or B repeats one matrix for every b; C's stride must keep the batch's C blocks disjoint.
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
