// Turning the status codes of the CUDA runtime, cuBLAS and cuSOLVER into exceptions that name the failed call (NCCL's:
// the communicator shared with RCCL, kdash/backends/vendor/impl/ccl_communicator.hpp).
#pragma once

#include <kdash/backends/vendor/vendor_error.hpp>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>

namespace kdash::backends::cuda {

// A vendor library reported a failure: kdash/backends/vendor/vendor_error.hpp, the same type for every vendor.
using vendor::VendorError;

// Each check returns when `status` is success and throws VendorError otherwise; `call` names the vendor function, the
// message the status by its enumerator ("CUBLAS_STATUS_INVALID_VALUE"), also for codes newer than this file
// ("cuBLAS status 42").
void check_cuda(cudaError_t status, const char* call);
void check_cublas(cublasStatus_t status, const char* call);
void check_cusolver(cusolverStatus_t status, const char* call);

namespace detail {

// Throws std::invalid_argument("<function>: invalid argument '<argument>': <why>").
using vendor::detail::throw_invalid_argument;

}  // namespace detail
}  // namespace kdash::backends::cuda
