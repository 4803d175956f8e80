// The one checksum of kdash: 64-bit FNV-1a, for checkpoint payloads (kdash/checkpoint.hpp) and for the hashes ranks
// compare before they agree on a configuration (design.md §5). Not cryptographic: it detects accidents, not attacks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kdash::io {

inline constexpr std::uint64_t kFnv1aOffset = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t kFnv1aPrime = 0x100000001b3ull;

// FNV-1a of n bytes, continuing from `h` (the offset basis starts a new sum).
inline std::uint64_t fnv1a64(const void* data, std::size_t n, std::uint64_t h = kFnv1aOffset) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= kFnv1aPrime;
  }
  return h;
}

inline std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = kFnv1aOffset) {
  return fnv1a64(bytes.data(), bytes.size(), h);
}

}  // namespace kdash::io
