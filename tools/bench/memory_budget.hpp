// The memory a `kdash bench` preset may ask for, checked before anything is allocated: a mistyped shape (a few
// digits too many) or a Llama shape with millions of layers is rejected with the numbers, instead of allocating until
// the machine runs out.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace kdash::tools::bench {

struct MemoryBudget {
  // Where the parameters and gradients live (the default execution space's memory).
  std::uint64_t parameter_bytes = std::numeric_limits<std::uint64_t>::max();
  // The host, which holds the preset's list of parameters and the optimizer's bookkeeping per parameter.
  std::uint64_t host_bytes = std::numeric_limits<std::uint64_t>::max();
};

// This machine's physical memory, or the cgroup's memory limit when lower (a container), for both when the default
// execution space uses host memory; with a device memory space only host_bytes is bounded (a device allocation that
// does not fit fails with an error of its own).
MemoryBudget this_machine_memory();

// The least a preset needs: 4 bytes of fp32 parameter and 4 of gradient per element (the optimizer's state comes on
// top), and kHostBytesPerParam of host memory per parameter.
inline constexpr std::uint64_t kBytesPerElement = 8;
inline constexpr std::uint64_t kHostBytesPerParam = 256;

// Throws std::invalid_argument naming `what` (the preset) and `largest` (its largest parameter, described), with
// the bytes needed and available, when `params` parameters of `elements` elements in all cannot fit into `budget`.
void require_fits(const std::string& what, std::int64_t params, std::int64_t elements, const std::string& largest,
                  const MemoryBudget& budget);

// "1.5 GiB", "512 MiB", "3 KiB", "17 bytes".
std::string human_bytes(long double bytes);

}  // namespace kdash::tools::bench
