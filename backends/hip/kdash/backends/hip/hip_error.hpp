// Turning HIP runtime status codes into exceptions that name the failed call. Needs only the HIP runtime headers
// (Debian's libamdhip64-dev has them): compiled and tested on the CPU machines kdash is developed on.
#pragma once

#include <kdash/backends/vendor/vendor_error.hpp>

#include <hip/hip_runtime_api.h>

namespace kdash::backends::hip {

// A vendor library reported a failure: kdash/backends/vendor/vendor_error.hpp, the same type for every vendor.
using vendor::VendorError;

void check_hip(hipError_t status, const char* call);

namespace detail {

// Throws std::invalid_argument("<function>: invalid argument '<argument>': <why>").
using vendor::detail::throw_invalid_argument;

}  // namespace detail
}  // namespace kdash::backends::hip
