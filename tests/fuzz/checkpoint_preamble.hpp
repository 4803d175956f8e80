// The 32-byte preamble of a kdash checkpoint (see kdash/checkpoint.hpp): "KDASHCKP", u32 format version, u32 0,
// u64 payload bytes, u64 FNV-1a-64 checksum of the payload. The checkpoint fuzz target's mutator and the seed
// generator restamp it so that a modified payload gets past the checksum and reaches the parser behind it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kdash::fuzz {

inline constexpr std::size_t kCheckpointPreambleBytes = 32;
inline constexpr char kCheckpointMagic[8] = {'K', 'D', 'A', 'S', 'H', 'C', 'K', 'P'};

inline std::uint64_t fnv1a64(const unsigned char* data, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

// Sets the payload size and checksum of the checkpoint in data[0, size) to those of its payload (little-endian
// host). Returns false, changing nothing, if it does not start with the magic string and a full preamble.
inline bool restamp_checkpoint_preamble(unsigned char* data, std::size_t size) {
  if (size < kCheckpointPreambleBytes || std::memcmp(data, kCheckpointMagic, 8) != 0) return false;
  const std::uint64_t payload = size - kCheckpointPreambleBytes;
  const std::uint64_t checksum = fnv1a64(data + kCheckpointPreambleBytes, payload);
  std::memcpy(data + 16, &payload, 8);
  std::memcpy(data + 24, &checksum, 8);
  return true;
}

}  // namespace kdash::fuzz
