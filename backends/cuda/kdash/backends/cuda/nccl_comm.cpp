#include <kdash/backends/cuda/cuda_error.hpp>
#include <kdash/backends/cuda/nccl_comm.hpp>
#include <kdash/backends/vendor/collective_args.hpp>

#include <cstddef>

namespace kdash::backends::cuda {
namespace {

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
      detail::throw_invalid_argument(function, "type", "bf16 needs NCCL >= 2.10");
#endif
  }
  detail::throw_invalid_argument(function, "type", "not a DataType value");  // validated before
}

}  // namespace

NcclCommunicator::NcclCommunicator(const ncclUniqueId& id, int rank, int size) {
  constexpr const char* kFunction = "kdash::backends::cuda::NcclCommunicator";
  vendor::validate_communicator_rank(kFunction, rank, size);
  ncclComm_t comm = nullptr;
  check_nccl(ncclCommInitRank(&comm, size, id, rank), "ncclCommInitRank");
  comm_ = vendor::OwnedCommunicator<ncclComm_t, &ncclCommDestroy>(comm, rank, size);
}

ncclUniqueId NcclCommunicator::unique_id() {
  ncclUniqueId id;
  check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  return id;
}

void NcclCommunicator::all_gather(const void* send, void* recv, std::size_t count_per_rank, DataType type,
                                  cudaStream_t stream) {
  constexpr const char* kFunction = "kdash::backends::cuda::NcclCommunicator::all_gather";
  vendor::validate_all_gather_args(kFunction, send, recv, count_per_rank, size(), type);
  const ncclDataType_t nccl = nccl_type(kFunction, type);
  vendor::require_communicator(kFunction, empty());
  check_nccl(ncclAllGather(send, recv, count_per_rank, nccl, comm_.get(), stream), "ncclAllGather");
}

void NcclCommunicator::all_reduce_sum(const void* send, void* recv, std::size_t count, DataType type,
                                      cudaStream_t stream) {
  constexpr const char* kFunction = "kdash::backends::cuda::NcclCommunicator::all_reduce_sum";
  vendor::validate_all_reduce_args(kFunction, send, recv, count, type);
  const ncclDataType_t nccl = nccl_type(kFunction, type);
  vendor::require_communicator(kFunction, empty());
  check_nccl(ncclAllReduce(send, recv, count, nccl, ncclSum, comm_.get(), stream), "ncclAllReduce");
}

}  // namespace kdash::backends::cuda
