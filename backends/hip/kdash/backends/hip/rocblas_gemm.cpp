#include <kdash/backends/hip/library_error.hpp>
#include <kdash/backends/hip/rocblas_gemm.hpp>

#include <utility>

namespace kdash::backends::hip {
namespace {

constexpr const char* kFunction = "kdash::backends::hip::gemm_strided_batched";

vendor::ResolvedGemm resolve(const GemmArgs& args) { return vendor::resolve_gemm_args(args, kFunction, "rocBLAS"); }

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
  const vendor::ResolvedGemm r = resolve(g);
  if (g.batch == 0 || g.m == 0 || g.n == 0) return;
  // Row-major C (m x n) read column-major is C^T = op(B)^T op(A)^T: swap the operands and m, n (see
  // docs/backends.md). With k == 0 rocBLAS only scales C; A and B are unread, r.a.data and r.b.data hold C's address.
  const vendor::GemmScalars scalars(g);
  const rocblas_datatype in = rocblas_type(g.input_type), out = rocblas_type(g.output_type);
  const rocblas_datatype compute = scalars.f64() ? rocblas_datatype_f64_r : rocblas_datatype_f32_r;
  handle.set_stream(stream);
  // D = C (in place): rocBLAS allows d == c with identical ld and stride.
  check_rocblas(rocblas_gemm_strided_batched_ex(
                    handle.get(), rocblas_op(g.op_b), rocblas_op(g.op_a), static_cast<rocblas_int>(g.n),
                    static_cast<rocblas_int>(g.m), static_cast<rocblas_int>(g.k), scalars.alpha(), r.b.data, in,
                    static_cast<rocblas_int>(r.b.ld), r.b.stride, r.a.data, in, static_cast<rocblas_int>(r.a.ld),
                    r.a.stride, scalars.beta(), g.c, out, static_cast<rocblas_int>(r.c.ld), r.c.stride, g.c, out,
                    static_cast<rocblas_int>(r.c.ld), r.c.stride, static_cast<rocblas_int>(g.batch), compute,
                    rocblas_gemm_algo_standard, 0, rocblas_gemm_flags_none),
                "rocblas_gemm_strided_batched_ex");
}

}  // namespace kdash::backends::hip
