#include <kdash/backends/hip/hip_error.hpp>
#include <kdash/backends/hip/rocblas_gemm.hpp>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace kdash::backends::hip {
namespace {

constexpr const char* kFunction = "kdash::backends::hip::gemm_strided_batched";

[[noreturn]] void bad(const char* argument, const std::string& why) {
  detail::throw_invalid_argument(kFunction, argument, why);
}

struct Operand {
  std::int64_t ld;
  std::int64_t stride;
};

void check_dimension(const char* name, std::int64_t value) {
  if (value < 0) bad(name, std::to_string(value) + " is negative");
  if (value > INT_MAX) bad(name, std::to_string(value) + " exceeds rocBLAS's 32-bit limit");
}

// Same rules as the CUDA adapter: ld >= max(1, cols); stride 0 (inputs only) or >= the span of one matrix.
Operand resolve_operand(const void* data, std::int64_t rows, std::int64_t cols, std::int64_t ld, std::int64_t stride,
                        std::int64_t batch, bool broadcast_ok, const char* data_name, const char* ld_name,
                        const char* stride_name) {
  const std::int64_t min_ld = std::max<std::int64_t>(1, cols);
  if (ld == kPacked) ld = min_ld;
  if (ld < min_ld) bad(ld_name, std::to_string(ld) + " < " + std::to_string(min_ld) + " (columns as stored)");
  if (ld > INT_MAX) bad(ld_name, std::to_string(ld) + " exceeds rocBLAS's 32-bit limit");
  const std::int64_t span = rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols;
  if (stride == kPacked) stride = rows * ld;
  if (stride < 0) bad(stride_name, std::to_string(stride) + " is negative");
  if (batch > 1 && stride < span && !(broadcast_ok && stride == 0)) {
    bad(stride_name, std::to_string(stride) + " < " + std::to_string(span) + " (elements one matrix spans)");
  }
  if (batch > 1 && stride > 0 && stride > (std::numeric_limits<std::int64_t>::max() / 8 - span) / (batch - 1)) {
    bad(stride_name, std::to_string(stride) + " times batch - 1 overflows the address range");
  }
  if (data == nullptr && batch > 0 && span > 0) bad(data_name, "null pointer for a non-empty matrix");
  return Operand{ld, stride};
}

struct Resolved {
  Operand a, b, c;
};

Resolved resolve(const GemmArgs& g) {
  if (g.op_a != Op::N && g.op_a != Op::T) bad("op_a", "not an Op value");
  if (g.op_b != Op::N && g.op_b != Op::T) bad("op_b", "not an Op value");
  check_dimension("batch", g.batch);
  check_dimension("m", g.m);
  check_dimension("n", g.n);
  check_dimension("k", g.k);
  if (size_of(g.input_type) == 0) bad("input_type", "not a DataType value");
  if (size_of(g.output_type) == 0) bad("output_type", "not a DataType value");
  const DataType in = g.input_type, out = g.output_type;
  const bool supported = (in == DataType::f32 && out == DataType::f32) ||
                         (in == DataType::f64 && out == DataType::f64) ||
                         ((in == DataType::f16 || in == DataType::bf16) && (out == DataType::f32 || out == in));
  if (!supported) bad("output_type", std::string(to_string(out)) + " output with " + to_string(in) + " inputs");
  if (g.allow_tf32 && in != DataType::f32) bad("allow_tf32", "TF32 applies to f32 inputs only");
  const bool ta = g.op_a == Op::T, tb = g.op_b == Op::T;
  return Resolved{
      resolve_operand(g.a, ta ? g.k : g.m, ta ? g.m : g.k, g.lda, g.stride_a, g.batch, true, "a", "lda", "stride_a"),
      resolve_operand(g.b, tb ? g.n : g.k, tb ? g.k : g.n, g.ldb, g.stride_b, g.batch, true, "b", "ldb", "stride_b"),
      resolve_operand(g.c, g.m, g.n, g.ldc, g.stride_c, g.batch, false, "c", "ldc", "stride_c")};
}

rocblas_datatype rocblas_type(DataType t) {
  switch (t) {
    case DataType::f32:
      return rocblas_datatype_f32_r;
    case DataType::f16:
      return rocblas_datatype_f16_r;
    case DataType::bf16:
      return rocblas_datatype_bf16_r;
    case DataType::f64:
      return rocblas_datatype_f64_r;
  }
  return rocblas_datatype_f32_r;
}

rocblas_operation rocblas_op(Op op) { return op == Op::N ? rocblas_operation_none : rocblas_operation_transpose; }

}  // namespace

