// An RCCL communicator over raw device buffers and a HIP stream. RCCL implements NCCL's API, so this is the HIP
// twin of kdash/backends/cuda/nccl_comm.hpp. Only built when RCCL was found (KDASH_HIP_ADAPTERS_HAVE_RCCL == 1).
// NOT COMPILED on the machine this was written on (no ROCm there).
#pragma once

#include <kdash/backends/hip/data_type.hpp>

#include <hip/hip_runtime_api.h>
#include <rccl/rccl.h>

#include <cstddef>

namespace kdash::backends::hip {

class RcclCommunicator {
 public:
  RcclCommunicator() noexcept = default;
  // Throws std::invalid_argument for size < 1 or rank outside [0, size) before any RCCL call.
  RcclCommunicator(const ncclUniqueId& id, int rank, int size);
  ~RcclCommunicator();
  RcclCommunicator(const RcclCommunicator&) = delete;
  RcclCommunicator& operator=(const RcclCommunicator&) = delete;
  RcclCommunicator(RcclCommunicator&& other) noexcept;
  RcclCommunicator& operator=(RcclCommunicator&& other) noexcept;

  static ncclUniqueId unique_id();

  bool empty() const noexcept { return comm_ == nullptr; }
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }

  void all_gather(const void* send, void* recv, std::size_t count_per_rank, DataType type, hipStream_t stream);
  void all_reduce_sum(const void* send, void* recv, std::size_t count, DataType type, hipStream_t stream);

 private:
  ncclComm_t comm_ = nullptr;
  int rank_ = 0;
  int size_ = 0;
};

}  // namespace kdash::backends::hip
