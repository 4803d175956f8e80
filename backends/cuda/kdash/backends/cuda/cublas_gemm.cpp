#include <kdash/backends/cuda/cublas_gemm.hpp>
#include <kdash/backends/cuda/cuda_error.hpp>

namespace kdash::backends::cuda {
namespace {

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

}  // namespace

Cublas::Handle Cublas::create() {
  Handle handle = nullptr;
  check_cublas(cublasCreate(&handle), "cublasCreate");
  const cublasStatus_t status = cublasSetPointerMode(handle, CUBLAS_POINTER_MODE_HOST);
  if (status != CUBLAS_STATUS_SUCCESS) cublasDestroy(handle);
  check_cublas(status, "cublasSetPointerMode");
  return handle;
}

void Cublas::set_stream(Handle handle, Stream stream) {
  check_cublas(cublasSetStream(handle, stream), "cublasSetStream");
}

void Cublas::destroy(Handle handle) noexcept { cublasDestroy(handle); }

void Cublas::gemm(Handle handle, const GemmArgs& args, const vendor::ResolvedGemm& r,
                  const vendor::GemmScalars& scalars) {
  // The operands swapped, m and n exchanged: see kdash/backends/vendor/gemm_strided_batched.hpp.
  const cublasComputeType_t compute =
      scalars.f64() ? CUBLAS_COMPUTE_64F : (args.allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F);
  const cudaDataType in = cuda_data_type(args.input_type);
  const cudaDataType out = cuda_data_type(args.output_type);
  check_cublas(
      cublasGemmStridedBatchedEx(handle, cublas_op(args.op_b), cublas_op(args.op_a), static_cast<int>(args.n),
                                 static_cast<int>(args.m), static_cast<int>(args.k), scalars.alpha(), r.b.data, in,
                                 static_cast<int>(r.b.ld), r.b.stride, r.a.data, in, static_cast<int>(r.a.ld),
                                 r.a.stride, scalars.beta(), args.c, out, static_cast<int>(r.c.ld), r.c.stride,
                                 static_cast<int>(args.batch), compute, CUBLAS_GEMM_DEFAULT),
      "cublasGemmStridedBatchedEx");
}

}  // namespace kdash::backends::cuda
