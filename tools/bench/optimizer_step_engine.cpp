// The step `kdash bench` times: kdash::Optimizer::step on synthetic gradients.
#include "bench/step_engine.hpp"

#include "bench/flop_model.hpp"

#include <kdash/optimizer.hpp>

#include <Kokkos_Random.hpp>

#include <set>
#include <string>

namespace kdash::tools::bench {
namespace {

class OptimizerStepEngine final : public StepEngine {
 public:
  OptimizerStepEngine(const ModelPreset& preset, const StepConfig& c) : optimizer_(specs(preset), config(c)) {
    Kokkos::Random_XorShift64_Pool<DefaultExecSpace> pool(2602);
    for (const auto& p : preset.params) {
      if (p.shape.size() == 1) one_sided_.insert(p.name);
      ParamView w("kdash::bench::param", p.numel());
      Kokkos::View<float*, DefaultExecSpace::memory_space> g("kdash::bench::grad", p.numel());
      Kokkos::fill_random(w, pool, -0.1f, 0.1f);
      Kokkos::fill_random(g, pool, -1.0f, 1.0f);
      params_.push_back(w);
      grads_.push_back(g);
    }
    Kokkos::fence();
  }
  void step() override { optimizer_.step(params_, grads_); }
  double last_root_flops() const override {
    const Metrics m = optimizer_.metrics();
    const Config& c = optimizer_.config();
    double flops = 0;
    for (const auto& f : m.factors) {
      const int p = one_sided_.count(f.param) ? 2 : 4;
      const double n = f.n;
      flops += root_gemm_equivalents_at(c.root.method, p, f.iterations, c.root.chebyshev_degree) * 2 * n * n * n;
    }
    return flops;
  }

 private:
  static std::vector<ParamSpec> specs(const ModelPreset& preset) {
    std::vector<ParamSpec> out;
    for (const auto& p : preset.params) out.push_back({p.name, p.shape});
    return out;
  }
  static Config config(const StepConfig& s) {
    Config c;
    c.block_size = s.block_size;
    c.stacking = s.mode;
    c.root.method = s.solver;
    c.root.precision = s.precision;
    c.root_freq = s.root_freq;
    c.root.scaling = s.scaling;
    c.root.device_symmetric = s.device_symmetric;
    c.one_dim = OneDimMode::shampoo;  // the paper's choice; the FLOP model counts 1-D segments as one-sided Shampoo
    return c;
  }
  Optimizer<> optimizer_;
  std::vector<ParamView> params_;
  std::vector<GradView> grads_;
  std::set<std::string> one_sided_;
};

}  // namespace

std::unique_ptr<StepEngine> make_step_engine(const ModelPreset& preset, const StepConfig& config) {
  return std::make_unique<OptimizerStepEngine>(preset, config);
}

}  // namespace kdash::tools::bench
