// What HIP this process sees. Needs only the HIP runtime (compiled and tested on the CPU machines kdash is developed
// on, against Debian's HIP 5.2).
#pragma once

#include <string>

namespace kdash::backends::hip {

// Number of HIP devices; 0 (instead of an error) when there is no driver or device.
int device_count_or_zero() noexcept;

// The HIP runtime's version as "major.minor.patch" (HIP encodes it as major * 10^7 + minor * 10^5 + patch), or
// "unknown".
std::string runtime_version();

}  // namespace kdash::backends::hip
