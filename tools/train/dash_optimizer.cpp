// DASH for `kdash train`: kdash::Optimizer over the MLP's parameters, every option at the reference defaults
// (design.md §1) except the learning rate, block size, solver and root frequency given on the command line.
#include "train/param_optimizer.hpp"

#include <kdash/optimizer.hpp>

namespace kdash::tools::train {
namespace {

class Dash final : public ParamOptimizer {
 public:
  Dash(const std::vector<Param>& params, const DashOptions& o) : optimizer_(specs(params), config(o)) {}
  std::string name() const override { return "dash"; }
  void step(std::vector<Param>& params) override {
    std::vector<ParamView> values;
    std::vector<GradView> grads;
    for (auto& p : params) {
      values.push_back(p.value);
      grads.push_back(p.grad);
    }
    optimizer_.step(values, grads);
    Kokkos::fence();
  }

 private:
  static std::vector<ParamSpec> specs(const std::vector<Param>& params) {
    std::vector<ParamSpec> out;
    for (const auto& p : params) out.push_back({p.name, p.shape});
    return out;
  }
  static Config config(const DashOptions& o) {
    Config c;
    c.lr = o.lr;
    c.block_size = o.block_size;
    c.root.method = parse_root_method(o.solver);
    c.root_freq = o.root_freq;
    c.root.seed = o.seed;
    return c;
  }
  Optimizer<> optimizer_;
};

}  // namespace

std::unique_ptr<ParamOptimizer> make_dash(const std::vector<Param>& params, const DashOptions& options) {
  return std::make_unique<Dash>(params, options);
}

}  // namespace kdash::tools::train
