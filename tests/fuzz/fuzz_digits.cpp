// Fuzz entry point of `kdash train`'s data reader (kdash::tools::train::load_digits, a gzip-compressed or plain CSV
// given with --data). Contract: a file is either rejected with a std::runtime_error that names it, or accepted as a
// data set of at least one sample whose 64 features per sample are pixels 0..16 scaled to [0, 1] and whose labels are
// 0..9, with at most one sample per line of the file.
#include "train/digits_dataset.hpp"

#include "fuzz_contract.hpp"
#include "scratch_directory.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace {

using kdash::fuzz::violation;

void check_dataset(const kdash::tools::train::Dataset& d, const std::uint8_t* data, std::size_t size) {
  if (d.features != 64 || d.size() < 1 || d.x.size() != std::size_t(d.size()) * 64) {
    violation("an accepted data set has " + std::to_string(d.x.size()) + " features for " + std::to_string(d.size()) +
              " samples");
  }
  for (const float v : d.x)
    if (!(v >= 0.0f && v <= 1.0f)) violation("a feature outside [0, 1]: " + std::to_string(v));
  for (const int y : d.y)
    if (y < 0 || y > 9) violation("a label outside 0..9: " + std::to_string(y));
  // Plain input: a sample per non-empty line at most (compressed input can hold more lines than bytes).
  if (size < 2 || data[0] != 0x1f || data[1] != 0x8b) {
    if (std::size_t(d.size()) > std::size_t(std::count(data, data + size, '\n')) + 1)
      violation("more samples than lines");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = kdash::fuzz::ScratchDirectory::instance().write("input.csv", data, size);
  kdash::tools::train::Dataset d;
  if (!kdash::fuzz::accepted<std::runtime_error>(
          "load_digits", [&] { d = kdash::tools::train::load_digits(path); }, path)) {
    kdash::fuzz::reject();
    return 0;
  }
  kdash::fuzz::must_succeed("checking an accepted data set", [&] { check_dataset(d, data, size); });
  kdash::fuzz::accept();
  return 0;
}
