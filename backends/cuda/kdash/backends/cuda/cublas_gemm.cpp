#include <kdash/backends/cuda/cublas_gemm.hpp>
#include <kdash/backends/cuda/cuda_error.hpp>
#include <kdash/backends/cuda/device_info.hpp>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace kdash::backends::cuda {
namespace {

constexpr const char* kFunction = "kdash::backends::cuda::gemm_strided_batched";

[[noreturn]] void bad(const char* argument, const std::string& why) {
  detail::throw_invalid_argument(kFunction, argument, why);
}

bool is_op(Op op) { return op == Op::N || op == Op::T; }

bool is_data_type(DataType t) { return size_of(t) != 0; }

// A row-major operand after kPacked has been resolved: rows x cols as stored, leading dimension, batch stride.
struct Operand {
  const void* data;
  std::int64_t rows;
  std::int64_t cols;
  std::int64_t ld;
  std::int64_t stride;
};

// Elements one matrix spans: the last row starts at (rows - 1) * ld and holds cols elements.
std::int64_t footprint(std::int64_t rows, std::int64_t cols, std::int64_t ld) {
  return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols;
}

void check_dimension(const char* name, std::int64_t value) {
  if (value < 0) bad(name, std::to_string(value) + " is negative");
  if (value > INT_MAX) bad(name, std::to_string(value) + " exceeds cuBLAS's 32-bit limit " + std::to_string(INT_MAX));
}

// Validates one operand and returns it with kPacked resolved. `broadcast_ok`: a stride of 0 (one matrix reused for
// every batch entry) is allowed for the inputs, never for the output.
Operand resolve_operand(const char* matrix, const void* data, std::int64_t rows, std::int64_t cols, std::int64_t ld,
                        std::int64_t stride, std::int64_t batch, bool broadcast_ok, const char* data_name,
                        const char* ld_name, const char* stride_name) {
  const std::int64_t min_ld = std::max<std::int64_t>(1, cols);
  if (ld == kPacked) ld = min_ld;
  if (ld < min_ld) {
    bad(ld_name, std::to_string(ld) + " < " + std::to_string(min_ld) + ", the number of columns of " + matrix +
                     " as stored (row-major, " + std::to_string(rows) + " x " + std::to_string(cols) + ")");
  }
  if (ld > INT_MAX) bad(ld_name, std::to_string(ld) + " exceeds cuBLAS's 32-bit limit " + std::to_string(INT_MAX));
  const std::int64_t span = footprint(rows, cols, ld);
  if (stride == kPacked) stride = rows * ld;
  if (stride < 0) bad(stride_name, std::to_string(stride) + " is negative");
  if (batch > 1 && stride < span && !(broadcast_ok && stride == 0)) {
    bad(stride_name, std::to_string(stride) + " < " + std::to_string(span) + ", the elements one " + matrix +
                         " matrix spans ((rows - 1) * ld + cols)" +
                         (broadcast_ok ? "; use 0 to reuse one matrix for every batch entry" : ""));
  }
  // The last matrix must stay addressable in bytes (8 = the widest element).
  if (batch > 1 && stride > 0 && stride > (std::numeric_limits<std::int64_t>::max() / 8 - span) / (batch - 1)) {
    bad(stride_name, std::to_string(stride) + " times batch - 1 overflows the address range");
  }
  if (data == nullptr && batch > 0 && span > 0) {
    bad(data_name, std::string("null pointer for a non-empty ") + matrix + " (" + std::to_string(rows) + " x " +
                       std::to_string(cols) + " x batch " + std::to_string(batch) + ")");
  }
  return Operand{data, rows, cols, ld, stride};
}

void check_types(const GemmArgs& args) {
  if (!is_data_type(args.input_type)) bad("input_type", "not a DataType value");
  if (!is_data_type(args.output_type)) bad("output_type", "not a DataType value");
  const DataType in = args.input_type;
  const DataType out = args.output_type;
  const bool supported = (in == DataType::f32 && out == DataType::f32) ||
                         (in == DataType::f64 && out == DataType::f64) ||
                         ((in == DataType::f16 || in == DataType::bf16) && (out == DataType::f32 || out == in));
  if (!supported) {
    bad("output_type", std::string(to_string(out)) + " output with " + to_string(in) +
                           " inputs is not supported (f32->f32, f64->f64, f16/bf16->f32 or the same 16-bit type)");
  }
  if (args.allow_tf32 && in != DataType::f32) {
    bad("allow_tf32", std::string("TF32 applies to f32 inputs only, not ") + to_string(in));
  }
}

cudaDataType cuda_data_type(DataType t) {
  switch (t) {
    case DataType::f32:
      return CUDA_R_32F;
    case DataType::f16:
      return CUDA_R_16F;
    case DataType::bf16:
      return CUDA_R_16BF;
    case DataType::f64:
      return CUDA_R_64F;
  }
  return CUDA_R_32F;  // unreachable after validation
}

cublasOperation_t cublas_op(Op op) { return op == Op::N ? CUBLAS_OP_N : CUBLAS_OP_T; }

struct Resolved {
  Operand a;
  Operand b;
  Operand c;
};

Resolved resolve(const GemmArgs& args) {
  if (!is_op(args.op_a)) bad("op_a", "not an Op value");
  if (!is_op(args.op_b)) bad("op_b", "not an Op value");
  check_dimension("batch", args.batch);
  check_dimension("m", args.m);
  check_dimension("n", args.n);
  check_dimension("k", args.k);
  check_types(args);
  const bool ta = args.op_a == Op::T;
  const bool tb = args.op_b == Op::T;
  return Resolved{
      resolve_operand("A", args.a, ta ? args.k : args.m, ta ? args.m : args.k, args.lda, args.stride_a, args.batch,
                      true, "a", "lda", "stride_a"),
      resolve_operand("B", args.b, tb ? args.n : args.k, tb ? args.k : args.n, args.ldb, args.stride_b, args.batch,
                      true, "b", "ldb", "stride_b"),
      resolve_operand("C", args.c, args.m, args.n, args.ldc, args.stride_c, args.batch, false, "c", "ldc", "stride_c")};
}

}  // namespace

