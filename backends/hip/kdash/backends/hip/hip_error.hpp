// Turning HIP runtime, rocBLAS/rocSOLVER and RCCL status codes into exceptions that name the failed call.
// NOT COMPILED on the machine this was written on (no ROCm there): written from the documented APIs.
#pragma once

#include <hip/hip_runtime_api.h>
#include <rocblas/rocblas.h>
#if KDASH_HIP_ADAPTERS_HAVE_RCCL
#include <rccl/rccl.h>
#endif

#include <stdexcept>
#include <string>

namespace kdash::backends::hip {

// A vendor library reported a failure: what() reads "<call> failed: <status> (<description>)".
class VendorError : public std::runtime_error {
 public:
  VendorError(const std::string& what, int status) : std::runtime_error(what), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

void check_hip(hipError_t status, const char* call);
// rocSOLVER reports rocblas_status too.
void check_rocblas(rocblas_status status, const char* call);
#if KDASH_HIP_ADAPTERS_HAVE_RCCL
void check_rccl(ncclResult_t status, const char* call);
#endif

namespace detail {

// Throws std::invalid_argument("<function>: invalid argument '<argument>': <why>").
[[noreturn]] void throw_invalid_argument(const char* function, const char* argument, const std::string& why);

}  // namespace detail
}  // namespace kdash::backends::hip
