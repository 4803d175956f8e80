// Element types of the device buffers the CUDA adapters read and write: the vendor-neutral DataType, shared with the
// HIP adapters (kdash/backends/vendor/data_type.hpp).
#pragma once

#include <kdash/backends/vendor/data_type.hpp>

namespace kdash::backends::cuda {

using vendor::DataType;

}  // namespace kdash::backends::cuda
