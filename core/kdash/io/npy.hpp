// NumPy .npy files (format versions 1.0, 2.0 and 3.0): the exchange format of the kdash tool (SPEC §8).
// Reads C-order float32/float64 arrays in either byte order; rejects everything else (Fortran order, other dtypes,
// object arrays, truncated or malformed files) with a std::runtime_error that names the file and the problem.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kdash::io {

enum class NpyType { f32, f64 };

struct NpyArray {
  std::vector<std::size_t> shape;
  NpyType type = NpyType::f64;  // the type stored in the file
  std::vector<double> data;     // the values in C order (float32 values convert exactly)

  std::size_t size() const { return data.size(); }
  std::string shape_string() const;  // "(3, 4)"
};

NpyArray read_npy(const std::string& path);

// Writes little-endian C-order arrays atomically (a temporary file renamed into place).
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const float* data);
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const double* data);

}  // namespace kdash::io
