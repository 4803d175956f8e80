// Fuzz entry point of the `kdash bench` preset reader (kdash::tools::bench::parse_preset_json, a user's JSON file).
// Contract: a text is either rejected with a std::invalid_argument that names the file, or accepted as a preset the
// optimizer can take: at least one parameter, names non-empty and distinct, shapes of rank 1 or 2 with every
// dimension >= 1 and an element count that fits in 64 bits, and parameters and gradients within the memory budget
// given (64 MiB here, so that an accepted preset never asks for more).
#include "bench/model_preset.hpp"

#include "fuzz_contract.hpp"

#include <cstdint>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>

namespace {

namespace kb = kdash::tools::bench;
using kdash::fuzz::violation;

constexpr std::uint64_t kBudgetBytes = 64ull << 20;
const char* const kOrigin = "fuzz_preset.json";

void check_preset(const kb::ModelPreset& m) {
  if (m.params.empty()) violation("a preset without parameters was accepted");
  std::set<std::string> names;
  std::uint64_t elements = 0;
  for (const auto& p : m.params) {
    if (p.name.empty() || !names.insert(p.name).second) violation("empty or repeated parameter name '" + p.name + "'");
    if (p.shape.empty() || p.shape.size() > 2) violation("'" + p.name + "' has rank " + std::to_string(p.shape.size()));
    std::uint64_t count = 1;
    for (const std::int64_t d : p.shape) {
      if (d < 1) violation("'" + p.name + "' has a dimension " + std::to_string(d));
      if (count > std::numeric_limits<std::uint64_t>::max() / std::uint64_t(d))
        violation("'" + p.name + "' overflows 64 bits");
      count *= std::uint64_t(d);
    }
    if (count != std::uint64_t(p.numel())) violation("'" + p.name + "': numel() is not the product of the shape");
    elements += count;
    if (elements > kBudgetBytes / kb::kBytesPerElement) violation("an accepted preset exceeds the memory budget");
  }
  if (std::uint64_t(m.numel()) != elements) violation("the preset's numel() is not the sum of its parameters'");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  kb::ModelPreset m;
  const kb::MemoryBudget budget{kBudgetBytes, kBudgetBytes};
  if (!kdash::fuzz::accepted<std::invalid_argument>(
          "parse_preset_json", [&] { m = kb::parse_preset_json(text, kOrigin, budget); }, kOrigin)) {
    kdash::fuzz::reject();
    return 0;
  }
  kdash::fuzz::must_succeed("checking an accepted preset", [&] { check_preset(m); });
  kdash::fuzz::accept();
  return 0;
}
