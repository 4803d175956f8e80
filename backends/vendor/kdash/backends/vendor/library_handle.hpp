// The handle of a vendor library (cuBLAS, cuSOLVER, rocBLAS), written once for every vendor: created on first use on
// the device current at that moment (so constructing one needs no GPU), bound to the caller's stream on every call,
// refused on any other device, destroyed with its owner. Not thread-safe: use one per host thread.
//
// Header-only. `Library` is the per-vendor part, a struct of the library's names (cublas_gemm.hpp, cusolver_syevd.hpp,
// rocblas_gemm.hpp):
//   using Handle, Stream                     the library's handle type and its runtime's stream type
//   static constexpr const char* kName       "a cuBLAS handle": what messages call it
//   static int current_device()              the runtime's current device; throws VendorError when there is none
//   static Handle create()                   a new handle, configured for the adapters; throws VendorError
//   static void set_stream(Handle, Stream)   throws VendorError
//   static void destroy(Handle) noexcept
#pragma once

#include <kdash/backends/vendor/vendor_error.hpp>

#include <utility>

namespace kdash::backends::vendor {

template <class Library>
class LibraryHandle {
 public:
  using Handle = typename Library::Handle;
  using Stream = typename Library::Stream;

  LibraryHandle() noexcept = default;
  ~LibraryHandle() { reset(); }
  LibraryHandle(const LibraryHandle&) = delete;
  LibraryHandle& operator=(const LibraryHandle&) = delete;
  LibraryHandle(LibraryHandle&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)), device_(std::exchange(other.device_, -1)) {}
  LibraryHandle& operator=(LibraryHandle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
      device_ = std::exchange(other.device_, -1);
    }
    return *this;
  }

  // The handle, created now if needed. Throws VendorError if the library cannot be initialized (e.g. no GPU).
  Handle get() {
    if (handle_ == nullptr) {
      const int device = Library::current_device();
      handle_ = Library::create();
      device_ = device;
    }
    return handle_;
  }

  // Binds the handle to `stream`, creating it if needed. Throws std::logic_error if the current device is not the one
  // the handle was created on.
  void set_stream(Stream stream) {
    get();
    detail::require_device(Library::kName, device_, Library::current_device());
    Library::set_stream(handle_, stream);
  }

 private:
  void reset() noexcept {
    if (handle_ != nullptr) Library::destroy(handle_);
    handle_ = nullptr;
    device_ = -1;
  }

  Handle handle_ = nullptr;
  int device_ = -1;
};

}  // namespace kdash::backends::vendor
