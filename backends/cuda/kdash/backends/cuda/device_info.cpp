#include <kdash/backends/cuda/device_info.hpp>

#include <cuda_runtime_api.h>

#include <cstdio>
#include <string>

namespace kdash::backends::cuda {

int device_count_or_zero() noexcept {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver / no device" error so later calls do not report it
    return 0;
  }
  return count;
}

std::string current_device_description() {
  int device = -1;
  cudaDeviceProp prop{};
  if (device_count_or_zero() == 0 || cudaGetDevice(&device) != cudaSuccess ||
      cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    cudaGetLastError();
    return "no CUDA device";
  }
  char memory[32];
  std::snprintf(memory, sizeof memory, "%.1f GiB", double(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
  return std::string(prop.name) + ", " + std::to_string(prop.multiProcessorCount) + " SMs, " + memory;
}

}  // namespace kdash::backends::cuda
