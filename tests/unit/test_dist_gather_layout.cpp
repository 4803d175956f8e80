// GatherLayout: the packed blocks tile each rank's send slice and the gathered buffer exactly (no gap, no overlap),
// in the caller's packing order, rank slices in rank order.
#include <kdash/distributed/gather_layout.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace {

using kdash::distributed::GatherLayout;

// Marks every element each block occupies; every element of [0, total) must be covered exactly once.
void expect_tiling(const GatherLayout& layout, std::size_t blocks) {
  std::vector<int> covered(layout.total(), 0);
  for (std::size_t b = 0; b < blocks; ++b)
    for (std::size_t i = 0; i < layout.elements(b); ++i) ++covered.at(layout.offset(b) + i);
  for (std::size_t i = 0; i < covered.size(); ++i) EXPECT_EQ(covered[i], 1) << "element " << i;
}

TEST(DistGatherLayout, BlocksTileTheSlicesInRankOrder) {
  const std::vector<int> owner{2, 0, 2, 1, 0, 2};
  const std::vector<std::size_t> elements{4, 6, 1, 9, 2, 3};
  GatherLayout layout(owner, elements, 4);
  EXPECT_EQ(layout.counts(), (std::vector<std::size_t>{8, 9, 8, 0}));  // rank 3 owns nothing
  EXPECT_EQ(layout.total(), 25u);
  EXPECT_EQ(layout.received_elements(), 75u);
  // Rank 0: blocks 1 (6), 4 (2); rank 1: block 3; rank 2: blocks 0 (4), 2 (1), 5 (3).
  EXPECT_EQ(layout.offset(1), 0u);
  EXPECT_EQ(layout.offset(4), 6u);
  EXPECT_EQ(layout.offset(3), 8u);
  EXPECT_EQ(layout.offset(0), 17u);
  EXPECT_EQ(layout.offset(2), 21u);
  EXPECT_EQ(layout.offset(5), 22u);
  EXPECT_EQ(layout.local_offset(5), 5u);
  expect_tiling(layout, owner.size());
}

TEST(DistGatherLayout, PackingOrderIsFollowedWithinEachRank) {
  const std::vector<int> owner{0, 0, 1, 0};
  const std::vector<std::size_t> elements{1, 2, 3, 4};
  GatherLayout layout(owner, elements, 2, {3, 2, 1, 0});
  EXPECT_EQ(layout.local_offset(3), 0u);
  EXPECT_EQ(layout.local_offset(1), 4u);
  EXPECT_EQ(layout.local_offset(0), 6u);
  EXPECT_EQ(layout.offset(2), 7u);
  expect_tiling(layout, owner.size());
}

TEST(DistGatherLayout, RejectsInconsistentInput) {
  EXPECT_THROW(GatherLayout({0, 1}, {1}, 2), std::invalid_argument);
  EXPECT_THROW(GatherLayout({0, 2}, {1, 1}, 2), std::invalid_argument);
  EXPECT_THROW(GatherLayout({0, 1}, {1, 1}, 2, {0, 0}), std::invalid_argument);
  EXPECT_THROW(GatherLayout({0, 1}, {1, 1}, 2, {0}), std::invalid_argument);
  EXPECT_THROW(GatherLayout({0}, {1}, 0), std::invalid_argument);
}

}  // namespace
