// Element types of the device buffers the HIP adapters read and write: the vendor-neutral DataType, shared with the
// CUDA adapters (kdash/backends/vendor/data_type.hpp).
#pragma once

#include <kdash/backends/vendor/data_type.hpp>

namespace kdash::backends::hip {

using vendor::DataType;

}  // namespace kdash::backends::hip
