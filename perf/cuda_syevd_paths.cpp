// Times the two cuSOLVER routines behind kdash's batched eigendecomposition on the GPU: one cusolverDnXsyevBatched
// call per stack (SyevdPath::batched) against one cusolverDnXsyevd per matrix enqueued on the stream
// (SyevdPath::per_matrix), for fp32 stacks of random symmetric matrices, so the automatic choice can follow a
// measurement per block size (design.md §6). Plain host code on the CUDA adapters; scripts/gpu-check.sh runs it.
//
//   cuda_syevd_paths N:BATCH [N:BATCH ...]     e.g. cuda_syevd_paths 1024:16 2048:4
//
// Prints one line per size and path: median and minimum milliseconds per stack over 5 timed calls after 1 warm-up
// (CUDA events around each call on one stream), and the matrices per second. Exit 2 on bad arguments or without a GPU.
#include <kdash/backends/cuda/cusolver_syevd.hpp>

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace kc = kdash::backends::cuda;

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

struct Size {
  std::int64_t n, batch;
};

Size parse_size(const std::string& arg) {
  const auto colon = arg.find(':');
  std::size_t used_n = 0, used_b = 0;
  Size s{0, 0};
  try {
    if (colon == std::string::npos) throw std::invalid_argument(arg);
    s.n = std::stoll(arg.substr(0, colon), &used_n);
    s.batch = std::stoll(arg.substr(colon + 1), &used_b);
  } catch (const std::exception&) {
    throw std::invalid_argument("'" + arg + "' is not N:BATCH");
  }
  if (used_n != colon || used_b != arg.size() - colon - 1 || s.n < 1 || s.n > 32768 || s.batch < 1 || s.batch > 65536 ||
      s.n * s.n * s.batch > (std::int64_t(1) << 31)) {
    throw std::invalid_argument("'" + arg + "': N in 1..32768, BATCH in 1..65536, N*N*BATCH <= 2^31");
  }
  return s;
}

// Random symmetric matrices (entries uniform in [-1, 1], mirrored), the same for every path.
std::vector<float> symmetric_stack(const Size& s) {
  std::vector<float> a(std::size_t(s.n * s.n * s.batch));
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (std::int64_t b = 0; b < s.batch; ++b) {
    float* m = a.data() + b * s.n * s.n;
    for (std::int64_t i = 0; i < s.n; ++i)
      for (std::int64_t j = i; j < s.n; ++j) m[i * s.n + j] = m[j * s.n + i] = u(rng);
  }
  return a;
}

void time_path(const Size& s, kc::SyevdPath path, const char* name, const std::vector<float>& host) {
  const std::size_t entries = host.size();
  float *a = nullptr, *w = nullptr;
  int* info = nullptr;
  check(cudaMalloc(reinterpret_cast<void**>(&a), entries * sizeof(float)), "cudaMalloc");
  check(cudaMalloc(reinterpret_cast<void**>(&w), std::size_t(s.n * s.batch) * sizeof(float)), "cudaMalloc");
  check(cudaMalloc(reinterpret_cast<void**>(&info), std::size_t(s.batch) * sizeof(int)), "cudaMalloc");
  cudaStream_t stream = nullptr;
  check(cudaStreamCreate(&stream), "cudaStreamCreate");
  cudaEvent_t start = nullptr, stop = nullptr;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  kc::CusolverHandle handle;
  std::vector<float> ms;
  for (int call = 0; call < 6; ++call) {  // the first call is the warm-up (workspace, kernels loaded)
    check(cudaMemcpyAsync(a, host.data(), entries * sizeof(float), cudaMemcpyHostToDevice, stream), "cudaMemcpy");
    check(cudaEventRecord(start, stream), "cudaEventRecord");
    kc::batched_syevd(handle, stream, s.n, s.batch, a, w, info, path);
    check(cudaEventRecord(stop, stream), "cudaEventRecord");
    check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float t = 0;
    check(cudaEventElapsedTime(&t, start, stop), "cudaEventElapsedTime");
    if (call > 0) ms.push_back(t);
  }
  std::vector<int> status(std::size_t(s.batch));
  check(cudaMemcpy(status.data(), info, status.size() * sizeof(int), cudaMemcpyDeviceToHost), "cudaMemcpy");
  const auto failed = std::count_if(status.begin(), status.end(), [](int i) { return i != 0; });
  std::sort(ms.begin(), ms.end());
  const float median = ms[ms.size() / 2];
  std::printf("n %6lld batch %6lld %-10s median %10.3f ms  min %10.3f ms  %10.1f matrices/s%s\n",
              static_cast<long long>(s.n), static_cast<long long>(s.batch), name, median, ms.front(),
              1000.0 * double(s.batch) / median, failed ? "  (some matrices failed: info != 0)" : "");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaStreamDestroy(stream);
  cudaFree(a);
  cudaFree(w);
  cudaFree(info);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Size> sizes;
  try {
    for (int i = 1; i < argc; ++i) sizes.push_back(parse_size(argv[i]));
    if (sizes.empty()) throw std::invalid_argument("give at least one N:BATCH, e.g. 1024:16 2048:4");
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "cuda_syevd_paths: %s\n", e.what());
    return 2;
  }
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::fprintf(stderr, "cuda_syevd_paths: no CUDA device\n");
    return 2;
  }
  try {
    for (const Size& s : sizes) {
      const auto host = symmetric_stack(s);
      if (kc::has_syev_batched()) time_path(s, kc::SyevdPath::batched, "batched", host);
      time_path(s, kc::SyevdPath::per_matrix, "per_matrix", host);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cuda_syevd_paths: %s\n", e.what());
    return 1;
  }
  return 0;
}
