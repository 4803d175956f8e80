#include <kdash/backends/hip/library_error.hpp>
#include <kdash/backends/hip/rccl_comm.hpp>
#include <kdash/backends/vendor/collective_args.hpp>

#include <cstddef>

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
  detail::throw_invalid_argument(function, "type", "not a DataType value");  // validated before
}

}  // namespace

RcclCommunicator::RcclCommunicator(const ncclUniqueId& id, int rank, int size) {
  constexpr const char* kFunction = "kdash::backends::hip::RcclCommunicator";
  vendor::validate_communicator_rank(kFunction, rank, size);
  ncclComm_t comm = nullptr;
  check_rccl(ncclCommInitRank(&comm, size, id, rank), "ncclCommInitRank");
  comm_ = vendor::OwnedCommunicator<ncclComm_t, &ncclCommDestroy>(comm, rank, size);
}

ncclUniqueId RcclCommunicator::unique_id() {
  ncclUniqueId id;
  check_rccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  return id;
}

void RcclCommunicator::all_gather(const void* send, void* recv, std::size_t count_per_rank, DataType type,
                                  hipStream_t stream) {
  constexpr const char* kFunction = "kdash::backends::hip::RcclCommunicator::all_gather";
  vendor::validate_all_gather_args(kFunction, send, recv, count_per_rank, size(), type);
  vendor::require_communicator(kFunction, empty());
  check_rccl(ncclAllGather(send, recv, count_per_rank, rccl_type(kFunction, type), comm_.get(), stream),
             "ncclAllGather");
}

void RcclCommunicator::all_reduce_sum(const void* send, void* recv, std::size_t count, DataType type,
                                      hipStream_t stream) {
  constexpr const char* kFunction = "kdash::backends::hip::RcclCommunicator::all_reduce_sum";
  vendor::validate_all_reduce_args(kFunction, send, recv, count, type);
  vendor::require_communicator(kFunction, empty());
  check_rccl(ncclAllReduce(send, recv, count, rccl_type(kFunction, type), ncclSum, comm_.get(), stream),
             "ncclAllReduce");
}

}  // namespace kdash::backends::hip
