// Which rank owns which Shampoo block (design.md §5): longest-processing-time-first (LPT) on a cost model, so that
// every rank computes the statistics, roots and directions of about the same amount of work.
//
// The assignment is a pure function of the block list, the rank count and the cost model, in exact integer
// arithmetic: every rank computes the same owners without communicating (ties are broken by block id, then by
// rank), whatever its compiler's floating-point contraction does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kdash::distributed {

// One preconditioner block: a rows x cols gradient block with factors L (rows x rows) and, unless one-sided,
// R (cols x cols). A one-sided block is a 1-D Shampoo segment: rows = segment length, cols = 1 (design.md §1). A
// first-order block (a 1-D parameter's AdamW segment) has no factor at all.
struct BlockShape {
  int rows = 0;
  int cols = 0;
  bool one_sided = false;
  bool first_order = false;
};

// Relative integer weights of the two parts of a block's cost (multiply-adds, up to a constant):
//   roots:  root_weight * (rows^3 + cols^3)              one inverse root per factor, ~n^3 (one-sided: rows^3)
//   step:   step_weight * (2 rows^2 cols + 2 rows cols^2 + rows cols)
//           statistics G G^T and G^T G, direction Lbar G Rbar, element-wise work (one-sided: 2 rows^2 cols + rows cols)
//   first-order blocks: step_weight * rows cols (element-wise work only, no root)
// A root computed every f steps with a solver of about k n^3 multiply-adds weighs root_weight = k against
// step_weight = f. Only the ratio matters.
struct OwnershipCostModel {
  std::uint64_t root_weight = 1;
  std::uint64_t step_weight = 1;
};

// The cost of one block under `model`; throws std::invalid_argument for a non-positive size and
// std::overflow_error if the cost does not fit 64 bits. `block` only names the block in messages.
std::uint64_t block_cost(const BlockShape& shape, const OwnershipCostModel& model = {}, std::size_t block = 0);

class BlockOwnership {
 public:
  // LPT: blocks by decreasing cost (ties: lower block id first), each to the rank with the least cost so far (ties:
  // lower rank). Makespan <= (4/3 - 1/(3 ranks)) * optimum (Graham 1969). ranks > blocks leaves ranks without blocks.
  BlockOwnership(const std::vector<BlockShape>& blocks, int ranks, const OwnershipCostModel& model = {});

  int ranks() const { return static_cast<int>(rank_cost_.size()); }
  std::size_t blocks() const { return owner_.size(); }
  int owner(std::size_t block) const { return owner_.at(block); }
  const std::vector<int>& owners() const { return owner_; }
  // The blocks rank `r` owns, in increasing block id.
  std::vector<std::size_t> blocks_of(int rank) const;

  std::uint64_t cost(std::size_t block) const { return cost_.at(block); }
  std::uint64_t rank_cost(int rank) const { return rank_cost_.at(static_cast<std::size_t>(rank)); }
  std::uint64_t total_cost() const { return total_; }
  std::uint64_t max_rank_cost() const;
  // Load balance = max over ranks of the rank's cost / mean cost (1 is perfect; 1 for an empty block list).
  double load_balance() const;

 private:
  std::vector<int> owner_;
  std::vector<std::uint64_t> cost_;
  std::vector<std::uint64_t> rank_cost_;
  std::uint64_t total_ = 0;
};

}  // namespace kdash::distributed
