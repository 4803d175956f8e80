// The distributed optimizer (design.md §5) at 1-4 ranks against the single-process optimizer run in the same process on
// the same inputs, on every execution space of the build:
//   * parameters after 20 steps, for a mixed set of shapes (parameters with fewer blocks than ranks, one-sided
//     segments, a rank-3 tensor, a scalar) and for a model with fewer blocks than ranks (ranks that own nothing);
//   * checkpoints saved on S ranks and loaded on L ranks (every S, L <= world size, on sub-communicators) continue
//     like the uninterrupted run;
//   * mismatched configurations or parameter lists fail on every rank with the same message;
//   * average_gradients turns per-rank gradients into their mean.
//
// Why the comparison is bitwise: every per-block computation (statistics GEMMs, roots, direction GEMMs, norms) is a
// function of that block's data only, computed by the same kernels whichever stack the block sits in, and the
// all-gather copies floats without arithmetic; the update is then applied by every rank to every block exactly as in
// the single process. The design's 1e-6 relative bound (design.md §5) is checked as well (and only it on GPU backends,
// whose vendor GEMM may choose a different algorithm for a different batch count).
#include <kdash/distributed/mpi_communicator.hpp>
#include <kdash/optimizer.hpp>

#include "mpi_test_helpers.hpp"
#include "optimizer_test_helpers.hpp"
#include "test_spaces.hpp"

#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using kdash::Config;
using kdash::ParamSpec;
using kdash::distributed::MpiCommunicator;
using kdash::distributed::RankDisagreement;
using kdash::testing::test_config;
using kdash::testing::world_rank;
using kdash::testing::world_size;

// Block size 4: w (10 x 6) has 6 blocks of four shapes, w_small one, conv (3 x 8) two, bias (9) three one-sided
// segments (4, 4, 1), gain one: 13 blocks, several parameters with fewer blocks than 4 ranks.
const std::vector<ParamSpec> kMixed = {
    {"w", {10, 6}}, {"w_small", {3, 2}}, {"conv", {3, 2, 4}}, {"bias", {9}}, {"gain", {}}};
// One block: at 2-4 ranks every rank but one owns nothing.
const std::vector<ParamSpec> kTiny = {{"only", {3, 4}}};

// Parameters and gradients of one run. Gradients of step t are dyadic rationals k/64 with |k| <= 64 (see
// AverageGradientsGivesTheMeanOfTheRanksGradients), the same on every rank unless `spread` is set.
template <class Space>
struct Trajectory : kdash::testing::OptimizerHarness<Space> {
  using Optimizer = kdash::Optimizer<Space>;
  explicit Trajectory(const std::vector<ParamSpec>& specs) : kdash::testing::OptimizerHarness<Space>(specs, 7) {}

  // spread: rank r of `ranks` adds (2r - (ranks - 1)) * h/2 with h = j/64, |j| <= 8; the offsets sum to zero.
  void step(Optimizer& opt, int t, int rank = 0, int ranks = 1, bool spread = false) {
    std::mt19937 gen(1000 + t);
    std::uniform_int_distribution<int> k(-64, 64), j(-8, 8);
    std::vector<typename Optimizer::GradView> gv;
    for (auto& g : this->grads) {
      auto h = Kokkos::create_mirror_view(g);
      for (std::size_t i = 0; i < h.extent(0); ++i) {
        h(i) = static_cast<float>(k(gen)) / 64.0f;
        const float offset = static_cast<float>(2 * rank - (ranks - 1)) * (static_cast<float>(j(gen)) / 128.0f);
        if (spread) h(i) += offset;
      }
      Kokkos::deep_copy(g, h);
      gv.push_back(g);
    }
    opt.step(this->params, gv);
  }
};

