#include "kdash/optimizer_config.hpp"

#include <kdash/backends/enum_names.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

namespace kdash {
namespace {

constexpr detail::EnumNames<WeightDecayMode, 2> kWeightDecayModes{
    {{WeightDecayMode::decoupled, "decoupled"}, {WeightDecayMode::l2, "l2"}}};
constexpr detail::EnumNames<StackingMode, 3> kStackingModes{{{StackingMode::sequential, "sequential"},
                                                             {StackingMode::layerwise, "layerwise"},
                                                             {StackingMode::device, "device"}}};
constexpr detail::EnumNames<GraftingType, 4> kGraftingTypes{{{GraftingType::adam, "adam"},
                                                             {GraftingType::adagrad, "adagrad"},
                                                             {GraftingType::rmsprop, "rmsprop"},
                                                             {GraftingType::sgd, "sgd"}}};
constexpr detail::EnumNames<OneDimMode, 2> kOneDimModes{
    {{OneDimMode::adamw, "adamw"}, {OneDimMode::shampoo, "shampoo"}}};
constexpr detail::EnumNames<NonFinitePolicy, 2> kNonFinitePolicies{
    {{NonFinitePolicy::skip, "skip"}, {NonFinitePolicy::error, "error"}}};
constexpr detail::EnumNames<backends::GemmPath, 3> kGemmPaths{{{backends::GemmPath::kokkos_kernels, "kk"},
                                                               {backends::GemmPath::vendor, "vendor"},
                                                               {backends::GemmPath::automatic, "auto"}}};
constexpr detail::EnumNames<backends::DeviceSymmetricForm, 3> kDeviceSymmetricForms{
    {{backends::DeviceSymmetricForm::full, "full"},
     {backends::DeviceSymmetricForm::lower_triangle, "lower_triangle"},
     {backends::DeviceSymmetricForm::automatic, "auto"}}};

[[noreturn]] void invalid(const std::string& name, const std::string& why) {
  throw std::invalid_argument("kdash::Config: " + name + " " + why);
}

void finite(const std::string& name, double v) {
  if (!std::isfinite(v)) invalid(name, "must be finite, got " + std::to_string(v));
}
void non_negative(const std::string& name, double v) {
  finite(name, v);
  if (v < 0) invalid(name, "must be >= 0, got " + std::to_string(v));
}
void positive(const std::string& name, double v) {
  finite(name, v);
  if (!(v > 0)) invalid(name, "must be > 0, got " + std::to_string(v));
}
// An EMA coefficient in [0, 1).
void unit_interval(const std::string& name, double v) {
  finite(name, v);
  if (v < 0 || v >= 1) invalid(name, "must be in [0, 1), got " + std::to_string(v));
}
void at_least(const std::string& name, long long v, long long lo) {
  if (v < lo) invalid(name, "must be >= " + std::to_string(lo) + ", got " + std::to_string(v));
}

}  // namespace

void Config::validate() const {
  non_negative("lr", lr);
  non_negative("weight_decay", weight_decay);
  at_least("block_size", block_size, 1);
  at_least("root_freq", root_freq, 1);
  try {
    validate_root_options(root);
  } catch (const std::invalid_argument& e) {
    // The same message, as an error of the configuration.
    const std::string what = e.what();
    const std::string prefix = "kdash::RootOptions: ";
    throw std::invalid_argument("kdash::Config: " + (what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what));
  }
  unit_interval("beta_g", beta_g);
  // beta_lr >= 1 selects plain sums (design.md §1 step 3): any finite value >= 0 is meaningful.
  non_negative("beta_lr", beta_statistics);
  unit_interval("beta_graft", beta_graft);
  positive("eps_graft", eps_graft);
  unit_interval("mu", momentum);
  at_least("max_failures", max_failures, 0);
  non_negative("root_batch_mb", root_batch_mb);
}

std::string to_string(WeightDecayMode m) { return detail::name_of(m, kWeightDecayModes); }
std::string to_string(StackingMode m) { return detail::name_of(m, kStackingModes); }
std::string to_string(GraftingType g) { return detail::name_of(g, kGraftingTypes); }
std::string to_string(OneDimMode m) { return detail::name_of(m, kOneDimModes); }
std::string to_string(NonFinitePolicy p) { return detail::name_of(p, kNonFinitePolicies); }
std::string to_string(backends::GemmPath p) { return detail::name_of(p, kGemmPaths); }
std::string to_string(backends::DeviceSymmetricForm f) { return detail::name_of(f, kDeviceSymmetricForms); }
WeightDecayMode parse_weight_decay_mode(const std::string& name) {
  return detail::parse_name("weight_decay_mode", name, kWeightDecayModes);
}
StackingMode parse_stacking_mode(const std::string& name) {
  return detail::parse_name("stacking", name, kStackingModes);
}
GraftingType parse_grafting_type(const std::string& name) {
  return detail::parse_name("grafting", name, kGraftingTypes);
}
OneDimMode parse_one_dim_mode(const std::string& name) { return detail::parse_name("one_dim", name, kOneDimModes); }
NonFinitePolicy parse_nonfinite_policy(const std::string& name) {
  return detail::parse_name("nonfinite_policy", name, kNonFinitePolicies);
}
backends::GemmPath parse_gemm_path(const std::string& name) {
  return detail::parse_name("gemm_path", name, kGemmPaths);
}
backends::DeviceSymmetricForm parse_device_symmetric(const std::string& name) {
  return detail::parse_name("device_symmetric", name, kDeviceSymmetricForms);
}

}  // namespace kdash
