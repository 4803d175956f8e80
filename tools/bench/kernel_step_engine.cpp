// Interim step engine (until kdash::Optimizer lands): the GEMM and root work of a Shampoo step (SPEC §1 steps 3, 5,
// 8) on stacks built per stacking mode (SPEC §2): statistics, inverse roots through kdash::inverse_root, direction.
#include "bench/flop_model.hpp"
#include "bench/step_engine.hpp"

#include <kdash/backends/batched_gemm.hpp>
#include <kdash/backends/execution.hpp>
#include <kdash/solvers/inverse_root.hpp>

#include <Kokkos_Random.hpp>

#include <map>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace kdash::tools::bench {
namespace {

using backends::Trans;

Stack<float> range(const Stack<float>& s, int begin, int count) {
  return Kokkos::subview(s, std::make_pair(begin, begin + count), Kokkos::ALL, Kokkos::ALL);
}

struct FactorStack {
  int n = 0, p = 4, count = 0;
  Stack<float> a, x;
};

struct Group {
  int rows = 0, cols = 0, count = 0;  // cols == 0: one-sided segments (G is rows x 1)
  Stack<float> g, tmp, u;
  int l_stack = -1, l_offset = 0, r_stack = -1, r_offset = 0;
};

class KernelStepEngine final : public StepEngine {
 public:
  KernelStepEngine(const ModelPreset& preset, const StepConfig& config) : config_(config) {
    if (config.mode != "sequential" && config.mode != "layerwise" && config.mode != "device") {
      throw std::invalid_argument("unknown stacking mode '" + config.mode + "' (sequential, layerwise, device)");
    }
    options_.method = config.solver;
    options_.precision = config.precision;
    // Scope: every parameter on its own (sequential, layerwise) or all together (device).
    const bool one_scope = config.mode == "device";
    std::map<std::tuple<int, int, int>, int> group_index;   // (scope, rows, cols)
    std::map<std::tuple<int, int, int>, int> factor_index;  // (scope, n, p)
    for (std::size_t pi = 0; pi < preset.params.size(); ++pi) {
      const int scope = one_scope ? 0 : static_cast<int>(pi);
      for (const auto& b : blocks_of(preset.params[pi], config.block_size)) {
        auto [it, fresh] = group_index.try_emplace({scope, b.rows, b.cols}, static_cast<int>(groups_.size()));
        if (fresh) groups_.push_back(Group{b.rows, b.cols, 0, {}, {}, {}, -1, 0, -1, 0});
        groups_[it->second].count++;
      }
    }
    // Factor slots: each group's L (and R) factors take a contiguous range of the (scope, n, p) factor stack.
    std::vector<int> group_scope(groups_.size());
    for (const auto& [key, gi] : group_index) group_scope[gi] = std::get<0>(key);
    auto slot = [&](int scope, int n, int p, int count, int& stack, int& offset) {
      auto [it, fresh] = factor_index.try_emplace({scope, n, p}, static_cast<int>(factors_.size()));
      if (fresh) factors_.push_back(FactorStack{n, p, 0, {}, {}});
      stack = it->second;
      offset = factors_[stack].count;
      factors_[stack].count += count;
    };
    for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
      auto& g = groups_[gi];
      const int p = g.cols == 0 ? 2 : 4;
      slot(group_scope[gi], g.rows, p, g.count, g.l_stack, g.l_offset);
      if (g.cols != 0) slot(group_scope[gi], g.cols, 4, g.count, g.r_stack, g.r_offset);
    }
    Kokkos::Random_XorShift64_Pool<ExecSpace> pool(2602);
    for (auto& g : groups_) {
      const int c = g.cols == 0 ? 1 : g.cols;
      g.g = Stack<float>("kdash::bench::grad", g.count, g.rows, c);
      g.tmp = Stack<float>("kdash::bench::tmp", g.count, g.rows, c);
      g.u = Stack<float>("kdash::bench::direction", g.count, g.rows, c);
      Kokkos::fill_random(g.g, pool, -1.0f, 1.0f);
    }
    for (auto& f : factors_) {
      f.a = Stack<float>("kdash::bench::factor", f.count, f.n, f.n);
      f.x = Stack<float>("kdash::bench::root", f.count, f.n, f.n);
    }
    Kokkos::fence();
  }

  void step() override {
    ++t_;
    const bool roots = t_ == 1 || t_ % config_.root_freq == 0;
    if (config_.mode == "sequential") {
      for (auto& g : groups_)
        for (int b = 0; b < g.count; ++b) block_step(g, b, 1, roots);
      return;
    }
    for (auto& g : groups_) statistics(g, 0, g.count);
    if (roots) {
      for (auto& f : factors_) {
        options_.p = f.p;
        kdash::inverse_root(exec_, f.a, f.x, options_);
      }
    }
    for (auto& g : groups_) direction(g, 0, g.count);
  }

 private:
  // One block at a time: the Distributed Shampoo way, a loop of single-matrix calls.
  void block_step(Group& g, int b, int n, bool roots) {
    statistics(g, b, n);
    if (roots) {
      options_.p = g.cols == 0 ? 2 : 4;
      auto& fl = factors_[g.l_stack];
      kdash::inverse_root(exec_, range(fl.a, g.l_offset + b, n), range(fl.x, g.l_offset + b, n), options_);
      if (g.cols != 0) {
        auto& fr = factors_[g.r_stack];
        kdash::inverse_root(exec_, range(fr.a, g.r_offset + b, n), range(fr.x, g.r_offset + b, n), options_);
      }
    }
    direction(g, b, n);
  }

  void statistics(Group& g, int b, int n) {
    const float beta = 0.95f;
    auto grad = range(g.g, b, n);
    backends::batched_gemm<ExecSpace, float>(exec_, Trans::none, Trans::transpose, 1 - beta, grad, grad, beta,
                                             range(factors_[g.l_stack].a, g.l_offset + b, n));
    if (g.cols != 0) {
      backends::batched_gemm<ExecSpace, float>(exec_, Trans::transpose, Trans::none, 1 - beta, grad, grad, beta,
                                               range(factors_[g.r_stack].a, g.r_offset + b, n));
    }
  }

  void direction(Group& g, int b, int n) {
    auto lbar = range(factors_[g.l_stack].x, g.l_offset + b, n);
    if (g.cols == 0) {
      backends::batched_gemm<ExecSpace, float>(exec_, Trans::none, Trans::none, 1.0f, lbar, range(g.g, b, n), 0.0f,
                                               range(g.u, b, n));
      return;
    }
    backends::batched_gemm<ExecSpace, float>(exec_, Trans::none, Trans::none, 1.0f, lbar, range(g.g, b, n), 0.0f,
                                             range(g.tmp, b, n));
    backends::batched_gemm<ExecSpace, float>(exec_, Trans::none, Trans::none, 1.0f, range(g.tmp, b, n),
                                             range(factors_[g.r_stack].x, g.r_offset + b, n), 0.0f, range(g.u, b, n));
  }

  StepConfig config_;
  RootOptions options_;
  ExecSpace exec_;
  std::vector<Group> groups_;
  std::vector<FactorStack> factors_;
  long long t_ = 0;
};

}  // namespace

std::unique_ptr<StepEngine> make_step_engine(const ModelPreset& preset, const StepConfig& config) {
  return std::make_unique<KernelStepEngine>(preset, config);
}

}  // namespace kdash::tools::bench
