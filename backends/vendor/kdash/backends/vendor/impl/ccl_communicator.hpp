// The members of CclCommunicator (kdash/backends/vendor/ccl_communicator.hpp): the one source of the NCCL and RCCL
// communicators. Included by exactly one source file per vendor (cuda/nccl_comm.cpp, hip/rccl_comm.cpp) after the
// header that declares the library's NCCL API (<nccl.h>, <rccl/rccl.h>); that file instantiates the class.
#pragma once

#include <kdash/backends/vendor/ccl_communicator.hpp>
#include <kdash/backends/vendor/collective_args.hpp>
#include <kdash/backends/vendor/vendor_error.hpp>

#include <cstddef>
#include <string>
#include <utility>

namespace kdash::backends::vendor {
namespace ccl_detail {

inline std::string result_name(ncclResult_t status) {
  switch (status) {
    case ncclSuccess:
      return "ncclSuccess";
    case ncclUnhandledCudaError:
      return "ncclUnhandledCudaError";
    case ncclSystemError:
      return "ncclSystemError";
    case ncclInternalError:
      return "ncclInternalError";
    case ncclInvalidArgument:
      return "ncclInvalidArgument";
    case ncclInvalidUsage:
      return "ncclInvalidUsage";
    default:  // ncclRemoteError, ncclInProgress (newer libraries) and codes newer than this file
      break;
  }
  return "ncclResult " + std::to_string(static_cast<int>(status));
}

// Returns when `status` is ncclSuccess, throws VendorError naming `call` otherwise.
inline void check(ncclResult_t status, const char* call) {
  if (status == ncclSuccess) return;
  std::string description = ncclGetErrorString(status);
#if defined(NCCL_VERSION_CODE) && NCCL_VERSION_CODE >= NCCL_VERSION(2, 13, 0)
  // The library keeps a more specific message of its last failure (the communicator argument is ignored).
  const char* last = ncclGetLastError(nullptr);
  if (last != nullptr && last[0] != '\0') description += "; " + std::string(last);
#endif
  throw_vendor_error(call, result_name(status), description, static_cast<int>(status));
}

inline ncclDataType_t data_type(const std::string& function, DataType type) {
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
      detail::throw_invalid_argument(function.c_str(), "type", "bf16 needs NCCL >= 2.10");
#endif
  }
  detail::throw_invalid_argument(function.c_str(), "type", "not a DataType value");  // validated before
}

}  // namespace ccl_detail

template <class Ccl>
CclCommunicator<Ccl>::CclCommunicator(const UniqueId& id, int rank, int size) {
  validate_communicator_rank(Ccl::kClass, rank, size);
  Comm comm = nullptr;
  ccl_detail::check(ncclCommInitRank(&comm, size, id, rank), "ncclCommInitRank");
  comm_ = comm;
  rank_ = rank;
  size_ = size;
}

template <class Ccl>
CclCommunicator<Ccl>::~CclCommunicator() {
  release();
}

template <class Ccl>
CclCommunicator<Ccl>::CclCommunicator(CclCommunicator&& other) noexcept
    : comm_(std::exchange(other.comm_, nullptr)),
      rank_(std::exchange(other.rank_, 0)),
      size_(std::exchange(other.size_, 0)) {}

template <class Ccl>
CclCommunicator<Ccl>& CclCommunicator<Ccl>::operator=(CclCommunicator&& other) noexcept {
  if (this != &other) {
    release();
    comm_ = std::exchange(other.comm_, nullptr);
    rank_ = std::exchange(other.rank_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

// The destroy status is dropped: there is nothing to do about a failed release (and destructors must not throw).
template <class Ccl>
void CclCommunicator<Ccl>::release() noexcept {
  if (comm_ != nullptr) static_cast<void>(ncclCommDestroy(comm_));
  comm_ = nullptr;
  rank_ = 0;
  size_ = 0;
}

template <class Ccl>
typename CclCommunicator<Ccl>::UniqueId CclCommunicator<Ccl>::unique_id() {
  UniqueId id;
  ccl_detail::check(ncclGetUniqueId(&id), "ncclGetUniqueId");
  return id;
}

template <class Ccl>
void CclCommunicator<Ccl>::all_gather(const void* send, void* recv, std::size_t count_per_rank, DataType type,
                                      Stream stream) {
  static const std::string function = std::string(Ccl::kClass) + "::all_gather";
  validate_all_gather_args(function.c_str(), send, recv, count_per_rank, size(), type);
  const ncclDataType_t element = ccl_detail::data_type(function, type);
  require_communicator(function.c_str(), empty());
  ccl_detail::check(ncclAllGather(send, recv, count_per_rank, element, comm_, stream), "ncclAllGather");
}

template <class Ccl>
void CclCommunicator<Ccl>::all_reduce_sum(const void* send, void* recv, std::size_t count, DataType type,
                                          Stream stream) {
  static const std::string function = std::string(Ccl::kClass) + "::all_reduce_sum";
  validate_all_reduce_args(function.c_str(), send, recv, count, type);
  const ncclDataType_t element = ccl_detail::data_type(function, type);
  require_communicator(function.c_str(), empty());
  ccl_detail::check(ncclAllReduce(send, recv, count, element, ncclSum, comm_, stream), "ncclAllReduce");
}

}  // namespace kdash::backends::vendor
