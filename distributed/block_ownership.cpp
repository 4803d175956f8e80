// BlockOwnership: LPT scheduling of blocks onto ranks.
#include <kdash/distributed/block_ownership.hpp>

#include <algorithm>
#include <limits>
#include <numeric>
#include <queue>
#include <stdexcept>
#include <string>
#include <utility>

namespace kdash::distributed {

namespace {

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, std::size_t block) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a)
    throw std::overflow_error("kdash::distributed::BlockOwnership: the cost of block " + std::to_string(block) +
                              " overflows 64 bits; use smaller cost weights");
  return a * b;
}

std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, std::size_t block) {
  if (b > std::numeric_limits<std::uint64_t>::max() - a)
    throw std::overflow_error("kdash::distributed::BlockOwnership: the accumulated cost at block " +
                              std::to_string(block) + " overflows 64 bits; use smaller cost weights");
  return a + b;
}

}  // namespace

std::uint64_t block_cost(const BlockShape& shape, const OwnershipCostModel& model, std::size_t block) {
  if (shape.rows <= 0 || shape.cols <= 0)
    throw std::invalid_argument("kdash::distributed::BlockOwnership: block " + std::to_string(block) + " has shape " +
                                std::to_string(shape.rows) + " x " + std::to_string(shape.cols) +
                                "; both sizes must be positive");
  const std::uint64_t r = static_cast<std::uint64_t>(shape.rows), c = static_cast<std::uint64_t>(shape.cols);
  auto mul = [block](std::uint64_t a, std::uint64_t b) { return checked_mul(a, b, block); };
  auto add = [block](std::uint64_t a, std::uint64_t b) { return checked_add(a, b, block); };
  const std::uint64_t rc = mul(r, c);
  if (shape.first_order) return mul(model.step_weight, rc);
  // Roots: one ~n^3 inverse root per factor matrix.
  std::uint64_t roots = mul(mul(r, r), r);
  // Step: statistics (G G^T: r^2 c, G^T G: r c^2), direction (Lbar G: r^2 c, (Lbar G) Rbar: r c^2), element-wise r c.
  std::uint64_t step = add(mul(2, mul(rc, r)), rc);
  if (!shape.one_sided) {
    roots = add(roots, mul(mul(c, c), c));
    step = add(step, mul(2, mul(rc, c)));
  }
  return add(mul(model.root_weight, roots), mul(model.step_weight, step));
}

BlockOwnership::BlockOwnership(const std::vector<BlockShape>& blocks, int ranks, const OwnershipCostModel& model) {
  if (ranks < 1)
    throw std::invalid_argument("kdash::distributed::BlockOwnership: " + std::to_string(ranks) +
                                " ranks; need at least one");
  if (model.root_weight == 0 && model.step_weight == 0)
    throw std::invalid_argument("kdash::distributed::BlockOwnership: the cost model weighs nothing (both weights 0)");
  const std::size_t n = blocks.size();
  cost_.resize(n);
  for (std::size_t b = 0; b < n; ++b) {
    cost_[b] = block_cost(blocks[b], model, b);
    total_ = checked_add(total_, cost_[b], b);
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::sort(order.begin(), order.end(),
            [this](std::size_t a, std::size_t b) { return cost_[a] != cost_[b] ? cost_[a] > cost_[b] : a < b; });
  // Min-heap on (load, rank): the least loaded rank, the lower rank among equals.
  using Load = std::pair<std::uint64_t, int>;
  std::priority_queue<Load, std::vector<Load>, std::greater<Load>> heap;
  for (int r = 0; r < ranks; ++r) heap.push({0, r});
  owner_.assign(n, -1);
  rank_cost_.assign(static_cast<std::size_t>(ranks), 0);
  for (std::size_t b : order) {
    auto [load, r] = heap.top();
    heap.pop();
    owner_[b] = r;
    load += cost_[b];  // cannot overflow: bounded by total_
    rank_cost_[static_cast<std::size_t>(r)] = load;
    heap.push({load, r});
  }
}

std::vector<std::size_t> BlockOwnership::blocks_of(int rank) const {
  if (rank < 0 || rank >= ranks())
    throw std::out_of_range("kdash::distributed::BlockOwnership: rank " + std::to_string(rank) + " of " +
                            std::to_string(ranks()));
  std::vector<std::size_t> mine;
  for (std::size_t b = 0; b < owner_.size(); ++b)
    if (owner_[b] == rank) mine.push_back(b);
  return mine;
}

std::uint64_t BlockOwnership::max_rank_cost() const { return *std::max_element(rank_cost_.begin(), rank_cost_.end()); }

double BlockOwnership::load_balance() const {
  if (total_ == 0) return 1.0;
  return static_cast<double>(max_rank_cost()) * static_cast<double>(ranks()) / static_cast<double>(total_);
}

}  // namespace kdash::distributed
