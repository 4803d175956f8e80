#include <kdash/backends/hip/hip_error.hpp>

namespace kdash::backends::hip {

void check_hip(hipError_t status, const char* call) {
  if (status == hipSuccess) return;
  vendor::throw_vendor_error(call, hipGetErrorName(status), hipGetErrorString(status), static_cast<int>(status));
}

}  // namespace kdash::backends::hip
