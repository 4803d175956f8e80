// The one-rank communicator: a gather is a copy (host and device buffers), sums and broadcasts leave data as is,
// and agreement always holds; bad arguments are still rejected.
#include <kdash/backends/execution.hpp>
#include <kdash/distributed/single_process_communicator.hpp>

#include "test_spaces.hpp"

#include <gtest/gtest.h>
#include <Kokkos_Core.hpp>

#include <vector>

namespace {

using kdash::distributed::MemoryKind;
using kdash::distributed::SingleProcessCommunicator;

// v(i) = i / 4 in the memory of `Space`, written by a kernel on `Space`. A free function: CUDA allows no device lambda
// inside a TEST body (a private member).
template <class Space>
void fill_quarters(const Kokkos::View<float*, typename Space::memory_space>& v) {
  Kokkos::parallel_for(
      "kdash::test::fill", Kokkos::RangePolicy<Space>(0, int(v.extent(0))),
      KOKKOS_LAMBDA(const int i) { v(i) = 0.25f * i; });
}

TEST(DistSingleProcess, GatherCopiesTheOwnSlice) {
  SingleProcessCommunicator comm;
  EXPECT_EQ(comm.rank(), 0);
  EXPECT_EQ(comm.size(), 1);
  std::vector<float> send{1.5f, -2.0f, 3.25f}, recv(3, 0.0f);
  comm.all_gather_v(send.data(), recv.data(), {3}, MemoryKind::host);
  EXPECT_EQ(recv, send);
  comm.all_gather_v(nullptr, nullptr, {0}, MemoryKind::host);  // empty gather
}

// The View front ends on the memory of every execution space (device buffers where the space has them).
template <class Space>
class DistSingleProcessViews : public ::testing::Test {};
TYPED_TEST_SUITE(DistSingleProcessViews, kdash::testing::TestSpaces, kdash::testing::SpaceNames);

TYPED_TEST(DistSingleProcessViews, GatherCopiesTheOwnSlice) {
  using Space = TypeParam;
  SingleProcessCommunicator comm;
  Kokkos::View<float*, typename Space::memory_space> dsend("send", 4), drecv("recv", 4);
  fill_quarters<Space>(dsend);
  kdash::distributed::all_gather_v(comm, dsend, drecv, {4});
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), drecv);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(h(i), 0.25f * i);
  // In place (the own slice is the whole buffer).
  kdash::distributed::all_gather_v_in_place(comm, drecv, {4});
  Kokkos::deep_copy(h, drecv);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(h(i), 0.25f * i);
}

TEST(DistSingleProcess, ReductionsAndBroadcastKeepTheData) {
  SingleProcessCommunicator comm;
  double d[2] = {1.0, 2.0};
  comm.all_reduce_sum(d, 2, MemoryKind::host);
  EXPECT_EQ(d[0], 1.0);
  EXPECT_EQ(d[1], 2.0);
  std::uint64_t u = 42;
  comm.broadcast(&u, sizeof(u), 0);
  EXPECT_EQ(u, 42u);
  EXPECT_THROW(comm.broadcast(&u, sizeof(u), 1), std::invalid_argument);
  EXPECT_NO_THROW(comm.agree(123, "anything"));
  EXPECT_EQ(comm.gather_bytes("abc", 0), std::vector<std::string>{"abc"});
  comm.barrier();
}

TEST(DistSingleProcess, RejectsBadGatherArguments) {
  SingleProcessCommunicator comm;
  std::vector<float> buf(4);
  EXPECT_THROW(comm.all_gather_v(buf.data(), buf.data() + 1, {2}, MemoryKind::host), std::invalid_argument);
  EXPECT_THROW(comm.all_gather_v(buf.data(), buf.data(), {1, 1}, MemoryKind::host), std::invalid_argument);
  EXPECT_THROW(comm.all_gather_v(nullptr, buf.data(), {1}, MemoryKind::host), std::invalid_argument);
}

}  // namespace
