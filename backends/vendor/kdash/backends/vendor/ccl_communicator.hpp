// One rank's communicator of a collective library with NCCL's API, over raw device buffers and a stream: the
// collectives kdash's distribution layer needs. Written once for NCCL (CUDA) and RCCL (HIP): RCCL implements NCCL's
// API under the same names, so the two differ only in the header that declares it and in the stream type.
//
// Every rank of the group creates one with the same unique id (made by one rank with unique_id() and broadcast, e.g.
// over MPI), its rank and the group size; creation blocks until all ranks joined. The device current at construction
// is the rank's device. A default-constructed or moved-from communicator is empty: collectives on it validate their
// arguments, then throw std::logic_error.
//
// `Ccl` is the per-vendor part, a struct of the library's names (cuda/nccl_comm.hpp, hip/rccl_comm.hpp):
//   using Comm, UniqueId, Stream                 ncclComm_t, ncclUniqueId and the runtime's stream type
//   static constexpr const char* kClass          the adapter class, which messages name
// The members are defined once, in impl/ccl_communicator.hpp, and instantiated by each vendor's adapter library.
#pragma once

#include <kdash/backends/vendor/data_type.hpp>

#include <cstddef>

namespace kdash::backends::vendor {

template <class Ccl>
class CclCommunicator {
 public:
  using Comm = typename Ccl::Comm;
  using UniqueId = typename Ccl::UniqueId;
  using Stream = typename Ccl::Stream;

  CclCommunicator() noexcept = default;
  // Throws std::invalid_argument for size < 1 or rank outside [0, size) before any library call, VendorError if the
  // library fails.
  CclCommunicator(const UniqueId& id, int rank, int size);
  // Move-only: the object owns the communicator; destruction and move-assignment release it.
  ~CclCommunicator();
  CclCommunicator(const CclCommunicator&) = delete;
  CclCommunicator& operator=(const CclCommunicator&) = delete;
  CclCommunicator(CclCommunicator&& other) noexcept;
  CclCommunicator& operator=(CclCommunicator&& other) noexcept;

  // A fresh id for a new group. Call on one rank only.
  static UniqueId unique_id();

  bool empty() const noexcept { return comm_ == nullptr; }
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }

  // recv[r * count_per_rank + i] = send_of_rank_r[i] for every rank r: recv holds size() * count_per_rank elements.
  // send may alias recv + rank() * count_per_rank (in place). Enqueued on `stream`.
  void all_gather(const void* send, void* recv, std::size_t count_per_rank, DataType type, Stream stream);
  // recv[i] = sum over ranks of send[i], on every rank; send may equal recv (in place). Enqueued on `stream`.
  void all_reduce_sum(const void* send, void* recv, std::size_t count, DataType type, Stream stream);

 private:
  void release() noexcept;

  Comm comm_ = nullptr;  // nullptr: empty (rank and size 0)
  int rank_ = 0;
  int size_ = 0;
};

}  // namespace kdash::backends::vendor
