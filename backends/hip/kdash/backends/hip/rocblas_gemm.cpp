#include <kdash/backends/hip/library_error.hpp>
#include <kdash/backends/hip/rocblas_gemm.hpp>

namespace kdash::backends::hip {
namespace {

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
  return rocblas_datatype_f32_r;  // unreachable after validation
}

rocblas_operation rocblas_op(Op op) { return op == Op::N ? rocblas_operation_none : rocblas_operation_transpose; }

}  // namespace

Rocblas::Handle Rocblas::create() {
  Handle handle = nullptr;
  check_rocblas(rocblas_create_handle(&handle), "rocblas_create_handle");
  const rocblas_status status = rocblas_set_pointer_mode(handle, rocblas_pointer_mode_host);
  if (status != rocblas_status_success) rocblas_destroy_handle(handle);
  check_rocblas(status, "rocblas_set_pointer_mode");
  return handle;
}

void Rocblas::set_stream(Handle handle, Stream stream) {
  check_rocblas(rocblas_set_stream(handle, stream), "rocblas_set_stream");
}

void Rocblas::destroy(Handle handle) noexcept { rocblas_destroy_handle(handle); }

void Rocblas::gemm(Handle handle, const GemmArgs& g, const vendor::ResolvedGemm& r,
                   const vendor::GemmScalars& scalars) {
  // The operands swapped, m and n exchanged: see kdash/backends/vendor/gemm_strided_batched.hpp. D = C (in place):
  // rocBLAS allows d == c with identical ld and stride.
  const rocblas_datatype in = rocblas_type(g.input_type), out = rocblas_type(g.output_type);
  const rocblas_datatype compute = scalars.f64() ? rocblas_datatype_f64_r : rocblas_datatype_f32_r;
  check_rocblas(
      rocblas_gemm_strided_batched_ex(
          handle, rocblas_op(g.op_b), rocblas_op(g.op_a), static_cast<rocblas_int>(g.n), static_cast<rocblas_int>(g.m),
          static_cast<rocblas_int>(g.k), scalars.alpha(), r.b.data, in, static_cast<rocblas_int>(r.b.ld), r.b.stride,
          r.a.data, in, static_cast<rocblas_int>(r.a.ld), r.a.stride, scalars.beta(), g.c, out,
          static_cast<rocblas_int>(r.c.ld), r.c.stride, g.c, out, static_cast<rocblas_int>(r.c.ld), r.c.stride,
          static_cast<rocblas_int>(g.batch), compute, rocblas_gemm_algo_standard, 0, rocblas_gemm_flags_none),
      "rocblas_gemm_strided_batched_ex");
}

}  // namespace kdash::backends::hip
