// Fuzz entry point of the .npy reader (kdash::io::read_npy). Contract: a file is either rejected with a
// std::runtime_error that names it, or accepted as an array whose element count is the product of its shape, whose
// data fits in the file, and which write_npy writes back and read_npy reads again to the same shape, type and bits.
#include <kdash/io/npy.hpp>

#include "fuzz_contract.hpp"
#include "scratch_directory.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace {

using kdash::fuzz::violation;
using kdash::io::NpyArray;
using kdash::io::NpyType;

std::size_t item_bytes(NpyType t) { return t == NpyType::f32 ? 4 : 8; }

void check_round_trip(const NpyArray& a) {
  const auto& dir = kdash::fuzz::ScratchDirectory::instance();
  const std::string copy = dir.path("round_trip.npy");
  if (a.type == NpyType::f32) {
    const std::vector<float> values(a.data.begin(), a.data.end());  // exact: the values were float32
    kdash::io::write_npy(copy, a.shape, values.data());
  } else {
    kdash::io::write_npy(copy, a.shape, a.data.data());
  }
  const NpyArray b = kdash::io::read_npy(copy);
  if (b.shape != a.shape || b.type != a.type) violation("write_npy + read_npy changed the shape or type");
  if (b.data.size() != a.data.size() ||
      (!a.data.empty() && std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(double)) != 0))
    violation("write_npy + read_npy changed the values");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = kdash::fuzz::ScratchDirectory::instance().write("input.npy", data, size);
  NpyArray a;
  if (!kdash::fuzz::accepted<std::runtime_error>(
          "read_npy", [&] { a = kdash::io::read_npy(path); }, path)) {
    kdash::fuzz::reject();
    return 0;
  }
  std::size_t count = 1;
  // Exact: without a zero extent the product is at most the file size; with one it is 0 (unsigned arithmetic).
  for (std::size_t d : a.shape) count *= d;
  if (count != a.size()) violation("the element count differs from the product of the shape " + a.shape_string());
  if (count * item_bytes(a.type) > size) violation("accepted more data than the file holds");
  kdash::fuzz::must_succeed("write_npy + read_npy of an accepted array", [&] { check_round_trip(a); });
  kdash::fuzz::accept();
  return 0;
}
