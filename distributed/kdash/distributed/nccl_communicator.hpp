// Collectives over NCCL for CUDA builds (design.md §5, §6): device buffers go through ncclAllGather / ncclAllReduce on
// a CUDA stream; host buffers, broadcasts and barriers through MPI. The NCCL communicator is set up from MPI: rank 0
// creates the unique id, MPI broadcasts it, every rank calls ncclCommInitRank.
//
// ncclAllGather moves the same count from every rank, so variable-sized slices are padded to the largest one:
// each rank copies its slice into a padded send buffer, the padded slices are gathered, and each slice is copied to
// its offset (equal counts skip the padding). The vendor calls live in the backends/cuda NCCL adapter.
#pragma once

#include <kdash/config.hpp>

#include <Kokkos_Macros.hpp>

// Part of the library when Kokkos has CUDA and NCCL was found. KDASH_NCCL_COMMUNICATOR_STANDALONE compiles it without
// Kokkos CUDA against the CUDA adapters (the cuda-link test): it needs only the CUDA runtime, the adapter and MPI; its
// MemoryKind::device buffers are then CUDA allocations the caller manages.
#if KDASH_HAVE_MPI && ((KDASH_HAVE_NCCL && defined(KOKKOS_ENABLE_CUDA)) || KDASH_NCCL_COMMUNICATOR_STANDALONE)

#include <kdash/distributed/communicator.hpp>
#include <kdash/distributed/mpi_communicator.hpp>

#include <cuda_runtime_api.h>
#include <mpi.h>

#include <memory>

namespace kdash::backends::cuda {
class NcclCommunicator;
}

namespace kdash::distributed {

class NcclCommunicator final : public Communicator {
 public:
  // Collective over `comm`. `stream`: the CUDA stream the NCCL operations run on (nullptr: a stream of its own).
  // The communicator fences Kokkos before each operation and synchronises the stream after it, so the data are
  // complete on return whatever stream the caller's kernels use.
  explicit NcclCommunicator(MPI_Comm comm, cudaStream_t stream = nullptr);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return mpi_.rank(); }
  int size() const override { return mpi_.size(); }
  std::string name() const override { return "nccl"; }

  void all_gather_v(const float* send, float* recv, const std::vector<std::size_t>& counts, MemoryKind where) override;
  void all_reduce_sum(float* data, std::size_t n, MemoryKind where) override;
  void all_reduce_sum(double* data, std::size_t n, MemoryKind where) override;
  void all_reduce_sum(std::uint64_t* data, std::size_t n, MemoryKind where) override;
  void broadcast(void* data, std::size_t bytes, int root) override { mpi_.broadcast(data, bytes, root); }
  void barrier() override { mpi_.barrier(); }
  std::vector<std::string> gather_bytes(const std::string& mine, int root) override {
    return mpi_.gather_bytes(mine, root);
  }

  // Floats of padding the last all_gather_v moved (size() * largest slice - total): the price of equal counts.
  std::size_t last_padding() const { return last_padding_; }

 private:
  // A grow-only device buffer (cudaMalloc), for the padded slices.
  struct DeviceBuffer {
    float* data = nullptr;
    std::size_t capacity = 0;
    void reserve(std::size_t n);
    ~DeviceBuffer();
  };

  MpiCommunicator mpi_;
  std::unique_ptr<kdash::backends::cuda::NcclCommunicator> nccl_;
  cudaStream_t stream_ = nullptr;
  bool owns_stream_ = false;
  DeviceBuffer padded_send_, padded_recv_;
  std::size_t last_padding_ = 0;
};

}  // namespace kdash::distributed

#endif
