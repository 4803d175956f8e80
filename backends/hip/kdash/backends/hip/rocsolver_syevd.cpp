#include <kdash/backends/hip/library_error.hpp>
#include <kdash/backends/hip/rocsolver_syevd.hpp>
#include <kdash/backends/vendor/syevd_args.hpp>

#include <rocsolver/rocsolver.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace kdash::backends::hip {
namespace {

constexpr const char* kFunction = "kdash::backends::hip::batched_syevd";

template <class T>
void syevd(RocsolverHandle& handle, hipStream_t stream, std::int64_t n, std::int64_t batch, T* a, T* w, int* info) {
  vendor::validate_syevd_args(kFunction, n, batch, a, w, info, "rocSOLVER");
  if (batch == 0) return;
  if (n == 0) {
    check_hip(hipMemsetAsync(info, 0, static_cast<std::size_t>(batch) * sizeof(int), stream), "hipMemsetAsync");
    return;
  }
  handle.set_stream(stream);
  T* e = static_cast<T*>(handle.scratch(static_cast<std::size_t>(batch * n) * sizeof(T)));
  // A symmetric row-major matrix reads the same column-major; the eigenvectors come back column-major (column i =
  // eigenvector i), i.e. row i of the row-major buffer. rocblas_fill_lower column-major = upper triangle row-major.
  const auto ni = static_cast<rocblas_int>(n);
  const auto bi = static_cast<rocblas_int>(batch);
  if constexpr (std::is_same_v<T, float>) {
    check_rocblas(rocsolver_ssyevd_strided_batched(handle.get(), rocblas_evect_original, rocblas_fill_lower, ni, a, ni,
                                                   n * n, w, n, e, n, info, bi),
                  "rocsolver_ssyevd_strided_batched");
  } else {
    check_rocblas(rocsolver_dsyevd_strided_batched(handle.get(), rocblas_evect_original, rocblas_fill_lower, ni, a, ni,
                                                   n * n, w, n, e, n, info, bi),
                  "rocsolver_dsyevd_strided_batched");
  }
}

}  // namespace

RocsolverHandle::~RocsolverHandle() {
  if (scratch_ != nullptr) (void)hipFree(scratch_);  // hipFree synchronizes with the device; no throwing here
  if (handle_ != nullptr) rocblas_destroy_handle(handle_);
}

RocsolverHandle::RocsolverHandle(RocsolverHandle&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      stream_(std::exchange(other.stream_, nullptr)),
      scratch_stream_(std::exchange(other.scratch_stream_, nullptr)),
      scratch_(std::exchange(other.scratch_, nullptr)),
      scratch_bytes_(std::exchange(other.scratch_bytes_, 0)) {}

RocsolverHandle& RocsolverHandle::operator=(RocsolverHandle&& other) noexcept {
  if (this != &other) {
    RocsolverHandle old(std::move(*this));  // releases this handle's resources on scope exit
    handle_ = std::exchange(other.handle_, nullptr);
    stream_ = std::exchange(other.stream_, nullptr);
    scratch_stream_ = std::exchange(other.scratch_stream_, nullptr);
    scratch_ = std::exchange(other.scratch_, nullptr);
    scratch_bytes_ = std::exchange(other.scratch_bytes_, 0);
  }
  return *this;
}

rocblas_handle RocsolverHandle::get() {
  if (handle_ == nullptr) {
    rocblas_handle handle = nullptr;
    check_rocblas(rocblas_create_handle(&handle), "rocblas_create_handle");
    handle_ = handle;
  }
  return handle_;
}

void RocsolverHandle::set_stream(hipStream_t stream) {
  check_rocblas(rocblas_set_stream(get(), stream), "rocblas_set_stream");
  stream_ = stream;
}

void* RocsolverHandle::scratch(std::size_t bytes) {
  if (scratch_ != nullptr && scratch_stream_ != stream_) {
    // Another stream's work may still use the scratch: order after it (simple and rare, so a host wait).
    check_hip(hipStreamSynchronize(scratch_stream_), "hipStreamSynchronize");
  }
  if (bytes > scratch_bytes_) {
    if (scratch_ != nullptr) {
      check_hip(hipStreamSynchronize(scratch_stream_), "hipStreamSynchronize");
      check_hip(hipFree(scratch_), "hipFree");
      scratch_ = nullptr;
      scratch_bytes_ = 0;
    }
    check_hip(hipMalloc(&scratch_, bytes), "hipMalloc");
    scratch_bytes_ = bytes;
  }
  scratch_stream_ = stream_;
  return scratch_;
}

void batched_syevd(RocsolverHandle& handle, hipStream_t stream, std::int64_t n, std::int64_t batch, float* a, float* w,
                   int* info) {
  syevd(handle, stream, n, batch, a, w, info);
}

void batched_syevd(RocsolverHandle& handle, hipStream_t stream, std::int64_t n, std::int64_t batch, double* a,
                   double* w, int* info) {
  syevd(handle, stream, n, batch, a, w, info);
}

}  // namespace kdash::backends::hip