RocblasHandle::~RocblasHandle() {
  if (handle_ != nullptr) rocblas_destroy_handle(handle_);
}

RocblasHandle::RocblasHandle(RocblasHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

RocblasHandle& RocblasHandle::operator=(RocblasHandle&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) rocblas_destroy_handle(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

rocblas_handle RocblasHandle::get() {
  if (handle_ == nullptr) {
    rocblas_handle handle = nullptr;
    check_rocblas(rocblas_create_handle(&handle), "rocblas_create_handle");
    handle_ = handle;
    check_rocblas(rocblas_set_pointer_mode(handle_, rocblas_pointer_mode_host), "rocblas_set_pointer_mode");
  }
  return handle_;
}

void RocblasHandle::set_stream(hipStream_t stream) {
  check_rocblas(rocblas_set_stream(get(), stream), "rocblas_set_stream");
}

void validate_gemm_args(const GemmArgs& args) { resolve(args); }

void gemm_strided_batched(RocblasHandle& handle, hipStream_t stream, const GemmArgs& g) {
  const Resolved r = resolve(g);
  if (g.batch == 0 || g.m == 0 || g.n == 0) return;
  // Row-major C (m x n) read column-major is C^T = op(B)^T op(A)^T: swap the operands and m, n (see
  // docs/backends.md). With k == 0 rocBLAS only scales C; A and B are unread, C stands in for null ones.
  const void* a = g.k == 0 ? g.c : g.a;
  const void* b = g.k == 0 ? g.c : g.b;
  const bool f64 = g.input_type == DataType::f64;
  const double alpha64 = g.alpha, beta64 = g.beta;
  const float alpha32 = static_cast<float>(g.alpha), beta32 = static_cast<float>(g.beta);
  const void* alpha = f64 ? static_cast<const void*>(&alpha64) : static_cast<const void*>(&alpha32);
  const void* beta = f64 ? static_cast<const void*>(&beta64) : static_cast<const void*>(&beta32);
  const rocblas_datatype in = rocblas_type(g.input_type), out = rocblas_type(g.output_type);
  const rocblas_datatype compute = f64 ? rocblas_datatype_f64_r : rocblas_datatype_f32_r;
  handle.set_stream(stream);
  // D = C (in place): rocBLAS allows d == c with identical ld and stride.
  check_rocblas(
      rocblas_gemm_strided_batched_ex(
          handle.get(), rocblas_op(g.op_b), rocblas_op(g.op_a), static_cast<rocblas_int>(g.n),
          static_cast<rocblas_int>(g.m), static_cast<rocblas_int>(g.k), alpha, b, in, static_cast<rocblas_int>(r.b.ld),
          r.b.stride, a, in, static_cast<rocblas_int>(r.a.ld), r.a.stride, beta, g.c, out,
          static_cast<rocblas_int>(r.c.ld), r.c.stride, g.c, out, static_cast<rocblas_int>(r.c.ld), r.c.stride,
          static_cast<rocblas_int>(g.batch), compute, rocblas_gemm_algo_standard, 0, rocblas_gemm_flags_none),
      "rocblas_gemm_strided_batched_ex");
}

}  // namespace kdash::backends::hip
