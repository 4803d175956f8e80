// Fuzz entry point of the JSON configuration parser (kdash::config_from_json). Contract: a text is either rejected
// with a std::invalid_argument, or accepted as a Config that config_to_json writes back and config_from_json reads
// again without a difference, and that an Optimizer on a few small parameters is built from and steps with.
#include <kdash/config_json.hpp>
#include <kdash/optimizer.hpp>

#include "fuzz_contract.hpp"
#include "kokkos_session.hpp"

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using kdash::fuzz::violation;

void check_round_trip(const kdash::Config& c) {
  const std::string text = kdash::config_to_json(c);
  const kdash::Config back = kdash::config_from_json(text);
  const auto diff = kdash::config_differences(c, back);
  if (!diff.empty()) violation("config_to_json + config_from_json changed '" + diff.front() + "': " + text);
  if (kdash::config_to_json(back) != text) violation("config_to_json is not stable across a round trip: " + text);
}

// One step of an optimizer built from `c` on a matrix, a vector and a scalar (every preconditioner path), from fixed
// parameters and gradients. The step may refuse (a root that failed too often: std::runtime_error); nothing else.
void check_optimizer_runs(kdash::Config c) {
  c.dump_dir.clear();  // a fuzzed dump directory must not make the step write files anywhere
  const std::vector<kdash::ParamSpec> specs = {{"w", {5, 3}}, {"b", {4}}, {"s", {}}};
  kdash::Optimizer<> opt(specs, c);
  std::vector<kdash::ParamView> params;
  std::vector<kdash::GradView> grads;
  for (const auto& s : specs) {
    const auto n = static_cast<std::size_t>(kdash::numel(s));
    kdash::ParamView p("kdash::fuzz::param", n), g("kdash::fuzz::grad", n);
    Kokkos::deep_copy(p, 0.5f);
    Kokkos::deep_copy(g, 0.25f);
    params.push_back(p);
    grads.push_back(g);
  }
  try {
    opt.step(params, grads);
    Kokkos::fence();
  } catch (const std::runtime_error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  kdash::fuzz::initialize_kokkos();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  kdash::Config c;
  if (!kdash::fuzz::accepted<std::invalid_argument>("config_from_json", [&] { c = kdash::config_from_json(text); })) {
    kdash::fuzz::reject();
    return 0;
  }
  kdash::fuzz::must_succeed("config_to_json + config_from_json of an accepted config", [&] { check_round_trip(c); });
  kdash::fuzz::must_succeed("an optimizer on an accepted config", [&] { check_optimizer_runs(c); });
  kdash::fuzz::accept();
  return 0;
}
