// The MPI communicator's collectives at 1-4 ranks: variable-sized all-gathers (uneven and empty slices, host and
// device buffers, GPU-aware and host-staged), sums, broadcasts, and the agreement check that must fail on every rank
// with the same message and never hang. Values are small integers (or integers + 0.5) so every expected result is
// exact in float: the checks are equalities, not tolerances.
#include <kdash/backends/execution.hpp>
#include <kdash/distributed/mpi_communicator.hpp>

#include "mpi_test_helpers.hpp"
#include "test_spaces.hpp"

#include <gtest/gtest.h>
#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

namespace {

using kdash::distributed::Communicator;
using kdash::distributed::DeviceBuffers;
using kdash::distributed::MemoryKind;
using kdash::distributed::MpiCommunicator;
using kdash::distributed::RankDisagreement;
using kdash::testing::world_rank;
using kdash::testing::world_size;

// Rank r's i-th value: distinct across ranks and positions, exact in float.
float value(int r, std::size_t i) { return static_cast<float>(1000 * r + static_cast<int>(i)) + 0.5f; }

// Count patterns: uneven, with empty slices (every other rank, the first rank, all ranks).
std::vector<std::vector<std::size_t>> count_patterns(int size) {
  std::vector<std::vector<std::size_t>> patterns(5, std::vector<std::size_t>(size));
  for (int r = 0; r < size; ++r) {
    patterns[0][r] = static_cast<std::size_t>(3 * r + 1);               // uneven, none empty
    patterns[1][r] = r % 2 == 1 ? 0 : static_cast<std::size_t>(5 + r);  // every odd rank empty
    patterns[2][r] = r == 0 ? 0 : 7;                                    // rank 0 empty
    patterns[3][r] = 0;                                                 // nothing at all
    patterns[4][r] = r == size - 1 ? 11 : 0;                            // only the last rank sends
  }
  return patterns;
}

void check_gathered(const std::vector<float>& got, const std::vector<std::size_t>& counts) {
  std::size_t at = 0;
  for (std::size_t r = 0; r < counts.size(); ++r)
    for (std::size_t i = 0; i < counts[r]; ++i, ++at)
      ASSERT_EQ(got[at], value(static_cast<int>(r), i)) << "element " << i << " of rank " << r << "'s slice";
  ASSERT_EQ(at, got.size());
}

void gather_host(Communicator& comm) {
  for (const auto& counts : count_patterns(comm.size())) {
    std::vector<float> send(counts[comm.rank()]);
    for (std::size_t i = 0; i < send.size(); ++i) send[i] = value(comm.rank(), i);
    const std::size_t total = std::accumulate(counts.begin(), counts.end(), std::size_t(0));
    std::vector<float> recv(total, -1.0f);
    comm.all_gather_v(send.data(), recv.data(), counts, MemoryKind::host);
    check_gathered(recv, counts);
  }
}

// Views in the memory of `Space`, filled by a kernel on `Space`.
template <class Space>
void gather_device(Communicator& comm) {
  for (const auto& counts : count_patterns(comm.size())) {
    Kokkos::View<float*, typename Space::memory_space> send("send", counts[comm.rank()]);
    const int r = comm.rank();
    Kokkos::parallel_for(
        "kdash::test::fill_send", Kokkos::RangePolicy<Space>(0, send.extent(0)),
        KOKKOS_LAMBDA(const int i) { send(i) = static_cast<float>(1000 * r + i) + 0.5f; });
    // No fence here on purpose: the communicator must fence before handing the buffer to MPI.
    Kokkos::View<float*, typename Space::memory_space> recv("recv", Communicator::displacements(counts).back());
    kdash::distributed::all_gather_v(comm, send, recv, counts);
    auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), recv);
    check_gathered(std::vector<float>(host.data(), host.data() + host.extent(0)), counts);
  }
}

