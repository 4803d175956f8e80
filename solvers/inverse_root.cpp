#include "kdash/solvers/inverse_root.hpp"

#include "kdash/solvers/evd_root.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace kdash {
namespace {

void validate(const RootOptions& o, std::size_t rows, std::size_t cols) {
  if (rows != cols) {
    throw std::invalid_argument("inverse_root: blocks must be square, got " + std::to_string(rows) + "x" +
                                std::to_string(cols));
  }
  if (!(o.p > 0) || !std::isfinite(o.p)) throw std::invalid_argument("inverse_root: root p must be > 0");
  if (!(o.eps >= 0) || !std::isfinite(o.eps)) throw std::invalid_argument("inverse_root: eps must be >= 0");
}

template <class T>
std::vector<BlockRootResult> dispatch(const ExecSpace& exec, const Stack<const T>& a, const Stack<T>& x,
                                      const RootOptions& options) {
  validate(options, a.extent(1), a.extent(2));
  if (x.extent(0) != a.extent(0) || x.extent(1) != a.extent(1) || x.extent(2) != a.extent(2)) {
    throw std::invalid_argument("inverse_root: output stack shape differs from the input's");
  }
  switch (options.method) {
    case RootMethod::evd:
    case RootMethod::automatic:
      return solvers::evd_root<T>(exec, a, x, options);
    default:
      throw std::invalid_argument("inverse_root: solver '" + to_string(options.method) + "' is not available yet");
  }
}

}  // namespace

std::vector<BlockRootResult> inverse_root(const ExecSpace& exec, const Stack<const float>& a, const Stack<float>& x,
                                          const RootOptions& options) {
  return dispatch<float>(exec, a, x, options);
}

std::vector<BlockRootResult> inverse_root(const ExecSpace& exec, const Stack<const double>& a, const Stack<double>& x,
                                          const RootOptions& options) {
  return dispatch<double>(exec, a, x, options);
}

}  // namespace kdash
