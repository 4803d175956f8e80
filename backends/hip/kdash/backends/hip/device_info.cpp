#include <kdash/backends/hip/device_info.hpp>

#include <hip/hip_runtime_api.h>

#include <string>

namespace kdash::backends::hip {

int device_count_or_zero() noexcept {
  int count = 0;
  if (hipGetDeviceCount(&count) != hipSuccess) {
    (void)hipGetLastError();  // clear the error so later calls do not report it
    return 0;
  }
  return count;
}

std::string runtime_version() {
  int v = 0;
  if (hipRuntimeGetVersion(&v) != hipSuccess || v <= 0) {
    (void)hipGetLastError();
    return "unknown";
  }
  return std::to_string(v / 10000000) + "." + std::to_string(v / 100000 % 100) + "." + std::to_string(v % 100000);
}

}  // namespace kdash::backends::hip
