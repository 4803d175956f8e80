// What CUDA this process sees, answerable without a GPU.
#pragma once

#include <string>

namespace kdash::backends::cuda {

// Number of CUDA devices; 0 (instead of an error) when there is no driver or no device.
int device_count_or_zero() noexcept;

// "NVIDIA H100 80GB HBM3, 132 SMs, 79.1 GiB" for the current device; "no CUDA device" when there is none.
std::string current_device_description();

}  // namespace kdash::backends::cuda
