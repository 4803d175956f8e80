// Coupled Newton inverse root (design.md §3, CN), any integer p >= 1, batched with per-block convergence.
// With s the block's scale (scaling.hpp) and A the ridged block A + eps I:
//   z = (p+1)/(2s),  X0 = z^(1/p) I,  M0 = z A,
//   repeat: T = (1 + 1/p) I - M/p,  X <- X T,  M <- T^p M,  until max|M - I| < tol (per block) or max_iters.
// M = X^p A holds throughout (all iterates are polynomials in A, so they commute), hence M -> I means X -> A^(-1/p).
// Cost per iteration: one GEMM for X T, floor(log2 p) + popcount(p) - 1 for T^p by squaring, one for T^p M:
// p = 4 -> 4 GEMMs, p = 2 -> 3, p = 1 -> 2. Converged blocks are masked out of every GEMM and kernel. Every product
// is symmetric (X, T, M are polynomials in A and commute): on the host the squarings go through ?syrk
// (backends::batched_square) and the other products through ?gemmt (backends::batched_symmetric_product), one
// triangle each, half the flops of the GEMM; the iterates stay exactly symmetric. Elsewhere they are GEMMs. T is
// written by the residual's own pass over M.
//
// Two schedules compute the same bits. Stack by stack: each step of an iteration runs over every active block of the
// stack (one kernel or batched product per step), the only schedule on devices. Block by block (host, solvers/impl/
// host_block_iteration.hpp): each thread runs every iteration of one block with the same library calls, while the
// block's matrices stay in the core's cache, in one parallel region for the whole solve; used when the stack has
// enough blocks to keep every thread busy.
#pragma once

#include <kdash/backends/batched_syrk.hpp>
#include <kdash/solvers/impl/block_convergence.hpp>
#include <kdash/solvers/impl/host_block_iteration.hpp>
#include <kdash/solvers/impl/solver_setup.hpp>

#include <array>
#include <cmath>
#include <vector>

namespace kdash::solvers {

namespace detail {

// base^p by squaring over three slots (slot 0 holding base on entry): square(in, out) writes slot in's square into
// slot out, multiply(a, b, out) the product of slots a and b. Returns the slot holding the power. The stack schedule
// and the block schedule share it, so that both make the same products in the same order.
template <class Square, class Multiply>
int power_by_squaring(int p, const Square& square, const Multiply& multiply) {
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
        multiply(result, base, out);
        result = out;
      }
    }
    if (e > 1) {
      const int out = free_slot();
      square(base, out);
      base = out;
    }
  }
  return result;
}

// The block schedule: every iteration of one block on the calling thread (see the top of the file).
template <class T>
struct CoupledNewtonBlock {
  int n, p, max_iterations;
  T tol;

