// What a computed root is worth, measured after the fact and the same way for every solver:
//   residual   max_ij |(X^p A_reg - I)_ij| by p batched GEMMs (what CN and NDB track during their iteration; EVD and
//              Chebyshev measure it on request, RootOptions::measure_residual). Even the exactly rounded root of A_reg
//              leaves a residual of about u * cond(A_reg): this measure is as ill-conditioned as the block.
//   condition  cond(A_reg) = lambda_max(A_reg) / lambda_min(A_reg), estimated for the iterative solvers as
//              lambda_max_est * rho(X)^p: X ~ A_reg^(-1/p) has largest eigenvalue lambda_min^(-1/p), found by
//              power iteration on X (pi_steps + 1 GEMVs per block, the scaling's own routine). A root with a negative
//              or huge eigenvalue (a Chebyshev series evaluated outside its fit interval, say) shows up as a huge
//              condition, which is what the caller must hear.
//   flag       condition * u > kResolvableCondition, u the unit roundoff of the working precision: the larger of the
//              state type's and the GEMM inputs' (fp16/bf16).
#pragma once

#include <kdash/solvers/impl/solver_setup.hpp>
#include <kdash/solvers/root_options.hpp>
#include <kdash/solvers/scaling.hpp>

#include <cmath>
#include <limits>
#include <vector>

namespace kdash::solvers::impl {

// The largest p for which the residual is measured (p GEMMs); other p (non-integer for EVD) leave it unmeasured.
inline constexpr int kMeasuredRootMax = 16;

inline bool residual_measurable(double p) { return p >= 1 && p <= kMeasuredRootMax && std::floor(p) == p; }

// Unit roundoff of a solve in state type T with the given GEMM input precision.
template <class T>
double working_roundoff(Precision precision) {
  const double state = std::numeric_limits<T>::epsilon() / 2;
  // fp32 and fp64 read the state type's own values; the reduced precisions round them further.
  const bool native = precision == Precision::fp32 || precision == Precision::fp64;
  const double input = native ? 0.0 : input_unit_roundoff(precision);
  return state > input ? state : input;
}

// residual(b) = max|X(b)^p A_reg(b) - I| for the blocks selected by `active`. `a_reg` holds A_reg on entry and is
// overwritten, as is `work` (both count x n x n).
template <class T, class ExecSpace>
void measure_root_residual(const ExecSpace& exec, const Stack<T, MemOf<ExecSpace>>& x,
                           const Stack<T, MemOf<ExecSpace>>& a_reg, const Stack<T, MemOf<ExecSpace>>& work, int p,
                           const RootOptions& options, const PerBlock<int, MemOf<ExecSpace>>& active,
                           const PerBlock<T, MemOf<ExecSpace>>& residual) {
  const MaskedGemm<T, ExecSpace> gemm(exec, options, active);
  Stack<T, MemOf<ExecSpace>> cur = a_reg, nxt = work;
  for (int k = 0; k < p; ++k) {
    gemm(x, cur, nxt);  // X^(k+1) A_reg
    std::swap(cur, nxt);
  }
  backends::max_abs_minus_identity<T>(exec, backends::ConstStackT<T, ExecSpace>(cur), residual, active);
}

// The residuals above, into results[b].residual for the blocks whose root was written (write(b) != 0).
template <class T, class ExecSpace>
void store_root_residuals(const ExecSpace& exec, const Stack<T, MemOf<ExecSpace>>& x,
                          const Stack<T, MemOf<ExecSpace>>& a_reg, const Stack<T, MemOf<ExecSpace>>& work,
                          const RootOptions& options, const PerBlock<int, MemOf<ExecSpace>>& write,
                          std::vector<BlockRootResult>& results) {
  const int count = static_cast<int>(x.extent(0));
  auto residual =
      backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::root_quality::residual", true, count);
  measure_root_residual<T>(exec, x, a_reg, work, static_cast<int>(options.p), options, write, residual);
  auto res_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), residual);
  auto write_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), write);
  for (int b = 0; b < count; ++b)
    if (write_h(b)) results[b].residual = static_cast<double>(res_h(b));
}

// results[b].condition = lambda_max(A_reg) * rho(X(b))^p for the blocks whose root was written (converged or
// not_converged), with lambda_max(A_reg) = results[b].lambda_max, or lambda_max / scale + eps for Chebyshev (whose
// A_reg is A/s + eps I). rho(X) = |Rayleigh quotient| after pi_steps power steps from the seeded start vectors.
template <class T, class ExecSpace>
void estimate_root_conditions(const ExecSpace& exec, const Stack<T, MemOf<ExecSpace>>& x, const RootOptions& options,
                              std::vector<BlockRootResult>& results) {
  const int count = static_cast<int>(x.extent(0)), n = static_cast<int>(x.extent(1));
  if (count == 0) return;
  auto rho = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::root_quality::rho", true, count);
  auto v = random_start_vectors<T>(exec, count, n, 1, options.seed, options.first_block);
  power_iteration<T>(exec, backends::ConstStackT<T, ExecSpace>(x), v,
                     options.power_iteration_steps < 1 ? 1 : options.power_iteration_steps, rho, options.gemm_path);
  auto rho_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rho);
  for (int b = 0; b < count; ++b) {
    auto& r = results[b];
    if (r.status != RootStatus::converged && r.status != RootStatus::not_converged) continue;
    const double lambda = options.method == RootMethod::chebyshev ? r.lambda_max / r.scale + options.eps : r.lambda_max;
    const double c = lambda * std::pow(std::abs(static_cast<double>(rho_h(b))), options.p);
    r.condition = std::isnan(c) ? std::numeric_limits<double>::infinity() : c;
  }
}

// Sets ill_conditioned on every block with a root (condition > 0) beyond the working precision's reach.
template <class T>
void flag_ill_conditioned(Precision precision, std::vector<BlockRootResult>& results) {
  const double u = working_roundoff<T>(precision);
  for (auto& r : results) r.ill_conditioned = r.condition != 0 && !(r.condition * u <= kResolvableCondition);
}

}  // namespace kdash::solvers::impl
