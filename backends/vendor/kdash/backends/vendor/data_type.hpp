// Element types of the device buffers the vendor adapters (CUDA and HIP alike) read and write.
#pragma once

#include <cstddef>

namespace kdash::backends::vendor {

enum class DataType { f32, f16, bf16, f64 };

// Bytes per element; 0 for a value outside the enumeration.
constexpr std::size_t size_of(DataType type) noexcept {
  switch (type) {
    case DataType::f32:
      return 4;
    case DataType::f16:
    case DataType::bf16:
      return 2;
    case DataType::f64:
      return 8;
  }
  return 0;
}

// "f32", "f16", "bf16", "f64"; "invalid" for a value outside the enumeration.
constexpr const char* to_string(DataType type) noexcept {
  switch (type) {
    case DataType::f32:
      return "f32";
    case DataType::f16:
      return "f16";
    case DataType::bf16:
      return "bf16";
    case DataType::f64:
      return "f64";
  }
  return "invalid";
}

}  // namespace kdash::backends::vendor
