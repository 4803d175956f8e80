#include <kdash/backends/hip/library_error.hpp>

#include <string>

namespace kdash::backends::hip {

void check_rocblas(rocblas_status status, const char* call) {
  if (status == rocblas_status_success) return;
  vendor::throw_vendor_error(call, rocblas_status_to_string(status), "", static_cast<int>(status));
}

#if KDASH_HIP_ADAPTERS_HAVE_RCCL
void check_rccl(ncclResult_t status, const char* call) {
  if (status == ncclSuccess) return;
  vendor::throw_vendor_error(call, "ncclResult " + std::to_string(static_cast<int>(status)), ncclGetErrorString(status),
                             static_cast<int>(status));
}
#endif

}  // namespace kdash::backends::hip
