// Chebyshev + Clenshaw inverse roots, p = 2 or 4.
// f(x) = x^(-1/p) is fitted on [a, b] = [eps, 1 + eps] at N Chebyshev nodes (default N = 10000, the reference's):
//   theta_j = pi (j + 1/2) / N,  x_j = (b - a)/2 cos(theta_j) + (b + a)/2,  c_k = (2/N) sum_j f(x_j) cos(k theta_j),
//   c_0 /= 2, k = 0..d — in double, on the host, once per (eps, degree, p, nodes) (a process-wide cache).
// The matrix is mapped with S = (2/s) A - I (spectrum in [-1, 1] when s >= lambda_max) and the series evaluated
// with Clenshaw's recurrence: B_d = c_d I, B_{d-1} = 2 c_d S + c_{d-1} I, B_k = 2 S B_{k+1} - B_{k+2} + c_k I for
// k = d-2..1, X = S B_1 - B_2 + c_0 I: d - 1 GEMMs in all (two ping-pong stacks, each GEMM writes over B_{k+2}).
//
// X approximates f(A/s + eps I) = (A/s + eps I)^(-1/p) = s^(1/p) (A + eps s I)^(-1/p): the result is NOT rescaled by
// s^(-1/p) (as in the reference). Shampoo's grafting rescales each block's direction, so a positive factor per block
// cancels; a caller that needs the true root multiplies by s^(-1/p) (BlockRootResult::scale holds s).
// The ridge is the fit interval's eps (A itself is not shifted). No iteration, so iterations = d and residual = 0 (not
// measured) unless RootOptions::measure_residual asks for max|X^p (A/s + eps I) - I|.
// On the host, with enough blocks, the recurrence runs block by block (each thread takes a block through all d - 1
// steps, solvers/impl/host_block_iteration.hpp) with the same calls and the same bits.
#pragma once

#include <kdash/solvers/impl/block_convergence.hpp>
#include <kdash/solvers/impl/host_block_iteration.hpp>
#include <kdash/solvers/impl/root_quality.hpp>
#include <kdash/solvers/impl/solver_setup.hpp>

#include <utility>
#include <vector>

namespace kdash::solvers {

// c_0..c_degree of the fit above (cached; thread-safe). Throws std::invalid_argument on degree < 0, nodes <= degree,
// p <= 0 or eps not finite/negative.
std::vector<double> chebyshev_coefficients(double eps, int degree, double p, int nodes);
// sum_k c_k T_k(x) by Clenshaw's recurrence in double (the scalar reference of the matrix evaluation).
double chebyshev_evaluate(const std::vector<double>& c, double x);

namespace detail {

// Clenshaw's recurrence (degree d >= 2) on one block on the calling thread: the stack schedule's element-wise
// arithmetic and products (the host GEMM's row panels, backends::host_block::gemm_block), so the same bits. b1 and b2
// are the block's two ping-pong matrices; X ends in the one the stack schedule's swaps name b2.
template <class T>
struct ClenshawBlock {
  int n, d;
  const std::vector<double>* c;

  void operator()(const T* s, T* b1, T* b2) const {
    const std::vector<double>& coef = *c;
    const T cd = static_cast<T>(coef[d]), two_cd = static_cast<T>(2 * coef[d]), cd1 = static_cast<T>(coef[d - 1]);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        const std::size_t e = std::size_t(i) * n + j;
        b2[e] = i == j ? cd : T(0);                     // B_d, as backends::set_scaled_identity
        b1[e] = two_cd * s[e] + (i == j ? cd1 : T(0));  // B_{d-1}, as backends::affine_identity
      }
    const auto step = [&](T alpha, T shift) {  // B_2 <- alpha S B_1 - B_2 + shift I, as the gemm and add_identity
      backends::host_block::gemm_block(backends::Trans::none, backends::Trans::none, n, n, n, alpha, s, n, b1, n, T(-1),
                                       b2, n);
      for (int i = 0; i < n; ++i) b2[std::size_t(i) * n + i] += shift;
    };
    for (int k = d - 2; k >= 1; --k) {
      step(T(2), static_cast<T>(coef[k]));
      std::swap(b1, b2);
    }
    step(T(1), static_cast<T>(coef[0]));
  }
};

}  // namespace detail

