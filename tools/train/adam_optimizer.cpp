#include "train/param_optimizer.hpp"

#include <kdash/backends/kokkos_compat.hpp>

#include <cmath>

namespace kdash::tools::train {
namespace {

class Adam final : public ParamOptimizer {
 public:
  Adam(const std::vector<Param>& params, const AdamOptions& o) : o_(o) {
    for (const auto& p : params) {
      m_.emplace_back("kdash::train::adam_m", p.numel());
      v_.emplace_back("kdash::train::adam_v", p.numel());
    }
  }
  std::string name() const override { return "adam"; }
  void step(std::vector<Param>& params) override {
    ++t_;
    const float b1 = float(o_.beta1), b2 = float(o_.beta2), eps = float(o_.eps);
    const float step = float(o_.lr / (1 - std::pow(o_.beta1, t_)));
    const float c2 = float(1 / (1 - std::pow(o_.beta2, t_)));
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto w = params[i].value;
      auto g = params[i].grad;
      auto m = m_[i], v = v_[i];
      Kokkos::parallel_for(
          "kdash::train::adam_step", Kokkos::RangePolicy<DefaultExecSpace>(0, int(w.extent(0))), KOKKOS_LAMBDA(int k) {
            m(k) = b1 * m(k) + (1 - b1) * g(k);
            v(k) = b2 * v(k) + (1 - b2) * g(k) * g(k);
            w(k) -= step * m(k) / (compat::sqrt(v(k) * c2) + eps);
          });
    }
    Kokkos::fence();
  }

 private:
  AdamOptions o_;
  std::vector<Vector> m_, v_;
  long long t_ = 0;
};

}  // namespace

std::unique_ptr<ParamOptimizer> make_adam(const std::vector<Param>& params, const AdamOptions& options) {
  return std::make_unique<Adam>(params, options);
}

}  // namespace kdash::tools::train
