#include <kdash/backends/cuda/cuda_error.hpp>
#include <kdash/backends/cuda/nccl_comm.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace kdash::backends::cuda {
namespace {

[[noreturn]] void bad(const char* function, const char* argument, const std::string& why) {
  detail::throw_invalid_argument(function, argument, why);
}

ncclDataType_t nccl_type(const char* function, DataType type) {
  switch (type) {
    case DataType::f32:
      return ncclFloat32;
    case DataType::f16:
      return ncclFloat16;
    case DataType::f64:
      return ncclFloat64;
    case DataType::bf16:
#if defined(NCCL_VERSION_CODE) && NCCL_VERSION_CODE >= NCCL_VERSION(2, 10, 0)
      return ncclBfloat16;
#else
      bad(function, "type", "bf16 needs NCCL >= 2.10");
#endif
  }
  bad(function, "type", "not a DataType value");
}

// Checks what every collective needs; `elements` is the largest buffer's element count.
void validate_buffers(const char* function, const void* send, const void* recv, std::size_t count, std::size_t elements,
                      DataType type) {
  nccl_type(function, type);
  if (count > 0 && send == nullptr) bad(function, "send", "null pointer with " + std::to_string(count) + " elements");
  if (count > 0 && recv == nullptr)
    bad(function, "recv", "null pointer with " + std::to_string(elements) + " elements");
}

void require_communicator(const char* function, ncclComm_t comm) {
  if (comm == nullptr)
    throw std::logic_error(std::string(function) + ": the communicator is empty (default-constructed or moved from)");
}

}  // namespace

NcclCommunicator::NcclCommunicator(const ncclUniqueId& id, int rank, int size) {
  constexpr const char* kFunction = "kdash::backends::cuda::NcclCommunicator";
  if (size < 1) bad(kFunction, "size", std::to_string(size) + " < 1");
  if (rank < 0 || rank >= size) {
    bad(kFunction, "rank", std::to_string(rank) + " is outside [0, " + std::to_string(size) + ")");
  }
  check_nccl(ncclCommInitRank(&comm_, size, id, rank), "ncclCommInitRank");
  rank_ = rank;
  size_ = size;
}

NcclCommunicator::~NcclCommunicator() {
  if (comm_ != nullptr) ncclCommDestroy(comm_);
}

NcclCommunicator::NcclCommunicator(NcclCommunicator&& other) noexcept
    : comm_(std::exchange(other.comm_, nullptr)),
      rank_(std::exchange(other.rank_, 0)),
      size_(std::exchange(other.size_, 0)) {}

NcclCommunicator& NcclCommunicator::operator=(NcclCommunicator&& other) noexcept {
  if (this != &other) {
    if (comm_ != nullptr) ncclCommDestroy(comm_);
    comm_ = std::exchange(other.comm_, nullptr);
    rank_ = std::exchange(other.rank_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

ncclUniqueId NcclCommunicator::unique_id() {
  ncclUniqueId id;
  check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  return id;
}

void NcclCommunicator::all_gather(const void* send, void* recv, std::size_t count_per_rank, DataType type,
                                  cudaStream_t stream) {
  constexpr const char* kFunction = "kdash::backends::cuda::NcclCommunicator::all_gather";
  const std::size_t ranks = size_ > 0 ? static_cast<std::size_t>(size_) : 1;
  if (count_per_rank > std::numeric_limits<std::size_t>::max() / 8 / ranks) {
    bad(kFunction, "count_per_rank", std::to_string(count_per_rank) + " times the group size overflows");
  }
  validate_buffers(kFunction, send, recv, count_per_rank, count_per_rank * ranks, type);
  require_communicator(kFunction, comm_);
  check_nccl(ncclAllGather(send, recv, count_per_rank, nccl_type(kFunction, type), comm_, stream), "ncclAllGather");
}

void NcclCommunicator::all_reduce_sum(const void* send, void* recv, std::size_t count, DataType type,
                                      cudaStream_t stream) {
  constexpr const char* kFunction = "kdash::backends::cuda::NcclCommunicator::all_reduce_sum";
  if (count > std::numeric_limits<std::size_t>::max() / 8) {
    bad(kFunction, "count", std::to_string(count) + " elements overflow the address range");
  }
  validate_buffers(kFunction, send, recv, count, count, type);
  require_communicator(kFunction, comm_);
  check_nccl(ncclAllReduce(send, recv, count, nccl_type(kFunction, type), ncclSum, comm_, stream), "ncclAllReduce");
}

}  // namespace kdash::backends::cuda
