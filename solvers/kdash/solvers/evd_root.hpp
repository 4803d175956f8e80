// Inverse root by symmetric eigendecomposition: eigh(A + eps I), eigenvalue fix-up per block, then
// X = Q diag(f) Q^T with f = lambda^(-1/p), computed as S^T S where row i of S is eigenvector i times sqrt(f_i): one
// symmetric rank-n product per block (?syrk on the host: half the flops of a GEMM, and X exactly symmetric). The
// factors are never negative (powers of fixed-up eigenvalues, or 0 for an eigenvalue relu drops), so their square
// roots exist. Cost: one eigh + one ?syrk per block, plus a row scaling. The condition number of the regularised
// block comes from the fixed-up eigenvalues at no cost; the residual (p more GEMMs) only on request.
#pragma once

#include <kdash/backends/batched_eigh.hpp>
#include <kdash/backends/batched_gemm.hpp>
#include <kdash/backends/batched_syrk.hpp>
#include <kdash/backends/for_each_entry.hpp>
#include <kdash/backends/stack_ops.hpp>
#include <kdash/solvers/impl/host_block_iteration.hpp>
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

// What the fix-up makes of one block's ascending eigenvalues w[0..n-1]: lneg = min(min_i w_i, 0), lambda_max of A
// (not A + eps I), and the smallest and largest fixed-up eigenvalue whose root is taken (the condition number of the
// regularised block).
template <class T>
struct BlockSpectrum {
  T lneg = 0, lambda_max = 0, dmin = 0, dmax = 0;
};

template <class T>
KOKKOS_INLINE_FUNCTION BlockSpectrum<T> block_spectrum(const T* w, int n, EigenFixup fixup, T eps) {
  BlockSpectrum<T> s;
  T lmin = w[0];  // ascending
  for (int i = 1; i < n; ++i) lmin = lmin < w[i] ? lmin : w[i];
  s.lneg = lmin < T(0) ? lmin : T(0);
  s.lambda_max = w[n - 1] - eps;
  bool any = false;
  for (int i = 0; i < n; ++i) {
    const T d = fixed_eigenvalue(fixup, w[i], s.lneg, eps);
    if (fixup == EigenFixup::relu && d == T(0)) continue;  // dropped: not inverted
    s.dmin = !any || d < s.dmin ? d : s.dmin;
    s.dmax = !any || d > s.dmax ? d : s.dmax;
    any = true;
  }
  return s;
}

// The square root of eigenvalue l's factor d^(-1/p) (half_exponent = -1/(2p)): X = S^T S with S's rows scaled by it.
// relu: pseudo-inverse, a dropped eigenvalue gets 0. Its square must be finite for the block's root to exist.
template <class T>
KOKKOS_INLINE_FUNCTION T sqrt_factor(EigenFixup fixup, T l, T lneg, T eps, T half_exponent) {
  const T d = fixed_eigenvalue(fixup, l, lneg, eps);
  return fixup == EigenFixup::relu && d == T(0) ? T(0) : compat::pow(d, half_exponent);
}

}  // namespace detail

// The host's block schedule (as coupled Newton's, solvers/impl/host_block_iteration.hpp): with enough blocks per
// thread, each thread takes one block through the ridge, ?syevd, the fix-up, the row scaling and ?syrk while it stays
// in the core's cache, with the library calls and element-wise arithmetic of the stack schedule (the same bits); the
// stack schedule makes five passes over the whole stack besides the library calls. Not when residuals are measured.
template <class T, class ExecSpace>
bool evd_block_schedule(const ExecSpace& exec, const RootOptions& options, int count, int n) {
  if constexpr (!is_host_space_v<ExecSpace>) {
    return false;
  } else {
    return !options.measure_residual && backends::uses_host_syrk<ExecSpace>(options.gemm_path, n, n) &&
           gemm_input(options.precision) == backends::InputPrecision::native &&
           count >= impl::kBlockScheduleMinBlocksPerThread * compat::concurrency(exec);
  }
}