template <class T, class ExecSpace>
std::vector<BlockRootResult> chebyshev_root(const ExecSpace& exec, const backends::ConstStackT<T, ExecSpace>& a,
                                            const Stack<T, MemOf<ExecSpace>>& x, const RootOptions& options) {
  const int count = static_cast<int>(a.extent(0)), n = static_cast<int>(a.extent(1));
  if (count == 0) return {};
  const int d = options.chebyshev_degree;
  const auto c = chebyshev_coefficients(options.eps, d, options.p, options.chebyshev_nodes);
  auto prep = impl::prepare<T>(exec, a, options);
  impl::BlockConvergence<T, ExecSpace> conv(exec, prep.usable, options.check_every);
  const auto& active = conv.active;
  const impl::MaskedGemm<T, ExecSpace> gemm(exec, options, active);

  auto two_over_s =
      backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::cbshv::two_over_s", true, count);
  auto const_c = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::cbshv::c", true, count);
  {
    auto scale = prep.scale;
    Kokkos::parallel_for(
        "kdash::cbshv::two_over_s", Kokkos::RangePolicy<ExecSpace>(exec, 0, count),
        KOKKOS_LAMBDA(const int b) { two_over_s(b) = T(2) / scale(b); });
  }
  auto s = impl::new_stack<T>(exec, "kdash::cbshv::s", count, n);
  backends::scale_add_identity<T>(exec, a, s, two_over_s, T(-1), active);  // S = (2/s) A - I
  auto b1 = impl::new_stack<T>(exec, "kdash::cbshv::b1", count, n);        // B_{k+1}
  auto b2 = impl::new_stack<T>(exec, "kdash::cbshv::b2", count, n);        // B_{k+2}
  auto result = b1;
  if (d == 0) {
    Kokkos::deep_copy(exec, const_c, static_cast<T>(c[0]));
    backends::set_scaled_identity<T>(exec, b1, const_c, active);
  } else if (d == 1) {
    backends::affine_identity<T>(exec, backends::ConstStackT<T, ExecSpace>(s), b1, static_cast<T>(c[1]),
                                 static_cast<T>(c[0]), active);
  } else {
    bool by_blocks = false;
    if constexpr (is_host_space_v<ExecSpace>) {  // host lambdas and BLAS calls: never compiled for a device
      const std::vector<int> blocks =
          impl::block_schedule_blocks<T>(exec, options, conv, impl::uses_host_blas_gemm<ExecSpace>(options, n));
      by_blocks = !blocks.empty();
      if (by_blocks) {
        // Block by block in the same two stacks; afterwards every block's B_1 and B_2 sit where the stack schedule's
        // swaps leave them.
        const detail::ClenshawBlock<T> block{n, d, &c};
        const std::size_t nn = std::size_t(n) * n;
        const T* sp = s.data();
        T *b1p = b1.data(), *b2p = b2.data();
        impl::for_each_listed_block(exec, "kdash::cbshv::block_schedule", blocks, [=](const int b) {
          const std::size_t at = std::size_t(b) * nn;
          block(sp + at, b1p + at, b2p + at);
        });
        for (int k = d - 2; k >= 1; --k) std::swap(b1, b2);
      }
    }
    if (!by_blocks) {
      Kokkos::deep_copy(exec, const_c, static_cast<T>(c[d]));
      backends::set_scaled_identity<T>(exec, b2, const_c, active);  // B_d
      backends::affine_identity<T>(exec, backends::ConstStackT<T, ExecSpace>(s), b1, static_cast<T>(2 * c[d]),
                                   static_cast<T>(c[d - 1]),
                                   active);  // B_{d-1}
      for (int k = d - 2; k >= 1; --k) {
        gemm(s, b1, b2, T(2), T(-1));  // B_k = 2 S B_{k+1} - B_{k+2}, written over B_{k+2}
        backends::add_identity<T>(exec, b2, static_cast<T>(c[k]), active);
        std::swap(b1, b2);
      }
      gemm(s, b1, b2, T(1), T(-1));  // S B_1 - B_2
      backends::add_identity<T>(exec, b2, static_cast<T>(c[0]), active);
    }
    result = b2;
  }
  // A non-finite result of a finite block (overflow) is reported and not written, like a non-finite input.
  auto finite_out =
      backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::cbshv::finite_out", true, count);
  backends::finite_blocks<T>(exec, backends::ConstStackT<T, ExecSpace>(result), finite_out);
  auto write = conv.finished_finite();
  Kokkos::parallel_for(
      "kdash::cbshv::write_mask", Kokkos::RangePolicy<ExecSpace>(exec, 0, count),
      KOKKOS_LAMBDA(const int b) { write(b) = write(b) && finite_out(b) ? 1 : 0; });
  backends::copy_scaled_where<T, T>(exec, backends::ConstStackT<T, ExecSpace>(result), x, {}, write);
  auto results = conv.results(prep.lambda, prep.scale);
  if (options.measure_residual) {
    // A_reg = A/s + eps I = (S + I)/2 + eps I, in place of S; the residual of the unscaled X against it.
    backends::affine_identity<T>(exec, backends::ConstStackT<T, ExecSpace>(s), s, T(0.5),
                                 static_cast<T>(0.5 + options.eps), write);
    impl::store_root_residuals<T>(exec, x, s, result.data() == b1.data() ? b2 : b1, options, write, results);
  }
  auto fin = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), finite_out);
  for (int b = 0; b < count; ++b) {
    if (results[b].status == RootStatus::non_finite) continue;
    results[b].iterations = d;
    if (!options.measure_residual) results[b].residual = 0;
    results[b].status = fin(b) ? RootStatus::converged : RootStatus::non_finite;
  }
  return results;
}

}  // namespace kdash::solvers
