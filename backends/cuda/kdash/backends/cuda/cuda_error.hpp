// Turning the status codes of the CUDA runtime, cuBLAS, cuSOLVER and NCCL into exceptions that name the failed call.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>
#if KDASH_CUDA_ADAPTERS_HAVE_NCCL
#include <nccl.h>
#endif

#include <stdexcept>
#include <string>

namespace kdash::backends::cuda {

// A vendor library reported a failure. what() reads "<call> failed: <STATUS_NAME> (<description>)"; status() is the
// library's raw status code, so failure-injection tests can tell e.g. an allocation failure from a bad value.
class VendorError : public std::runtime_error {
 public:
  VendorError(const std::string& what, int status) : std::runtime_error(what), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

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

// Throws std::invalid_argument("<function>: invalid argument '<argument>': <why>"). The adapters validate every
// argument on the host before the first CUDA call, so a bad call fails the same way with or without a GPU.
[[noreturn]] void throw_invalid_argument(const char* function, const char* argument, const std::string& why);

}  // namespace detail
}  // namespace kdash::backends::cuda
