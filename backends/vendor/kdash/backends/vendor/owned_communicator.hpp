// Ownership of one communicator of a library with NCCL's API (NCCL on CUDA, RCCL on HIP): the handle with its rank
// and group size, released exactly once. Header-only and vendor-neutral: the handle type and its destroy function are
// template arguments, so this header needs no vendor include.
#pragma once

#include <utility>

namespace kdash::backends::vendor {

// `Comm` is the library's handle (ncclComm_t), `Destroy` its release function (ncclCommDestroy). A
// default-constructed or moved-from object is empty: get() is nullptr, rank() and size() are 0.
template <class Comm, auto Destroy>
class OwnedCommunicator {
 public:
  OwnedCommunicator() noexcept = default;
  // Takes ownership of `comm`, a live communicator of `size` ranks in which this process is `rank`.
  OwnedCommunicator(Comm comm, int rank, int size) noexcept : comm_(comm), rank_(rank), size_(size) {}
  ~OwnedCommunicator() { reset(); }
  OwnedCommunicator(const OwnedCommunicator&) = delete;
  OwnedCommunicator& operator=(const OwnedCommunicator&) = delete;
  OwnedCommunicator(OwnedCommunicator&& other) noexcept
      : comm_(std::exchange(other.comm_, nullptr)),
        rank_(std::exchange(other.rank_, 0)),
        size_(std::exchange(other.size_, 0)) {}
  OwnedCommunicator& operator=(OwnedCommunicator&& other) noexcept {
    if (this != &other) {
      reset();
      comm_ = std::exchange(other.comm_, nullptr);
      rank_ = std::exchange(other.rank_, 0);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }

  bool empty() const noexcept { return comm_ == nullptr; }
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  Comm get() const noexcept { return comm_; }

 private:
  // The destroy status is dropped: there is nothing to do about a failed release (and destructors must not throw).
  void reset() noexcept {
    if (comm_ != nullptr) static_cast<void>(Destroy(comm_));
    comm_ = nullptr;
    rank_ = 0;
    size_ = 0;
  }

  Comm comm_ = nullptr;
  int rank_ = 0;
  int size_ = 0;
};

}  // namespace kdash::backends::vendor
