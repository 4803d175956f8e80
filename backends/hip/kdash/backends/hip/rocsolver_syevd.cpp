#include <kdash/backends/hip/library_error.hpp>
#include <kdash/backends/hip/rocsolver_syevd.hpp>
#include <kdash/backends/vendor/syevd_args.hpp>

#include <rocsolver/rocsolver.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace kdash::backends::hip {
namespace {

constexpr const char* kFunction = "kdash::backends::hip::batched_syevd";

template <class T>
void syevd(RocsolverHandle& handle, hipStream_t stream, std::int64_t n, std::int64_t batch, T* a, T* w, int* info) {
  vendor::validate_syevd_args(kFunction, n, batch, a, w, info, "rocSOLVER");
  if (batch == 0) return;
  if (n == 0) {
    HipRuntime::zero_async(info, static_cast<std::size_t>(batch) * sizeof(int), stream);
    return;
  }
  handle.set_stream(stream);
  const vendor::StreamWorkspace<HipRuntime>::Lease scratch(handle.workspace(), stream,
                                                           static_cast<std::size_t>(batch * n) * sizeof(T), 0);
  T* e = static_cast<T*>(scratch->device);
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

void batched_syevd(RocsolverHandle& handle, hipStream_t stream, std::int64_t n, std::int64_t batch, float* a, float* w,
                   int* info) {
  syevd(handle, stream, n, batch, a, w, info);
}

void batched_syevd(RocsolverHandle& handle, hipStream_t stream, std::int64_t n, std::int64_t batch, double* a,
                   double* w, int* info) {
  syevd(handle, stream, n, batch, a, w, info);
}

}  // namespace kdash::backends::hip
