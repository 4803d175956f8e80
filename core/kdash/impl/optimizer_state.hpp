// Internal: the state behind kdash::Optimizer<ExecSpace>, shared by the step (optimizer.cpp) and checkpoints
// (checkpoint.cpp).
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/block_map.hpp>
#include <kdash/metrics.hpp>
#include <kdash/impl/partition.hpp>
#include <kdash/optimizer.hpp>
#include <kdash/optimizer_config.hpp>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace kdash {
namespace impl {

// The host mirror type of a View (View::HostMirror is renamed host_mirror_type in recent Kokkos; naming the type
// through create_mirror_view works on every supported version).
template <class V>
using HostMirrorOf = decltype(Kokkos::create_mirror_view(std::declval<const V&>()));

// A device-side table entry for a raw parameter/gradient pointer (Views of pointers are not allowed).
struct DevicePointer {
  float* ptr;
};

// Per-block layout in "block table" order: groups in BlockMap order, blocks of a group consecutive. The blocks a
// rank owns form one contiguous range of the table (groups are ordered by owner).
template <class ExecSpace>
struct BlockTable {
  Kokkos::View<int*, MemOf<ExecSpace>> param;             // parameter index
  Kokkos::View<std::int64_t*, MemOf<ExecSpace>> start;    // element (row0, col0) in the flat parameter
  Kokkos::View<std::int64_t*, MemOf<ExecSpace>> ld;       // columns of the parameter's matrix view
  Kokkos::View<int*, MemOf<ExecSpace>> rows, cols, kind;  // kind: BlockKind as int
  Kokkos::View<std::int64_t*, MemOf<ExecSpace>> offset;   // first element in the packed (global) direction buffer
  std::vector<int> block_of;                      // table position -> block id
  std::vector<int> position_of;                   // block id -> table position
};

// One factor stack: statistics, current roots, and a scratch stack the roots are computed into (so that a failed
// block keeps its previous root).
template <class ExecSpace>
struct FactorState {
  Stack<float, MemOf<ExecSpace>> stats, root, scratch;
  Kokkos::View<int*, MemOf<ExecSpace>> accepted;  // per entry, on root steps: the new root is kept
  std::vector<int> consecutive_failures;  // per entry
  std::vector<std::int64_t> total_failures;
  std::vector<BlockRootResult> last;
};

template <class ExecSpace>
struct OptimizerState {
  Config config;
  BlockMap map;
  Partition partition;
  ExecSpace exec;
  std::int64_t step = 0;
  std::uint64_t root_calls = 0;  // RNG counter: the seed of each root computation derives from (seed, root_calls)

  BlockTable<ExecSpace> table;
  int local_first = 0, local_last = 0;  // table positions owned by this rank
  std::size_t local_base = 0;           // first element of this rank's slice of the direction buffer
  std::size_t local_size = 0;
  std::vector<int> local_groups;   // group ids owned by this rank
  std::vector<int> local_factors;  // factor stack ids owned by this rank
  std::vector<int> group_first;    // group id -> table position of its first block

  // Flat buffers in this rank's slice layout (element offset = table offset - local_base).
  Kokkos::View<float*, MemOf<ExecSpace>> grad;        // blockified gradient of the current step
  Kokkos::View<float*, MemOf<ExecSpace>> ema;         // gradient EMA (Gt), or AdamW's first moment
  Kokkos::View<float*, MemOf<ExecSpace>> graft;       // grafting accumulator A, or AdamW's second moment
  Kokkos::View<float*, MemOf<ExecSpace>> momentum;    // M
  Kokkos::View<float*, MemOf<ExecSpace>> scratch;     // Lbar * Ghat of the largest two-sided group
  Kokkos::View<float*, MemOf<ExecSpace>> directions;  // the packed direction buffer (every rank's slices)

  // Chunks of the element-wise kernels (impl::kChunk elements at most), in table order: chunk c covers elements
  // [chunk_begin(c), chunk_begin(c) + chunk_len(c)) of block chunk_pos(c); table position b owns chunks
  // [chunk_first(b), chunk_first(b + 1)).
  Kokkos::View<int*, MemOf<ExecSpace>> chunk_pos, chunk_begin, chunk_len, chunk_first, chunk_bad;
  Kokkos::View<float*, MemOf<ExecSpace>> chunk_sum;
  std::vector<int> chunk_first_host;

  // Per table position.
  Kokkos::View<int*, MemOf<ExecSpace>> finite;  // 0: the block takes no step this time (non-finite gradient or step)
  Kokkos::View<float*, MemOf<ExecSpace>> graft_norm;
  Kokkos::View<float*, MemOf<ExecSpace>> block_scale;
  Kokkos::View<std::int64_t*, MemOf<ExecSpace>> skipped;
  Kokkos::View<int, MemOf<ExecSpace>> nonfinite_count;  // blocks with a non-finite gradient in the current step

  std::vector<FactorState<ExecSpace>> factors;  // by factor stack id (empty for stacks of other ranks)

  Kokkos::View<DevicePointer*, MemOf<ExecSpace>> param_ptrs, grad_ptrs;
  HostMirrorOf<Kokkos::View<DevicePointer*, MemOf<ExecSpace>>> param_ptrs_host, grad_ptrs_host;

  bool roots_computed = false;
  StepTimings timings;

  // Distribution (design.md §5): the communicator (never null), the ownership's load balance, gradient averaging.
  std::shared_ptr<distributed::Communicator> comm;
  double load_balance = 1.0;
  bool average_gradients = false;
  Kokkos::View<float*, MemOf<ExecSpace>> averaged_grads;  // every parameter's gradient, summed over the ranks

  // Group g's blocks as a (count, rows, cols) stack of a flat buffer (slice layout unless `global`).
  Stack<float, MemOf<ExecSpace>> group_stack(const Kokkos::View<float*, MemOf<ExecSpace>>& flat, int g,
                                             bool global = false) const {
    const BlockGroup& grp = map.groups()[g];
    const std::size_t base = global ? 0 : local_base;
    return Stack<float, MemOf<ExecSpace>>(flat.data() + (grp.direction_offset - base), grp.blocks.size(), grp.rows,
                                          grp.cols);
  }
};

}  // namespace impl
}  // namespace kdash
