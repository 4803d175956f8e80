// The batched inverse-root interface: X(b) = A(b)^(-1/p) for every block b of a stack of symmetric
// positive semi-definite matrices, with per-block results. Blocks whose input holds NaN/Inf get status non_finite
// and their X(b) is left unchanged, so a caller keeps its previous root; so are blocks whose iteration overflowed
// (non_finite). Blocks that did not reach the tolerance (not_converged) get the last iterate; root_is_usable says
// whether it is worth keeping. Every block also gets a condition estimate and an ill_conditioned flag (the working
// precision cannot resolve its root), and on request its residual (docs/solvers.md, "Status and what is written").
// Precision (RootOptions::precision): fp64 solves in double (a float stack is converted in and out), fp16/bf16 solve
// in float with the GEMM inputs rounded to the 16-bit format, fp32 solves in the stack's own type.
// RootMethod::automatic is resolved per backend and block size by solvers::resolve_automatic (automatic_method.hpp).
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/solvers/root_options.hpp>

#include <vector>

namespace kdash {

// The space is the type of `exec` (the work is enqueued on that instance); a and x live in its memory. Explicitly
// instantiated for every execution space of the build (kdash::EnabledExecutionSpaces).
template <class ExecSpace>
std::vector<BlockRootResult> inverse_root(const ExecSpace& exec, const Stack<const float, MemOf<ExecSpace>>& a,
                                          const Stack<float, MemOf<ExecSpace>>& x, const RootOptions& options);
template <class ExecSpace>
std::vector<BlockRootResult> inverse_root(const ExecSpace& exec, const Stack<const double, MemOf<ExecSpace>>& a,
                                          const Stack<double, MemOf<ExecSpace>>& x, const RootOptions& options);

}  // namespace kdash
