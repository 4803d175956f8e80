#include "kdash/backends/host/host_blas.hpp"

#include <kdash/config.hpp>

#include "cblas_lapacke.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <sstream>

// Thread control and self-description of each library KDASH_BLAS selects (OpenBLAS, oneMKL, BLIS). Declared weak:
// only the linked library's calls resolve, the others stay null, and one source builds against every library.
extern "C" {
void openblas_set_num_threads(int) __attribute__((weak));
int openblas_get_num_threads() __attribute__((weak));
char* openblas_get_config() __attribute__((weak));
char* openblas_get_corename() __attribute__((weak));
void MKL_Set_Num_Threads(int) __attribute__((weak));
int MKL_Get_Max_Threads() __attribute__((weak));
void MKL_Get_Version_String(char*, int) __attribute__((weak));
int MKL_CBWR_Get_Auto_Branch() __attribute__((weak));
void bli_thread_set_num_threads(long) __attribute__((weak));
long bli_thread_get_num_threads() __attribute__((weak));
char* bli_info_get_version_str() __attribute__((weak));
int bli_arch_query_id() __attribute__((weak));
char* bli_arch_string(int) __attribute__((weak));
}

namespace kdash::backends::host {
namespace {

CBLAS_TRANSPOSE to_cblas(Op op) { return op == Op::N ? CblasNoTrans : CblasTrans; }

}  // namespace

void gemm(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
          float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, to_cblas(op_a), to_cblas(op_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(Op op_a, Op op_b, int m, int n, int k, double alpha, const double* a, int lda, const double* b, int ldb,
          double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, to_cblas(op_a), to_cblas(op_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void syrk(Op op_a, int n, int k, float alpha, const float* a, int lda, float beta, float* c, int ldc) {
  cblas_ssyrk(CblasRowMajor, CblasUpper, to_cblas(op_a), n, k, alpha, a, lda, beta, c, ldc);
}

void syrk(Op op_a, int n, int k, double alpha, const double* a, int lda, double beta, double* c, int ldc) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, to_cblas(op_a), n, k, alpha, a, lda, beta, c, ldc);
}

namespace {

// ?gemmt (C := alpha op(A) op(B) + beta C on one triangle) is not in every CBLAS header, and its name moved
// (oneMKL 2026 deprecates cblas_?gemmt for cblas_?gemmtr): looked up once in the process' symbols, so one source
// builds against every library. The CBLAS enums are passed as their standard values.
enum : int { kRowMajor = 101, kNoTrans = 111, kUpper = 121 };
template <class T>
using CblasGemmt = void (*)(int layout, int uplo, int trans_a, int trans_b, int n, int k, T alpha, const T* a, int lda,
                            const T* b, int ldb, T beta, T* c, int ldc);

template <class T>
struct GemmtSymbol {
  CblasGemmt<T> call = nullptr;
  std::string name;
};

template <class T>
GemmtSymbol<T> find_gemmt(const char* prefix) {
  for (const char* suffix : {"gemmtr", "gemmt"}) {
    const std::string name = std::string("cblas_") + prefix + suffix;
    if (void* symbol = dlsym(RTLD_DEFAULT, name.c_str())) {
      return {reinterpret_cast<CblasGemmt<T>>(symbol), name};
    }
  }
  return {};
}

template <class T>
const GemmtSymbol<T>& gemmt_symbol();
template <>
const GemmtSymbol<float>& gemmt_symbol<float>() {
  static const GemmtSymbol<float> symbol = find_gemmt<float>("s");
  return symbol;
}
template <>
const GemmtSymbol<double>& gemmt_symbol<double>() {
  static const GemmtSymbol<double> symbol = find_gemmt<double>("d");
  return symbol;
}

// Without a library ?gemmt: row panels of kGemmtPanel rows, each from its diagonal to the last column (n^2 (n + panel)
// flops instead of 2 n^3: 62 % of the GEMM at n = 256, 56 % at n = 512).
constexpr int kGemmtPanel = 64;

template <class T>
void by_panels(int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
  for (int r0 = 0; r0 < n; r0 += kGemmtPanel) {
    const int rows = std::min(kGemmtPanel, n - r0);
    gemm(Op::N, Op::N, rows, n - r0, k, alpha, a + std::size_t(r0) * lda, lda, b + r0, ldb, beta,
         c + std::size_t(r0) * ldc + r0, ldc);
  }
}

template <class T>
void gemmt_upper_impl(int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
  if (n <= 0) return;
  const auto& symbol = gemmt_symbol<T>();
  if (symbol.call) {
    symbol.call(kRowMajor, kUpper, kNoTrans, kNoTrans, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    by_panels(n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

}  // namespace

void gemmt_upper_by_panels(int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta,
                           float* c, int ldc) {
  by_panels(n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemmt_upper_by_panels(int n, int k, double alpha, const double* a, int lda, const double* b, int ldb, double beta,
                           double* c, int ldc) {
  by_panels(n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemmt_upper(int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta, float* c,
                 int ldc) {
  gemmt_upper_impl(n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemmt_upper(int n, int k, double alpha, const double* a, int lda, const double* b, int ldb, double beta, double* c,
                 int ldc) {
  gemmt_upper_impl(n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

std::string gemmt_routine() { return gemmt_symbol<float>().name; }

namespace {

template <class T, class Work, class Syevd>
int syevd_impl(int n, T* a, T* w, std::vector<Work>& work, std::vector<int>& iwork, Syevd call) {
  if (n == 0) return 0;
  // Workspace sizes of ?syevd with jobz='V' (LAPACK documentation): lwork = 1 + 6n + 2n^2, liwork = 3 + 5n.
  const std::size_t lwork = 1 + 6 * std::size_t(n) + 2 * std::size_t(n) * n;
  const std::size_t liwork = 3 + 5 * std::size_t(n);
  if (work.size() < lwork) work.resize(lwork);
  if (iwork.size() < liwork) iwork.resize(liwork);
  // Column-major call on the row-major buffer: the input is symmetric, and the column-major eigenvector matrix
  // read row-major gives one eigenvector per row.
  return call(LAPACK_COL_MAJOR, 'V', 'U', n, a, n, w, work.data(), static_cast<lapack_int>(lwork), iwork.data(),
              static_cast<lapack_int>(liwork));
}

}  // namespace

int syevd(int n, float* a, float* w, SyevdWorkspace& ws) {
  return syevd_impl(n, a, w, ws.fwork, ws.iwork, LAPACKE_ssyevd_work);
}

int syevd(int n, double* a, double* w, SyevdWorkspace& ws) {
  return syevd_impl(n, a, w, ws.dwork, ws.iwork, LAPACKE_dsyevd_work);
}

void set_blas_threads(int threads) {
  threads = std::max(1, threads);
  if (openblas_set_num_threads) openblas_set_num_threads(threads);
  if (MKL_Set_Num_Threads) MKL_Set_Num_Threads(threads);
  if (bli_thread_set_num_threads) bli_thread_set_num_threads(threads);
}

int blas_threads() {
  if (openblas_get_num_threads) return openblas_get_num_threads();
  if (MKL_Get_Max_Threads) return MKL_Get_Max_Threads();
  if (bli_thread_get_num_threads) return static_cast<int>(std::max(1L, bli_thread_get_num_threads()));
  return 1;
}

namespace {

// The word after `key` in `text` ("" when absent): the version in "OpenBLAS 0.3.21 ..." or "... Version 2026.2-...".
std::string word_after(const std::string& text, const std::string& key) {
  const auto at = text.find(key);
  if (at == std::string::npos) return "";
  std::istringstream in(text.substr(at + key.size()));
  std::string word;
  in >> word;
  return word.substr(0, word.find('-'));
}

// MKL_CBWR_Get_Auto_Branch(): the instruction-set code path oneMKL dispatches to on this CPU (mkl_types.h).
std::string mkl_branch_name(int branch) {
  switch (branch) {
    case 3:
      return "COMPATIBLE";
    case 4:
      return "SSE2";
    case 8:
      return "SSE4_2";
    case 10:
      return "AVX2";
    case 12:
      return "AVX512";
    case 14:
      return "AVX512_E1";
    case 15:
      return "AVX10";
    default:
      return "branch " + std::to_string(branch);
  }
}

}  // namespace

BlasLibraryInfo blas_library_info() {
  // oneMKL and BLIS first: their symbols are only there when KDASH_BLAS chose them, while OpenBLAS can also be
  // loaded as the system's LAPACK next to BLIS (Debian's liblapack.so.3 alternative).
  BlasLibraryInfo info;
  if (MKL_Get_Version_String) {
    char text[256] = {};
    MKL_Get_Version_String(text, sizeof text);
    info.details = text;
    info.library = "oneMKL";
    info.version = word_after(info.details, "Version ");
    if (MKL_CBWR_Get_Auto_Branch) info.kernel = mkl_branch_name(MKL_CBWR_Get_Auto_Branch());
  } else if (bli_info_get_version_str) {
    info.library = "BLIS";
    info.version = bli_info_get_version_str();
    if (bli_arch_query_id && bli_arch_string) info.kernel = bli_arch_string(bli_arch_query_id());
    info.details = "BLIS " + info.version;
  } else if (openblas_get_config) {
    info.details = openblas_get_config();
    info.library = "OpenBLAS";
    info.version = word_after(info.details, "OpenBLAS ");
    if (openblas_get_corename) info.kernel = openblas_get_corename();
  } else {
    info.library = KDASH_BLAS_LIBRARY;
  }
  return info;
}

std::string blas_description() {
  const BlasLibraryInfo info = blas_library_info();
  std::string out = info.library;
  if (!info.version.empty()) out += " " + info.version;
  if (!info.kernel.empty()) out += ", kernels " + info.kernel;
  return out;
}

}  // namespace kdash::backends::host
