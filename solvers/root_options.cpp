#include "kdash/solvers/root_options.hpp"

#include <array>
#include <stdexcept>
#include <utility>

namespace kdash {
namespace {

template <class E, std::size_t N>
std::string name_of(E value, const std::array<std::pair<E, const char*>, N>& names) {
  for (const auto& [e, name] : names)
    if (e == value) return name;
  return "?";
}

template <class E, std::size_t N>
E parse(const std::string& what, const std::string& text, const std::array<std::pair<E, const char*>, N>& names) {
  std::string accepted;
  for (const auto& [e, name] : names) {
    if (text == name) return e;
    accepted += accepted.empty() ? name : std::string(", ") + name;
  }
  throw std::invalid_argument("unknown " + what + " '" + text + "' (accepted: " + accepted + ")");
}

constexpr std::array<std::pair<RootMethod, const char*>, 5> kMethods{{{RootMethod::evd, "evd"},
                                                                      {RootMethod::cn, "cn"},
                                                                      {RootMethod::ndb, "ndb"},
                                                                      {RootMethod::cbshv, "cbshv"},
                                                                      {RootMethod::automatic, "auto"}}};
constexpr std::array<std::pair<Scaling, const char*>, 3> kScalings{
    {{Scaling::fro, "fro"}, {Scaling::pi, "pi"}, {Scaling::pim, "pim"}}};
constexpr std::array<std::pair<Precision, const char*>, 4> kPrecisions{
    {{Precision::fp32, "fp32"}, {Precision::fp16, "fp16"}, {Precision::bf16, "bf16"}, {Precision::fp64, "fp64"}}};
constexpr std::array<std::pair<EigenFixup, const char*>, 4> kFixups{{{EigenFixup::shampoo, "shampoo"},
                                                                     {EigenFixup::abs, "abs"},
                                                                     {EigenFixup::abs_add, "abs-add"},
                                                                     {EigenFixup::relu, "relu"}}};
constexpr std::array<std::pair<RootStatus, const char*>, 4> kStatuses{{{RootStatus::converged, "converged"},
                                                                       {RootStatus::not_converged, "not_converged"},
                                                                       {RootStatus::non_finite, "non_finite"},
                                                                       {RootStatus::fallback, "fallback"}}};

}  // namespace

std::string to_string(RootMethod m) { return name_of(m, kMethods); }
std::string to_string(Scaling s) { return name_of(s, kScalings); }
std::string to_string(Precision p) { return name_of(p, kPrecisions); }
std::string to_string(EigenFixup f) { return name_of(f, kFixups); }
std::string to_string(RootStatus s) { return name_of(s, kStatuses); }
RootMethod parse_root_method(const std::string& name) { return parse("solver", name, kMethods); }
Scaling parse_scaling(const std::string& name) { return parse("scaling", name, kScalings); }
Precision parse_precision(const std::string& name) { return parse("precision", name, kPrecisions); }
EigenFixup parse_eigen_fixup(const std::string& name) { return parse("eigenvalue fix-up", name, kFixups); }

}  // namespace kdash
