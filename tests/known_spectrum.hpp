// Matrices with known spectra, in double on the host: A = Q diag(lambda) Q^T with a random orthogonal Q (Gram-Schmidt
// of a Gaussian matrix). Standard library only, so perf/solver_accuracy.cpp shares it with the solver tests.
#pragma once

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

namespace kdash::testing {

using Matrix = std::vector<double>;  // row-major n x n

inline Matrix random_orthogonal(int n, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> dist;
  Matrix q(std::size_t(n) * n);
  for (auto& v : q) v = dist(gen);
  for (int pass = 0; pass < 2; ++pass) {  // Gram-Schmidt twice: orthogonal to ~1e-16 even for n = 512
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < i; ++j) {
        double d = 0;
        for (int l = 0; l < n; ++l) d += q[i * n + l] * q[j * n + l];
        for (int l = 0; l < n; ++l) q[i * n + l] -= d * q[j * n + l];
      }
      double norm = 0;
      for (int l = 0; l < n; ++l) norm += q[i * n + l] * q[i * n + l];
      for (int l = 0; l < n; ++l) q[i * n + l] /= std::sqrt(norm);
    }
  }
  return q;
}

// sum_i f_i q_i q_i^T with q_i the rows of q.
inline Matrix from_spectrum(const Matrix& q, const std::vector<double>& f, int n) {
  Matrix m(std::size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int r = 0; r < n; ++r) {
      const double fr = f[i] * q[i * n + r];
      for (int c = 0; c < n; ++c) m[r * n + c] += fr * q[i * n + c];
    }
  return m;
}

// lambda_i from 1 down to 1/kappa, geometrically (n = 1: {1}).
inline std::vector<double> geometric_spectrum(int n, double kappa) {
  std::vector<double> l(n);
  for (int i = 0; i < n; ++i) l[i] = n == 1 ? 1.0 : std::pow(kappa, -double(i) / (n - 1));
  return l;
}

inline Matrix multiply(const Matrix& a, const Matrix& b, int n) {
  Matrix c(std::size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) {
      const double aik = a[i * n + k];
      for (int j = 0; j < n; ++j) c[i * n + j] += aik * b[k * n + j];
    }
  return c;
}

}  // namespace kdash::testing
