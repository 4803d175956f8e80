#include <kdash/backends/hip/hip_error.hpp>
#include <kdash/backends/hip/rccl_comm.hpp>

#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace kdash::backends::hip {
namespace {

ncclDataType_t rccl_type(const char* function, DataType type) {
  switch (type) {
    case DataType::f32:
      return ncclFloat32;
    case DataType::f16:
      return ncclFloat16;
    case DataType::bf16:
      return ncclBfloat16;
    case DataType::f64:
      return ncclFloat64;
  }
  detail::throw_invalid_argument(function, "type", "not a DataType value");
}

void validate(const char* function, const void* send, const void* recv, std::size_t count, const char* count_name,
              std::size_t ranks, DataType type, ncclComm_t comm) {
  if (count > std::numeric_limits<std::size_t>::max() / 8 / ranks) {
    detail::throw_invalid_argument(function, count_name, std::to_string(count) + " elements overflow");
  }
  rccl_type(function, type);
  if (count > 0 && send == nullptr) detail::throw_invalid_argument(function, "send", "null pointer");
  if (count > 0 && recv == nullptr) detail::throw_invalid_argument(function, "recv", "null pointer");
  if (comm == nullptr) throw std::logic_error(std::string(function) + ": the communicator is empty");
}

}  // namespace

RcclCommunicator::RcclCommunicator(const ncclUniqueId& id, int rank, int size) {
  constexpr const char* kFunction = "kdash::backends::hip::RcclCommunicator";
  if (size < 1) detail::throw_invalid_argument(kFunction, "size", std::to_string(size) + " < 1");
  if (rank < 0 || rank >= size)
    detail::throw_invalid_argument(kFunction, "rank", std::to_string(rank) + " out of range");
  check_rccl(ncclCommInitRank(&comm_, size, id, rank), "ncclCommInitRank");
  rank_ = rank;
  size_ = size;
}

RcclCommunicator::~RcclCommunicator() {
  if (comm_ != nullptr) ncclCommDestroy(comm_);
}

RcclCommunicator::RcclCommunicator(RcclCommunicator&& other) noexcept
    : comm_(std::exchange(other.comm_, nullptr)),
      rank_(std::exchange(other.rank_, 0)),
      size_(std::exchange(other.size_, 0)) {}

RcclCommunicator& RcclCommunicator::operator=(RcclCommunicator&& other) noexcept {
  if (this != &other) {
    if (comm_ != nullptr) ncclCommDestroy(comm_);
    comm_ = std::exchange(other.comm_, nullptr);
    rank_ = std::exchange(other.rank_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

ncclUniqueId RcclCommunicator::unique_id() {
  ncclUniqueId id;
  check_rccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  return id;
}

void RcclCommunicator::all_gather(const void* send, void* recv, std::size_t count_per_rank, DataType type,
                                  hipStream_t stream) {
  constexpr const char* kFunction = "kdash::backends::hip::RcclCommunicator::all_gather";
  validate(kFunction, send, recv, count_per_rank, "count_per_rank", size_ > 0 ? size_ : 1, type, comm_);
  check_rccl(ncclAllGather(send, recv, count_per_rank, rccl_type(kFunction, type), comm_, stream), "ncclAllGather");
}

void RcclCommunicator::all_reduce_sum(const void* send, void* recv, std::size_t count, DataType type,
                                      hipStream_t stream) {
  constexpr const char* kFunction = "kdash::backends::hip::RcclCommunicator::all_reduce_sum";
  validate(kFunction, send, recv, count, "count", 1, type, comm_);
  check_rccl(ncclAllReduce(send, recv, count, rccl_type(kFunction, type), ncclSum, comm_, stream), "ncclAllReduce");
}

}  // namespace kdash::backends::hip
