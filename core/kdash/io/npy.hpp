// NumPy .npy files (format versions 1.0, 2.0 and 3.0): the exchange format of the kdash tool.
// Reads C-order float32/float64 arrays in either byte order; rejects everything else (Fortran order, other dtypes,
// object arrays, truncated or malformed files, headers with a key missing, unknown or given twice) with a
// std::runtime_error that names the file and the problem. The size the header announces is checked against the file
// before anything is allocated.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kdash::io {

class OutputSet;

enum class NpyType { f32, f64 };

struct NpyArray {
  std::vector<std::size_t> shape;
  NpyType type = NpyType::f64;  // the type stored in the file
  std::vector<double> data;     // the values in C order (float32 values convert exactly)

  std::size_t size() const { return data.size(); }
  std::string shape_string() const;  // "(3, 4)"
};

NpyArray read_npy(const std::string& path);

// Writes a little-endian C-order array as one more output of `outputs`: it replaces `path` when the set is committed
// (kdash/io/output_set.hpp).
void write_npy(OutputSet& outputs, const std::string& path, const std::vector<std::size_t>& shape, const float* data);
void write_npy(OutputSet& outputs, const std::string& path, const std::vector<std::size_t>& shape, const double* data);
// The same for a single file, replaced atomically.
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const float* data);
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const double* data);

}  // namespace kdash::io
