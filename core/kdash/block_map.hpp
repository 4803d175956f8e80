// Blocking and stacking (design.md §2): which blocks each parameter is cut into, which stack each block's state lives
// in, and where its search direction sits in the packed direction buffer. Computed once; the same map drives the write
// (blockify) and the read (reassemble) of every step, so the two can never disagree.
//
// Blocking rule for a matrix of R x C with block size B (r = R mod B, c = C mod B): the full B x B blocks in
// block-row-major order, then the right strip of (B, c) blocks top to bottom, then the bottom strip of (r, B) blocks
// left to right, then the (r, c) corner. A vector of length E is the E x 1 matrix: segments of length B, the last one
// shorter. Every block of a two-sided (matrix) block has its own L (rows x rows) and R (cols x cols); a one-sided
// (1-D Shampoo) segment only L; an AdamW segment none.
#pragma once

#include <kdash/optimizer_config.hpp>
#include <kdash/param_spec.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kdash {

enum class BlockKind { two_sided, one_sided, adamw };
std::string to_string(BlockKind k);

// A rectangle of a parameter's matrix view.
struct BlockExtent {
  std::int64_t row0 = 0, col0 = 0;
  int rows = 0, cols = 0;
};
// The blocking rule above for one R x C matrix.
std::vector<BlockExtent> block_matrix(std::int64_t rows, std::int64_t cols, int block_size);

struct ParamLayout {
  ParamSpec spec;
  std::int64_t numel = 0;
  std::int64_t rows = 0, cols = 0;  // the matrix view (vectors: numel x 1)
  BlockKind kind = BlockKind::two_sided;
  int first_block = 0, block_count = 0;  // its blocks are first_block .. first_block + block_count - 1
};

struct BlockInfo {
  int param = 0;  // index into params()
  int index = 0;  // block index within its parameter (the blocking order above)
  BlockExtent extent;
  BlockKind kind = BlockKind::two_sided;
  int owner = 0;  // the rank that updates this block's state and computes its direction
  int group = 0, index_in_group = 0;
  // Where the factors live: factor_stacks()[left_stack] entry left_index (-1: none).
  int left_stack = -1, left_index = -1;
  int right_stack = -1, right_index = -1;
  std::size_t direction_offset = 0;  // first element of the block's direction (rows x cols, row-major)
};

// A stack of same-shape blocks: the gradient-shaped state (EMA, grafting, momentum, direction) of its blocks is one
// (count, rows, cols) View. Its left factors are entries left_first .. left_first + count - 1 of one factor stack, its
// right factors likewise, so each factor update and product is one batched call over contiguous sub-stacks.
struct BlockGroup {
  BlockKind kind = BlockKind::two_sided;
  int rows = 0, cols = 0;
  int owner = 0;
  std::vector<int> blocks;  // block ids, in stack order
  std::size_t direction_offset = 0;
  int left_stack = -1, left_first = 0;
  int right_stack = -1, right_first = 0;
};

// A stack of n x n factor matrices (statistics L or R and their inverse p-th roots).
struct FactorStack {
  int n = 0;
  double p = 4;  // the root: 4 for two-sided blocks, 2 for one-sided segments
  int owner = 0;
  struct Entry {
    int block;
    char side;  // 'L' or 'R'
  };
  std::vector<Entry> entries;
};

class BlockMap {
 public:
  // Validates the specs (non-empty list, unique non-empty names, sizes >= 1) and builds the map. `owners`: the rank
  // of every block id (empty: all 0); blocks are grouped only with blocks of the same owner, and the packed direction
  // buffer holds owner 0's groups first, then owner 1's, ... (the layout of an all-gather).
  static BlockMap build(const std::vector<ParamSpec>& specs, int block_size, OneDimMode one_dim, StackingMode stacking,
                        const std::vector<int>& owners = {});

  const std::vector<ParamLayout>& params() const { return params_; }
  const std::vector<BlockInfo>& blocks() const { return blocks_; }
  const std::vector<BlockGroup>& groups() const { return groups_; }
  const std::vector<FactorStack>& factor_stacks() const { return factor_stacks_; }
  int block_size() const { return block_size_; }
  StackingMode stacking() const { return stacking_; }
  // Total elements of the packed direction buffer (every parameter's numel, summed).
  std::size_t direction_size() const { return direction_size_; }
  // [begin, end) of the elements owned by `rank` in the packed direction buffer.
  std::pair<std::size_t, std::size_t> direction_range(int rank) const;
  // Index of a parameter by name, -1 if absent.
  int find_param(const std::string& name) const;

 private:
  std::vector<ParamLayout> params_;
  std::vector<BlockInfo> blocks_;
  std::vector<BlockGroup> groups_;
  std::vector<FactorStack> factor_stacks_;
  int block_size_ = 0;
  StackingMode stacking_ = StackingMode::device;
  std::size_t direction_size_ = 0;
};

}  // namespace kdash
