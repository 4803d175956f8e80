#include "seed_option.hpp"

#include "command.hpp"

#include <charconv>

namespace kdash::tools {

std::uint64_t parse_seed(const std::string& text) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) {
    throw UsageError("--seed must be an integer in [0, 2^64 - 1], got '" + text + "'");
  }
  return v;
}

}  // namespace kdash::tools
