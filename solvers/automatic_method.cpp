#include "kdash/solvers/automatic_method.hpp"

#include <cmath>

namespace kdash::solvers {

RootOptions resolve_automatic(const RootOptions& options, int n, bool host_backend) {
  RootOptions out = options;
  if (options.method != RootMethod::automatic) return out;
  const bool integer_p = options.p >= 1 && std::floor(options.p) == options.p;
  if (host_backend || !integer_p) {
    out.method = RootMethod::evd;
    return out;
  }
  out.method = RootMethod::coupled_newton;
  if (n >= kAutoHalfPrecisionBlock && options.precision == Precision::fp32) out.precision = Precision::fp16;
  return out;
}

}  // namespace kdash::solvers
