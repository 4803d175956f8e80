// Standalone measurement of a BLAS/LAPACK library for the kernels kdash's host backend calls: threaded sgemm and
// ssyevd (jobz = V), and their batched forms (many independent blocks, one single-threaded call each, blocks spread
// over the OpenMP threads: how kdash runs a stack of blocks), with ssyevr and ssytrd batched beside ssyevd. Linked
// against one candidate library at a time by perf/blas_candidates.sh; it calls only the Fortran symbols every
// BLAS/LAPACK exports, so the same source builds against all of them.
//
// Usage: blas_candidates <label> [repetitions] [kernels] (kernels: comma-separated parts of the kernel names to run,
// e.g. "batched" or "batched_sgemm,batched_ssyevd"; default all). Prints one CSV line per measurement:
//   label,kernel,n,gflops_median,gflops_best
// over the repetitions (after one warm-up call). The first line (starting with '#') describes the library.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <utility>
#include <vector>

extern "C" {
void sgemm_(const char* ta, const char* tb, const int* m, const int* n, const int* k, const float* alpha,
            const float* a, const int* lda, const float* b, const int* ldb, const float* beta, float* c,
            const int* ldc);
void ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w, float* work,
             const int* lwork, int* iwork, const int* liwork, int* info);
void ssyevr_(const char* jobz, const char* range, const char* uplo, const int* n, float* a, const int* lda,
             const float* vl, const float* vu, const int* il, const int* iu, const float* abstol, int* m, float* w,
             float* z, const int* ldz, int* isuppz, float* work, const int* lwork, int* iwork, const int* liwork,
             int* info);
void ssytrd_(const char* uplo, const int* n, float* a, const int* lda, float* d, float* e, float* tau, float* work,
             const int* lwork, int* info);
// Thread control and self-description of each candidate; weak, so that the others still link.
void openblas_set_num_threads(int) __attribute__((weak));
char* openblas_get_config() __attribute__((weak));
char* openblas_get_corename() __attribute__((weak));
void MKL_Set_Num_Threads(int) __attribute__((weak));
void MKL_Get_Version_String(char*, int) __attribute__((weak));
int MKL_CBWR_Get_Auto_Branch() __attribute__((weak));
void bli_thread_set_num_threads(long) __attribute__((weak));
const char* bli_info_get_version_str() __attribute__((weak));
int bli_arch_query_id() __attribute__((weak));
const char* bli_arch_string(int) __attribute__((weak));
}

namespace {

void set_library_threads(int threads) {
  if (openblas_set_num_threads) openblas_set_num_threads(threads);
  if (MKL_Set_Num_Threads) MKL_Set_Num_Threads(threads);
  if (bli_thread_set_num_threads) bli_thread_set_num_threads(threads);
}

std::string describe_library() {
  if (openblas_get_config) {
    std::string s = openblas_get_config();
    if (openblas_get_corename) s += std::string(" core=") + openblas_get_corename();
    return s;
  }
  if (MKL_Get_Version_String) {
    char buf[256] = {};
    MKL_Get_Version_String(buf, sizeof buf);
    std::string s = buf;
    if (MKL_CBWR_Get_Auto_Branch) s += " cbwr_auto_branch=" + std::to_string(MKL_CBWR_Get_Auto_Branch());
    return s;
  }
  if (bli_info_get_version_str) {
    std::string s = std::string("BLIS ") + bli_info_get_version_str();
    if (bli_arch_query_id && bli_arch_string) s += std::string(" arch=") + bli_arch_string(bli_arch_query_id());
    return s;
  }
  return "unknown";
}

std::vector<float> random_matrix(int rows, int cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> m(std::size_t(rows) * cols);
  for (float& x : m) x = dist(gen);
  return m;
}

// Symmetric positive definite test matrix: G G^T / n + I.
std::vector<float> spd_matrix(int n, unsigned seed) {
  std::vector<float> g = random_matrix(n, n, seed), a(std::size_t(n) * n);
  const float alpha = 1.0f / n, beta = 0.0f;
  sgemm_("N", "T", &n, &n, &n, &alpha, g.data(), &n, g.data(), &n, &beta, a.data(), &n);
  for (int i = 0; i < n; ++i) a[std::size_t(i) * n + i] += 1.0f;
  return a;
}

struct Timing {
  double median, best;  // seconds
};

// Median and best of `reps` timed calls of `body` (after one untimed warm-up call).
template <class Body>
Timing time_calls(int reps, const Body& body) {
  body();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t.front()};
}

void report(const char* label, const char* kernel, int n, double flops, Timing s) {
  std::printf("%s,%s,%d,%.2f,%.2f\n", label, kernel, n, flops / s.median * 1e-9, flops / s.best * 1e-9);
  std::fflush(stdout);
}

void threaded_sgemm(const char* label, int n, int reps) {
  const std::vector<float> a = random_matrix(n, n, 1), b = random_matrix(n, n, 2);
  std::vector<float> c(std::size_t(n) * n);
  const float alpha = 1.0f, beta = 0.0f;
  set_library_threads(omp_get_max_threads());
  const Timing s =
      time_calls(reps, [&] { sgemm_("N", "N", &n, &n, &n, &alpha, a.data(), &n, b.data(), &n, &beta, c.data(), &n); });
  report(label, "sgemm", n, 2.0 * n * n * n, s);
}

