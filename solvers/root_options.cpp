#include "kdash/solvers/root_options.hpp"

#include <kdash/backends/enum_names.hpp>

#include <cmath>

namespace kdash {
namespace {

constexpr detail::EnumNames<RootMethod, 5> kMethods{{{RootMethod::evd, "evd"},
                                                     {RootMethod::cn, "cn"},
                                                     {RootMethod::ndb, "ndb"},
                                                     {RootMethod::cbshv, "cbshv"},
                                                     {RootMethod::automatic, "auto"}}};
constexpr detail::EnumNames<Scaling, 3> kScalings{{{Scaling::fro, "fro"}, {Scaling::pi, "pi"}, {Scaling::pim, "pim"}}};
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

}  // namespace

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
