#include <kdash/backends/hip/device_info.hpp>
#include <kdash/backends/hip/toolkit_versions.hpp>

#include <rocblas/rocblas.h>
#include <rocsolver/rocsolver.h>
#if KDASH_HIP_ADAPTERS_HAVE_RCCL
#include <rccl/rccl.h>
#endif

#include <string>

namespace kdash::backends::hip {

std::string toolkit_versions() {
  std::string out = "HIP runtime " + runtime_version();
  char buffer[128] = {};
  out += ", rocBLAS ";
  out += rocblas_get_version_string(buffer, sizeof buffer) == rocblas_status_success ? buffer : "unknown";
  buffer[0] = '\0';
  out += ", rocSOLVER ";
  out += rocsolver_get_version_string(buffer, sizeof buffer) == rocblas_status_success ? buffer : "unknown";
#if KDASH_HIP_ADAPTERS_HAVE_RCCL
  int rccl = 0;
  out += ", RCCL " + (ncclGetVersion(&rccl) == ncclSuccess ? std::to_string(rccl) : std::string("unknown"));
#else
  out += ", RCCL not built";
#endif
  return out;
}

}  // namespace kdash::backends::hip
