#include <kdash/backends/cuda/cuda_error.hpp>
#include <kdash/backends/cuda/cusolver_syevd.hpp>
#include <kdash/backends/vendor/syevd_args.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

// cusolverDnXsyevBatched first shipped in cuSOLVER 11.7.1 (CUDA 12.6 Update 2); CUDART_VERSION cannot tell 12.6.2
// from 12.6.0, CUSOLVER_VERSION (1000 * major + 100 * minor + patch) can.
#if defined(CUSOLVER_VERSION) && CUSOLVER_VERSION >= 11701
#define KDASH_CUSOLVER_HAS_XSYEV_BATCHED 1
#else
#define KDASH_CUSOLVER_HAS_XSYEV_BATCHED 0
#endif

namespace kdash::backends::cuda {
namespace {

constexpr const char* kFunction = "kdash::backends::cuda::batched_syevd";

// Matrices per cusolverDnXsyevBatched call. Larger batches have been seen to fail the workspace query with
// CUSOLVER_STATUS_INVALID_VALUE (one grid dimension per matrix), and the workspace grows with the batch; chunking
// bounds both at the cost of one more call per 65535 matrices. The routine also needs n * lda * batch <= INT32_MAX
// (cuSOLVER documentation: an implementation limit), hence at most 2047 matrices of 1024 per call.
constexpr std::int64_t kMaxBatchPerCall = 65535;
constexpr std::int64_t kMaxElementsPerCall = 2147483647;

std::int64_t batch_per_call(std::int64_t n) { return std::min(kMaxBatchPerCall, kMaxElementsPerCall / (n * n)); }

// Minimum workspace allocation, so that a zero-byte query still yields a valid, aligned pointer.
constexpr std::size_t kMinWorkspaceBytes = 256;

[[noreturn]] void bad(const char* argument, const std::string& why) {
  detail::throw_invalid_argument(kFunction, argument, why);
}

struct Problem {
  cudaStream_t stream;
  std::int64_t n;
  std::int64_t batch;
  void* a;
  void* w;
  int* info;
  cudaDataType type;
  std::size_t element_bytes;
};

bool use_batched_path(std::int64_t n, std::int64_t batch, const void* a, const void* w, const int* info,
                      SyevdPath path) {
  if (path != SyevdPath::automatic && path != SyevdPath::batched && path != SyevdPath::per_matrix) {
    bad("path", "not a SyevdPath value");
  }
  vendor::validate_syevd_args(kFunction, n, batch, a, w, info);  // 64-bit sizes: no 32-bit limit
  if (path == SyevdPath::batched && !has_syev_batched()) {
    bad("path",
        "SyevdPath::batched needs cusolverDnXsyevBatched (cuSOLVER >= 11.7.1, CUDA >= 12.6.2); this build has "
        "cuSOLVER " +
            std::to_string(CUSOLVER_VERSION));
  }
  if (n > 0 && batch_per_call(n) < 1) {  // n > 46340: not even one matrix fits the batched routine's limit
    if (path == SyevdPath::batched) bad("n", std::to_string(n) + " exceeds cusolverDnXsyevBatched's n * n <= 2^31 - 1");
    return false;
  }
  return path == SyevdPath::batched || (path == SyevdPath::automatic && has_syev_batched());
}

// The workspace while the calls using it are enqueued; cuSOLVER's zero-byte queries still get valid, aligned buffers.
class WorkspaceLease : public vendor::StreamWorkspace<CudaRuntime>::Lease {
 public:
  WorkspaceLease(CusolverHandle& handle, cudaStream_t stream, std::size_t device_bytes, std::size_t host_bytes)
      : Lease(handle.workspace(), stream, std::max(device_bytes, kMinWorkspaceBytes),
              std::max(host_bytes, kMinWorkspaceBytes)) {}
};

void* offset(void* base, std::int64_t elements, std::size_t element_bytes) {
  return static_cast<unsigned char*>(base) + static_cast<std::size_t>(elements) * element_bytes;
}

#if KDASH_CUSOLVER_HAS_XSYEV_BATCHED
void run_batched(CusolverHandle& handle, const Problem& p) {
  const std::int64_t per_call = batch_per_call(p.n);
  for (std::int64_t first = 0; first < p.batch; first += per_call) {
    const std::int64_t count = std::min(per_call, p.batch - first);
    void* a = offset(p.a, first * p.n * p.n, p.element_bytes);
    void* w = offset(p.w, first * p.n, p.element_bytes);
    std::size_t device_bytes = 0, host_bytes = 0;
    // lda = n: the batch is packed, matrix b at a + b * lda * n (the only layout XsyevBatched takes).
    check_cusolver(cusolverDnXsyevBatched_bufferSize(handle.get(), handle.params(), CUSOLVER_EIG_MODE_VECTOR,
                                                     CUBLAS_FILL_MODE_LOWER, p.n, p.type, a, p.n, p.type, w, p.type,
                                                     &device_bytes, &host_bytes, count),
                   "cusolverDnXsyevBatched_bufferSize");
    const WorkspaceLease ws(handle, p.stream, device_bytes, host_bytes);
    check_cusolver(cusolverDnXsyevBatched(handle.get(), handle.params(), CUSOLVER_EIG_MODE_VECTOR,
                                          CUBLAS_FILL_MODE_LOWER, p.n, p.type, a, p.n, p.type, w, p.type, ws->device,
                                          ws->device_bytes, ws->host, ws->host_bytes, p.info + first, count),
                   "cusolverDnXsyevBatched");
  }
}
#endif

void run_per_matrix(CusolverHandle& handle, const Problem& p) {
  std::size_t device_bytes = 0, host_bytes = 0;
  check_cusolver(
      cusolverDnXsyevd_bufferSize(handle.get(), handle.params(), CUSOLVER_EIG_MODE_VECTOR, CUBLAS_FILL_MODE_LOWER, p.n,
                                  p.type, p.a, p.n, p.type, p.w, p.type, &device_bytes, &host_bytes),
      "cusolverDnXsyevd_bufferSize");
  const WorkspaceLease ws(handle, p.stream, device_bytes, host_bytes);
  // Every call reuses the one workspace: they are ordered on the handle's stream.
  for (std::int64_t b = 0; b < p.batch; ++b) {
    check_cusolver(cusolverDnXsyevd(handle.get(), handle.params(), CUSOLVER_EIG_MODE_VECTOR, CUBLAS_FILL_MODE_LOWER,
                                    p.n, p.type, offset(p.a, b * p.n * p.n, p.element_bytes), p.n, p.type,
                                    offset(p.w, b * p.n, p.element_bytes), p.type, ws->device, ws->device_bytes,
                                    ws->host, ws->host_bytes, p.info + b),
                   "cusolverDnXsyevd");
  }
}

void syevd(CusolverHandle& handle, const Problem& p, SyevdPath path) {
  const bool batched = use_batched_path(p.n, p.batch, p.a, p.w, p.info, path);
  if (p.batch == 0) return;
  if (p.n == 0) {
    CudaRuntime::zero_async(p.info, static_cast<std::size_t>(p.batch) * sizeof(int), p.stream);
    return;
  }
  handle.set_stream(p.stream);
#if KDASH_CUSOLVER_HAS_XSYEV_BATCHED
  if (batched) {
    run_batched(handle, p);
    return;
  }
#else
  (void)batched;  // validation refused SyevdPath::batched already
#endif
  run_per_matrix(handle, p);
}

}  // namespace

bool has_syev_batched() noexcept { return KDASH_CUSOLVER_HAS_XSYEV_BATCHED != 0; }

Cusolver::Handle Cusolver::create() {
  Handle handle = nullptr;
  check_cusolver(cusolverDnCreate(&handle), "cusolverDnCreate");
  return handle;
}

void Cusolver::set_stream(Handle handle, Stream stream) {
  check_cusolver(cusolverDnSetStream(handle, stream), "cusolverDnSetStream");
}

void Cusolver::destroy(Handle handle) noexcept { cusolverDnDestroy(handle); }

void CusolverHandle::DestroyParams::operator()(cusolverDnParams_t params) const noexcept {
  cusolverDnDestroyParams(params);
}

cusolverDnParams_t CusolverHandle::params() {
  if (params_ == nullptr) {
    cusolverDnParams_t params = nullptr;
    check_cusolver(cusolverDnCreateParams(&params), "cusolverDnCreateParams");
    params_.reset(params);
  }
  return params_.get();
}

void batched_syevd(CusolverHandle& handle, cudaStream_t stream, std::int64_t n, std::int64_t batch, float* a, float* w,
                   int* info, SyevdPath path) {
  syevd(handle, Problem{stream, n, batch, a, w, info, CUDA_R_32F, sizeof(float)}, path);
}

void batched_syevd(CusolverHandle& handle, cudaStream_t stream, std::int64_t n, std::int64_t batch, double* a,
                   double* w, int* info, SyevdPath path) {
  syevd(handle, Problem{stream, n, batch, a, w, info, CUDA_R_64F, sizeof(double)}, path);
}

}  // namespace kdash::backends::cuda
