// The batched inverse-root interface (SPEC §3): X(b) = A(b)^(-1/p) for every block b of a stack of symmetric
// positive semi-definite matrices, with per-block results. Blocks whose input holds NaN/Inf get status non_finite
// and their X(b) is left unchanged, so a caller keeps its previous root.
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/solvers/root_options.hpp>

#include <vector>

namespace kdash {

std::vector<BlockRootResult> inverse_root(const ExecSpace& exec, const Stack<const float>& a, const Stack<float>& x,
                                          const RootOptions& options);
std::vector<BlockRootResult> inverse_root(const ExecSpace& exec, const Stack<const double>& a, const Stack<double>& x,
                                          const RootOptions& options);

}  // namespace kdash
