// Grow-only device and host scratch for vendor library calls enqueued on streams (cuSOLVER's syevd workspace,
// rocSOLVER's off-diagonal buffer), written once for every vendor. The buffers are kept for later calls. Growing them
// first waits (on the host) for the work that last used them; handing them to another stream than last time makes
// that stream wait (on the device) for that work, through an event the workspace owns. Not thread-safe.
//
// Header-only. `Runtime` is the per-vendor part, a struct of the runtime's names (cuda/runtime_api.hpp,
// hip/runtime_api.hpp):
//   using Stream, Event
//   static Event create_event()                 an event without timing; throws VendorError
//   static void destroy_event(Event) noexcept
//   static void record(Event, Stream)           throws VendorError
//   static void synchronize(Event)              waits on the host; throws VendorError
//   static void wait(Stream, Event)             makes the stream wait for the event; throws VendorError
//   static void* allocate(std::size_t bytes)    device memory; throws VendorError
//   static void deallocate(void*) noexcept      device memory
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace kdash::backends::vendor {

template <class Runtime>
class StreamWorkspace {
 public:
  using Stream = typename Runtime::Stream;
  using Event = typename Runtime::Event;

  struct Buffers {
    void* device;
    std::size_t device_bytes;
    void* host;
    std::size_t host_bytes;
  };

  // The buffers, of at least the sizes asked for, while the lease lives, for work enqueued on `stream`. Its end
  // records that the work using them has been enqueued, also when a vendor call in between threw: the calls enqueued
  // before it still use the buffers.
  class Lease {
   public:
    Lease(StreamWorkspace& workspace, Stream stream, std::size_t device_bytes, std::size_t host_bytes)
        : workspace_(workspace), stream_(stream), buffers_(workspace.acquire(stream, device_bytes, host_bytes)) {}
    ~Lease() {
      try {
        workspace_.release(stream_);
      } catch (...) {  // the device context is broken; the error that got us here is the one to report
      }
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    const Buffers& operator*() const { return buffers_; }
    const Buffers* operator->() const { return &buffers_; }

   private:
    StreamWorkspace& workspace_;
    Stream stream_;
    Buffers buffers_;
  };

  StreamWorkspace() noexcept = default;
  ~StreamWorkspace() { reset(); }
  StreamWorkspace(const StreamWorkspace&) = delete;
  StreamWorkspace& operator=(const StreamWorkspace&) = delete;
  StreamWorkspace(StreamWorkspace&& other) noexcept { take(other); }
  StreamWorkspace& operator=(StreamWorkspace&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }

 private:
  Buffers acquire(Stream stream, std::size_t device_bytes, std::size_t host_bytes) {
    if (used_ == nullptr) used_ = Runtime::create_event();
    const bool in_use = device_ != nullptr || !host_.empty();
    if (in_use && (device_bytes > device_bytes_ || host_bytes > host_.size())) {
      Runtime::synchronize(used_);  // earlier work may still read the buffers about to be freed
    } else if (in_use && stream != last_stream_) {
      Runtime::wait(stream, used_);  // work on another stream is not ordered after the earlier work: make it so
    }
    if (device_bytes > device_bytes_) {
      void* old = std::exchange(device_, nullptr);
      device_bytes_ = 0;
      if (old != nullptr) Runtime::deallocate(old);
      device_ = Runtime::allocate(device_bytes);
      device_bytes_ = device_bytes;
    }
    if (host_bytes > host_.size()) host_.resize(host_bytes);
    return Buffers{device_, device_bytes_, host_.data(), host_.size()};
  }

  void release(Stream stream) {
    Runtime::record(used_, stream);
    last_stream_ = stream;
  }

  // Work still queued may use the buffers; the event is ours, so waiting on it is safe even if the stream that work
  // was queued on has been destroyed since.
  void reset() noexcept {
    if (used_ != nullptr) {
      try {
        Runtime::synchronize(used_);
      } catch (...) {  // a broken context: nothing left to wait for
      }
      Runtime::destroy_event(used_);
    }
    if (device_ != nullptr) Runtime::deallocate(device_);
    used_ = nullptr;
    last_stream_ = nullptr;
    device_ = nullptr;
    device_bytes_ = 0;
    host_.clear();
  }

  void take(StreamWorkspace& other) noexcept {
    used_ = std::exchange(other.used_, nullptr);
    last_stream_ = std::exchange(other.last_stream_, nullptr);
    device_ = std::exchange(other.device_, nullptr);
    device_bytes_ = std::exchange(other.device_bytes_, 0);
    host_ = std::move(other.host_);
    other.host_.clear();
  }

  Event used_ = nullptr;          // completes when the last work using the buffers has finished
  Stream last_stream_ = nullptr;  // where the buffers were last used
  void* device_ = nullptr;
  std::size_t device_bytes_ = 0;
  std::vector<unsigned char> host_;
};

}  // namespace kdash::backends::vendor
