#include "kdash/solvers/root_options.hpp"

#include <kdash/backends/enum_names.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

namespace kdash {
namespace {

constexpr detail::EnumNames<RootMethod, 5> kMethods{{{RootMethod::evd, "evd"},
                                                     {RootMethod::coupled_newton, "cn"},
                                                     {RootMethod::newton_denman_beavers, "ndb"},
                                                     {RootMethod::chebyshev, "cbshv"},
                                                     {RootMethod::automatic, "auto"}}};
constexpr detail::EnumNames<Scaling, 3> kScalings{
    {{Scaling::frobenius, "fro"}, {Scaling::power_iteration, "pi"}, {Scaling::multi_vector_power_iteration, "pim"}}};
constexpr detail::EnumNames<Precision, 5> kPrecisions{{{Precision::fp32, "fp32"},
                                                       {Precision::tf32, "tf32"},
                                                       {Precision::fp16, "fp16"},
                                                       {Precision::bf16, "bf16"},
                                                       {Precision::fp64, "fp64"}}};
constexpr detail::EnumNames<EigenFixup, 4> kFixups{{{EigenFixup::shampoo, "shampoo"},
                                                    {EigenFixup::abs, "abs"},
                                                    {EigenFixup::abs_add, "abs-add"},
                                                    {EigenFixup::relu, "relu"}}};
constexpr detail::EnumNames<RootStatus, 4> kStatuses{{{RootStatus::converged, "converged"},
                                                      {RootStatus::not_converged, "not_converged"},
                                                      {RootStatus::non_finite, "non_finite"},
                                                      {RootStatus::fallback, "fallback"}}};

[[noreturn]] void invalid(const std::string& key, const std::string& why) {
  throw std::invalid_argument("kdash::RootOptions: " + key + " " + why);
}
void finite_at_least(const std::string& key, double v, double lo, bool strict) {
  if (!std::isfinite(v)) invalid(key, "must be finite, got " + std::to_string(v));
  if (strict ? !(v > lo) : v < lo)
    invalid(key, std::string("must be ") + (strict ? "> " : ">= ") + std::to_string(lo) + ", got " + std::to_string(v));
}
void in_range(const std::string& key, long long v, long long lo, long long hi) {
  if (v < lo) invalid(key, "must be >= " + std::to_string(lo) + ", got " + std::to_string(v));
  if (v > hi) invalid(key, "must be at most " + std::to_string(hi) + ", got " + std::to_string(v));
}

}  // namespace

void validate_root_options(const RootOptions& o) {
  finite_at_least("eps_root", o.eps, 0, false);
  in_range("newton_steps", o.max_iterations, 1, limits::max_iterations);
  finite_at_least("tolerance", o.tolerance, 0, false);  // 0: always run newton_steps iterations
  in_range("pi_steps", o.power_iteration_steps, 1, limits::power_iteration_steps);
  finite_at_least("pi_const", o.scale_margin, 0, true);
  in_range("pim_vectors", o.power_iteration_vectors, 1, limits::power_iteration_vectors);
  in_range("cheb_degree", o.chebyshev_degree, 1, limits::chebyshev_degree);
  in_range("cheb_nodes", o.chebyshev_nodes, static_cast<long long>(o.chebyshev_degree) + 1, limits::chebyshev_nodes);
  finite_at_least("usable_residual", o.usable_residual, 0, false);
  if (o.method == RootMethod::chebyshev && !(o.eps > 0)) {
    invalid("eps_root", "must be > 0 for the Chebyshev solver (the fit interval is [eps, 1 + eps])");
  }
}

std::string to_string(RootMethod m) { return detail::name_of(m, kMethods); }
std::string to_string(Scaling s) { return detail::name_of(s, kScalings); }
std::string to_string(Precision p) { return detail::name_of(p, kPrecisions); }
std::string to_string(EigenFixup f) { return detail::name_of(f, kFixups); }
std::string to_string(RootStatus s) { return detail::name_of(s, kStatuses); }
RootMethod parse_root_method(const std::string& name) { return detail::parse_name("solver", name, kMethods); }
Scaling parse_scaling(const std::string& name) { return detail::parse_name("scaling", name, kScalings); }
Precision parse_precision(const std::string& name) { return detail::parse_name("precision", name, kPrecisions); }
EigenFixup parse_eigen_fixup(const std::string& name) { return detail::parse_name("eigenvalue fix-up", name, kFixups); }

double input_unit_roundoff(Precision p) {
  switch (p) {
    case Precision::tf32:
    case Precision::fp16:
      return std::ldexp(1.0, -11);
    case Precision::bf16:
      return std::ldexp(1.0, -8);
    case Precision::fp64:
      return std::ldexp(1.0, -53);
    case Precision::fp32:
      break;
  }
  return std::ldexp(1.0, -24);
}

bool root_is_usable(const BlockRootResult& r, RootMethod method, const RootOptions& options) {
  if (r.status == RootStatus::converged) return true;
  if (r.status != RootStatus::not_converged || method == RootMethod::evd) return false;
  return r.residual < options.usable_residual;  // false for a NaN residual
}

}  // namespace kdash
