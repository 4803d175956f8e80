// Batched symmetric eigendecomposition through rocSOLVER (rocsolver_{s,d}syevd_strided_batched).
// The HIP twin of kdash/backends/cuda/cusolver_syevd.hpp, with the same layout contract.
// NOT COMPILED on the machine this was written on (no ROCm there): written from the documented rocSOLVER API.
#pragma once

#include <hip/hip_runtime_api.h>
#include <rocblas/rocblas.h>

#include <cstddef>
#include <cstdint>

namespace kdash::backends::hip {

// A rocBLAS handle for rocSOLVER plus the device buffer rocSOLVER's syevd needs for the off-diagonal (E, batch x n
// elements), created on first use and grown on demand. Not thread-safe.
class RocsolverHandle {
 public:
  RocsolverHandle() noexcept = default;
  ~RocsolverHandle();
  RocsolverHandle(const RocsolverHandle&) = delete;
  RocsolverHandle& operator=(const RocsolverHandle&) = delete;
  RocsolverHandle(RocsolverHandle&& other) noexcept;
  RocsolverHandle& operator=(RocsolverHandle&& other) noexcept;

  rocblas_handle get();
  void set_stream(hipStream_t stream);
  bool created() const noexcept { return handle_ != nullptr; }
  // Scratch of at least `bytes` for work about to be enqueued on the handle's stream. Growing it first waits for the
  // stream the old scratch was last used on.
  void* scratch(std::size_t bytes);

 private:
  rocblas_handle handle_ = nullptr;
  hipStream_t stream_ = nullptr;
  hipStream_t scratch_stream_ = nullptr;
  void* scratch_ = nullptr;
  std::size_t scratch_bytes_ = 0;
};

// Stack of `batch` symmetric n x n matrices, packed row-major (batch, n, n). On exit ROW i of matrix b holds the unit
// eigenvector of w[b * n + i]; w ascending per matrix; info[b] = 0 on success (rocblas_int == int). Only the upper
// triangle of each row-major matrix is read. Arguments are validated on the host first (std::invalid_argument).
void batched_syevd(RocsolverHandle& handle, hipStream_t stream, std::int64_t n, std::int64_t batch, float* a, float* w,
                   int* info);
void batched_syevd(RocsolverHandle& handle, hipStream_t stream, std::int64_t n, std::int64_t batch, double* a,
                   double* w, int* info);

}  // namespace kdash::backends::hip
