// rocBLAS/rocSOLVER status codes as exceptions that name the failed call (HIP runtime ones: hip_error.hpp; RCCL's:
// the communicator shared with NCCL, kdash/backends/vendor/impl/ccl_communicator.hpp).
#pragma once

#include <kdash/backends/hip/hip_error.hpp>

#include <rocblas/rocblas.h>

namespace kdash::backends::hip {

// rocSOLVER reports rocblas_status too.
void check_rocblas(rocblas_status status, const char* call);

}  // namespace kdash::backends::hip
