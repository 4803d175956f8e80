#include "kdash/block_map.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

namespace kdash {

std::string to_string(BlockKind k) {
  switch (k) {
    case BlockKind::two_sided:
      return "two_sided";
    case BlockKind::one_sided:
      return "one_sided";
    default:
      return "adamw";
  }
}

std::vector<BlockExtent> block_matrix(std::int64_t rows, std::int64_t cols, int block_size) {
  if (block_size < 1) throw std::invalid_argument("block_size must be >= 1, got " + std::to_string(block_size));
  if (rows < 1 || cols < 1) {
    throw std::invalid_argument("cannot block a " + std::to_string(rows) + "x" + std::to_string(cols) + " matrix");
  }
  const std::int64_t b = block_size;
  const std::int64_t full_r = rows / b, full_c = cols / b;
  const int rem_r = static_cast<int>(rows % b), rem_c = static_cast<int>(cols % b);
  std::vector<BlockExtent> out;
  out.reserve(static_cast<std::size_t>((full_r + 1) * (full_c + 1)));
  for (std::int64_t i = 0; i < full_r; ++i)
    for (std::int64_t j = 0; j < full_c; ++j) out.push_back({i * b, j * b, block_size, block_size});
  if (rem_c > 0)
    for (std::int64_t i = 0; i < full_r; ++i) out.push_back({i * b, full_c * b, block_size, rem_c});
  if (rem_r > 0)
    for (std::int64_t j = 0; j < full_c; ++j) out.push_back({full_r * b, j * b, rem_r, block_size});
  if (rem_r > 0 && rem_c > 0) out.push_back({full_r * b, full_c * b, rem_r, rem_c});
  return out;
}

BlockMap BlockMap::build(const std::vector<ParamSpec>& specs, int block_size, OneDimMode one_dim, StackingMode stacking,
                         const std::vector<int>& owners) {
  if (specs.empty()) throw std::invalid_argument("kdash::Optimizer: the parameter list is empty");
  if (block_size < 1)
    throw std::invalid_argument("kdash::Config: block_size must be >= 1, got " + std::to_string(block_size));
  BlockMap map;
  map.block_size_ = block_size;
  map.stacking_ = stacking;
  std::set<std::string> names;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const ParamSpec& spec = specs[i];
    if (spec.name.empty()) throw std::invalid_argument("parameter " + std::to_string(i) + " has an empty name");
    if (!names.insert(spec.name).second) {
      throw std::invalid_argument("duplicate parameter name '" + spec.name + "'");
    }
    ParamLayout p;
    p.spec = spec;
    p.numel = numel(spec);
    if (is_vector(spec)) {
      p.rows = p.numel;
      p.cols = 1;
      p.kind = one_dim == OneDimMode::shampoo ? BlockKind::one_sided : BlockKind::adamw;
    } else {
      p.rows = spec.shape[0];
      p.cols = p.numel / p.rows;
      p.kind = BlockKind::two_sided;
    }
    if (p.rows > std::int64_t(1) << 40 || p.cols > std::int64_t(1) << 40) {
      throw std::invalid_argument("parameter " + describe(spec) + " is too large");
    }
    p.first_block = static_cast<int>(map.blocks_.size());
    for (const BlockExtent& e : block_matrix(p.rows, p.cols, block_size)) {
      // Kernels index a block's elements and a factor's entries with int: keep both below 2^31.
      const std::int64_t elems = std::int64_t(e.rows) * e.cols;
      const std::int64_t factor = std::max<std::int64_t>(e.rows, p.kind == BlockKind::two_sided ? e.cols : 0);
      if (elems > std::numeric_limits<int>::max() ||
          (p.kind != BlockKind::adamw && factor * factor > std::numeric_limits<int>::max())) {
        throw std::invalid_argument("parameter " + describe(spec) + ": a " + std::to_string(e.rows) + "x" +
                                    std::to_string(e.cols) + " block is too large; reduce block_size (" +
                                    std::to_string(block_size) + ")");
      }
      BlockInfo b;
      b.param = static_cast<int>(i);
      b.index = static_cast<int>(map.blocks_.size()) - p.first_block;
      b.extent = e;
      b.kind = p.kind;
      map.blocks_.push_back(b);
    }
    p.block_count = static_cast<int>(map.blocks_.size()) - p.first_block;
    map.params_.push_back(std::move(p));
  }
  if (!owners.empty()) {
    if (owners.size() != map.blocks_.size()) {
      throw std::invalid_argument("BlockMap: " + std::to_string(owners.size()) + " owners given for " +
                                  std::to_string(map.blocks_.size()) + " blocks");
    }
    for (std::size_t b = 0; b < owners.size(); ++b) {
      if (owners[b] < 0) throw std::invalid_argument("BlockMap: negative owner of block " + std::to_string(b));
      map.blocks_[b].owner = owners[b];
    }
  }

