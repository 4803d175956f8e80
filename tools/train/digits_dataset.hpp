// The UCI handwritten digits (data/digits/digits.csv.gz, see data/digits/LICENSE.md): 1,797 images of 8x8 pixels
// (0..16) with labels 0..9, read with zlib, and a fixed, seeded train/test split.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kdash::tools::train {

struct Dataset {
  int features = 0;
  std::vector<float> x;  // samples x features, row-major, pixels scaled to [0, 1]
  std::vector<int> y;    // labels 0..9
  int size() const { return static_cast<int>(y.size()); }
};

// Parses a gzip-compressed (or plain) CSV of `features` pixel columns in 0..16 followed by the label. Throws
// std::runtime_error naming the file and line for a missing file, a line with another number of values, a cell that
// is not wholly a finite number (an empty cell, also after a trailing comma; an embedded NUL byte), a pixel outside
// 0..16, a label outside 0..9, a line longer than 64 KiB, or a damaged or truncated compressed stream.
Dataset load_digits(const std::string& path, int features = 64);

// The default location: $KDASH_DIGITS, else data/digits/digits.csv.gz under the working directory, else under the
// source tree this tool was built from.
std::string default_digits_path();

struct Split {
  Dataset train, test;
};
// A stratification-free random split: a permutation of the samples from std::mt19937_64(seed) (Fisher-Yates with
// our own uniform draw, so it is the same on every standard library), the first round(test_fraction * N) of it
// for testing.
Split split_dataset(const Dataset& all, double test_fraction, std::uint64_t seed);

// A permutation of 0..n-1 drawn as split_dataset draws it (also used for the per-epoch mini-batch order).
std::vector<int> seeded_permutation(int n, std::uint64_t seed);

}  // namespace kdash::tools::train
