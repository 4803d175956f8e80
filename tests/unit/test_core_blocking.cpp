// Blocking rule and block map (design.md §2): every remainder case, exact coverage, and exact reassembly through the
// optimizer's own blockify/apply path.
#include <gtest/gtest.h>

#include <kdash/block_map.hpp>
#include <kdash/optimizer.hpp>

#include "test_helpers.hpp"
#include "test_spaces.hpp"

#include <random>
#include <set>
#include <tuple>

namespace {

using kdash::BlockExtent;

// Checks the rule: the blocks tile the matrix exactly once, full blocks first in block-row-major order, then the right
// strip (top to bottom), the bottom strip (left to right), the corner.
void expect_rule(std::int64_t rows, std::int64_t cols, int b) {
  const auto blocks = kdash::block_matrix(rows, cols, b);
  std::vector<int> covered(static_cast<std::size_t>(rows * cols), 0);
  for (const BlockExtent& e : blocks) {
    ASSERT_GE(e.rows, 1);
    ASSERT_GE(e.cols, 1);
    ASSERT_LE(e.rows, b);
    ASSERT_LE(e.cols, b);
    for (int i = 0; i < e.rows; ++i)
      for (int j = 0; j < e.cols; ++j) ++covered[(e.row0 + i) * cols + e.col0 + j];
  }
  for (int c : covered) ASSERT_EQ(c, 1) << rows << "x" << cols << " B=" << b;
  const std::int64_t fr = rows / b, fc = cols / b, rr = rows % b, rc = cols % b;
  const std::size_t expected = fr * fc + (rc ? fr : 0) + (rr ? fc : 0) + (rr && rc ? 1 : 0);
  ASSERT_EQ(blocks.size(), expected);
  std::size_t k = 0;
  for (std::int64_t i = 0; i < fr; ++i)
    for (std::int64_t j = 0; j < fc; ++j, ++k) {
      EXPECT_EQ(blocks[k].row0, i * b);
      EXPECT_EQ(blocks[k].col0, j * b);
    }
  for (std::int64_t i = 0; rc && i < fr; ++i, ++k) {
    EXPECT_EQ(blocks[k].row0, i * b);
    EXPECT_EQ(blocks[k].cols, rc);
    EXPECT_EQ(blocks[k].rows, b);
  }
  for (std::int64_t j = 0; rr && j < fc; ++j, ++k) {
    EXPECT_EQ(blocks[k].col0, j * b);
    EXPECT_EQ(blocks[k].rows, rr);
    EXPECT_EQ(blocks[k].cols, b);
  }
  if (rr && rc) {
    EXPECT_EQ(blocks[k].rows, rr);
    EXPECT_EQ(blocks[k].cols, rc);
  }
}

TEST(CoreBlocking, EveryRemainderCase) {
  for (int b : {1, 2, 3, 4, 7})
    for (int r = 1; r <= 10; ++r)
      for (int c = 1; c <= 10; ++c) expect_rule(r, c, b);
  expect_rule(1, 1, 1024);     // B larger than both dimensions: one corner block
  expect_rule(5, 3000, 1024);  // one dimension smaller than B
  expect_rule(2048, 1024, 1024);
}

TEST(CoreBlocking, SmallCasesHaveTheExpectedShapes) {
  auto one = kdash::block_matrix(3, 2, 8);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].rows, 3);
  EXPECT_EQ(one[0].cols, 2);
  auto mixed = kdash::block_matrix(10, 9, 4);  // 2x2 full, 2 right (4,1), 2 bottom (2,4), corner (2,1)
  ASSERT_EQ(mixed.size(), 9u);
  EXPECT_EQ(std::make_tuple(mixed[4].rows, mixed[4].cols), std::make_tuple(4, 1));
  EXPECT_EQ(std::make_tuple(mixed[6].rows, mixed[6].cols), std::make_tuple(2, 4));
  EXPECT_EQ(std::make_tuple(mixed[8].rows, mixed[8].cols), std::make_tuple(2, 1));
  EXPECT_THROW(kdash::block_matrix(3, 3, 0), std::invalid_argument);
}

