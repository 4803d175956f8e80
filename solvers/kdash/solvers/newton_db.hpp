// Newton–DB inverse roots (design.md §3): the inverse-free coupled Newton–Schulz iteration for the square root.
// With A' = A/s (A ridged: A + eps I):  E = 1.5 I - 0.5 A',  Y = A' E,  Z = E   (iteration 1), then
//   repeat: E = 1.5 I - 0.5 Z Y;  Y <- Y E;  Z <- E Z        so Y -> A'^(1/2), Z -> A'^(-1/2), Z Y -> I.
// p = 2: X = Z / sqrt(s). p = 4: a second run on Y (= (A/s)^(1/2), i.e. A^(1/2) with scale sqrt(s)) gives
// Z2 -> (A/s)^(-1/4), X = Z2 / s^(1/4).
// Per-block convergence on max|Z Y - I| (the product every iteration needs anyway), masked as in CN; E is written by
// the residual's own pass over Z Y. On the host, with enough blocks, a stage runs block by block (each thread takes a
// block through all its iterations, solvers/impl/host_block_iteration.hpp) with the same calls and the same bits. The
// products stay full GEMMs: in exact arithmetic they are symmetric (all iterates are polynomials in A'), but computing
// one triangle (?gemmt, as coupled Newton does) made the p = 4 solve of a block of condition 1e4 diverge in fp32 where
// the GEMMs converge (tests/unit/test_solver_batched.cpp). Cost per stage at max_iters = k: 1 + 3 (k - 1) GEMMs, plus
// one for the final residual: p = 4 at k = 10 is 2 * 28 = 56 GEMMs (the paper's count) + 2 for the residuals.
//
// Convergence region: the scalar map of an eigenvalue x of A' converges to sqrt(x) only for x in (0, 2)...(0, 3) in
// exact arithmetic (1.5 - 0.5 x must stay positive), and slowly near 0. The scalings keep x <= 1: s = ||A||_F >=
// lambda_max, or s = 2 * (Rayleigh quotient) when the quotient is >= lambda_max / 2. If s underestimates lambda_max
// below lambda_max / 2 (a power iteration whose random start misses the top eigenvector, or pi_const < 1), the
// eigenvalues above 3 flip sign and the iteration diverges: the residual grows, the block ends `not_converged`, or
// `non_finite` once it overflows (then X(b) is left unchanged). A (numerically) singular A has an eigenvalue whose Z
// component grows like 1.5^k without converging: status not_converged with residual ~1.
#pragma once

#include <kdash/solvers/impl/block_convergence.hpp>
#include <kdash/solvers/impl/host_block_iteration.hpp>
#include <kdash/solvers/impl/solver_setup.hpp>

#include <array>
#include <vector>

namespace kdash::solvers {

namespace detail {

// One stage on one block, every iteration on the calling thread: the stack schedule's products (the host GEMM's row
// panels, backends::host_block::gemm_block) and element-wise arithmetic, so the same bits.
template <class T>
struct NewtonDbStageBlock {
  int n, max_iterations;
  T tol;

