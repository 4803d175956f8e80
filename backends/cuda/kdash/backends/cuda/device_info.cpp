#include <kdash/backends/cuda/cuda_error.hpp>
#include <kdash/backends/cuda/device_info.hpp>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>
#include <library_types.h>
#if KDASH_CUDA_ADAPTERS_HAVE_NCCL
#include <nccl.h>
#endif

#include <cstdio>
#include <stdexcept>
#include <string>

namespace kdash::backends::cuda {
namespace {

// CUDA encodes versions as 1000 * major + 10 * minor.
std::string cuda_version(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

template <class Status, class GetProperty>
std::string library_version(GetProperty get_property, Status success) {
  int major = 0, minor = 0, patch = 0;
  if (get_property(MAJOR_VERSION, &major) != success || get_property(MINOR_VERSION, &minor) != success ||
      get_property(PATCH_LEVEL, &patch) != success) {
    return "unknown";
  }
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace

int device_count_or_zero() noexcept {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver / no device" error so later calls do not report it
    return 0;
  }
  return count;
}

int current_device() {
  int device = -1;
  check_cuda(cudaGetDevice(&device), "cudaGetDevice");
  return device;
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

std::string toolkit_versions() {
  std::string out = "CUDA runtime ";
  int runtime = 0;
  out += cudaRuntimeGetVersion(&runtime) == cudaSuccess ? cuda_version(runtime) : std::string("unknown");
  out += " (built with " + cuda_version(CUDART_VERSION) + "), driver ";
  int driver = 0;
  out += cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0 ? cuda_version(driver) : std::string("none");
  out += ", cuBLAS " + library_version(cublasGetProperty, CUBLAS_STATUS_SUCCESS);
  out += ", cuSOLVER " + library_version(cusolverGetProperty, CUSOLVER_STATUS_SUCCESS);
#if KDASH_CUDA_ADAPTERS_HAVE_NCCL
  int nccl = 0;
  if (ncclGetVersion(&nccl) == ncclSuccess) {
    // NCCL's code is 1000 * major + 100 * minor + patch up to 2.8, 10000 * major + 100 * minor + patch from 2.9.
    const int scale = nccl >= 20900 ? 10000 : 1000;
    out += ", NCCL " + std::to_string(nccl / scale) + "." + std::to_string((nccl % scale) / 100) + "." +
           std::to_string(nccl % 100);
  } else {
    out += ", NCCL unknown";
  }
#else
  out += ", NCCL not built";
#endif
  cudaGetLastError();  // the driver query may leave a sticky error on a machine without a driver
  return out;
}

namespace detail {

void require_current_device(int device, const char* owner) {
  const int current = current_device();
  if (current != device) {
    throw std::logic_error(std::string(owner) + ": created on CUDA device " + std::to_string(device) +
                           " but used while device " + std::to_string(current) + " is current");
  }
}

}  // namespace detail
}  // namespace kdash::backends::cuda