// design.md §5: within 1e-6 relative to the largest entry of the parameter; and bitwise on a host space (see the file
// comment).
template <class Space>
void expect_same(const std::vector<std::vector<float>>& got, const std::vector<std::vector<float>>& want,
                 const std::vector<ParamSpec>& specs, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].size(), want[i].size());
    double scale = 0, err = 0;
    for (std::size_t k = 0; k < got[i].size(); ++k) {
      scale = std::max(scale, std::abs(double(want[i][k])));
      err = std::max(err, std::abs(double(got[i][k]) - double(want[i][k])));
    }
    EXPECT_LE(err, 1e-6 * scale) << what << ": parameter " << specs[i].name << " on world rank " << world_rank();
    // Bitwise on the host backends; a GPU vendor GEMM may pick another algorithm for another batch count.
    if (kdash::is_host_space_v<Space>) {
      EXPECT_EQ(std::memcmp(got[i].data(), want[i].data(), got[i].size() * sizeof(float)), 0)
          << what << ": parameter " << specs[i].name << " differs bitwise (max error " << err << ")";
    }
  }
}

template <class Space>
std::vector<std::vector<float>> single_process_run(const std::vector<ParamSpec>& specs, const Config& config,
                                                   int steps) {
  kdash::Optimizer<Space> opt(Space(), specs, config);
  Trajectory<Space> run(specs);
  for (int t = 1; t <= steps; ++t) run.step(opt, t);
  return run.values();
}

template <class Space>
void check_matches_single_process(const std::vector<ParamSpec>& specs, const Config& config) {
  const auto want = single_process_run<Space>(specs, config, 20);
  auto comm = std::make_shared<MpiCommunicator>(MPI_COMM_WORLD);
  kdash::Optimizer<Space> opt(Space(), specs, config, comm);
  Trajectory<Space> run(specs);
  for (int t = 1; t <= 20; ++t) run.step(opt, t);
  expect_same<Space>(run.values(), want, specs, "20 steps on " + std::to_string(comm->size()) + " ranks");

  // Every block is owned exactly once; the metrics report the ownership and the traffic.
  const kdash::Metrics m = opt.metrics();
  EXPECT_EQ(m.rank, comm->rank());
  EXPECT_EQ(m.ranks, comm->size());
  std::uint64_t owned = static_cast<std::uint64_t>(m.owned_blocks);
  comm->all_reduce_sum(&owned, 1, kdash::distributed::MemoryKind::host);
  EXPECT_EQ(owned, opt.block_map().blocks().size());
  EXPECT_GE(m.load_balance, 1.0);
  std::size_t total = 0;
  for (const auto& p : opt.block_map().params()) total += static_cast<std::size_t>(p.numel);
  EXPECT_EQ(m.direction_bytes_all_ranks, comm->size() > 1 ? (comm->size() - 1) * total * sizeof(float) : 0u);
  std::uint64_t received = m.direction_bytes_received;
  comm->all_reduce_sum(&received, 1, kdash::distributed::MemoryKind::host);
  EXPECT_EQ(received, m.direction_bytes_all_ranks);  // each rank receives everything but its own slice
}

// TypeParam: the execution space of the optimizers under test.
template <class Space>
class DistOptimizer : public ::testing::Test {};
TYPED_TEST_SUITE(DistOptimizer, kdash::testing::TestSpaces, kdash::testing::SpaceNames);

TYPED_TEST(DistOptimizer, MixedShapesMatchTheSingleProcessRun) {
  check_matches_single_process<TypeParam>(kMixed, test_config());
}

TYPED_TEST(DistOptimizer, MixedShapesMatchWithLayerwiseAndSequentialStacking) {
  using Space = TypeParam;
  for (auto mode : {kdash::StackingMode::layerwise, kdash::StackingMode::sequential}) {
    Config c = test_config();
    c.stacking = mode;
    check_matches_single_process<Space>(kMixed, c);
  }
}

