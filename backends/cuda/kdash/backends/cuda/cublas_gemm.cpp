#include <kdash/backends/cuda/cublas_gemm.hpp>
#include <kdash/backends/cuda/cuda_error.hpp>
#include <kdash/backends/cuda/device_info.hpp>

#include <utility>

namespace kdash::backends::cuda {
namespace {

constexpr const char* kFunction = "kdash::backends::cuda::gemm_strided_batched";

vendor::ResolvedGemm resolve(const GemmArgs& args) { return vendor::resolve_gemm_args(args, kFunction, "cuBLAS"); }

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
  const vendor::ResolvedGemm r = resolve(args);
  if (args.batch == 0 || args.m == 0 || args.n == 0) return;

  // cuBLAS is column-major. A row-major m x n C viewed column-major is C^T (n x m, same leading dimension), and
  // C^T = op(B)^T * op(A)^T: so call cuBLAS with the operands swapped (B first, with op_b; then A, with op_a) and
  // m, n exchanged. Each row-major operand read column-major is its own transpose, which is exactly what the swapped
  // product needs, so neither op flag changes and no data moves.
  // With k == 0 cuBLAS only scales C and reads neither A nor B: r.a.data and r.b.data hold C's address then.
  const vendor::GemmScalars scalars(args);
  const cublasComputeType_t compute =
      scalars.f64() ? CUBLAS_COMPUTE_64F : (args.allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F);
  const cudaDataType in = cuda_data_type(args.input_type);
  const cudaDataType out = cuda_data_type(args.output_type);

  handle.set_stream(stream);
  check_cublas(
      cublasGemmStridedBatchedEx(handle.get(), cublas_op(args.op_b), cublas_op(args.op_a), static_cast<int>(args.n),
                                 static_cast<int>(args.m), static_cast<int>(args.k), scalars.alpha(), r.b.data, in,
                                 static_cast<int>(r.b.ld), r.b.stride, r.a.data, in, static_cast<int>(r.a.ld),
                                 r.a.stride, scalars.beta(), args.c, out, static_cast<int>(r.c.ld), r.c.stride,
                                 static_cast<int>(args.batch), compute, CUBLAS_GEMM_DEFAULT),
      "cublasGemmStridedBatchedEx");
}

}  // namespace kdash::backends::cuda