std::vector<kdash::ParamSpec> mixed_specs() {
  return {{"w", {10, 9}}, {"conv", {3, 2, 2, 2}}, {"bias", {11}}, {"scalar", {}}, {"tiny", {1, 1}}, {"w2", {4, 8}}};
}

// With a large block size, blocks of more than one chunk (4096 elements) of the element-wise kernels.
std::vector<kdash::ParamSpec> large_specs() { return {{"wide", {70, 90}}, {"long", {9000}}, {"w", {10, 9}}}; }

TEST(CoreBlocking, MapIsConsistentInEveryMode) {
  for (auto mode : {kdash::StackingMode::sequential, kdash::StackingMode::layerwise, kdash::StackingMode::device}) {
    for (auto one_dim : {kdash::OneDimMode::shampoo, kdash::OneDimMode::adamw}) {
      const auto map = kdash::BlockMap::build(mixed_specs(), 4, one_dim, mode);
      // Vectors: segments of 4 with a shorter last one; rank > 2 viewed as (shape[0], rest).
      const auto& bias = map.params()[2];
      EXPECT_EQ(bias.block_count, 3);
      EXPECT_EQ(map.blocks()[bias.first_block + 2].extent.rows, 3);
      EXPECT_EQ(map.params()[1].rows, 3);
      EXPECT_EQ(map.params()[1].cols, 8);
      std::size_t covered = 0;
      std::set<std::size_t> offsets;
      for (std::size_t id = 0; id < map.blocks().size(); ++id) {
        const auto& b = map.blocks()[id];
        const auto& g = map.groups()[b.group];
        EXPECT_EQ(g.blocks[b.index_in_group], int(id));
        EXPECT_EQ(g.rows, b.extent.rows);
        EXPECT_EQ(g.cols, b.extent.cols);
        EXPECT_EQ(b.direction_offset, g.direction_offset + std::size_t(b.index_in_group) * g.rows * g.cols);
        EXPECT_TRUE(offsets.insert(b.direction_offset).second);
        covered += std::size_t(b.extent.rows) * b.extent.cols;
        if (b.left_stack >= 0) {
          const auto& fs = map.factor_stacks()[b.left_stack];
          EXPECT_EQ(fs.n, b.extent.rows);
          EXPECT_EQ(fs.entries[b.left_index].block, int(id));
          EXPECT_EQ(fs.entries[b.left_index].side, 'L');
          EXPECT_EQ(fs.p, b.kind == kdash::BlockKind::two_sided ? 4 : 2);
        }
        if (b.right_stack >= 0) {
          const auto& fs = map.factor_stacks()[b.right_stack];
          EXPECT_EQ(fs.n, b.extent.cols);
          EXPECT_EQ(fs.entries[b.right_index].block, int(id));
        }
        EXPECT_EQ(b.kind == kdash::BlockKind::adamw, b.left_stack < 0);
        EXPECT_EQ(b.kind == kdash::BlockKind::two_sided, b.right_stack >= 0);
        if (mode == kdash::StackingMode::sequential) {
          EXPECT_EQ(g.blocks.size(), 1u);
          if (b.left_stack >= 0) EXPECT_EQ(map.factor_stacks()[b.left_stack].entries.size(), 1u);
        }
        if (mode == kdash::StackingMode::layerwise) {
          for (int other : g.blocks) EXPECT_EQ(map.blocks()[other].param, b.param);
        }
      }
      EXPECT_EQ(covered, map.direction_size());
      if (mode == kdash::StackingMode::device) {
        // One group per (kind, shape): the 4x4 blocks of w and w2 and conv's (3,4) strips share stacks.
        std::set<std::tuple<int, int, int>> shapes;
        for (const auto& g : map.groups()) EXPECT_TRUE(shapes.insert({int(g.kind), g.rows, g.cols}).second);
        std::set<std::pair<int, double>> sizes;
        for (const auto& fs : map.factor_stacks()) EXPECT_TRUE(sizes.insert({fs.n, fs.p}).second);
      }
    }
  }
}

