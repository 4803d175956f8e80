// What CUDA this process sees: device count and library versions, all answerable without a GPU.
#pragma once

#include <string>

namespace kdash::backends::cuda {

// Number of CUDA devices; 0 (instead of an error) when there is no driver or no device.
int device_count_or_zero() noexcept;

// The device current on the calling host thread. Throws VendorError when there is none.
int current_device();

// "NVIDIA H100 80GB HBM3, 132 SMs, 79.1 GiB" for the current device; "no CUDA device" when there is none.
std::string current_device_description();

// One line naming every library version this build uses, e.g.
// "CUDA runtime 13.0 (built with 13.0), driver none, cuBLAS 13.1.0, cuSOLVER 12.0.4, NCCL 2.28.9".
// Needs no GPU and no driver.
std::string toolkit_versions();

namespace detail {

// Throws std::logic_error when the current device is not `device`, the one `owner` (a vendor handle) was created on:
// cuBLAS/cuSOLVER handles belong to the device that was current when they were created.
void require_current_device(int device, const char* owner);

}  // namespace detail
}  // namespace kdash::backends::cuda