// In place: each rank writes its own slice at its offset of the full buffer, the gather fills in the others.
template <class Space>
void gather_in_place(Communicator& comm) {
  for (const auto& counts : count_patterns(comm.size())) {
    const auto displ = Communicator::displacements(counts);
    Kokkos::View<float*, typename Space::memory_space> buffer("buffer", displ.back());
    Kokkos::deep_copy(buffer, -1.0f);
    const int r = comm.rank();
    const auto own = Kokkos::subview(buffer, std::make_pair(displ[r], displ[r + 1]));
    Kokkos::parallel_for(
        "kdash::test::fill_own", Kokkos::RangePolicy<Space>(0, own.extent(0)),
        KOKKOS_LAMBDA(const int i) { own(i) = static_cast<float>(1000 * r + i) + 0.5f; });
    kdash::distributed::all_gather_v_in_place(comm, buffer, counts);
    auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), buffer);
    check_gathered(std::vector<float>(host.data(), host.data() + host.extent(0)), counts);
    // The raw-pointer form with host memory.
    std::vector<float> h(displ.back(), -1.0f);
    for (std::size_t i = 0; i < counts[r]; ++i) h[displ[r] + i] = value(r, i);
    comm.all_gather_v(h.data() + displ[r], h.data(), counts, MemoryKind::host);
    check_gathered(h, counts);
  }
}

// The View front ends on the memory of every execution space of the build (device buffers where a space has them).
template <class Space>
class DistMpiCommunicatorViews : public ::testing::Test {};
TYPED_TEST_SUITE(DistMpiCommunicatorViews, kdash::testing::TestSpaces, kdash::testing::SpaceNames);

TEST(DistMpiCommunicator, RankAndSizeAreThoseOfTheCommunicator) {
  MpiCommunicator comm(MPI_COMM_WORLD);
  EXPECT_EQ(comm.rank(), world_rank());
  EXPECT_EQ(comm.size(), world_size());
  EXPECT_EQ(comm.name(), "mpi");
  // Works on a private duplicate, not on the caller's communicator.
  int result = MPI_UNEQUAL;
  MPI_Comm_compare(comm.comm(), MPI_COMM_WORLD, &result);
  EXPECT_EQ(result, MPI_CONGRUENT);
}

TEST(DistMpiCommunicator, AllGatherVHostBuffersUnevenAndEmptySlices) {
  MpiCommunicator comm(MPI_COMM_WORLD);
  gather_host(comm);
}

TYPED_TEST(DistMpiCommunicatorViews, AllGatherVDeviceBuffersDirectAndHostStaged) {
  using Space = TypeParam;
  for (auto mode : {DeviceBuffers::automatic, DeviceBuffers::host_staging}) {
    MpiCommunicator comm(MPI_COMM_WORLD, mode);
    if (mode == DeviceBuffers::host_staging) EXPECT_FALSE(comm.passes_device_buffers());
    gather_device<Space>(comm);
  }
}

TYPED_TEST(DistMpiCommunicatorViews, AllGatherVInPlaceDirectAndHostStaged) {
  using Space = TypeParam;
  for (auto mode : {DeviceBuffers::automatic, DeviceBuffers::host_staging}) {
    MpiCommunicator comm(MPI_COMM_WORLD, mode);
    gather_in_place<Space>(comm);
  }
}

TYPED_TEST(DistMpiCommunicatorViews, AllGatherVOnASubCommunicator) {
  using Space = TypeParam;
  // Even and odd world ranks form two communicators; each gathers among its own ranks only.
  MPI_Comm half;
  MPI_Comm_split(MPI_COMM_WORLD, world_rank() % 2, world_rank(), &half);
  {
    MpiCommunicator comm(half);
    EXPECT_EQ(comm.size(), (world_size() + 1 - world_rank() % 2) / 2);
    gather_host(comm);
    gather_device<Space>(comm);
    gather_in_place<Space>(comm);
  }
  MPI_Comm_free(&half);
}

