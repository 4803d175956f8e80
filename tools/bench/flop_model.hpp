// The floating-point work of one Shampoo step of a preset, for achieved GFLOP/s (docs/bench.md, "FLOP model").
//
// Per 2-D block G (r x c), following design.md §1:
//   statistics   L += G G^T, R += G^T G                 2 r^2 c + 2 r c^2   (counted as full GEMMs)
//   direction    U = Lbar G Rbar                       2 r^2 c + 2 r c^2
//   roots        Lbar = L^(-1/4), Rbar = R^(-1/4)      g(solver, 4) * 2 n^3 per factor (n = r, then c)
// per 1-D segment g (length n, one-sided Shampoo, root 2): statistics 2 n^2, direction 2 n^2, root g(solver, 2) 2 n^3.
// The roots are computed every root_freq steps, so their cost is divided by root_freq (amortised per step).
// g = GEMM-equivalents of one inverse root of an n x n matrix (design.md §3 "Cost per solver call"):
//   evd    eigh counted as 10/3 n^3 flops: the tridiagonal reduction (4/3 n^3) and the back-transformation of the
//          eigenvectors (2 n^3); the divide-and-conquer stage in between is left out because its work depends on
//          deflation (large for the low-rank statistics of rectangular blocks), so the count is a lower bound.
//          Plus the one GEMM Q^T diag(lambda^(-1/p)) Q: 5/3 + 1 = 8/3 GEMM-equivalents;
//   cn     root 4: 4 GEMMs per iteration (X T; T^2; T^4 = (T^2)^2; T^4 M), root 2: 3, times newton_steps;
//   ndb    root 2: 1 + 3 (newton_steps - 1) GEMMs; root 4 = two root-2 calls (56 at 10 iterations);
//   cbshv  degree - 1 GEMMs (Clenshaw).
// step_flops counts the iterative solvers at their nominal iteration count (newton_steps), an upper bound: blocks
// that converge early are masked out of the remaining GEMMs. `kdash bench` therefore replaces the nominal root term
// by the work of the iterations the optimizer reports per factor (root_gemm_equivalents_at): CN p x iterations with
// p-cost 4 (root 4) or 3 (root 2); NDB 1 + 3 (k - 1) per stage, i.e. 3 k_total - 2 stages; Chebyshev and EVD fixed.
#pragma once

#include "bench/model_preset.hpp"

#include <kdash/solvers/root_options.hpp>

#include <vector>

namespace kdash::tools::bench {

// One preconditioner block: a rows x cols gradient block (cols == 0 for a one-sided 1-D segment of length rows).
struct BlockShape {
  int rows = 0;
  int cols = 0;
  bool one_sided() const { return cols == 0; }
};

// design.md §2: full B x B blocks in block-row-major order, then the right strip (B, c), the bottom strip (r, B) and
// the corner (r, c); 1-D parameters are cut into segments of length B, the last one shorter.
std::vector<BlockShape> blocks_of(const ParamShape& param, int block_size);

struct FlopModelOptions {
  int block_size = 1024;
  RootMethod solver = RootMethod::evd;
  int root_freq = 1;
  int newton_steps = 10;
  int chebyshev_degree = 20;
};

struct StepFlops {
  double statistics = 0;
  double direction = 0;
  double roots = 0;  // already divided by root_freq
  double total() const { return statistics + direction + roots; }
};

// GEMM-equivalents (units of 2 n^3 flops) of one inverse root A^(-1/p), p = 2 or 4.
double root_gemm_equivalents(RootMethod solver, int p, int newton_steps, int cheb_degree);
// The same for a root that used `iterations` iterations (as reported in BlockRootResult / FactorMetrics; NDB reports
// the total over its stages).
double root_gemm_equivalents_at(RootMethod solver, int p, int iterations, int cheb_degree);
StepFlops step_flops(const ModelPreset& preset, const FlopModelOptions& options);

}  // namespace kdash::tools::bench
