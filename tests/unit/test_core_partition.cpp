// The distribution hook under the communicator constructor (kdash::impl::Partition): ranks that own disjoint sets of
// blocks, each computing only its slice of the packed direction buffer, reproduce the single-process run once
// `exchange` fills in the other slices. Simulated here in one process: rank 1 runs first and records its slice at every
// step; rank 0 then runs with an exchange that supplies those slices. (MPI itself is the distributed layer's business;
// this checks the core's side of the contract.)
#include <gtest/gtest.h>

#include <kdash/impl/partition.hpp>
#include <kdash/optimizer.hpp>

#include "optimizer_test_helpers.hpp"
#include "test_helpers.hpp"
#include "test_spaces.hpp"

namespace {

using kdash::Config;
using kdash::ParamSpec;

const std::vector<ParamSpec> kSpecs = {{"a", {9, 7}}, {"b", {8, 8}}, {"t", {2, 4, 3}}, {"v", {13}}, {"s", {}}};

// Parameters from seed 3, gradients of step t from seed 500 + t.
template <class Space>
struct Harness : kdash::testing::OptimizerHarness<Space> {
  Harness() : kdash::testing::OptimizerHarness<Space>(kSpecs, 3) {}
  void step(kdash::Optimizer<Space>& opt, int t) { this->random_step(opt, 500 + t); }
  std::vector<float> flat() const {
    std::vector<float> out;
    for (const auto& p : this->params) {
      auto h = kdash::testing::to_host(p);
      out.insert(out.end(), h.data(), h.data() + h.extent(0));
    }
    return out;
  }
};

// The roots of a block are computed in stacks of different composition on each rank; with one OpenMP thread that is
// bitwise the same arithmetic, with more the host BLAS may schedule differently (see StackingModesAgree in
// test_core_step.cpp for the bound): eps_root = 0.05 keeps the factors well conditioned, 1e-6 relative.
template <class Space>
class CorePartition : public ::testing::Test {};
TYPED_TEST_SUITE(CorePartition, kdash::testing::TestSpaces, kdash::testing::SpaceNames);

TYPED_TEST(CorePartition, TwoSimulatedRanksReproduceTheSingleProcessRun) {
  using Space = TypeParam;
  Config c = kdash::testing::test_config();
  c.weight_decay = 0.0;
  c.root.eps = 0.05;
  const int steps = 8;

  kdash::Optimizer<Space> single(Space(), kSpecs, c);
  Harness<Space> hs;
  for (int t = 1; t <= steps; ++t) hs.step(single, t);

  const std::size_t nblocks = single.block_map().blocks().size();
  std::vector<int> owners(nblocks);
  for (std::size_t b = 0; b < nblocks; ++b) owners[b] = static_cast<int>((b * 7) % 3 == 0);  // uneven split

  // The packed direction buffer the exchange is handed, in the optimizer's memory.
  using Directions = Kokkos::View<float*, typename Space::memory_space, Kokkos::MemoryUnmanaged>;

  // Rank 1: record its slice after every step.
  std::vector<std::vector<float>> slices;
  kdash::impl::Partition p1;
  p1.rank = 1;
  p1.owners = owners;
  p1.exchange = [&](float* directions, std::size_t count, const kdash::BlockMap& map) {
    const auto range = map.direction_range(1);
    auto h = kdash::testing::to_host(Directions(directions, count));
    slices.emplace_back(h.data() + range.first, h.data() + range.second);
  };
  auto rank1 = kdash::impl::make_partitioned_optimizer(Space(), kSpecs, c, p1);
  Harness<Space> h1;
  for (int t = 1; t <= steps; ++t) h1.step(rank1, t);
  ASSERT_EQ(slices.size(), std::size_t(steps));
  ASSERT_FALSE(slices[0].empty());

  // Rank 0: receives rank 1's slices.
  int call = 0;
  kdash::impl::Partition p0;
  p0.rank = 0;
  p0.owners = owners;
  p0.exchange = [&](float* directions, std::size_t count, const kdash::BlockMap& map) {
    const auto range = map.direction_range(1);
    auto part = Kokkos::subview(Directions(directions, count), Kokkos::make_pair(range.first, range.second));
    Kokkos::deep_copy(part, Kokkos::View<const float*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>(
                                slices[call].data(), slices[call].size()));
    ++call;
  };
  auto rank0 = kdash::impl::make_partitioned_optimizer(Space(), kSpecs, c, p0);
  Harness<Space> h0;
  for (int t = 1; t <= steps; ++t) h0.step(rank0, t);

  const auto x = hs.flat(), y = h0.flat();
  double diff = 0, scale = 0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    diff = std::max(diff, double(std::abs(x[k] - y[k])));
    scale = std::max(scale, double(std::abs(x[k])));
  }
  EXPECT_LE(diff / scale, 1e-6);
  // Each rank holds factor state only for its own blocks.
  std::size_t own0 = 0, own1 = 0;
  for (const auto& f : rank0.metrics().factors) own0 += f.param.empty() ? 0 : 1;
  for (const auto& f : rank1.metrics().factors) own1 += f.param.empty() ? 0 : 1;
  EXPECT_EQ(own0 + own1, single.metrics().factors.size());
  EXPECT_GT(own0, 0u);
  EXPECT_GT(own1, 0u);
}

}  // namespace
