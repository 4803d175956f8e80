// An NCCL communicator over raw device buffers and a CUDA stream: the collectives kdash's distribution layer needs.
// The class is the one RCCL shares (kdash/backends/vendor/ccl_communicator.hpp, which says what it does); this header
// names what is NCCL's. Only built when NCCL was found (KDASH_CUDA_ADAPTERS_HAVE_NCCL == 1).
#pragma once

#include <kdash/backends/cuda/data_type.hpp>
#include <kdash/backends/vendor/ccl_communicator.hpp>

#include <cuda_runtime_api.h>
#include <nccl.h>

namespace kdash::backends::cuda {

// NCCL's part of the vendor-neutral communicator.
struct Nccl {
  using Comm = ncclComm_t;
  using UniqueId = ncclUniqueId;
  using Stream = cudaStream_t;
  static constexpr const char* kClass = "kdash::backends::cuda::NcclCommunicator";
};

// Owns one rank's ncclComm_t: NcclCommunicator(id, rank, size), unique_id(), all_gather, all_reduce_sum.
class NcclCommunicator : public vendor::CclCommunicator<Nccl> {
 public:
  using CclCommunicator::CclCommunicator;
};

}  // namespace kdash::backends::cuda
