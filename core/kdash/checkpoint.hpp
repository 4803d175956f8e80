// The checkpoint file of kdash::Optimizer::save/load, and a reader of its header for tools.
//
// Layout (little-endian): "KDASHCKP", u32 format version, u32 reserved (0), u64 payload bytes, u64 FNV-1a-64
// checksum; payload: u64 length + JSON header {format, kdash_version, step, root_calls, config, params}, u64 record
// count, records {u32 key length, key "<param>#<block>/<field>", u8 type (0 float32, 1 int64), u32 rank, u64 dims,
// raw values}. Records are keyed by parameter name and block index, never by stack position, so a checkpoint
// reloads under any stacking mode (and, with a distributed optimizer, any rank count).
//
// Format 2 (written) sums the 24 preamble bytes before the checksum and then the payload; format 1 (still read)
// summed the payload only. Both require the reserved word to be 0, the step and call counters to be integers in
// [0, 2^62], and the failure and skip counters of every block to lie between 0 and the step.
#pragma once

#include <kdash/optimizer_config.hpp>
#include <kdash/param_spec.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kdash {

inline constexpr std::uint32_t kCheckpointFormatVersion = 2;        // what save writes
inline constexpr std::uint32_t kOldestCheckpointFormatVersion = 1;  // the oldest load reads

struct CheckpointInfo {
  std::uint32_t format_version = 0;  // of the file
  std::string kdash_version;
  std::int64_t step = 0;
  Config config;
  std::vector<ParamSpec> params;
};

// Validates the file (magic, version, size, checksum) and returns its header; std::runtime_error naming the file
// and the problem otherwise.
CheckpointInfo inspect_checkpoint(const std::string& path);

}  // namespace kdash
