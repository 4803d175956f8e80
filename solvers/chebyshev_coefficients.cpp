#include "kdash/solvers/chebyshev.hpp"

#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>

namespace kdash::solvers {

std::vector<double> chebyshev_coefficients(double eps, int degree, double p, int nodes) {
  if (degree < 0) throw std::invalid_argument("chebyshev: degree must be >= 0, got " + std::to_string(degree));
  if (nodes <= degree) {
    throw std::invalid_argument("chebyshev: the node count (" + std::to_string(nodes) + ") must exceed the degree (" +
                                std::to_string(degree) + ")");
  }
  if (!(p > 0) || !std::isfinite(p)) throw std::invalid_argument("chebyshev: root p must be > 0");
  if (!(eps >= 0) || !std::isfinite(eps)) throw std::invalid_argument("chebyshev: eps must be finite and >= 0");
  if (eps == 0) throw std::invalid_argument("chebyshev: eps must be > 0 (f(x) = x^(-1/p) is fitted on [eps, 1+eps])");

  static std::mutex mutex;
  static std::map<std::tuple<double, int, double, int>, std::vector<double>> cache;
  const auto key = std::make_tuple(eps, degree, p, nodes);
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(key); it != cache.end()) return it->second;

  // design.md §3: theta_j = pi (j + 1/2) / N, x_j = (b-a)/2 cos(theta_j) + (b+a)/2 on [a, b] = [eps, 1 + eps].
  const double a = eps, b = 1 + eps, pi = std::acos(-1.0);
  std::vector<double> c(degree + 1, 0.0);
  for (int j = 0; j < nodes; ++j) {
    const double theta = pi * (j + 0.5) / nodes;
    const double x = 0.5 * (b - a) * std::cos(theta) + 0.5 * (b + a);
    const double f = std::pow(x, -1.0 / p);
    for (int k = 0; k <= degree; ++k) c[k] += f * std::cos(k * theta);
  }
  for (auto& v : c) v *= 2.0 / nodes;
  c[0] /= 2;
  cache.emplace(key, c);
  return c;
}

double chebyshev_evaluate(const std::vector<double>& c, double x) {
  double b1 = 0, b2 = 0;  // B_{k+1}, B_{k+2}
  for (int k = static_cast<int>(c.size()) - 1; k >= 1; --k) {
    const double bk = 2 * x * b1 - b2 + c[k];
    b2 = b1;
    b1 = bk;
  }
  return x * b1 - b2 + (c.empty() ? 0.0 : c[0]);
}

}  // namespace kdash::solvers
