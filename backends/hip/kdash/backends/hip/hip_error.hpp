// Turning HIP runtime, rocBLAS/rocSOLVER and RCCL status codes into exceptions that name the failed call.
// NOT COMPILED on the machine this was written on (no ROCm there): written from the documented APIs.
#pragma once

#include <kdash/backends/vendor/vendor_error.hpp>

#include <hip/hip_runtime_api.h>
#include <rocblas/rocblas.h>
#if KDASH_HIP_ADAPTERS_HAVE_RCCL
#include <rccl/rccl.h>
#endif

namespace kdash::backends::hip {

// A vendor library reported a failure: kdash/backends/vendor/vendor_error.hpp, the same type for every vendor.
using vendor::VendorError;

void check_hip(hipError_t status, const char* call);
// rocSOLVER reports rocblas_status too.
void check_rocblas(rocblas_status status, const char* call);
#if KDASH_HIP_ADAPTERS_HAVE_RCCL
void check_rccl(ncclResult_t status, const char* call);
#endif

namespace detail {

// Throws std::invalid_argument("<function>: invalid argument '<argument>': <why>").
using vendor::detail::throw_invalid_argument;

}  // namespace detail
}  // namespace kdash::backends::hip
