#include "bench/flop_model.hpp"

#include <stdexcept>
#include <string>

namespace kdash::tools::bench {

std::vector<BlockShape> blocks_of(const ParamShape& param, int block_size) {
  if (block_size < 1) throw std::invalid_argument("block size must be >= 1, got " + std::to_string(block_size));
  const auto pieces = [block_size](std::int64_t extent) {
    std::vector<int> out(static_cast<std::size_t>(extent / block_size), block_size);
    if (extent % block_size) out.push_back(static_cast<int>(extent % block_size));
    return out;
  };
  std::vector<BlockShape> blocks;
  if (param.shape.size() == 1) {
    for (int n : pieces(param.shape[0])) blocks.push_back({n, 0});
    return blocks;
  }
  if (param.shape.size() != 2) {
    throw std::invalid_argument("parameter '" + param.name + "': expected a 1-D or 2-D shape");
  }
  const auto rows = pieces(param.shape[0]), cols = pieces(param.shape[1]);
  const bool rrem = param.shape[0] % block_size != 0, crem = param.shape[1] % block_size != 0;
  const std::size_t fr = rows.size() - (rrem ? 1 : 0), fc = cols.size() - (crem ? 1 : 0);
  for (std::size_t i = 0; i < fr; ++i)
    for (std::size_t j = 0; j < fc; ++j) blocks.push_back({rows[i], cols[j]});
  if (crem)
    for (std::size_t i = 0; i < fr; ++i) blocks.push_back({rows[i], cols.back()});
  if (rrem)
    for (std::size_t j = 0; j < fc; ++j) blocks.push_back({rows.back(), cols[j]});
  if (rrem && crem) blocks.push_back({rows.back(), cols.back()});
  return blocks;
}

double root_gemm_equivalents(RootMethod solver, int p, int newton_steps, int cheb_degree) {
  if (p != 2 && p != 4) throw std::invalid_argument("FLOP model: root p must be 2 or 4");
  switch (solver) {
    case RootMethod::evd:
    case RootMethod::automatic:
      return 10.0 / 6.0 + 1.0;
    case RootMethod::coupled_newton:
      return (p == 4 ? 4.0 : 3.0) * newton_steps;
    case RootMethod::newton_denman_beavers: {
      const double one_call = 1.0 + 3.0 * (newton_steps - 1);
      return p == 4 ? 2 * one_call : one_call;
    }
    case RootMethod::chebyshev:
      return cheb_degree - 1.0;
  }
  return 0;
}

double root_gemm_equivalents_at(RootMethod solver, int p, int iterations, int cheb_degree) {
  if (p != 2 && p != 4) throw std::invalid_argument("FLOP model: root p must be 2 or 4");
  switch (solver) {
    case RootMethod::coupled_newton:
      return (p == 4 ? 4.0 : 3.0) * iterations;
    case RootMethod::newton_denman_beavers: {
      const int stages = p == 4 ? 2 : 1;
      return iterations >= stages ? 3.0 * iterations - 2.0 * stages : 0.0;
    }
    default:
      return root_gemm_equivalents(solver, p, 0, cheb_degree);
  }
}

StepFlops step_flops(const ModelPreset& preset, const FlopModelOptions& o) {
  if (o.root_freq < 1) throw std::invalid_argument("root frequency must be >= 1");
  const double g4 = root_gemm_equivalents(o.solver, 4, o.newton_steps, o.chebyshev_degree);
  const double g2 = root_gemm_equivalents(o.solver, 2, o.newton_steps, o.chebyshev_degree);
  const auto cube = [](double n) { return n * n * n; };
  StepFlops f;
  for (const auto& param : preset.params) {
    for (const auto& b : blocks_of(param, o.block_size)) {
      const double r = b.rows, c = b.cols;
      if (b.one_sided()) {
        f.statistics += 2 * r * r;
        f.direction += 2 * r * r;
        f.roots += g2 * 2 * cube(r) / o.root_freq;
      } else {
        f.statistics += 2 * r * r * c + 2 * r * c * c;
        f.direction += 2 * r * r * c + 2 * r * c * c;
        f.roots += g4 * 2 * (cube(r) + cube(c)) / o.root_freq;
      }
    }
  }
  return f;
}

}  // namespace kdash::tools::bench