template <class T, class ExecSpace>
std::vector<BlockRootResult> evd_root(const ExecSpace& exec, const backends::ConstStackT<T, ExecSpace>& a,
                                      const Stack<T, MemOf<ExecSpace>>& x, const RootOptions& options) {
  const int count = static_cast<int>(a.extent(0));
  const int n = static_cast<int>(a.extent(1));
  std::vector<BlockRootResult> results(count);
  if (count == 0) return results;

  auto finite = backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::evd::finite", true, count);
  auto q = backends::scratch_view<Stack<T, MemOf<ExecSpace>>>(exec, "kdash::evd::q", false, count, n, n);
  auto w = backends::scratch_view<StackVectors<T, MemOf<ExecSpace>>>(exec, "kdash::evd::w", false, count, n);
  auto info = backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::evd::info", true, count);
  const T eps = static_cast<T>(options.eps);
  const T half_exponent = static_cast<T>(-0.5 / options.p);
  const EigenFixup fixup = options.fixup;
  auto lambda_max = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::evd::lambda_max", true, count);
  // 1 when a fixed-up eigenvalue has no finite root (e.g. 0^(-1/p) for a zero block with eps = 0).
  auto bad_root = backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::evd::bad_root", true, count);
  // Row i of q (eigenvector i) times the square root of its factor.
  auto scaled = backends::scratch_view<Stack<T, MemOf<ExecSpace>>>(exec, "kdash::evd::scaled", false, count, n, n);
  auto negative_min =
      backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::evd::negative_min", true, count);
  auto fixed_min = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::evd::fixed_min", true, count);
  auto fixed_max = backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::evd::fixed_max", true, count);
  // ok(b): X(b) is written (finite input, eigh converged, every root finite). The others keep their X.
  auto ok = backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::evd::ok", true, count);

  bool by_blocks = false;
  if constexpr (is_host_space_v<ExecSpace>) {  // host lambdas and LAPACK calls: never compiled for a device
    by_blocks = evd_block_schedule<T>(exec, options, count, n);
    if (by_blocks) {
      const std::size_t nn = std::size_t(n) * n;
      const T* pa = a.data();
      T *pq = q.data(), *pw = w.data(), *ps = scaled.data(), *px = x.data();
      exec.fence();
      backends::host::ScopedBlasThreads single(1);
      Kokkos::parallel_for("kdash::evd::block_schedule",
                           Kokkos::RangePolicy<ExecSpace, Kokkos::Schedule<Kokkos::Dynamic>>(exec, 0, count),
                           [=](const int b) {
                             const T* ab = pa + b * nn;
                             T *qb = pq + b * nn, *wb = pw + std::size_t(b) * n, *sb = ps + b * nn;
                             bool all_finite = true;
                             for (std::size_t e = 0; e < nn; ++e) all_finite = all_finite && compat::isfinite(ab[e]);
                             finite(b) = all_finite ? 1 : 0;
                             if (!all_finite) return;
                             for (int i = 0; i < n; ++i)  // as backends::copy_add_identity
                               for (int j = 0; j < n; ++j)
                                 qb[std::size_t(i) * n + j] = ab[std::size_t(i) * n + j] + (i == j ? eps : T(0));
                             backends::host::SyevdWorkspace ws;
                             info(b) = backends::host::syevd(n, qb, wb, ws);
                             if (info(b) != 0) return;
                             const auto spectrum = detail::block_spectrum<T>(wb, n, fixup, eps);
                             negative_min(b) = spectrum.lneg;
                             lambda_max(b) = spectrum.lambda_max;
                             fixed_min(b) = spectrum.dmin;
                             fixed_max(b) = spectrum.dmax;
                             bool bad = false;
                             for (int i = 0; i < n; ++i) {
                               const T root = detail::sqrt_factor(fixup, wb[i], spectrum.lneg, eps, half_exponent);
                               bad = bad || !compat::isfinite(root * root);
                               for (int j = 0; j < n; ++j)
                                 sb[std::size_t(i) * n + j] = root * qb[std::size_t(i) * n + j];
                             }
                             bad_root(b) = bad ? 1 : 0;
                             if (bad) return;
                             ok(b) = 1;
                             for (int u = 0; u < backends::host_block::symmetric_units(n); ++u)
                               backends::host_block::syrk_block_unit(backends::Trans::transpose, n, n, T(1), sb, n,
                                                                     T(0), px + b * nn, u);
                           });
      exec.fence();
    }
  }
  if (!by_blocks) {
    backends::finite_blocks<T>(exec, a, finite);
    backends::copy_add_identity<T>(exec, a, q, eps);
    backends::batched_eigh(exec, q, w, info);
    // Three flat kernels rather than one team per block (a team per block keeps one SM busy per 1024 x 1024 block
    // on a GPU): the spectrum per block, the factor per eigenvalue, then every entry of S.
    auto sqrt_factors =
        backends::scratch_view<StackVectors<T, MemOf<ExecSpace>>>(exec, "kdash::evd::sqrt_factors", false, count, n);
    Kokkos::parallel_for(
        "kdash::evd::shift", Kokkos::RangePolicy<ExecSpace>(exec, 0, count), KOKKOS_LAMBDA(const int b) {
          if (!finite(b) || info(b) != 0) return;
          const auto spectrum = detail::block_spectrum<T>(&w(b, 0), n, fixup, eps);
          negative_min(b) = spectrum.lneg;
          lambda_max(b) = spectrum.lambda_max;
          fixed_min(b) = spectrum.dmin;
          fixed_max(b) = spectrum.dmax;
        });
    Kokkos::parallel_for(
        "kdash::evd::fixup", Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(exec, {0, 0}, {count, n}),
        KOKKOS_LAMBDA(const int b, const int i) {
          if (!finite(b) || info(b) != 0) return;
          const T root = detail::sqrt_factor(fixup, w(b, i), negative_min(b), eps, half_exponent);
          if (!compat::isfinite(root * root)) bad_root(b) = 1;  // every writer stores 1: a benign race
          sqrt_factors(b, i) = root;
        });
    backends::for_each_entry(
        exec, "kdash::evd::scale_rows", count, n, n, KOKKOS_LAMBDA(const int b, const int i, const int j) {
          if (!finite(b) || info(b) != 0) return;
          scaled(b, i, j) = sqrt_factors(b, i) * q(b, i, j);
        });
    Kokkos::parallel_for(
        "kdash::evd::ok_mask", Kokkos::RangePolicy<ExecSpace>(exec, 0, count),
        KOKKOS_LAMBDA(const int b) { ok(b) = finite(b) && info(b) == 0 && !bad_root(b) ? 1 : 0; });
    backends::GemmOptions<T, ExecSpace> gemm_options;
    gemm_options.path = options.gemm_path;
    gemm_options.device_symmetric = options.device_symmetric;
    gemm_options.input = gemm_input(options.precision);
    gemm_options.active = ok;
    backends::batched_syrk(exec, backends::Trans::transpose, T(1), backends::ConstStackT<T, ExecSpace>(scaled), T(0), x,
                           gemm_options);
  }

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
