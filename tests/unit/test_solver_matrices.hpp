// Matrices with known spectra for the solver tests: A = Q diag(lambda) Q^T with a random orthogonal Q (Gram-Schmidt
// of a Gaussian matrix, in double), and the residual ||X^p A - I|| measured in double on the host.
#pragma once

#include "known_spectrum.hpp"  // tests/known_spectrum.hpp
#include "test_helpers.hpp"    // tests/test_helpers.hpp

#include <kdash/solvers/inverse_root.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace kdash::testing {

// max_ij |(X^p A - I)_ij| in double.
inline double root_residual(const Matrix& x, const Matrix& a, int p, int n) {
  Matrix m = a;
  for (int k = 0; k < p; ++k) m = multiply(x, m, n);
  double worst = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) worst = std::max(worst, std::abs(m[i * n + j] - (i == j ? 1.0 : 0.0)));
  return worst;
}

// A stack of blocks with given spectra, stored in T (what the solver sees) and read back in double (what it got).
template <class T>
struct SpectrumStack {
  HostStack<T> host;
  std::vector<Matrix> stored;  // the T values, in double
  std::vector<std::vector<double>> spectra;
  int n = 0;

  Matrix block(const HostStack<T>& h, int b) const {
    Matrix m(std::size_t(n) * n);
    for (int i = 0; i < n * n; ++i) m[i] = double(h.data()[std::size_t(b) * n * n + i]);
    return m;
  }
};

template <class T>
SpectrumStack<T> spectrum_stack(int n, const std::vector<std::vector<double>>& spectra, unsigned seed) {
  SpectrumStack<T> s;
  s.n = n;
  s.spectra = spectra;
  s.host = HostStack<T>("spectrum_stack", spectra.size(), n, n);
  for (std::size_t b = 0; b < spectra.size(); ++b) {
    auto a = from_spectrum(random_orthogonal(n, seed + unsigned(b)), spectra[b], n);
    for (int i = 0; i < n; ++i)  // symmetrise exactly: the solvers assume symmetric input
      for (int j = 0; j < n; ++j) s.host(b, i, j) = static_cast<T>(0.5 * (a[i * n + j] + a[j * n + i]));
    s.stored.push_back(s.block(s.host, int(b)));
  }
  return s;
}

// Solves a host stack on a default instance of `Space` (input and root in its memory), the root copied back to the
// host: run_root<Space>(a, x, options).
template <class Space, class T>
std::vector<BlockRootResult> run_root(const HostStack<T>& a, HostStack<T>& x_out, const RootOptions& options) {
  using Memory = typename Space::memory_space;
  Stack<T, Memory> x("x", a.extent(0), a.extent(1), a.extent(2));
  auto results = inverse_root(Space(), to_device_input<Space>(a), x, options);
  x_out = to_host(x);
  return results;
}

// Scalar coupled Newton on one eigenvalue: m_{k+1} = m_k ((p+1 - m_k)/p)^p from m_0 = lambda (p+1)/(2s) (design.md §3:
// every iterate is a polynomial in A, so M_k's eigenvalues follow this map exactly in exact arithmetic).
inline double cn_scalar_residual(double lambda, double s, int p, int iterations) {
  double m = lambda * (p + 1) / (2 * s);
  for (int k = 0; k < iterations; ++k) m *= std::pow((p + 1 - m) / p, p);
  return std::abs(m - 1);
}

// Unit roundoff of a precision's GEMM inputs.
inline double unit_roundoff(Precision p) { return input_unit_roundoff(p); }

}  // namespace kdash::testing
