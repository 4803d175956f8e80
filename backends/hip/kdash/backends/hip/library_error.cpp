#include <kdash/backends/hip/library_error.hpp>

namespace kdash::backends::hip {

void check_rocblas(rocblas_status status, const char* call) {
  if (status == rocblas_status_success) return;
  vendor::throw_vendor_error(call, rocblas_status_to_string(status), "", static_cast<int>(status));
}

}  // namespace kdash::backends::hip