  // input: this block's A' (already divided by its scale); y, z: the ping-pong iterates, w: the temporary, all n x n.
  impl::BlockOutcome<T> operator()(const T* input, const std::array<T*, 2>& y, const std::array<T*, 2>& z, T* w) const {
    for (int i = 0; i < n; ++i)  // as backends::affine_identity
      for (int j = 0; j < n; ++j) {
        const std::size_t e = std::size_t(i) * n + j;
        z[0][e] = T(-0.5) * input[e] + (i == j ? T(1.5) : T(0));
      }
    const auto gemm = [&](const T* a, const T* b, T* c) {
      backends::host_block::gemm_block(backends::Trans::none, backends::Trans::none, n, n, n, T(1), a, n, b, n, T(0), c,
                                       n);
    };
    gemm(input, z[0], y[0]);
    impl::BlockOutcome<T> outcome;
    outcome.iterations = 1;  // iteration 1, as BlockConvergence::count_iteration counts it
    int cur = 0;
    for (int it = 1;; ++it) {
      gemm(z[cur], y[cur], w);  // W = Z Y
      const bool more = it < max_iterations;
      const T r = impl::block_residual(n, w, more ? w : nullptr, T(-0.5), T(1.5));  // E = 1.5 I - 0.5 W in place
      if (!outcome.mark(r, tol, more)) break;
      const int nxt = 1 - cur;
      gemm(y[cur], w, y[nxt]);
      gemm(w, z[cur], z[nxt]);
      cur = nxt;
    }
    return outcome;
  }
};

// One Newton–DB stage on `input` (already divided by its scale) over the blocks active in `conv`. On return the
// iterates of block b are in y[parity], z[parity] with parity = (iterations(b) - first) % 2, first = the iteration
// count before this stage + 1.
template <class T, class ExecSpace>
void newton_db_stage(const ExecSpace& exec, const Stack<T, MemOf<ExecSpace>>& input, const RootOptions& options,
                     impl::BlockConvergence<T, ExecSpace>& conv, const std::array<Stack<T, MemOf<ExecSpace>>, 2>& y,
                     const std::array<Stack<T, MemOf<ExecSpace>>, 2>& z, const Stack<T, MemOf<ExecSpace>>& w) {
  const T tol = static_cast<T>(options.tolerance);
  if constexpr (is_host_space_v<ExecSpace>) {  // host lambdas and BLAS calls: never compiled for a device
    const int n = static_cast<int>(input.extent(1));
    const std::vector<int> blocks =
        impl::block_schedule_blocks<T>(exec, options, conv, impl::uses_host_blas_gemm<ExecSpace>(options, n));
    if (!blocks.empty()) {
      const NewtonDbStageBlock<T> block{n, options.max_iterations, tol};
      const std::size_t nn = std::size_t(n) * n;
      const T* in = input.data();
      T *y0 = y[0].data(), *y1 = y[1].data(), *z0 = z[0].data(), *z1 = z[1].data(), *wp = w.data();
      impl::for_each_active_block(exec, "kdash::ndb::block_schedule", conv, blocks, [=](int b) {
        const std::size_t at = std::size_t(b) * nn;
        return block(in + at, {y0 + at, y1 + at}, {z0 + at, z1 + at}, wp + at);
      });
      return;
    }
  }
  const impl::MaskedGemm<T, ExecSpace> gemm(exec, options, conv.active);
  // Iteration 1: E = 1.5 I - 0.5 A' (kept as Z0), Y0 = A' E.
  backends::affine_identity<T>(exec, backends::ConstStackT<T, ExecSpace>(input), z[0], T(-0.5), T(1.5), conv.active);
  gemm(input, z[0], y[0]);
  conv.count_iteration();
  int cur = 0;
  for (int it = 1;; ++it) {
    gemm(z[cur], y[cur], w);  // W = Z Y
    const bool more = it < options.max_iterations;
    if (more) {  // the residual max|Z Y - I| and E = 1.5 I - 0.5 Z Y (in place) in one pass
      backends::max_abs_minus_identity_and_affine<T>(exec, backends::ConstStackT<T, ExecSpace>(w), conv.residual,
                                                     conv.active, w, T(-0.5), T(1.5));
    } else {
      backends::max_abs_minus_identity<T>(exec, backends::ConstStackT<T, ExecSpace>(w), conv.residual, conv.active);
    }
    conv.mark(tol, more);
    if (!more || !conv.any_active(it)) break;
    const int nxt = 1 - cur;
    gemm(y[cur], w, y[nxt]);
    gemm(w, z[cur], z[nxt]);
    cur = nxt;
  }
}

}  // namespace detail

template <class T, class ExecSpace>
std::vector<BlockRootResult> newton_db(const ExecSpace& exec, const backends::ConstStackT<T, ExecSpace>& a,
                                       const Stack<T, MemOf<ExecSpace>>& x, const RootOptions& options) {
  if (a.extent(0) == 0) return {};
  impl::IterativeStart<T, ExecSpace> start(exec, a, options);
  const int count = start.count, n = start.n, p = start.p;
  // The input is A/s; the output Z s^(-1/p).
  auto inv_scale = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::ndb::inv_scale", true, count);
  auto out_factor = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::ndb::out_factor", true, count);
  impl::scalars_from_scale<T>(
      exec, "kdash::ndb::scalars", start.prep.scale, inv_scale, out_factor, KOKKOS_LAMBDA(const T s, T& inv, T& out) {
        inv = T(1) / s;
        out = compat::pow(s, T(-1) / T(p));  // Z ~ (A/s)^(-1/p) -> A^(-1/p) = Z s^(-1/p)
      });
  const auto& prep = start.prep;
  auto& conv = start.conv;
  auto input = impl::new_stack<T>(exec, "kdash::ndb::input", count, n);
  std::array<Stack<T, MemOf<ExecSpace>>, 2> y{impl::new_stack<T>(exec, "kdash::ndb::y0", count, n),
                                              impl::new_stack<T>(exec, "kdash::ndb::y1", count, n)};
  std::array<Stack<T, MemOf<ExecSpace>>, 2> z{impl::new_stack<T>(exec, "kdash::ndb::z0", count, n),
                                              impl::new_stack<T>(exec, "kdash::ndb::z1", count, n)};
  auto w = impl::new_stack<T>(exec, "kdash::ndb::w", count, n);
  backends::scale_add_identity<T>(exec, backends::ConstStackT<T, ExecSpace>(prep.ridged), input, inv_scale, T(0),
                                  conv.active);
  detail::newton_db_stage<T>(exec, input, options, conv, y, z, w);

  int first = 1;  // iterations(b) - first = the number of updates after a stage's iteration 1
  if (p == 4) {
    // Stage 2 runs on every block with a finite stage-1 result, converged or not (its tolerance applies to the
    // final residual). Its input Y1 ~ (A/s)^(1/2) is A^(1/2) scaled by sqrt(s).
    auto write = conv.finished_finite();
    impl::commit_iterate<T>(exec, y[0], y[1], conv.iterations, first, {}, write, input);
    impl::BlockConvergence<T, ExecSpace> conv2(exec, write, options.check_every);
    detail::newton_db_stage<T>(exec, input, options, conv2, y, z, w);
    // Combine: total iterations, stage-2 residual; a block that failed stage 1 keeps its stage-1 state.
    auto s1 = conv.state, s2 = conv2.state, it1 = conv.iterations, it2 = conv2.iterations;
    auto r1 = conv.residual, r2 = conv2.residual;
    auto write2 = conv2.finished_finite();
    Stack<T, MemOf<ExecSpace>> x_scratch = input;  // reuse: Y1 is no longer needed once stage 2 has run
    impl::commit_iterate<T>(exec, z[0], z[1], it2, 1, out_factor, write2, x_scratch);
    Kokkos::parallel_for(
        "kdash::ndb::combine_stages", Kokkos::RangePolicy<ExecSpace>(exec, 0, count), KOKKOS_LAMBDA(const int b) {
          if (s1(b) == impl::diverged || s1(b) == impl::skipped) return;
          // Stage 2 decides convergence; not converged in stage 1 is fine if stage 2 reaches the tolerance on the
          // final product.
          s1(b) = s2(b);
          r1(b) = r2(b);
          it1(b) += it2(b);
        });
    backends::copy_scaled_where<T, T>(exec, backends::ConstStackT<T, ExecSpace>(x_scratch), x, {}, write2);
    return conv.results(prep.lambda, prep.scale);
  }
  impl::commit_iterate<T>(exec, z[0], z[1], conv.iterations, first, out_factor, conv.finished_finite(), x);
  return conv.results(prep.lambda, prep.scale);
}

}  // namespace kdash::solvers
