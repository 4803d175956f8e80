// The 32-byte preamble of a kdash checkpoint (see kdash/checkpoint.hpp): "KDASHCKP", u32 format version, u32 0,
// u64 payload bytes, u64 FNV-1a-64 checksum: of the payload in format 1; of the 24 preamble bytes before the checksum
// and then the payload in later formats. The checkpoint fuzz target's mutator and the seed generator restamp it so
// that a modified payload gets past the checksum and reaches the parser behind it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kdash::fuzz {

inline constexpr std::size_t kCheckpointPreambleBytes = 32;
inline constexpr char kCheckpointMagic[8] = {'K', 'D', 'A', 'S', 'H', 'C', 'K', 'P'};

inline std::uint64_t fnv1a64(const unsigned char* data, std::size_t n, std::uint64_t h = 0xcbf29ce484222325ull) {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

// Sets the payload size and checksum of the checkpoint in data[0, size) to match its payload, by the rule of the
// format version it carries (little-endian host). Returns false, changing nothing, if it does not start with the
// magic string and a full preamble.
inline bool restamp_checkpoint_preamble(unsigned char* data, std::size_t size) {
  if (size < kCheckpointPreambleBytes || std::memcmp(data, kCheckpointMagic, 8) != 0) return false;
  const std::uint64_t payload = size - kCheckpointPreambleBytes;
  std::memcpy(data + 16, &payload, 8);
  std::uint32_t version = 0;
  std::memcpy(&version, data + 8, 4);
  const std::uint64_t start = version == 1 ? fnv1a64(nullptr, 0) : fnv1a64(data, 24);
  const std::uint64_t checksum = fnv1a64(data + kCheckpointPreambleBytes, payload, start);
  std::memcpy(data + 24, &checksum, 8);
  return true;
}

}  // namespace kdash::fuzz