TEST(CoreBlocking, BlocksTooLargeForTheKernelsAreRejected) {
  // A 1-D segment of 50000 has a 50000^2 factor (> 2^31 entries); as AdamW it has none and is fine.
  EXPECT_THROW(kdash::BlockMap::build({{"v", {50000}}}, 65536, kdash::OneDimMode::shampoo, kdash::StackingMode::device),
               std::invalid_argument);
  EXPECT_NO_THROW(
      kdash::BlockMap::build({{"v", {50000}}}, 65536, kdash::OneDimMode::adamw, kdash::StackingMode::device));
}

TEST(CoreBlocking, OwnersSplitTheDirectionBuffer) {
  const auto specs = mixed_specs();
  const auto all = kdash::BlockMap::build(specs, 4, kdash::OneDimMode::shampoo, kdash::StackingMode::device);
  std::vector<int> owners(all.blocks().size());
  for (std::size_t i = 0; i < owners.size(); ++i) owners[i] = int(i % 3);
  const auto map = kdash::BlockMap::build(specs, 4, kdash::OneDimMode::shampoo, kdash::StackingMode::device, owners);
  std::size_t end = 0;
  for (int r = 0; r < 3; ++r) {
    const auto range = map.direction_range(r);
    EXPECT_EQ(range.first, end);
    end = range.second;
    for (const auto& b : map.blocks()) {
      const bool inside = b.direction_offset >= range.first && b.direction_offset < range.second;
      EXPECT_EQ(inside, b.owner == r);
    }
  }
  EXPECT_EQ(end, map.direction_size());
  EXPECT_THROW(kdash::BlockMap::build(specs, 4, kdash::OneDimMode::shampoo, kdash::StackingMode::device, {0, 1}),
               std::invalid_argument);
}

// The block map through an optimizer's step, on every execution space.
template <class Space>
class CoreBlockingStep : public ::testing::Test {};
TYPED_TEST_SUITE(CoreBlockingStep, kdash::testing::TestSpaces, kdash::testing::SpaceNames);

// With SGD grafting, no EMA, no preconditioning and lr = 1, the step is W <- W - G: both conversions between a
// parameter and its blocks are exercised and the result must be exact (one float subtraction per element).
TYPED_TEST(CoreBlockingStep, ReassemblyIsExact) {
  using Space = TypeParam;
  using Optimizer = kdash::Optimizer<Space>;
  for (auto mode : {kdash::StackingMode::sequential, kdash::StackingMode::layerwise, kdash::StackingMode::device}) {
    kdash::Config cfg;
    cfg.lr = 1;
    cfg.block_size = 4;
    cfg.stacking = mode;
    cfg.grafting = kdash::GraftingType::sgd;
    cfg.beta_g = 0;
    cfg.start_prec_step = 1000;
    cfg.one_dim = kdash::OneDimMode::shampoo;
    for (int large = 0; large < 2; ++large) {
      const auto specs = large ? large_specs() : mixed_specs();
      cfg.block_size = large ? 64 * 64 + 1000 : 4;
      Optimizer opt(Space(), specs, cfg);
      std::vector<typename Optimizer::ParamView> params;
      std::vector<typename Optimizer::GradView> grads;
      std::vector<std::vector<float>> w0, g0;
      std::mt19937 gen(7);
      std::uniform_real_distribution<float> dist(-1, 1);
      for (const auto& s : specs) {
        const auto n = static_cast<std::size_t>(kdash::numel(s));
        std::vector<float> w(n), g(n);
        for (auto& x : w) x = dist(gen);
        for (auto& x : g) x = dist(gen);
        typename Optimizer::ParamView pv("p", n), gv("g", n);
        Kokkos::deep_copy(pv, Kokkos::View<float*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>(w.data(), n));
        Kokkos::deep_copy(gv, Kokkos::View<float*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>(g.data(), n));
        params.push_back(pv);
        grads.push_back(gv);
        w0.push_back(w);
        g0.push_back(g);
      }
      opt.step(params, grads);
      for (std::size_t i = 0; i < specs.size(); ++i) {
        auto h = kdash::testing::to_host(params[i]);
        for (std::size_t k = 0; k < w0[i].size(); ++k)
          ASSERT_EQ(h(k), w0[i][k] - g0[i][k]) << specs[i].name << " " << k;
      }
    }
  }
}

}  // namespace