  // Groups: keyed by (owner, kind, rows, cols) plus the parameter (layerwise) or the block itself (sequential),
  // numbered in order of first appearance, then stably ordered by owner.
  using GroupKey = std::tuple<int, int, int, int, int, int>;
  std::map<GroupKey, int> group_of;
  std::vector<BlockGroup> groups;
  for (std::size_t id = 0; id < map.blocks_.size(); ++id) {
    BlockInfo& b = map.blocks_[id];
    const int scope = stacking == StackingMode::device      ? -1
                      : stacking == StackingMode::layerwise ? b.param
                                                            : static_cast<int>(id);
    const GroupKey key{b.owner, scope, static_cast<int>(b.kind), b.extent.rows, b.extent.cols, 0};
    auto it = group_of.find(key);
    if (it == group_of.end()) {
      BlockGroup g;
      g.kind = b.kind;
      g.rows = b.extent.rows;
      g.cols = b.extent.cols;
      g.owner = b.owner;
      groups.push_back(g);
      it = group_of.emplace(key, static_cast<int>(groups.size()) - 1).first;
    }
    groups[it->second].blocks.push_back(static_cast<int>(id));
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const BlockGroup& a, const BlockGroup& b) { return a.owner < b.owner; });

  // Factor stacks: keyed by (owner, n, p) plus the parameter (layerwise) or the block and side (sequential). Each
  // group appends its left factors, then its right factors, as contiguous ranges.
  using StackKey = std::tuple<int, int, int, int, int>;
  std::map<StackKey, int> stack_of;
  auto factor_range = [&](const BlockGroup& g, int n, double p, char side, int& stack, int& first) {
    const int param = map.blocks_[g.blocks.front()].param;
    const int scope = stacking == StackingMode::device      ? -1
                      : stacking == StackingMode::layerwise ? param
                                                            : g.blocks.front();
    const StackKey key{g.owner, scope, n, static_cast<int>(p), stacking == StackingMode::sequential ? side : 0};
    auto it = stack_of.find(key);
    if (it == stack_of.end()) {
      FactorStack s;
      s.n = n;
      s.p = p;
      s.owner = g.owner;
      map.factor_stacks_.push_back(s);
      it = stack_of.emplace(key, static_cast<int>(map.factor_stacks_.size()) - 1).first;
    }
    stack = it->second;
    FactorStack& s = map.factor_stacks_[stack];
    first = static_cast<int>(s.entries.size());
    for (int id : g.blocks) s.entries.push_back({id, side});
  };

  std::size_t offset = 0;
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    BlockGroup& g = groups[gi];
    g.direction_offset = offset;
    for (std::size_t k = 0; k < g.blocks.size(); ++k) {
      BlockInfo& b = map.blocks_[g.blocks[k]];
      b.group = static_cast<int>(gi);
      b.index_in_group = static_cast<int>(k);
      b.direction_offset = offset;
      offset += static_cast<std::size_t>(g.rows) * g.cols;
    }
    if (g.kind == BlockKind::two_sided) {
      factor_range(g, g.rows, 4, 'L', g.left_stack, g.left_first);
      factor_range(g, g.cols, 4, 'R', g.right_stack, g.right_first);
    } else if (g.kind == BlockKind::one_sided) {
      factor_range(g, g.rows, 2, 'L', g.left_stack, g.left_first);
    }
    for (std::size_t k = 0; k < g.blocks.size(); ++k) {
      BlockInfo& b = map.blocks_[g.blocks[k]];
      if (g.left_stack >= 0) {
        b.left_stack = g.left_stack;
        b.left_index = g.left_first + static_cast<int>(k);
      }
      if (g.right_stack >= 0) {
        b.right_stack = g.right_stack;
        b.right_index = g.right_first + static_cast<int>(k);
      }
    }
  }
  map.groups_ = std::move(groups);
  map.direction_size_ = offset;
  return map;
}

std::pair<std::size_t, std::size_t> BlockMap::direction_range(int rank) const {
  std::size_t begin = direction_size_, end = direction_size_;
  bool found = false;
  for (const BlockGroup& g : groups_) {
    if (g.owner != rank) continue;
    if (!found) begin = g.direction_offset;
    found = true;
    end = g.direction_offset + g.blocks.size() * std::size_t(g.rows) * g.cols;
  }
  if (!found) {
    // No blocks: an empty range at the position where this rank's slice would start.
    begin = end = 0;
    for (const BlockGroup& g : groups_)
      if (g.owner < rank) begin = end = g.direction_offset + g.blocks.size() * std::size_t(g.rows) * g.cols;
  }
  return {begin, end};
}

int BlockMap::find_param(const std::string& name) const {
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (params_[i].spec.name == name) return static_cast<int>(i);
  return -1;
}

}  // namespace kdash
