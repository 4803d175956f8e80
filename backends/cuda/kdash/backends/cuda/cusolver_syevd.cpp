#include <kdash/backends/cuda/cuda_error.hpp>
#include <kdash/backends/cuda/cusolver_syevd.hpp>
#include <kdash/backends/cuda/device_info.hpp>
#include <kdash/backends/vendor/syevd_args.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

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

// Records the end of the workspace's use when it leaves scope, also when a cuSOLVER call in between throws: the calls
// enqueued before it still use the workspace.
class WorkspaceLease {
 public:
  WorkspaceLease(CusolverHandle& handle, std::size_t device_bytes, std::size_t host_bytes)
      : handle_(handle), workspace_(handle.acquire_workspace(device_bytes, host_bytes)) {}
  ~WorkspaceLease() {
    try {
      handle_.release_workspace();
    } catch (...) {  // the CUDA context is broken; the error that got us here is the one to report
    }
  }
  WorkspaceLease(const WorkspaceLease&) = delete;
  WorkspaceLease& operator=(const WorkspaceLease&) = delete;
  const CusolverHandle::Workspace& operator*() const { return workspace_; }
  const CusolverHandle::Workspace* operator->() const { return &workspace_; }

 private:
  CusolverHandle& handle_;
  CusolverHandle::Workspace workspace_;
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
    const WorkspaceLease ws(handle, device_bytes, host_bytes);
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
  const WorkspaceLease ws(handle, device_bytes, host_bytes);
  // Every call reuses the one workspace: they are ordered on the handle's stream.
  for (std::int64_t b = 0; b < p.batch; ++b) {
    check_cusolver(cusolverDnXsyevd(handle.get(), handle.params(), CUSOLVER_EIG_MODE_VECTOR, CUBLAS_FILL_MODE_LOWER,
                                    p.n, p.type, offset(p.a, b * p.n * p.n, p.element_bytes), p.n, p.type,
                                    offset(p.w, b * p.n, p.element_bytes), p.type, ws->device, ws->device_bytes,
                                    ws->host, ws->host_bytes, p.info + b),
                   "cusolverDnXsyevd");
  }
}

