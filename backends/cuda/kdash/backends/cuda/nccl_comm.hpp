// An NCCL communicator over raw device buffers and a CUDA stream: the collectives kdash's distribution layer needs.
// Only built when NCCL was found (KDASH_CUDA_ADAPTERS_HAVE_NCCL == 1).
#pragma once

#include <kdash/backends/cuda/data_type.hpp>
#include <kdash/backends/vendor/owned_communicator.hpp>

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <cstddef>

namespace kdash::backends::cuda {

// Owns one rank's ncclComm_t. Every rank of the group creates one with the same ncclUniqueId (made by one rank with
// unique_id() and broadcast, e.g. over MPI), its rank and the group size; creation blocks until all ranks joined.
// The CUDA device current at construction is the rank's device. A default-constructed or moved-from communicator is
// empty: collectives on it validate their arguments, then throw std::logic_error.
class NcclCommunicator {
 public:
  // Move-only (comm_ owns the communicator); destruction and move-assignment release it with ncclCommDestroy.
  NcclCommunicator() noexcept = default;
  // Throws std::invalid_argument for size < 1 or rank outside [0, size) before any NCCL call, VendorError if NCCL
  // fails.
  NcclCommunicator(const ncclUniqueId& id, int rank, int size);

  // A fresh id for a new group (ncclGetUniqueId). Call on one rank only.
  static ncclUniqueId unique_id();

  bool empty() const noexcept { return comm_.empty(); }
  int rank() const noexcept { return comm_.rank(); }
  int size() const noexcept { return comm_.size(); }
  ncclComm_t get() const noexcept { return comm_.get(); }

  // recv[r * count_per_rank + i] = send_of_rank_r[i] for every rank r: recv holds size() * count_per_rank elements.
  // send may alias recv + rank() * count_per_rank (in place). Enqueued on `stream`.
  void all_gather(const void* send, void* recv, std::size_t count_per_rank, DataType type, cudaStream_t stream);
  // recv[i] = sum over ranks of send[i], on every rank; send may equal recv (in place). Enqueued on `stream`.
  void all_reduce_sum(const void* send, void* recv, std::size_t count, DataType type, cudaStream_t stream);

 private:
  vendor::OwnedCommunicator<ncclComm_t, &ncclCommDestroy> comm_;
};

}  // namespace kdash::backends::cuda
