// Turning the status codes of the CUDA runtime, cuBLAS, cuSOLVER and NCCL into exceptions that name the failed call.
#pragma once

#include <kdash/backends/vendor/vendor_error.hpp>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>
#if KDASH_CUDA_ADAPTERS_HAVE_NCCL
#include <nccl.h>
#endif

#include <string>

namespace kdash::backends::cuda {

// A vendor library reported a failure: kdash/backends/vendor/vendor_error.hpp, the same type for every vendor.
using vendor::VendorError;

// Each check returns when `status` is success and throws VendorError otherwise; `call` names the vendor function.
void check_cuda(cudaError_t status, const char* call);
void check_cublas(cublasStatus_t status, const char* call);
void check_cusolver(cusolverStatus_t status, const char* call);
#if KDASH_CUDA_ADAPTERS_HAVE_NCCL
void check_nccl(ncclResult_t status, const char* call);
#endif

// Enumerator names ("CUBLAS_STATUS_INVALID_VALUE"), also for codes newer than this file ("cuBLAS status 42").
std::string cublas_status_name(cublasStatus_t status);
std::string cusolver_status_name(cusolverStatus_t status);

namespace detail {

// Throws std::invalid_argument("<function>: invalid argument '<argument>': <why>").
using vendor::detail::throw_invalid_argument;

}  // namespace detail
}  // namespace kdash::backends::cuda
