// Host BLAS/LAPACK adapter: plain functions on raw row-major pointers. Knows nothing of Kokkos or Shampoo.
#pragma once

#include <string>
#include <vector>

namespace kdash::backends::host {

enum class Op { N, T };

// C = alpha * op(A) * op(B) + beta * C for one row-major matrix; C is m x n, the inner dimension is k.
void gemm(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
          float beta, float* c, int ldc);
void gemm(Op op_a, Op op_b, int m, int n, int k, double alpha, const double* a, int lda, const double* b, int ldb,
          double beta, double* c, int ldc);

// Symmetric rank-k update of one row-major n x n matrix, upper triangle only (BLAS ?syrk; the strictly lower
// triangle is left untouched): C = alpha * A A^T + beta * C with A n x k (op N) or C = alpha * A^T A + beta * C with
// A k x n (op T).
void syrk(Op op_a, int n, int k, float alpha, const float* a, int lda, float beta, float* c, int ldc);
void syrk(Op op_a, int n, int k, double alpha, const double* a, int lda, double beta, double* c, int ldc);

// The upper triangle of a product known to be symmetric (A and B symmetric and commuting, as the iterates of the
// Newton solvers are): C = alpha * A B + beta * C for row-major n x n A, B, C, about half the flops of the GEMM. The
// library's ?gemmtr / ?gemmt where it has one (oneMKL; OpenBLAS from 0.3.22; BLIS), otherwise GEMMs over row panels of
// the upper block triangle. On return the strictly lower triangle of C is unspecified.
void gemmt_upper(int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta, float* c,
                 int ldc);
void gemmt_upper(int n, int k, double alpha, const double* a, int lda, const double* b, int ldb, double beta, double* c,
                 int ldc);
// What gemmt_upper does without a library ?gemmt: GEMMs over row panels of the upper block triangle (the strictly
// lower triangle of the diagonal panels is computed too).
void gemmt_upper_by_panels(int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta,
                           float* c, int ldc);
void gemmt_upper_by_panels(int n, int k, double alpha, const double* a, int lda, const double* b, int ldb, double beta,
                           double* c, int ldc);
// The name of the library routine gemmt_upper calls ("cblas_sgemmtr", "cblas_sgemmt"), or "" when it falls back to
// GEMMs over panels.
std::string gemmt_routine();

// Symmetric eigendecomposition of one n x n matrix (LAPACKE ?syevd). On entry `a` holds the symmetric matrix
// (row-major equals column-major for it); on exit row i of `a` holds the eigenvector of eigenvalue w[i]
// (eigenvalues ascending). Returns LAPACK's info (0 on success). The workspace vectors grow on demand.
struct SyevdWorkspace {
  std::vector<float> fwork;
  std::vector<double> dwork;
  std::vector<int> iwork;
};
int syevd(int n, float* a, float* w, SyevdWorkspace& ws);
int syevd(int n, double* a, double* w, SyevdWorkspace& ws);

// Threads the BLAS library may use for one call (OpenBLAS, oneMKL, BLIS; a no-op for other libraries).
void set_blas_threads(int threads);
int blas_threads();

// What the linked BLAS/LAPACK says about itself at run time.
struct BlasLibraryInfo {
  std::string library;  // "OpenBLAS", "oneMKL", "BLIS", or the linked library's file name for any other
  std::string version;  // "0.3.21", "2026.2", "0.9.0"; empty when the library does not say
  std::string kernel;   // the kernels / code path it selected for this CPU: "Prescott", "AVX512_E1", "skx"; or empty
  std::string details;  // the library's own description (OpenBLAS' build configuration, MKL's version string)
};
BlasLibraryInfo blas_library_info();
// "OpenBLAS 0.3.21, kernels Prescott" (library, version, kernels).
std::string blas_description();

// Sets the BLAS thread count for a scope and restores it afterwards.
class ScopedBlasThreads {
 public:
  explicit ScopedBlasThreads(int threads) : saved_(blas_threads()) { set_blas_threads(threads); }
  ~ScopedBlasThreads() { set_blas_threads(saved_); }
  ScopedBlasThreads(const ScopedBlasThreads&) = delete;
  ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

 private:
  int saved_;
};

}  // namespace kdash::backends::host
