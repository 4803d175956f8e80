// Coupled Newton inverse root (design.md §3, CN), any integer p >= 1, batched with per-block convergence.
// With s the block's scale (scaling.hpp) and A the ridged block A + eps I:
//   z = (p+1)/(2s),  X0 = z^(1/p) I,  M0 = z A,
//   repeat: T = (1 + 1/p) I - M/p,  X <- X T,  M <- T^p M,  until max|M - I| < tol (per block) or max_iters.
// M = X^p A holds throughout (all iterates are polynomials in A, so they commute), hence M -> I means X -> A^(-1/p).
// Cost per iteration: one GEMM for X T, floor(log2 p) + popcount(p) - 1 for T^p by squaring, one for T^p M:
// p = 4 -> 4 GEMMs, p = 2 -> 3, p = 1 -> 2. Converged blocks are masked out of every GEMM and kernel. The squarings
// of T^p multiply a symmetric matrix by itself: backends::batched_square does them as T T^T by ?syrk where that pays
// on the host (half the flops; the square is then exactly symmetric), as the GEMM T T elsewhere.
#pragma once

#include <kdash/backends/batched_syrk.hpp>
#include <kdash/solvers/impl/block_convergence.hpp>
#include <kdash/solvers/impl/solver_setup.hpp>

#include <array>
#include <cmath>
#include <vector>

namespace kdash::solvers {

namespace detail {

// result = base^p by squaring, over the active blocks; uses `work` (3 stacks, work[0] holding base on entry) and
// returns the index of the stack holding the power.
template <class T, class ExecSpace>
int masked_power(const impl::MaskedGemm<T, ExecSpace>& gemm, const std::array<Stack<T, MemOf<ExecSpace>>, 3>& work,
                 int p) {
  int base = 0, result = -1;
  auto free_slot = [&]() {
    for (int k = 0; k < 3; ++k)
      if (k != base && k != result) return k;
    return -1;
  };
  for (int e = p; e > 0; e >>= 1) {
    if (e & 1) {
      if (result < 0) {
        result = base;
      } else {
        const int out = free_slot();
        gemm(work[result], work[base], work[out]);
        result = out;
      }
    }
    if (e > 1) {
      const int out = free_slot();
      backends::batched_square(gemm.exec, T(1), backends::ConstStackT<T, ExecSpace>(work[base]), T(0), work[out],
                               gemm.options);
      base = out;
    }
  }
  return result;
}

}  // namespace detail

template <class T, class ExecSpace>
std::vector<BlockRootResult> coupled_newton(const ExecSpace& exec, const backends::ConstStackT<T, ExecSpace>& a,
                                            const Stack<T, MemOf<ExecSpace>>& x, const RootOptions& options) {
  if (a.extent(0) == 0) return {};
  impl::IterativeStart<T, ExecSpace> start(exec, a, options);
  const int count = start.count, n = start.n, p = start.p;
  // The scalars of X0 = z^(1/p) I and M0 = z A.
  auto z = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::cn::z", true, count);
  auto x0 = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::cn::x0", true, count);
  impl::scalars_from_scale<T>(
      exec, "kdash::cn::initial_scalars", start.prep.scale, z, x0, KOKKOS_LAMBDA(const T s, T& zb, T& x0b) {
        zb = T(p + 1) / (T(2) * s);
        x0b = compat::pow(zb, T(1) / T(p));
      });
  const auto& prep = start.prep;
  auto& conv = start.conv;
  std::array<Stack<T, MemOf<ExecSpace>>, 2> m{impl::new_stack<T>(exec, "kdash::cn::m0", count, n),
                                              impl::new_stack<T>(exec, "kdash::cn::m1", count, n)};
  std::array<Stack<T, MemOf<ExecSpace>>, 2> xs{impl::new_stack<T>(exec, "kdash::cn::x0", count, n),
                                               impl::new_stack<T>(exec, "kdash::cn::x1", count, n)};
  std::array<Stack<T, MemOf<ExecSpace>>, 3> work{impl::new_stack<T>(exec, "kdash::cn::t", count, n),
                                                 impl::new_stack<T>(exec, "kdash::cn::w1", count, n),
                                                 impl::new_stack<T>(exec, "kdash::cn::w2", count, n)};
  backends::scale_add_identity<T>(exec, backends::ConstStackT<T, ExecSpace>(prep.ridged), m[0], z, T(0), conv.active);
  backends::set_scaled_identity<T>(exec, xs[0], x0, conv.active);

  const impl::MaskedGemm<T, ExecSpace> gemm(exec, options, conv.active);
  const T tol = static_cast<T>(options.tolerance);
  int cur = 0;
  for (int it = 0;; ++it) {
    backends::max_abs_minus_identity<T>(exec, backends::ConstStackT<T, ExecSpace>(m[cur]), conv.residual, conv.active);
    const bool more = it < options.max_iterations;
    conv.mark(tol, more);
    if (!more || !conv.any_active(it)) break;
    const int nxt = 1 - cur;
    // T = (1 + 1/p) I - M/p
    backends::affine_identity<T>(exec, backends::ConstStackT<T, ExecSpace>(m[cur]), work[0], T(-1) / T(p),
                                 T(1) + T(1) / T(p), conv.active);
    gemm(xs[cur], work[0], xs[nxt]);  // X <- X T
    const int power = detail::masked_power<T>(gemm, work, p);
    gemm(work[power], m[cur], m[nxt]);  // M <- T^p M
    cur = nxt;
  }
  // Every block's last iterate sits in the stack of its own iteration count's parity.
  impl::commit_iterate<T>(exec, xs[0], xs[1], conv.iterations, 0, {}, conv.finished_finite(), x);
  return conv.results(prep.lambda, prep.scale);
}

}  // namespace kdash::solvers
