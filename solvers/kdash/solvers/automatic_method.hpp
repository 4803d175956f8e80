// RootMethod::automatic: the one place that turns "auto" into a concrete solver (design.md §3, cost per call).
// Rule (refine it with `kdash bench` data; docs/solvers.md):
//   - p not a positive integer, or p not in {2, 4} with a method that needs it: EVD (the only any-p method besides CN;
//     CN takes integer p, so a non-integer p goes to EVD).
//   - host backends (OpenMP/Serial): EVD. One LAPACK syevd of n = 1024 costs about 5 GEMMs, plus 2 GEMMs for the
//     root, against 4 GEMMs per iteration (40 at the default 10 iterations) for CN at p = 4.
//   - GPU backends: coupled Newton (batched GEMMs are what GPUs do best, batched eigensolvers are slow there);
//     for blocks n >= kAutoHalfPrecisionBlock with fp32 requested, the GEMM inputs are rounded to fp16 (tensor cores,
//     the paper's fastest GPU setting); smaller blocks keep fp32 inputs, where the GEMMs are latency-bound anyway.
#pragma once

#include <kdash/solvers/root_options.hpp>

namespace kdash::solvers {

inline constexpr int kAutoHalfPrecisionBlock = 512;

// options with method (and, on GPUs, precision) resolved for blocks of size n on a host (or device) backend.
RootOptions resolve_automatic(const RootOptions& options, int n, bool host_backend);

}  // namespace kdash::solvers
