// Where each block's data (its search direction, rows x cols floats) sits in the one contiguous buffer a rank sends
// and in the all-gathered buffer every rank receives (SPEC §5): rank r's slice holds the blocks it owns, in the
// order the caller packs them; slices follow each other in rank order. Computed once, the same on every rank.
#pragma once

#include <cstddef>
#include <vector>

namespace kdash::distributed {

class GatherLayout {
 public:
  // owner[b] in [0, ranks) and elements[b] (floats of block b) for every block; `order` lists every block once, in
  // the order the blocks are packed (each rank keeps the relative order of its own blocks); empty = increasing id.
  GatherLayout(const std::vector<int>& owner, const std::vector<std::size_t>& elements, int ranks,
               const std::vector<std::size_t>& order = {});

  int ranks() const { return static_cast<int>(counts_.size()); }
  // Floats each rank sends: the counts argument of Communicator::all_gather_v.
  const std::vector<std::size_t>& counts() const { return counts_; }
  // Offset of block b in the gathered buffer, and in its owner's send slice.
  std::size_t offset(std::size_t block) const { return offset_.at(block); }
  std::size_t local_offset(std::size_t block) const { return local_offset_.at(block); }
  std::size_t elements(std::size_t block) const { return elements_.at(block); }
  // Size of the gathered buffer (floats).
  std::size_t total() const { return total_; }
  // Floats that cross the network per gather: every rank receives every other rank's slice, (ranks - 1) * total.
  std::size_t received_elements() const { return total_ * static_cast<std::size_t>(ranks() - 1); }

 private:
  std::vector<std::size_t> counts_;
  std::vector<std::size_t> offset_, local_offset_, elements_;
  std::size_t total_ = 0;
};

}  // namespace kdash::distributed
