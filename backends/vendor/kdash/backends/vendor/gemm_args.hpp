// The arguments of one strided-batched GEMM on row-major (LayoutRight) stacks, C[b] = alpha * op(A[b]) * op(B[b]) +
// beta * C[b] for b = 0 .. batch-1, and their host-side validation: shared by the cuBLAS and rocBLAS adapters, which
// differ only in the vendor call they make with the resolved arguments.
#pragma once

#include <kdash/backends/vendor/data_type.hpp>

#include <cstdint>

namespace kdash::backends::vendor {

enum class Op { N, T };

// A leading dimension or batch stride equal to kPacked means "the packed value": ld = number of columns of the
// matrix as stored, stride = rows * ld, i.e. the layout of a contiguous Kokkos::View<T***, LayoutRight>.
inline constexpr std::int64_t kPacked = -1;

// One batched GEMM. Shapes are those of the row-major matrices as stored:
//   A[b] is m x k (op_a == N) or k x m (op_a == T); element (i, j) at a + b * stride_a + i * lda + j,
//   B[b] is k x n (op_b == N) or n x k (op_b == T); likewise with ldb, stride_b,
//   C[b] is m x n; likewise with ldc, stride_c.
// Supported (input_type, output_type) pairs: (f32, f32), (f64, f64), (f16, f32), (bf16, f32), (f16, f16),
// (bf16, bf16). 16-bit inputs accumulate in fp32. allow_tf32 lets fp32 inputs be rounded to TF32 (fp32
// accumulation) where the library has such a mode (cuBLAS; rocBLAS ignores it); it is only valid for (f32, f32).
// alpha and beta are converted to the compute precision (fp32, or fp64 for f64).
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

// A row-major operand after kPacked has been resolved: rows x cols as stored, leading dimension, batch stride.
struct GemmOperand {
  const void* data;
  std::int64_t rows;
  std::int64_t cols;
  std::int64_t ld;
  std::int64_t stride;
};

// The three operands of a validated GemmArgs, ready for a column-major vendor GEMM. With k == 0 the product is
// empty and the library only scales C by beta; it reads neither A nor B, which may then be null, so a.data and
// b.data hold C's address as a stand-in.
struct ResolvedGemm {
  GemmOperand a;
  GemmOperand b;
  GemmOperand c;
};

// Validates `args` and resolves kPacked. Throws std::invalid_argument naming the first bad field (negative sizes,
// null pointers to non-empty matrices, leading dimensions or strides too small, unsupported type pairs, allow_tf32
// off fp32, sizes beyond the 32-bit ints of `library`); `function` is the adapter's public function the message
// names, `library` the vendor library ("cuBLAS", "rocBLAS"). Makes no vendor call.
ResolvedGemm resolve_gemm_args(const GemmArgs& args, const char* function, const char* library);

// alpha and beta in the compute precision, by host pointer: fp64 for f64 GEMMs, fp32 for every other (the scale
// type of cuBLAS's and rocBLAS's _ex GEMMs). The pointers stay valid while this object lives.
class GemmScalars {
 public:
  explicit GemmScalars(const GemmArgs& args) noexcept
      : f64_(args.input_type == DataType::f64),
        alpha64_(args.alpha),
        beta64_(args.beta),
        alpha32_(static_cast<float>(args.alpha)),
        beta32_(static_cast<float>(args.beta)) {}

  // True when the GEMM computes in fp64.
  bool f64() const noexcept { return f64_; }
  const void* alpha() const noexcept { return f64_ ? static_cast<const void*>(&alpha64_) : &alpha32_; }
  const void* beta() const noexcept { return f64_ ? static_cast<const void*>(&beta64_) : &beta32_; }

 private:
  bool f64_;
  double alpha64_;
  double beta64_;
  float alpha32_;
  float beta32_;
};

}  // namespace kdash::backends::vendor
