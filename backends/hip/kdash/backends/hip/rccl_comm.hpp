// An RCCL communicator over raw device buffers and a HIP stream. RCCL implements NCCL's API, so the class is the one
// NCCL shares (kdash/backends/vendor/ccl_communicator.hpp, which says what it does); this header names what is RCCL's.
// Only built when RCCL was found (KDASH_HIP_ADAPTERS_HAVE_RCCL == 1).
#pragma once

#include <kdash/backends/hip/data_type.hpp>
#include <kdash/backends/vendor/ccl_communicator.hpp>

#include <hip/hip_runtime_api.h>
#include <rccl/rccl.h>

namespace kdash::backends::hip {

// RCCL's part of the vendor-neutral communicator.
struct Rccl {
  using Comm = ncclComm_t;
  using UniqueId = ncclUniqueId;
  using Stream = hipStream_t;
  static constexpr const char* kClass = "kdash::backends::hip::RcclCommunicator";
};

// Owns one rank's ncclComm_t: RcclCommunicator(id, rank, size), unique_id(), all_gather, all_reduce_sum.
class RcclCommunicator : public vendor::CclCommunicator<Rccl> {
 public:
  using CclCommunicator::CclCommunicator;
};

}  // namespace kdash::backends::hip
