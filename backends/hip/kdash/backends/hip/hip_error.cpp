#include <kdash/backends/hip/hip_error.hpp>

#include <string>

namespace kdash::backends::hip {
namespace {

[[noreturn]] void fail(const char* call, const std::string& name, const std::string& description, int status) {
  std::string what = std::string(call) + " failed: " + name;
  if (!description.empty()) what += " (" + description + ")";
  throw VendorError(what, status);
}

}  // namespace

void check_hip(hipError_t status, const char* call) {
  if (status == hipSuccess) return;
  fail(call, hipGetErrorName(status), hipGetErrorString(status), static_cast<int>(status));
}

void check_rocblas(rocblas_status status, const char* call) {
  if (status == rocblas_status_success) return;
  fail(call, rocblas_status_to_string(status), "", static_cast<int>(status));
}

#if KDASH_HIP_ADAPTERS_HAVE_RCCL
void check_rccl(ncclResult_t status, const char* call) {
  if (status == ncclSuccess) return;
  fail(call, "ncclResult " + std::to_string(static_cast<int>(status)), ncclGetErrorString(status),
       static_cast<int>(status));
}
#endif

namespace detail {

void throw_invalid_argument(const char* function, const char* argument, const std::string& why) {
  throw std::invalid_argument(std::string(function) + ": invalid argument '" + argument + "': " + why);
}

}  // namespace detail
}  // namespace kdash::backends::hip
