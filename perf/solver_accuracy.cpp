// Accuracy table of the inverse-root solvers for docs/solvers.md: ||X^p A - I||_max (measured in double on the host)
// against iterations (Chebyshev: degree) and condition number, for each solver, scaling and precision.
// Matrices: A = Q diag(lambda) Q^T, random orthogonal Q, lambda geometric from 1 to 1/kappa; p = 4, eps = 0 for the
// Newton solvers (the exact root), 1e-10 for EVD/Chebyshev (their ridge is part of the method). Chebyshev's output is
// multiplied by s^(-1/4) first (it is not rescaled, see docs). The worst block of `count` is reported.
// Usage: solver_accuracy [n] [count]   (defaults 64, 4). Prints Markdown.
#include "../tests/known_spectrum.hpp"

#include <kdash/solvers/inverse_root.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace kdash::testing;  // known_spectrum.hpp
const std::vector<double> kKappas{1e1, 1e3, 1e5, 1e8};

struct Problem {
  int n, count;
  double kappa;
  std::vector<Matrix> blocks;  // the float-stored values, in double
  kdash::Stack<float> a;
};

Problem make_problem(int n, int count, double kappa) {
  Problem pr{n, count, kappa, {}, kdash::Stack<float>("a", count, n, n)};
  auto h = Kokkos::create_mirror_view(pr.a);
  for (int b = 0; b < count; ++b) {
    const Matrix m = from_spectrum(random_orthogonal(n, 1000 + b), geometric_spectrum(n, kappa), n);
    Matrix stored(m.size());
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) {
        h(b, r, c) = static_cast<float>(0.5 * (m[r * n + c] + m[c * n + r]));
        stored[r * n + c] = double(h(b, r, c));
      }
    pr.blocks.push_back(stored);
  }
  Kokkos::deep_copy(pr.a, h);
  return pr;
}

// Worst ||X^p A - I||_max over the blocks, or NaN if a block was not computed.
double accuracy(const Problem& pr, const kdash::RootOptions& o) {
  const int n = pr.n;
  kdash::Stack<float> x("x", pr.count, n, n);
  auto results = kdash::inverse_root(kdash::DefaultExecSpace(), kdash::Stack<const float>(pr.a), x, o);
  auto xh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), x);
  double worst = 0;
  for (int b = 0; b < pr.count; ++b) {
    if (results[b].status == kdash::RootStatus::non_finite) return std::nan("");
    const double f = o.method == kdash::RootMethod::chebyshev ? std::pow(results[b].scale, -1.0 / o.p) : 1.0;
    Matrix xb(std::size_t(n) * n);
    for (int i = 0; i < n * n; ++i) xb[i] = f * double(xh.data()[std::size_t(b) * n * n + i]);
    Matrix m = pr.blocks[b];
    for (int k = 0; k < int(o.p); ++k) m = multiply(xb, m, n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) worst = std::max(worst, std::abs(m[i * n + j] - (i == j ? 1.0 : 0.0)));
  }
  return worst;
}

kdash::RootOptions base(kdash::RootMethod m) {
  kdash::RootOptions o;
  o.method = m;
  o.p = 4;
  o.eps = m == kdash::RootMethod::coupled_newton || m == kdash::RootMethod::newton_denman_beavers ? 0.0 : 1e-10;
  o.tolerance = 0;  // run the full iteration count
  o.seed = 1;
  return o;
}

void row(const std::string& label, const std::vector<Problem>& problems, const kdash::RootOptions& o) {
  std::printf("| %s |", label.c_str());
  for (const auto& pr : problems) {
    const double a = accuracy(pr, o);
    if (std::isnan(a))
      std::printf(" non-finite |");
    else
      std::printf(" %.1e |", a);
  }
  std::printf("\n");
  std::fflush(stdout);
}

void header(const char* first) {
  std::printf("| %s |", first);
  for (double k : kKappas) std::printf(" kappa %.0e |", k);
  std::printf("\n|---|");
  for (std::size_t i = 0; i < kKappas.size(); ++i) std::printf("---|");
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  const int n = argc > 1 ? std::atoi(argv[1]) : 64;
  const int count = argc > 2 ? std::atoi(argv[2]) : 4;
  std::vector<Problem> problems;
  for (double k : kKappas) problems.push_back(make_problem(n, count, k));
  using kdash::Precision;
  using kdash::RootMethod;
  using kdash::Scaling;

  std::printf("Accuracy ||X^4 A - I||_max, worst of %d blocks of n = %d, float32 stacks (kdash solver_accuracy).\n\n",
              count, n);
  std::printf("Against iterations (Chebyshev: degree), power-iteration scaling, fp32:\n\n");
  header("solver, iterations");
  for (RootMethod m : {RootMethod::coupled_newton, RootMethod::newton_denman_beavers})
    for (int k : {5, 10, 20, 40}) {
      auto o = base(m);
      o.max_iterations = k;
      row(kdash::to_string(m) + ", " + std::to_string(k), problems, o);
    }
  for (int d : {10, 20, 60, 200}) {
    auto o = base(RootMethod::chebyshev);
    o.chebyshev_degree = d;
    row("cbshv, degree " + std::to_string(d), problems, o);
  }
  row("evd", problems, base(RootMethod::evd));

  std::printf("\nAgainst scaling and precision (CN and NDB: 10 iterations, Chebyshev: degree 20):\n\n");
  header("solver, scaling, precision");
  for (RootMethod m : {RootMethod::coupled_newton, RootMethod::newton_denman_beavers, RootMethod::chebyshev})
    for (Scaling s : {Scaling::frobenius, Scaling::power_iteration, Scaling::multi_vector_power_iteration})
      for (Precision p : {Precision::fp32, Precision::tf32, Precision::fp16, Precision::bf16, Precision::fp64}) {
        auto o = base(m);
        o.scaling = s;
        o.precision = p;
        row(kdash::to_string(m) + ", " + kdash::to_string(s) + ", " + kdash::to_string(p), problems, o);
      }
  for (Precision p : {Precision::fp32, Precision::tf32, Precision::fp16, Precision::bf16, Precision::fp64}) {
    auto o = base(RootMethod::evd);
    o.precision = p;
    row("evd, -, " + kdash::to_string(p), problems, o);
  }
  return 0;
}
