// Internal: where every block of the optimizer lives, derived once from the BlockMap for one rank (design.md §2): the
// block table the kernels index, this rank's range of it, and the chunks the element-wise kernels run over.
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/block_map.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace kdash::impl {

// Element-wise work runs over chunks of at most kChunk elements of a block (one team per chunk), so a few large
// blocks still fill a GPU and balance over CPU threads. Per-block sums are per-chunk partial sums added in chunk
// order by a per-block pass: deterministic, independent of the launch range.
inline constexpr int kChunk = 4096;

// Per-block layout in "block table" order: groups in BlockMap order, blocks of a group consecutive. The blocks a
// rank owns form one contiguous range of the table (groups are ordered by owner).
template <class ExecSpace>
struct BlockTable {
  Kokkos::View<int*, MemOf<ExecSpace>> param;             // parameter index
  Kokkos::View<std::int64_t*, MemOf<ExecSpace>> start;    // element (row0, col0) in the flat parameter
  Kokkos::View<std::int64_t*, MemOf<ExecSpace>> ld;       // columns of the parameter's matrix view
  Kokkos::View<int*, MemOf<ExecSpace>> rows, cols, kind;  // kind: BlockKind as int
  Kokkos::View<std::int64_t*, MemOf<ExecSpace>> offset;   // first element in the packed (global) direction buffer
  std::vector<int> block_of;                              // table position -> block id
  std::vector<int> position_of;                           // block id -> table position
};

template <class ExecSpace>
struct BlockLayout {
  BlockTable<ExecSpace> table;
  int local_first = 0, local_last = 0;  // table positions owned by this rank
  std::size_t local_base = 0;           // first element of this rank's slice of the direction buffer
  std::size_t local_size = 0;
  std::vector<int> local_groups;   // group ids owned by this rank
  std::vector<int> local_factors;  // factor stack ids owned by this rank
  std::vector<int> group_first;    // group id -> table position of its first block

  // Chunks in table order: chunk c covers elements [chunk_begin(c), chunk_begin(c) + chunk_len(c)) of table position
  // chunk_pos(c); table position b owns chunks [chunk_first(b), chunk_first(b + 1)).
  Kokkos::View<int*, MemOf<ExecSpace>> chunk_pos, chunk_begin, chunk_len, chunk_first;
  std::vector<int> chunk_first_host;

  int chunk_count() const { return chunk_first_host.empty() ? 0 : chunk_first_host.back(); }

  // Group g's blocks as a (count, rows, cols) stack of a flat buffer: this rank's slice layout (element offset =
  // direction offset - local_base), or the global layout of the packed direction buffer.
  Stack<float, MemOf<ExecSpace>> group_stack(const BlockMap& map, const Kokkos::View<float*, MemOf<ExecSpace>>& flat,
                                             int g, bool global = false) const {
    const BlockGroup& grp = map.groups()[g];
    const std::size_t base = global ? 0 : local_base;
    return Stack<float, MemOf<ExecSpace>>(flat.data() + (grp.direction_offset - base), grp.blocks.size(), grp.rows,
                                          grp.cols);
  }
};

namespace detail {
// A device copy of a host vector, enqueued on exec.
template <class T, class ExecSpace>
Kokkos::View<T*, MemOf<ExecSpace>> upload(const ExecSpace& exec, const std::vector<T>& v, const char* label) {
  Kokkos::View<T*, MemOf<ExecSpace>> d(Kokkos::view_alloc(exec, std::string(label)), v.size());
  Kokkos::deep_copy(exec, d, Kokkos::View<const T*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>(v.data(), v.size()));
  return d;
}
}  // namespace detail

// The layout of `rank`'s blocks. The uploads are enqueued on exec; the host vectors they read must outlive them, so
// the function fences exec before returning.
template <class ExecSpace>
BlockLayout<ExecSpace> make_block_layout(const ExecSpace& exec, const BlockMap& map, int rank) {
  BlockLayout<ExecSpace> layout;
  BlockTable<ExecSpace>& t = layout.table;
  const int nblocks = static_cast<int>(map.blocks().size());
  std::vector<int> param, rows, cols, kind;
  std::vector<std::int64_t> start, ld, offset;
  t.position_of.assign(nblocks, -1);
  layout.local_first = layout.local_last = -1;
  for (std::size_t g = 0; g < map.groups().size(); ++g) {
    const BlockGroup& grp = map.groups()[g];
    layout.group_first.push_back(static_cast<int>(t.block_of.size()));
    if (grp.owner == rank) layout.local_groups.push_back(static_cast<int>(g));
    for (int id : grp.blocks) {
      const int pos = static_cast<int>(t.block_of.size());
      const BlockInfo& b = map.blocks()[id];
      const ParamLayout& p = map.params()[b.param];
      param.push_back(b.param);
      start.push_back(b.extent.row0 * p.cols + b.extent.col0);
      ld.push_back(p.cols);
      rows.push_back(static_cast<int>(b.extent.rows));
      cols.push_back(static_cast<int>(b.extent.cols));
      kind.push_back(static_cast<int>(b.kind));
      offset.push_back(static_cast<std::int64_t>(b.direction_offset));
      t.block_of.push_back(id);
      t.position_of[id] = pos;
      if (grp.owner == rank) {
        if (layout.local_first < 0) layout.local_first = pos;
        layout.local_last = pos + 1;
      }
    }
  }
  if (layout.local_first < 0) layout.local_first = layout.local_last = 0;
  for (std::size_t f = 0; f < map.factor_stacks().size(); ++f) {
    if (map.factor_stacks()[f].owner == rank) layout.local_factors.push_back(static_cast<int>(f));
  }
  const auto range = map.direction_range(rank);
  layout.local_base = range.first;
  layout.local_size = range.second - range.first;

  std::vector<int> chunk_pos, chunk_begin, chunk_len;
  layout.chunk_first_host.assign(nblocks + 1, 0);
  for (int p = 0; p < nblocks; ++p) {
    layout.chunk_first_host[p] = static_cast<int>(chunk_pos.size());
    const int n = rows[p] * cols[p];
    for (int k = 0; k < n; k += kChunk) {
      chunk_pos.push_back(p);
      chunk_begin.push_back(k);
      chunk_len.push_back(std::min(kChunk, n - k));
    }
  }
  layout.chunk_first_host[nblocks] = static_cast<int>(chunk_pos.size());

  t.param = detail::upload(exec, param, "kdash::table::param");
  t.start = detail::upload(exec, start, "kdash::table::start");
  t.ld = detail::upload(exec, ld, "kdash::table::ld");
  t.rows = detail::upload(exec, rows, "kdash::table::rows");
  t.cols = detail::upload(exec, cols, "kdash::table::cols");
  t.kind = detail::upload(exec, kind, "kdash::table::kind");
  t.offset = detail::upload(exec, offset, "kdash::table::offset");
  layout.chunk_pos = detail::upload(exec, chunk_pos, "kdash::chunk::pos");
  layout.chunk_begin = detail::upload(exec, chunk_begin, "kdash::chunk::begin");
  layout.chunk_len = detail::upload(exec, chunk_len, "kdash::chunk::len");
  layout.chunk_first = detail::upload(exec, layout.chunk_first_host, "kdash::chunk::first");
  exec.fence();
  return layout;
}

}  // namespace kdash::impl