// kdash's batched form: `blocks` independent products, one single-threaded sgemm each, over the OpenMP threads.
void batched_sgemm(const char* label, int n, int reps) {
  const int blocks = std::max(2 * omp_get_max_threads(), int(16 * 1024 * 1024 / (std::size_t(n) * n)) & ~1);
  const std::size_t sz = std::size_t(n) * n;
  const std::vector<float> a = random_matrix(n, n * blocks, 3), b = random_matrix(n, n * blocks, 4);
  std::vector<float> c(sz * blocks);
  const float alpha = 1.0f, beta = 0.0f;
  set_library_threads(1);
  const Timing s = time_calls(reps, [&] {
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < blocks; ++blk)
      sgemm_("N", "N", &n, &n, &n, &alpha, a.data() + blk * sz, &n, b.data() + blk * sz, &n, &beta, c.data() + blk * sz,
             &n);
  });
  report(label, "batched_sgemm", n, 2.0 * n * n * n * blocks, s);
}

// The eigensolver routines compared: ssyevd (divide and conquer, kdash's), ssyevr (MRRR) and ssytrd (the reduction to
// tridiagonal form both start with, alone: how much of the solve it is).
enum class Evd { syevd, syevr, sytrd };

// One eigensolver workspace and input copy per block (sizes from the routine's own workspace query).
struct EvdBlock {
  Evd routine;
  int n;
  std::vector<float> a, w, z, work;  // z: syevr's vectors, sytrd's e and tau
  std::vector<int> iwork;
  EvdBlock(Evd r, int n_)
      : routine(r), n(n_), a(std::size_t(n_) * n_), w(n_), z(r == Evd::syevr ? a.size() : 2 * std::size_t(n_)) {
    float wq = 0;
    int iq = 0, info = 0;
    call(-1, &wq, &iq, &info);
    work.resize(std::size_t(wq) + 1);
    iwork.resize(std::max(iq, 1));
  }
  void call(int lwork, float* wk, int* iwk, int* info) {
    int liwork = lwork == -1 ? -1 : int(iwork.size()), m = 0;
    const float zero = 0;
    switch (routine) {
      case Evd::syevd:
        ssyevd_("V", "U", &n, a.data(), &n, w.data(), wk, &lwork, iwk, &liwork, info);
        break;
      case Evd::syevr: {
        std::vector<int> isuppz(2 * std::size_t(n));
        ssyevr_("V", "A", "U", &n, a.data(), &n, &zero, &zero, &n, &n, &zero, &m, w.data(), z.data(), &n, isuppz.data(),
                wk, &lwork, iwk, &liwork, info);
        break;
      }
      case Evd::sytrd:
        ssytrd_("U", &n, a.data(), &n, w.data(), z.data(), z.data() + n, wk, &lwork, info);  // d, e, tau
        break;
    }
  }
  void run(const std::vector<float>& a0) {
    a = a0;
    int info = 0;
    call(int(work.size()), work.data(), iwork.data(), &info);
    if (info != 0) {
      std::fprintf(stderr, "eigensolver n=%d failed: info=%d\n", n, info);
      std::exit(1);
    }
  }
};

// The flop count of an EVD depends on the spectrum (deflation); the rates use a nominal 9 n^3 only so that larger
// is better as in the GEMM rows: compare them between libraries, not with the GEMM rates.
void threaded_ssyevd(const char* label, int n, int reps) {
  const std::vector<float> a0 = spd_matrix(n, 5);
  EvdBlock block(Evd::syevd, n);
  set_library_threads(omp_get_max_threads());
  const Timing s = time_calls(reps, [&] { block.run(a0); });
  report(label, "ssyevd", n, 9.0 * n * n * n, s);
}

// kdash's EVD solver on a stack: one single-threaded eigensolver call per block, blocks spread over the OpenMP
// threads (nominal 9 n^3 flops per block for every routine, so that the rows compare times).
void batched_evd(const char* label, const char* kernel, Evd routine, int n, int reps) {
  const int blocks = std::max(2 * omp_get_max_threads(), int(1024 * 1024 / (std::size_t(n) * n)) & ~1);
  const std::vector<float> a0 = spd_matrix(n, 6);
  std::vector<EvdBlock> stack(blocks, EvdBlock(routine, n));
  set_library_threads(1);
  const Timing s = time_calls(reps, [&] {
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < blocks; ++blk) stack[blk].run(a0);
  });
  report(label, kernel, n, 9.0 * n * n * n * blocks, s);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <label> [repetitions] [kernels]\n", argv[0]);
    return 2;
  }
  const char* label = argv[1];
  const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  std::vector<std::string> parts;  // run only the kernels whose name contains one of these (all when empty)
  for (std::string list = argc > 3 ? argv[3] : "", part; !list.empty(); list.erase(0, part.size() + 1)) {
    part = list.substr(0, list.find(','));
    if (!part.empty()) parts.push_back(part);
  }
  auto wanted = [&](const char* kernel) {
    return parts.empty() || std::any_of(parts.begin(), parts.end(), [&](const std::string& part) {
             return std::string(kernel).find(part) != std::string::npos;
           });
  };
  std::printf("# %s: %s; %d OpenMP threads\n", label, describe_library().c_str(), omp_get_max_threads());
  if (wanted("sgemm"))
    for (int n : {128, 256, 512, 1024, 2048}) threaded_sgemm(label, n, reps);
  if (wanted("batched_sgemm"))
    for (int n : {128, 256, 512}) batched_sgemm(label, n, reps);
  if (wanted("ssyevd"))
    for (int n : {128, 256, 512, 1024}) threaded_ssyevd(label, n, reps);
  const std::pair<const char*, Evd> batched_evds[] = {
      {"batched_ssyevd", Evd::syevd}, {"batched_ssyevr", Evd::syevr}, {"batched_ssytrd", Evd::sytrd}};
  for (const auto& [kernel, routine] : batched_evds)
    if (wanted(kernel))
      for (int n : {128, 256, 512}) batched_evd(label, kernel, routine, n, reps);
  return 0;
}
