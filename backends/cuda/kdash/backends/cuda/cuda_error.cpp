#include <kdash/backends/cuda/cuda_error.hpp>

#include <string>

namespace kdash::backends::cuda {
namespace {

// cuBLAS and cuSOLVER have no description call in every supported toolkit; these are the meanings their manuals give.
const char* cublas_status_description(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "the cuBLAS library was not initialized";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "resource allocation failed inside cuBLAS";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "an unsupported value or parameter was passed to the function";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "the function requires a feature absent from the device architecture";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "an access to GPU memory space failed";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "the GPU program failed to execute";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "an internal cuBLAS operation failed";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "the functionality requested is not supported";
    default:
      return "";
  }
}

const char* cusolver_status_description(cusolverStatus_t status) {
  switch (status) {
    case CUSOLVER_STATUS_NOT_INITIALIZED:
      return "the cuSOLVER library was not initialized";
    case CUSOLVER_STATUS_ALLOC_FAILED:
      return "resource allocation failed inside cuSOLVER";
    case CUSOLVER_STATUS_INVALID_VALUE:
      return "an unsupported value or parameter was passed to the function";
    case CUSOLVER_STATUS_ARCH_MISMATCH:
      return "the function requires a feature absent from the device architecture";
    case CUSOLVER_STATUS_EXECUTION_FAILED:
      return "the GPU program failed to execute";
    case CUSOLVER_STATUS_INTERNAL_ERROR:
      return "an internal cuSOLVER operation failed";
    case CUSOLVER_STATUS_NOT_SUPPORTED:
      return "the functionality requested is not supported";
    case CUSOLVER_STATUS_INVALID_WORKSPACE:
      return "the workspace is too small or misaligned";
    default:
      return "";
  }
}

std::string cublas_status_name(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS:
      return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR:
      return "CUBLAS_STATUS_LICENSE_ERROR";
    default:  // a code newer than this file
      break;
  }
  return "cuBLAS status " + std::to_string(static_cast<int>(status));
}

std::string cusolver_status_name(cusolverStatus_t status) {
  switch (status) {
    case CUSOLVER_STATUS_SUCCESS:
      return "CUSOLVER_STATUS_SUCCESS";
    case CUSOLVER_STATUS_NOT_INITIALIZED:
      return "CUSOLVER_STATUS_NOT_INITIALIZED";
    case CUSOLVER_STATUS_ALLOC_FAILED:
      return "CUSOLVER_STATUS_ALLOC_FAILED";
    case CUSOLVER_STATUS_INVALID_VALUE:
      return "CUSOLVER_STATUS_INVALID_VALUE";
    case CUSOLVER_STATUS_ARCH_MISMATCH:
      return "CUSOLVER_STATUS_ARCH_MISMATCH";
    case CUSOLVER_STATUS_MAPPING_ERROR:
      return "CUSOLVER_STATUS_MAPPING_ERROR";
    case CUSOLVER_STATUS_EXECUTION_FAILED:
      return "CUSOLVER_STATUS_EXECUTION_FAILED";
    case CUSOLVER_STATUS_INTERNAL_ERROR:
      return "CUSOLVER_STATUS_INTERNAL_ERROR";
    case CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED:
      return "CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED";
    case CUSOLVER_STATUS_NOT_SUPPORTED:
      return "CUSOLVER_STATUS_NOT_SUPPORTED";
    case CUSOLVER_STATUS_ZERO_PIVOT:
      return "CUSOLVER_STATUS_ZERO_PIVOT";
    case CUSOLVER_STATUS_INVALID_LICENSE:
      return "CUSOLVER_STATUS_INVALID_LICENSE";
    case CUSOLVER_STATUS_INVALID_WORKSPACE:
      return "CUSOLVER_STATUS_INVALID_WORKSPACE";
    default:  // the iterative-refinement (IRS) codes, none of which the adapters can produce
      break;
  }
  return "cuSOLVER status " + std::to_string(static_cast<int>(status));
}

}  // namespace

void check_cuda(cudaError_t status, const char* call) {
  if (status == cudaSuccess) return;
  vendor::throw_vendor_error(call, cudaGetErrorName(status), cudaGetErrorString(status), static_cast<int>(status));
}

void check_cublas(cublasStatus_t status, const char* call) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  vendor::throw_vendor_error(call, cublas_status_name(status), cublas_status_description(status),
                             static_cast<int>(status));
}

void check_cusolver(cusolverStatus_t status, const char* call) {
  if (status == CUSOLVER_STATUS_SUCCESS) return;
  vendor::throw_vendor_error(call, cusolver_status_name(status), cusolver_status_description(status),
                             static_cast<int>(status));
}

}  // namespace kdash::backends::cuda