TYPED_TEST(DistMpiCommunicatorViews, AllGatherVRejectsBadArgumentsOnEveryRank) {
  using Space = TypeParam;
  MpiCommunicator comm(MPI_COMM_WORLD);
  std::vector<float> send(1, 0.0f), recv(comm.size() + 1, 0.0f);
  // A counts vector of the wrong length is detected locally, identically on every rank, before any MPI call.
  std::vector<std::size_t> wrong(comm.size() + 1, 1);
  EXPECT_THROW(comm.all_gather_v(send.data(), recv.data(), wrong, MemoryKind::host), std::invalid_argument);
  // Views whose extents do not match the counts.
  std::vector<std::size_t> counts(comm.size(), 1);
  Kokkos::View<float*, typename Space::memory_space> s("s", 1), r("r", comm.size() + 1);
  EXPECT_THROW(kdash::distributed::all_gather_v(comm, s, r, counts), std::invalid_argument);
  // Overlapping send and receive buffers: with two floats per rank, a send one float past this rank's slice start
  // overlaps its own slice on every rank (including the last), and is not the in-place position.
  std::vector<std::size_t> twos(comm.size(), 2);
  std::vector<float> big(2 * comm.size(), 0.0f);
  EXPECT_THROW(comm.all_gather_v(big.data() + 2 * comm.rank() + 1, big.data(), twos, MemoryKind::host),
               std::invalid_argument);
  // The communicator is still usable afterwards.
  comm.barrier();
}

template <class Space, class T>
void check_sums(Communicator& comm, MemoryKind where) {
  const int n = 5, size = comm.size(), rank = comm.rank();
  // value(r, i) = 2^40 * [T is uint64] + r + i: the sum over ranks is size*(2^40*[...] + i) + size(size-1)/2, exact.
  const T base = std::is_same<T, std::uint64_t>::value ? T(std::uint64_t(1) << 40) : T(0);
  Kokkos::View<T*, typename Space::memory_space> data("data", n);
  Kokkos::parallel_for(
      "kdash::test::fill_sum", Kokkos::RangePolicy<Space>(0, n),
      KOKKOS_LAMBDA(const int i) { data(i) = base + T(rank) + T(i); });
  if (where == MemoryKind::device) {
    kdash::distributed::all_reduce_sum(comm, data);
  } else {
    auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), data);
    comm.all_reduce_sum(host.data(), host.extent(0), MemoryKind::host);
    Kokkos::deep_copy(data, host);
  }
  auto got = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), data);
  for (int i = 0; i < n; ++i) EXPECT_EQ(got(i), T(size) * (base + T(i)) + T(size * (size - 1) / 2)) << "element " << i;
}

TYPED_TEST(DistMpiCommunicatorViews, AllReduceSumOfFloatDoubleAndUint64) {
  using Space = TypeParam;
  for (auto mode : {DeviceBuffers::automatic, DeviceBuffers::host_staging}) {
    MpiCommunicator comm(MPI_COMM_WORLD, mode);
    for (auto where : {MemoryKind::host, MemoryKind::device}) {
      check_sums<Space, float>(comm, where);
      check_sums<Space, double>(comm, where);
      check_sums<Space, std::uint64_t>(comm, where);
    }
  }
}

TEST(DistMpiCommunicator, BroadcastCopiesTheRootsBytes) {
  MpiCommunicator comm(MPI_COMM_WORLD);
  for (int root = 0; root < comm.size(); ++root) {
    std::string text = comm.rank() == root ? "from rank " + std::to_string(root) : std::string(12, '?');
    text.resize(12, ' ');
    comm.broadcast(&text[0], text.size(), root);
    EXPECT_EQ(text, ("from rank " + std::to_string(root) + "  ").substr(0, 12));
  }
  std::uint64_t nothing = 0;
  EXPECT_THROW(comm.broadcast(&nothing, sizeof(nothing), comm.size()), std::invalid_argument);
}

// True on every rank iff every rank holds the same string (rank 0's is broadcast and compared).
bool same_on_every_rank(Communicator& comm, const std::string& s) {
  std::uint64_t length = s.size();
  comm.broadcast(&length, sizeof(length), 0);
  std::string reference = s;
  reference.resize(length);
  comm.broadcast(&reference[0], length, 0);
  std::uint64_t differs = reference == s ? 0 : 1;
  comm.all_reduce_sum(&differs, 1, MemoryKind::host);
  return differs == 0;
}

// Runs agree() and returns the message of the RankDisagreement it threw ("" if none).
std::string agree_message(Communicator& comm, std::uint64_t hash, const std::string& what) {
  try {
    comm.agree(hash, what);
  } catch (const RankDisagreement& e) {
    return e.what();
  }
  return "";
}