TYPED_TEST(DistOptimizer, RanksWithoutBlocksStillApplyTheFullUpdate) {
  using Space = TypeParam;
  auto comm = std::make_shared<MpiCommunicator>(MPI_COMM_WORLD);
  kdash::Optimizer<Space> opt(Space(), kTiny, test_config(), comm);
  const int owners = opt.metrics().owned_blocks > 0 ? 1 : 0;
  int total_owners = 0;
  MPI_Allreduce(&owners, &total_owners, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_EQ(total_owners, 1);  // one block: one owner, world_size - 1 ranks own nothing
  check_matches_single_process<Space>(kTiny, test_config());
}

// Path shared by the ranks of this test run: world rank 0's process id.
std::string shared_path(const std::string& stem) {
  long pid = world_rank() == 0 ? static_cast<long>(::getpid()) : 0;
  MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  return "kdash_test_dist_" + stem + "_" + std::to_string(pid) + ".ckpt";
}

// The first `n` world ranks as a communicator (MPI_COMM_NULL on the others).
MPI_Comm first_ranks(int n) {
  MPI_Comm sub;
  MPI_Comm_split(MPI_COMM_WORLD, world_rank() < n ? 0 : MPI_UNDEFINED, world_rank(), &sub);
  return sub;
}

TYPED_TEST(DistOptimizer, CheckpointSavedOnSRanksContinuesOnLRanks) {
  using Space = TypeParam;
  const Config config = test_config();
  const auto want = single_process_run<Space>(kMixed, config, 20);
  const std::string path = shared_path("ckpt");
  for (int saving = 1; saving <= world_size(); ++saving) {
    for (int loading = 1; loading <= world_size(); ++loading) {
      const std::string what =
          "saved on " + std::to_string(saving) + " ranks, loaded on " + std::to_string(loading) + " ranks";
      // Steps 1-10 on `saving` ranks, then save; the parameters travel from world rank 0 (the caller owns them).
      std::vector<std::vector<float>> halfway;
      MPI_Comm save_comm = first_ranks(saving);
      if (save_comm != MPI_COMM_NULL) {
        kdash::Optimizer<Space> opt(Space(), kMixed, config, std::make_shared<MpiCommunicator>(save_comm));
        Trajectory<Space> run(kMixed);
        for (int t = 1; t <= 10; ++t) run.step(opt, t);
        opt.save(path);
        halfway = run.values();
        MPI_Comm_free(&save_comm);
      }
      halfway.resize(kMixed.size());
      for (std::size_t i = 0; i < kMixed.size(); ++i) {
        halfway[i].resize(static_cast<std::size_t>(kdash::numel(kMixed[i])));
        MPI_Bcast(halfway[i].data(), static_cast<int>(halfway[i].size()), MPI_FLOAT, 0, MPI_COMM_WORLD);
      }
      // Steps 11-20 on `loading` ranks from the file.
      MPI_Comm load_comm = first_ranks(loading);
      if (load_comm != MPI_COMM_NULL) {
        kdash::Optimizer<Space> opt(Space(), kMixed, config, std::make_shared<MpiCommunicator>(load_comm));
        opt.load(path);
        EXPECT_EQ(opt.step_count(), 10) << what;
        Trajectory<Space> run(kMixed);
        run.set(halfway);
        for (int t = 11; t <= 20; ++t) run.step(opt, t);
        expect_same<Space>(run.values(), want, kMixed, what);
        MPI_Comm_free(&load_comm);
      }
      MPI_Barrier(MPI_COMM_WORLD);
    }
  }
  if (world_rank() == 0) std::remove(path.c_str());
}

TYPED_TEST(DistOptimizer, CheckpointFailuresAreReportedOnEveryRank) {
  using Space = TypeParam;
  auto comm = std::make_shared<MpiCommunicator>(MPI_COMM_WORLD);
  kdash::Optimizer<Space> opt(Space(), kMixed, test_config(), comm);
  // A file that does not exist (only rank 0 reads it): every rank throws.
  EXPECT_THROW(opt.load("kdash_test_dist_no_such_file.ckpt"), std::runtime_error);
  // A checkpoint of a different model: the configuration check fails alike everywhere.
  const std::string path = shared_path("other");
  {
    kdash::Optimizer<Space> other(Space(), kTiny, test_config(), comm);
    other.save(path);
  }
  EXPECT_THROW(opt.load(path), std::runtime_error);
  // Unwritable target: rank 0 fails to write, every rank throws.
  EXPECT_THROW(opt.save("/nonexistent_dir_kdash/x.ckpt"), std::runtime_error);
  comm->barrier();
  if (world_rank() == 0) std::remove(path.c_str());
}

// Runs the constructor and returns the RankDisagreement message ("" if none was thrown).
template <class Space>
std::string construction_error(const std::vector<ParamSpec>& specs, const Config& config) {
  try {
    kdash::Optimizer<Space> opt(Space(), specs, config, std::make_shared<MpiCommunicator>(MPI_COMM_WORLD));
  } catch (const RankDisagreement& e) {
    return e.what();
  }
  return "";
}

// True on every rank iff every rank holds the same string.
bool same_on_every_rank(const std::string& s) {
  int length = static_cast<int>(s.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string reference = s;
  reference.resize(length);
  MPI_Bcast(&reference[0], length, MPI_CHAR, 0, MPI_COMM_WORLD);
  int differs = reference == s ? 0 : 1, any = 0;
  MPI_Allreduce(&differs, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any == 0;
}

TYPED_TEST(DistOptimizer, MismatchedConfigurationFailsFastOnEveryRank) {
  using Space = TypeParam;
  if (world_size() == 1) GTEST_SKIP() << "one rank always agrees with itself";
  const bool last = world_rank() == world_size() - 1;
  Config c = test_config();
  if (last) c.lr = 0.02;
  const std::string config_error = construction_error<Space>(kMixed, c);
  EXPECT_NE(config_error.find("disagree on the optimizer configuration"), std::string::npos) << config_error;
  EXPECT_TRUE(same_on_every_rank(config_error)) << config_error;

  // An invalid value on one rank only is a disagreement too (caught before validation, so no rank is left behind).
  Config invalid = test_config();
  if (last) invalid.block_size = 0;
  const std::string invalid_error = construction_error<Space>(kMixed, invalid);
  EXPECT_FALSE(invalid_error.empty());
  EXPECT_TRUE(same_on_every_rank(invalid_error)) << invalid_error;

  std::vector<ParamSpec> specs = kMixed;
  if (last) specs[1].shape = {3, 3};
  const std::string param_error = construction_error<Space>(specs, test_config());
  EXPECT_NE(param_error.find("disagree on the parameter list"), std::string::npos) << param_error;
  EXPECT_TRUE(same_on_every_rank(param_error)) << param_error;

  // The same invalid configuration everywhere: the ordinary validation error, on every rank.
  Config bad = test_config();
  bad.block_size = 0;
  EXPECT_THROW(kdash::Optimizer<Space>(Space(), kMixed, bad, std::make_shared<MpiCommunicator>(MPI_COMM_WORLD)),
               std::invalid_argument);
}

TYPED_TEST(DistOptimizer, AverageGradientsGivesTheMeanOfTheRanksGradients) {
  using Space = TypeParam;
  // Rank r's gradient is g + d_r with sum_r d_r = 0; g = k/64 and d_r a multiple of 1/128, all small: every partial
  // sum is exact in float whatever order MPI adds in, and (R g) / R = g exactly (a representable quotient). So the
  // averaged run must equal the single-process run on g bitwise.
  const Config config = test_config();
  const auto want = single_process_run<Space>(kMixed, config, 20);
  auto comm = std::make_shared<MpiCommunicator>(MPI_COMM_WORLD);
  kdash::DistributedOptions options;
  options.average_gradients = true;
  kdash::Optimizer<Space> opt(Space(), kMixed, config, comm, options);
  Trajectory<Space> run(kMixed);
  for (int t = 1; t <= 20; ++t) run.step(opt, t, comm->rank(), comm->size(), /*spread=*/true);
  expect_same<Space>(run.values(), want, kMixed, "average_gradients on " + std::to_string(comm->size()) + " ranks");
}

}  // namespace
