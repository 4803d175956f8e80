// The checkpoint file of kdash::Optimizer::save/load (SPEC §4), and a reader of its header for tools.
//
// Layout (little-endian): "KDASHCKP", u32 format version, u32 0, u64 payload bytes, u64 FNV-1a-64 checksum of the
// payload; payload: u64 length + JSON header {format, kdash_version, step, root_calls, config, params}, u64 record
// count, records {u32 key length, key "<param>#<block>/<field>", u8 type (0 float32, 1 int64), u32 rank, u64 dims,
// raw values}. Records are keyed by parameter name and block index, never by stack position, so a checkpoint
// reloads under any stacking mode (and, with a distributed optimizer, any rank count).
#pragma once

#include <kdash/optimizer_config.hpp>
#include <kdash/param_spec.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kdash {

inline constexpr std::uint32_t kCheckpointFormatVersion = 1;

struct CheckpointInfo {
  std::uint32_t format_version = 0;
  std::string kdash_version;
  std::int64_t step = 0;
  Config config;
  std::vector<ParamSpec> params;
};

// Validates the file (magic, version, size, checksum) and returns its header; std::runtime_error naming the file
// and the problem otherwise.
CheckpointInfo inspect_checkpoint(const std::string& path);

}  // namespace kdash
