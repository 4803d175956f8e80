// An RCCL communicator over raw device buffers and a HIP stream. RCCL implements NCCL's API, so this is the HIP
// twin of kdash/backends/cuda/nccl_comm.hpp. Only built when RCCL was found (KDASH_HIP_ADAPTERS_HAVE_RCCL == 1).
// NOT COMPILED on the machine this was written on (no ROCm there).
#pragma once

#include <kdash/backends/hip/data_type.hpp>
#include <kdash/backends/vendor/owned_communicator.hpp>

#include <hip/hip_runtime_api.h>
#include <rccl/rccl.h>

#include <cstddef>

namespace kdash::backends::hip {

class RcclCommunicator {
 public:
  // Move-only (comm_ owns the communicator); destruction and move-assignment release it with ncclCommDestroy.
  RcclCommunicator() noexcept = default;
  // Throws std::invalid_argument for size < 1 or rank outside [0, size) before any RCCL call.
  RcclCommunicator(const ncclUniqueId& id, int rank, int size);

  static ncclUniqueId unique_id();

  bool empty() const noexcept { return comm_.empty(); }
  int rank() const noexcept { return comm_.rank(); }
  int size() const noexcept { return comm_.size(); }

  void all_gather(const void* send, void* recv, std::size_t count_per_rank, DataType type, hipStream_t stream);
  void all_reduce_sum(const void* send, void* recv, std::size_t count, DataType type, hipStream_t stream);

 private:
  vendor::OwnedCommunicator<ncclComm_t, &ncclCommDestroy> comm_;
};

}  // namespace kdash::backends::hip