TEST(DistMpiCommunicator, AgreePassesWhenEveryRankHoldsTheSameHash) {
  MpiCommunicator comm(MPI_COMM_WORLD);
  EXPECT_NO_THROW(comm.agree(0x0123456789abcdefULL, "the optimizer configuration"));
  EXPECT_NO_THROW(comm.agree(0, "an all-zero hash"));
}

TEST(DistMpiCommunicator, AgreeFailsOnEveryRankWithTheSameMessage) {
  MpiCommunicator comm(MPI_COMM_WORLD);
  const int size = comm.size(), rank = comm.rank();
  if (size == 1) GTEST_SKIP() << "one rank cannot disagree with itself";
  // The last rank differs.
  std::string last = agree_message(comm, rank == size - 1 ? 7 : 3, "the parameter list");
  EXPECT_NE(last.find("disagree on the parameter list"), std::string::npos) << last;
  EXPECT_NE(last.find("rank " + std::to_string(size - 1) + " differs from rank 0"), std::string::npos) << last;
  EXPECT_TRUE(same_on_every_rank(comm, last)) << last;
  // Rank 0 differs from everybody else: every other rank is named.
  std::string first = agree_message(comm, rank == 0 ? 1 : 2, "the optimizer configuration");
  std::string others = "rank" + std::string(size > 2 ? "s " : " ");
  for (int r = 1; r < size; ++r) others += (r > 1 ? ", " : "") + std::to_string(r);
  EXPECT_NE(first.find(others), std::string::npos) << first;
  EXPECT_TRUE(same_on_every_rank(comm, first)) << first;
  // Every rank holds a different hash.
  std::string all = agree_message(comm, 100 + static_cast<std::uint64_t>(rank), "everything");
  EXPECT_FALSE(all.empty());
  EXPECT_TRUE(same_on_every_rank(comm, all)) << all;
  // After a disagreement the communicator is still usable.
  EXPECT_NO_THROW(comm.agree(5, "the configuration after a failure"));
}

TEST(DistMpiCommunicator, GatherBytesCollectsEveryRanksPayloadOnTheRoot) {
  MpiCommunicator comm(MPI_COMM_WORLD);
  for (int root = 0; root < comm.size(); ++root) {
    // Rank r sends r * 3 bytes (rank 0 nothing), each byte 'a' + r.
    const std::string mine(static_cast<std::size_t>(3 * comm.rank()), static_cast<char>('a' + comm.rank()));
    const auto all = comm.gather_bytes(mine, root);
    if (comm.rank() != root) {
      EXPECT_TRUE(all.empty());
      continue;
    }
    ASSERT_EQ(all.size(), static_cast<std::size_t>(comm.size()));
    for (int r = 0; r < comm.size(); ++r)
      EXPECT_EQ(all[r], std::string(static_cast<std::size_t>(3 * r), static_cast<char>('a' + r)));
  }
}

TEST(DistMpiCommunicator, AllOrNoneMakesOneRanksFailureEveryRanks) {
  MpiCommunicator comm(MPI_COMM_WORLD);
  const int last = comm.size() - 1;
  EXPECT_NO_THROW(kdash::distributed::all_or_none(comm, [] {}));
  // Only the last rank fails (with invalid_argument): every rank throws invalid_argument with its message.
  std::string message;
  try {
    kdash::distributed::all_or_none(comm, [&] {
      if (comm.rank() == last) throw std::invalid_argument("bad file on the last rank");
    });
  } catch (const std::invalid_argument& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("bad file on the last rank"), std::string::npos) << message;
  EXPECT_TRUE(same_on_every_rank(comm, message)) << message;
  // Every rank fails differently: the lowest rank's message (and type) wins.
  try {
    kdash::distributed::all_or_none(comm, [&] { throw std::runtime_error("failure " + std::to_string(comm.rank())); });
    message.clear();
  } catch (const std::invalid_argument&) {
    message = "wrong type";
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  EXPECT_EQ(message, comm.size() == 1 ? "failure 0" : "rank 0: failure 0");
}

}  // namespace
