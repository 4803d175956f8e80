// rocBLAS/rocSOLVER and RCCL status codes as exceptions that name the failed call (HIP runtime ones: hip_error.hpp).
// NOT COMPILED on the machines this was written on: Debian 12 has the HIP runtime but not rocBLAS, rocSOLVER or RCCL.
#pragma once

#include <kdash/backends/hip/hip_error.hpp>

#include <rocblas/rocblas.h>
#if KDASH_HIP_ADAPTERS_HAVE_RCCL
#include <rccl/rccl.h>
#endif

namespace kdash::backends::hip {

// rocSOLVER reports rocblas_status too.
void check_rocblas(rocblas_status status, const char* call);
#if KDASH_HIP_ADAPTERS_HAVE_RCCL
void check_rccl(ncclResult_t status, const char* call);
#endif

}  // namespace kdash::backends::hip