  // m, x: the two ping-pong iterates, work: three temporaries, all n x n of this block; ridged: A + eps I.
  impl::BlockOutcome<T> operator()(const T* ridged, T z, T x0, const std::array<T*, 2>& m, const std::array<T*, 2>& x,
                                   const std::array<T*, 3>& work) const {
    const std::size_t nn = std::size_t(n) * n;
    for (std::size_t e = 0; e < nn; ++e) m[0][e] = z * ridged[e] + T(0);  // as backends::scale_add_identity
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) x[0][std::size_t(i) * n + j] = i == j ? x0 : T(0);
    const auto product = [&](const T* a, const T* b, T* c) {
      for (int u = 0; u < backends::host_block::symmetric_units(n); ++u)
        backends::host_block::symmetric_product_block_unit(n, n, T(1), a, n, b, n, T(0), c, u);
    };
    const auto square = [&](int in, int out) {
      for (int u = 0; u < backends::host_block::symmetric_units(n); ++u)
        backends::host_block::syrk_block_unit(backends::Trans::none, n, n, T(1), work[in], n, T(0), work[out], u);
    };
    const auto multiply = [&](int a, int b, int out) { product(work[a], work[b], work[out]); };
    impl::BlockOutcome<T> outcome;
    int cur = 0;
    for (int it = 0;; ++it) {
      const bool more = it < max_iterations;
      const T r = impl::block_residual(n, m[cur], more ? work[0] : nullptr, T(-1) / T(p), T(1) + T(1) / T(p));
      if (!outcome.mark(r, tol, more)) break;
      const int nxt = 1 - cur;
      product(x[cur], work[0], x[nxt]);  // X <- X T
      const int power = power_by_squaring(p, square, multiply);
      product(work[power], m[cur], m[nxt]);  // M <- T^p M
      cur = nxt;
    }
    return outcome;
  }
};

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
  const T tol = static_cast<T>(options.tolerance);

  bool by_blocks = false;
  if constexpr (is_host_space_v<ExecSpace>) {  // host lambdas and BLAS calls: never compiled for a device
    const std::vector<int> blocks = impl::block_schedule_blocks<T>(
        exec, options, conv, backends::uses_host_syrk<ExecSpace>(options.gemm_path, n, n));
    by_blocks = !blocks.empty();
    if (by_blocks) {
      const detail::CoupledNewtonBlock<T> block{n, p, options.max_iterations, tol};
      const std::size_t nn = std::size_t(n) * n;
      const T* ridged = prep.ridged.data();
      const T* zs = z.data();
      const T* x0s = x0.data();
      T *m0 = m[0].data(), *m1 = m[1].data(), *x0p = xs[0].data(), *x1p = xs[1].data();
      T *w0 = work[0].data(), *w1 = work[1].data(), *w2 = work[2].data();
      impl::for_each_active_block(exec, "kdash::cn::block_schedule", conv, blocks, [=](int b) {
        const std::size_t at = std::size_t(b) * nn;
        return block(ridged + at, zs[b], x0s[b], {m0 + at, m1 + at}, {x0p + at, x1p + at}, {w0 + at, w1 + at, w2 + at});
      });
    }
  }
  if (!by_blocks) {
    backends::scale_add_identity<T>(exec, backends::ConstStackT<T, ExecSpace>(prep.ridged), m[0], z, T(0), conv.active);
    backends::set_scaled_identity<T>(exec, xs[0], x0, conv.active);
    const impl::MaskedGemm<T, ExecSpace> gemm(exec, options, conv.active);
    const auto square = [&](int in, int out) {
      backends::batched_square(exec, T(1), backends::ConstStackT<T, ExecSpace>(work[in]), T(0), work[out],
                               gemm.options);
    };
    const auto multiply = [&](int a_slot, int b_slot, int out) {
      gemm.symmetric(work[a_slot], work[b_slot], work[out]);
    };
    int cur = 0;
    for (int it = 0;; ++it) {
      const bool more = it < options.max_iterations;
      const backends::ConstStackT<T, ExecSpace> m_cur(m[cur]);
      if (more) {  // the residual max|M - I| and T = (1 + 1/p) I - M/p in one pass
        backends::max_abs_minus_identity_and_affine<T>(exec, m_cur, conv.residual, conv.active, work[0], T(-1) / T(p),
                                                       T(1) + T(1) / T(p));
      } else {
        backends::max_abs_minus_identity<T>(exec, m_cur, conv.residual, conv.active);
      }
      conv.mark(tol, more);
      if (!more || !conv.any_active(it)) break;
      const int nxt = 1 - cur;
      gemm.symmetric(xs[cur], work[0], xs[nxt]);  // X <- X T
      const int power = detail::power_by_squaring(p, square, multiply);
      gemm.symmetric(work[power], m[cur], m[nxt]);  // M <- T^p M
      cur = nxt;
    }
  }
  // Every block's last iterate sits in the stack of its own iteration count's parity.
  impl::commit_iterate<T>(exec, xs[0], xs[1], conv.iterations, 0, {}, conv.finished_finite(), x);
  return conv.results(prep.lambda, prep.scale);
}

}  // namespace kdash::solvers