void syevd(CusolverHandle& handle, cudaStream_t stream, const Problem& p, SyevdPath path) {
  const bool batched = use_batched_path(p.n, p.batch, p.a, p.w, p.info, path);
  if (p.batch == 0) return;
  if (p.n == 0) {
    check_cuda(cudaMemsetAsync(p.info, 0, static_cast<std::size_t>(p.batch) * sizeof(int), stream), "cudaMemsetAsync");
    return;
  }
  handle.set_stream(stream);
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

CusolverHandle::~CusolverHandle() { release(); }

CusolverHandle::CusolverHandle(CusolverHandle&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      params_(std::exchange(other.params_, nullptr)),
      device_(std::exchange(other.device_, -1)),
      stream_(std::exchange(other.stream_, nullptr)),
      workspace_stream_(std::exchange(other.workspace_stream_, nullptr)),
      workspace_free_(std::exchange(other.workspace_free_, nullptr)),
      device_workspace_(std::exchange(other.device_workspace_, nullptr)),
      device_bytes_(std::exchange(other.device_bytes_, 0)),
      host_workspace_(std::move(other.host_workspace_)) {
  other.host_workspace_.clear();
}

CusolverHandle& CusolverHandle::operator=(CusolverHandle&& other) noexcept {
  if (this != &other) {
    release();
    handle_ = std::exchange(other.handle_, nullptr);
    params_ = std::exchange(other.params_, nullptr);
    device_ = std::exchange(other.device_, -1);
    stream_ = std::exchange(other.stream_, nullptr);
    workspace_stream_ = std::exchange(other.workspace_stream_, nullptr);
    workspace_free_ = std::exchange(other.workspace_free_, nullptr);
    device_workspace_ = std::exchange(other.device_workspace_, nullptr);
    device_bytes_ = std::exchange(other.device_bytes_, 0);
    host_workspace_ = std::move(other.host_workspace_);
    other.host_workspace_.clear();
  }
  return *this;
}

void CusolverHandle::release() noexcept {
  // Work still queued may use the workspace; the event is ours, so waiting on it is safe even if the stream that
  // work was queued on has been destroyed since.
  if (workspace_free_ != nullptr) {
    cudaEventSynchronize(workspace_free_);
    cudaEventDestroy(workspace_free_);
  }
  if (device_workspace_ != nullptr) cudaFree(device_workspace_);
  if (params_ != nullptr) cusolverDnDestroyParams(params_);
  if (handle_ != nullptr) cusolverDnDestroy(handle_);
  workspace_free_ = nullptr;
  device_workspace_ = nullptr;
  device_bytes_ = 0;
  params_ = nullptr;
  handle_ = nullptr;
  host_workspace_.clear();
}

cusolverDnHandle_t CusolverHandle::get() {
  if (handle_ == nullptr) {
    const int device = current_device();
    cudaEvent_t event = nullptr;
    check_cuda(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreateWithFlags");
    cusolverDnHandle_t handle = nullptr;
    cusolverStatus_t status = cusolverDnCreate(&handle);
    if (status != CUSOLVER_STATUS_SUCCESS) cudaEventDestroy(event);
    check_cusolver(status, "cusolverDnCreate");
    cusolverDnParams_t params = nullptr;
    status = cusolverDnCreateParams(&params);
    if (status != CUSOLVER_STATUS_SUCCESS) {
      cusolverDnDestroy(handle);
      cudaEventDestroy(event);
    }
    check_cusolver(status, "cusolverDnCreateParams");
    handle_ = handle;
    params_ = params;
    workspace_free_ = event;
    device_ = device;
  }
  return handle_;
}

cusolverDnParams_t CusolverHandle::params() {
  get();
  return params_;
}

void CusolverHandle::set_stream(cudaStream_t stream) {
  get();
  detail::require_current_device(device_, "kdash::backends::cuda::CusolverHandle");
  check_cusolver(cusolverDnSetStream(handle_, stream), "cusolverDnSetStream");
  stream_ = stream;
}

CusolverHandle::Workspace CusolverHandle::acquire_workspace(std::size_t device_bytes, std::size_t host_bytes) {
  get();
  device_bytes = std::max(device_bytes, kMinWorkspaceBytes);
  host_bytes = std::max(host_bytes, kMinWorkspaceBytes);
  const bool in_use = device_workspace_ != nullptr || !host_workspace_.empty();
  if (in_use && (device_bytes > device_bytes_ || host_bytes > host_workspace_.size())) {
    // Earlier work may still read the buffers about to be freed.
    check_cuda(cudaEventSynchronize(workspace_free_), "cudaEventSynchronize");
  } else if (in_use && workspace_stream_ != stream_) {
    // Work on another stream is not ordered after the earlier work: make it so.
    check_cuda(cudaStreamWaitEvent(stream_, workspace_free_, 0), "cudaStreamWaitEvent");
  }
  if (device_bytes > device_bytes_) {
    if (device_workspace_ != nullptr) check_cuda(cudaFree(device_workspace_), "cudaFree");
    device_workspace_ = nullptr;
    device_bytes_ = 0;
    check_cuda(cudaMalloc(&device_workspace_, device_bytes), "cudaMalloc");
    device_bytes_ = device_bytes;
  }
  if (host_bytes > host_workspace_.size()) host_workspace_.resize(host_bytes);
  return Workspace{device_workspace_, device_bytes_, host_workspace_.data(), host_workspace_.size()};
}

void CusolverHandle::release_workspace() {
  get();
  check_cuda(cudaEventRecord(workspace_free_, stream_), "cudaEventRecord");
  workspace_stream_ = stream_;
}

void batched_syevd(CusolverHandle& handle, cudaStream_t stream, std::int64_t n, std::int64_t batch, float* a, float* w,
                   int* info, SyevdPath path) {
  syevd(handle, stream, Problem{n, batch, a, w, info, CUDA_R_32F, sizeof(float)}, path);
}

void batched_syevd(CusolverHandle& handle, cudaStream_t stream, std::int64_t n, std::int64_t batch, double* a,
                   double* w, int* info, SyevdPath path) {
  syevd(handle, stream, Problem{n, batch, a, w, info, CUDA_R_64F, sizeof(double)}, path);
}

}  // namespace kdash::backends::cuda
