// The tool's --seed options, parsed strictly: CLI11 would wrap -1 to 2^64 - 1 and saturate 10^20 to it, two
// different seeds silently becoming the same one.
#pragma once

#include <cstdint>
#include <string>

namespace kdash::tools {

// An integer in [0, 2^64 - 1] written in decimal, nothing else (UsageError naming --seed otherwise).
std::uint64_t parse_seed(const std::string& text);

}  // namespace kdash::tools
