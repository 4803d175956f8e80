// The distribution layer's NCCL communicator (distributed/nccl_communicator.cpp) compiles and links against the CUDA
// adapters and NCCL on any machine with the toolkit (label cuda-link). Without a GPU its construction must fail with a
// clear std::runtime_error, never crash; with one (one rank) the padded all-gather of uneven slices, the in-place
// form, the sums and the host-buffer path are checked exactly (small integers + 0.5 are exact in float).
#include <kdash/distributed/nccl_communicator.hpp>

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>
#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

using kdash::distributed::MemoryKind;
using kdash::distributed::NcclCommunicator;

bool have_gpu() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

template <class T>
struct DeviceArray {
  T* data = nullptr;
  explicit DeviceArray(std::size_t n) {
    EXPECT_EQ(cudaMalloc(reinterpret_cast<void**>(&data), n * sizeof(T)), cudaSuccess);
  }
  ~DeviceArray() { cudaFree(data); }
};

TEST(DistNccl, ConstructionWithoutAGpuFailsCleanly) {
  if (have_gpu()) GTEST_SKIP() << "a GPU is present: construction is checked by the next test";
  try {
    NcclCommunicator comm(MPI_COMM_WORLD);
    ADD_FAILURE() << "constructed an NCCL communicator without a GPU";
  } catch (const std::runtime_error& e) {
    // Either the id (NCCL) or the stream (CUDA) fails first; the message names the failing call.
    const std::string what = e.what();
    EXPECT_TRUE(what.find("nccl") != std::string::npos || what.find("cuda") != std::string::npos) << what;
    std::cout << "without a GPU: " << what << "\n";
  }
}

TEST(DistNccl, CollectivesOnOneRank) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  NcclCommunicator comm(MPI_COMM_WORLD);
  ASSERT_EQ(comm.size(), 1) << "run this test on one rank";
  EXPECT_EQ(comm.name(), "nccl");
  // One rank: the slice is the whole result; in place and out of place.
  const std::vector<float> values{0.5f, 1.5f, 2.5f, 3.5f, 4.5f};
  DeviceArray<float> send(values.size()), recv(values.size());
  cudaMemcpy(send.data, values.data(), values.size() * sizeof(float), cudaMemcpyHostToDevice);
  comm.all_gather_v(send.data, recv.data, {values.size()}, MemoryKind::device);
  std::vector<float> got(values.size());
  cudaMemcpy(got.data(), recv.data, got.size() * sizeof(float), cudaMemcpyDeviceToHost);
  EXPECT_EQ(got, values);
  comm.all_gather_v(recv.data, recv.data, {values.size()}, MemoryKind::device);
  cudaMemcpy(got.data(), recv.data, got.size() * sizeof(float), cudaMemcpyDeviceToHost);
  EXPECT_EQ(got, values);
  // Sums over one rank keep the values; uint64 goes through the host.
  comm.all_reduce_sum(recv.data, values.size(), MemoryKind::device);
  cudaMemcpy(got.data(), recv.data, got.size() * sizeof(float), cudaMemcpyDeviceToHost);
  EXPECT_EQ(got, values);
  DeviceArray<std::uint64_t> counters(2);
  const std::uint64_t c[2] = {7, std::uint64_t(1) << 40};
  cudaMemcpy(counters.data, c, sizeof(c), cudaMemcpyHostToDevice);
  comm.all_reduce_sum(counters.data, 2, MemoryKind::device);
  std::uint64_t back[2] = {0, 0};
  cudaMemcpy(back, counters.data, sizeof(back), cudaMemcpyDeviceToHost);
  EXPECT_EQ(back[0], c[0]);
  EXPECT_EQ(back[1], c[1]);
  // Host buffers go through MPI; agreement works.
  std::vector<float> host_recv(values.size());
  comm.all_gather_v(values.data(), host_recv.data(), {values.size()}, MemoryKind::host);
  EXPECT_EQ(host_recv, values);
  EXPECT_NO_THROW(comm.agree(42, "the test"));
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  Kokkos::initialize(argc, argv);
  int result = 0;
  {
    ::testing::InitGoogleTest(&argc, argv);
    result = RUN_ALL_TESTS();
  }
  Kokkos::finalize();
  MPI_Finalize();
  return result;
}