CublasHandle::~CublasHandle() {
  if (handle_ != nullptr) cublasDestroy(handle_);
}

CublasHandle::CublasHandle(CublasHandle&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), device_(std::exchange(other.device_, -1)) {}

CublasHandle& CublasHandle::operator=(CublasHandle&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) cublasDestroy(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    device_ = std::exchange(other.device_, -1);
  }
  return *this;
}

cublasHandle_t CublasHandle::get() {
  if (handle_ == nullptr) {
    const int device = current_device();
    cublasHandle_t handle = nullptr;
    check_cublas(cublasCreate(&handle), "cublasCreate");
    handle_ = handle;
    device_ = device;
    // alpha and beta are passed by host pointer.
    check_cublas(cublasSetPointerMode(handle_, CUBLAS_POINTER_MODE_HOST), "cublasSetPointerMode");
  }
  return handle_;
}

void CublasHandle::set_stream(cudaStream_t stream) {
  get();
  detail::require_current_device(device_, "kdash::backends::cuda::CublasHandle");
  check_cublas(cublasSetStream(handle_, stream), "cublasSetStream");
}

void validate_gemm_args(const GemmArgs& args) { resolve(args); }

void gemm_strided_batched(CublasHandle& handle, cudaStream_t stream, const GemmArgs& args) {
  const Resolved r = resolve(args);
  if (args.batch == 0 || args.m == 0 || args.n == 0) return;

  // cuBLAS is column-major. A row-major m x n C viewed column-major is C^T (n x m, same leading dimension), and
  // C^T = op(B)^T * op(A)^T: so call cuBLAS with the operands swapped (B first, with op_b; then A, with op_a) and
  // m, n exchanged. Each row-major operand read column-major is its own transpose, which is exactly what the swapped
  // product needs, so neither op flag changes and no data moves.
  // With k == 0 the product is empty and cuBLAS only scales C by beta; it reads neither A nor B, which may then be
  // null, so hand it C's address as a stand-in.
  const void* a = args.k == 0 ? args.c : r.a.data;
  const void* b = args.k == 0 ? args.c : r.b.data;

  // Scalars in the compute precision: fp64 for f64 GEMMs, fp32 for every other (cuBLAS's scale type).
  const bool f64 = args.input_type == DataType::f64;
  const double alpha64 = args.alpha, beta64 = args.beta;
  const float alpha32 = static_cast<float>(args.alpha), beta32 = static_cast<float>(args.beta);
  const void* alpha = f64 ? static_cast<const void*>(&alpha64) : static_cast<const void*>(&alpha32);
  const void* beta = f64 ? static_cast<const void*>(&beta64) : static_cast<const void*>(&beta32);
  const cublasComputeType_t compute =
      f64 ? CUBLAS_COMPUTE_64F : (args.allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F);
  const cudaDataType in = cuda_data_type(args.input_type);
  const cudaDataType out = cuda_data_type(args.output_type);

  handle.set_stream(stream);
  check_cublas(cublasGemmStridedBatchedEx(
                   handle.get(), cublas_op(args.op_b), cublas_op(args.op_a), static_cast<int>(args.n),
                   static_cast<int>(args.m), static_cast<int>(args.k), alpha, b, in, static_cast<int>(r.b.ld),
                   r.b.stride, a, in, static_cast<int>(r.a.ld), r.a.stride, beta, args.c, out, static_cast<int>(r.c.ld),
                   r.c.stride, static_cast<int>(args.batch), compute, CUBLAS_GEMM_DEFAULT),
               "cublasGemmStridedBatchedEx");
}

}  // namespace kdash::backends::cuda
