// Inverse root by symmetric eigendecomposition: eigh(A + eps I), eigenvalue fix-up per block,
// X = Q diag(lambda^(-1/p)) Q^T. Cost: one eigh + one GEMM per block (plus a row scaling). The condition number of the
// regularised block comes from the fixed-up eigenvalues at no cost; the residual (p more GEMMs) only on request.
#pragma once

#include <kdash/backends/batched_eigh.hpp>
#include <kdash/backends/batched_gemm.hpp>
#include <kdash/backends/for_each_entry.hpp>
#include <kdash/backends/stack_ops.hpp>
#include <kdash/solvers/impl/root_quality.hpp>
#include <kdash/solvers/root_options.hpp>

#include <limits>
#include <vector>

namespace kdash::solvers {

namespace detail {

// The eigenvalue whose root EVD takes, from an eigenvalue l of A + eps I and lneg = min(min_i l_i, 0) of its block;
// 0 marks an eigenvalue relu drops. The Shampoo rule l + eps - lneg is evaluated as (l - lneg) + eps: l - lneg is
// exact (0) for the smallest eigenvalue and never negative, so the result is at least eps whatever |lneg| is. The
// other order, l + (eps - lneg), loses eps once |lneg| > eps / u (a Gram matrix's roundoff alone puts lneg near
// -u lambda_max) and leaves an exact 0, whose root is infinite.
template <class T>
KOKKOS_INLINE_FUNCTION T fixed_eigenvalue(EigenFixup fixup, T l, T lneg, T eps) {
  switch (fixup) {
    case EigenFixup::shampoo:
      return (l - lneg) + eps;
    case EigenFixup::abs:
      return compat::abs(l);
    case EigenFixup::abs_add:
      return compat::abs(l) + eps;
    default:
      return l > eps ? l : T(0);  // relu
  }
}

}  // namespace detail

template <class T, class ExecSpace>
std::vector<BlockRootResult> evd_root(const ExecSpace& exec, const backends::ConstStackT<T, ExecSpace>& a,
                                      const Stack<T, MemOf<ExecSpace>>& x, const RootOptions& options) {
  const int count = static_cast<int>(a.extent(0));
  const int n = static_cast<int>(a.extent(1));
  std::vector<BlockRootResult> results(count);
  if (count == 0) return results;

  auto finite = backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::evd::finite", true, count);
  backends::finite_blocks<T>(exec, a, finite);

  auto q = backends::scratch_view<Stack<T, MemOf<ExecSpace>>>(exec, "kdash::evd::q", false, count, n, n);
  backends::copy_add_identity<T>(exec, a, q, static_cast<T>(options.eps));
  auto w = backends::scratch_view<StackVectors<T, MemOf<ExecSpace>>>(exec, "kdash::evd::w", false, count, n);
  auto info = backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::evd::info", true, count);
  backends::batched_eigh(exec, q, w, info);

  // Fix up the eigenvalues and scale row i of Q^T... (row i of q is eigenvector i) by lambda_i^(-1/p).
  const T eps = static_cast<T>(options.eps);
  const T exponent = static_cast<T>(-1.0 / options.p);
  const EigenFixup fixup = options.fixup;
  auto lambda_max = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::evd::lambda_max", true, count);
  // 1 when a fixed-up eigenvalue has no finite root (e.g. 0^(-1/p) for a zero block with eps = 0).
  auto bad_root = backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::evd::bad_root", true, count);
  auto scaled = backends::scratch_view<Stack<T, MemOf<ExecSpace>>>(exec, "kdash::evd::scaled", false, count, n, n);
  // Three flat kernels rather than one team per block (a team per block keeps one SM busy per 1024 x 1024 block on a
  // GPU): the shift and lambda_max per block, the factor per eigenvalue, then every entry of D Q.
  auto negative_min =
      backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::evd::negative_min", true, count);
  // Smallest and largest fixed-up eigenvalue whose root is taken: the condition number of the regularised block.
  auto fixed_min = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::evd::fixed_min", true, count);
  auto fixed_max = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::evd::fixed_max", true, count);
  auto factors =
      backends::scratch_view<StackVectors<T, MemOf<ExecSpace>>>(exec, "kdash::evd::factors", false, count, n);
  Kokkos::parallel_for(
      "kdash::evd::shift", Kokkos::RangePolicy<ExecSpace>(exec, 0, count), KOKKOS_LAMBDA(const int b) {
        if (!finite(b) || info(b) != 0) return;
        T lmin = w(b, 0);  // ascending
        for (int i = 1; i < n; ++i) lmin = lmin < w(b, i) ? lmin : w(b, i);
        const T lneg = lmin < T(0) ? lmin : T(0);
        negative_min(b) = lneg;
        lambda_max(b) = w(b, n - 1) - eps;  // of A, not A + eps I
        T dmin = 0, dmax = 0;
        bool any = false;
        for (int i = 0; i < n; ++i) {
          const T d = detail::fixed_eigenvalue(fixup, w(b, i), lneg, eps);
          if (fixup == EigenFixup::relu && d == T(0)) continue;  // dropped: not inverted
          dmin = !any || d < dmin ? d : dmin;
          dmax = !any || d > dmax ? d : dmax;
          any = true;
        }
        fixed_min(b) = dmin;
        fixed_max(b) = dmax;
      });
  Kokkos::parallel_for(
      "kdash::evd::fixup", Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(exec, {0, 0}, {count, n}),
      KOKKOS_LAMBDA(const int b, const int i) {
        if (!finite(b) || info(b) != 0) return;
        const T d = detail::fixed_eigenvalue(fixup, w(b, i), negative_min(b), eps);
        // relu: pseudo-inverse, the dropped eigenvalues get factor 0
        const T factor = fixup == EigenFixup::relu && d == T(0) ? T(0) : compat::pow(d, exponent);
        if (!compat::isfinite(factor)) bad_root(b) = 1;  // every writer stores 1: a benign race
        factors(b, i) = factor;
      });
  backends::for_each_entry(
      exec, "kdash::evd::scale_rows", count, n, n, KOKKOS_LAMBDA(const int b, const int i, const int j) {
        if (!finite(b) || info(b) != 0) return;
        scaled(b, i, j) = factors(b, i) * q(b, i, j);
      });

  // X = Q^T (D Q) with Q's rows the eigenvectors. Non-finite / failed blocks keep their X.
  auto ok = backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::evd::ok", true, count);
  Kokkos::parallel_for(
      "kdash::evd::ok_mask", Kokkos::RangePolicy<ExecSpace>(exec, 0, count),
      KOKKOS_LAMBDA(const int b) { ok(b) = finite(b) && info(b) == 0 && !bad_root(b) ? 1 : 0; });
  backends::GemmOptions<T, ExecSpace> gemm_options;
  gemm_options.path = options.gemm_path;
  gemm_options.input = gemm_input(options.precision);
  gemm_options.active = ok;
  backends::batched_gemm(exec, backends::Trans::transpose, backends::Trans::none, T(1),
                         backends::ConstStackT<T, ExecSpace>(q), backends::ConstStackT<T, ExecSpace>(scaled), T(0), x,
                         gemm_options);

  // Optional residual against the Shampoo rule's regularised block A + (2 eps - lneg) I (the fix-up is a shift of A
  // there, so the measure includes eigh's own error; the other fix-ups are not shifts: residual not measured).
  if (options.measure_residual && fixup == EigenFixup::shampoo && impl::residual_measurable(options.p)) {
    backends::for_each_entry(
        exec, "kdash::evd::regularised_block", count, n, n, KOKKOS_LAMBDA(const int b, const int i, const int j) {
          if (!ok(b)) return;
          scaled(b, i, j) = a(b, i, j) + (i == j ? (eps - negative_min(b)) + eps : T(0));
        });
    impl::store_root_residuals<T>(exec, x, scaled, q, options, ok, results);
  }

  auto finite_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), finite);
  auto info_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), info);
  auto lmax_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), lambda_max);
  auto bad_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), bad_root);
  auto dmin_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), fixed_min);
  auto dmax_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), fixed_max);
  for (int b = 0; b < count; ++b) {
    results[b].iterations = 1;
    results[b].lambda_max = static_cast<double>(lmax_h(b));
    if (finite_h(b) && info_h(b) == 0 && !bad_h(b)) {
      const double dmin = static_cast<double>(dmin_h(b)), dmax = static_cast<double>(dmax_h(b));
      // Nothing inverted (relu on a zero block: X = 0 exactly): condition 1.
      results[b].condition = dmax == 0 ? 1.0 : dmin > 0 ? dmax / dmin : std::numeric_limits<double>::infinity();
    }
    results[b].status = !finite_h(b) || bad_h(b) ? RootStatus::non_finite
                        : info_h(b) != 0         ? RootStatus::not_converged
                                                 : RootStatus::converged;
  }
  return results;
}

}  // namespace kdash::solvers
