#include "kdash/backends/host/host_blas.hpp"

#include <kdash/config.hpp>

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>

// OpenBLAS' thread control; weak so that another BLAS (without these calls) still links.
extern "C" {
void openblas_set_num_threads(int) __attribute__((weak));
int openblas_get_num_threads() __attribute__((weak));
char* openblas_get_config() __attribute__((weak));
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
  if (openblas_set_num_threads) openblas_set_num_threads(std::max(1, threads));
}

int blas_threads() { return openblas_get_num_threads ? openblas_get_num_threads() : 1; }

std::string blas_description() {
  if (openblas_get_config) return std::string(openblas_get_config());
  return KDASH_BLAS_LIBRARY;
}

}  // namespace kdash::backends::host
