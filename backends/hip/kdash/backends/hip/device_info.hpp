// What HIP this process sees. NOT COMPILED on the machine this was written on (no ROCm there).
#pragma once

#include <string>

namespace kdash::backends::hip {

// Number of HIP devices; 0 (instead of an error) when there is no driver or device.
int device_count_or_zero() noexcept;

// "HIP runtime <v>, rocBLAS <v>, rocSOLVER <v>, RCCL <v>"; needs no GPU.
std::string toolkit_versions();

}  // namespace kdash::backends::hip
