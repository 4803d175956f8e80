// The steps every iterative solver starts with: detect non-finite blocks, add the ridge, estimate the scale, and
// decide which blocks can iterate (finite input and a finite positive scale).
#pragma once

#include <kdash/backends/batched_gemm.hpp>
#include <kdash/backends/batched_syrk.hpp>
#include <kdash/backends/stack_ops.hpp>
#include <kdash/solvers/impl/block_convergence.hpp>
#include <kdash/solvers/root_options.hpp>
#include <kdash/solvers/scaling.hpp>

#include <string>

namespace kdash::solvers::impl {

template <class T, class ExecSpace>
struct ScaledStack {
  Stack<T, MemOf<ExecSpace>> ridged;       // A + eps I
  PerBlock<T, MemOf<ExecSpace>> scale;     // s
  PerBlock<T, MemOf<ExecSpace>> lambda;    // lambda_max estimate
  PerBlock<int, MemOf<ExecSpace>> usable;  // finite input and 0 < s < inf
};

template <class T, class ExecSpace>
ScaledStack<T, ExecSpace> prepare(const ExecSpace& exec, const backends::ConstStackT<T, ExecSpace>& a,
                                  const RootOptions& options) {
  const int count = static_cast<int>(a.extent(0)), n = static_cast<int>(a.extent(1));
  ScaledStack<T, ExecSpace> s{
      backends::scratch_view<Stack<T, MemOf<ExecSpace>>>(exec, "kdash::solvers::ridged", false, count, n, n),
      backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::solvers::scale", true, count),
      backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::solvers::lambda", true, count),
      backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::solvers::usable", true, count)};
  auto finite = backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::solvers::finite", true, count);
  backends::finite_blocks<T>(exec, a, finite);
  backends::copy_add_identity<T>(exec, a, s.ridged, static_cast<T>(options.eps));
  estimate_scale<T>(exec, backends::ConstStackT<T, ExecSpace>(s.ridged), options, s.scale, s.lambda);
  auto scale = s.scale;
  auto usable = s.usable;
  Kokkos::parallel_for(
      "kdash::solvers::usable_blocks", Kokkos::RangePolicy<ExecSpace>(exec, 0, count),
      KOKKOS_LAMBDA(const int b) { usable(b) = finite(b) && compat::isfinite(scale(b)) && scale(b) > T(0) ? 1 : 0; });
  return s;
}

// What the Newton solvers (CN, NDB) start from: the prepared stack and the per-block convergence state over its usable
// blocks. The caller returns early on an empty stack.
template <class T, class ExecSpace>
struct IterativeStart {
  int count, n, p;
  ScaledStack<T, ExecSpace> prep;
  BlockConvergence<T, ExecSpace> conv;

  IterativeStart(const ExecSpace& exec, const backends::ConstStackT<T, ExecSpace>& a, const RootOptions& options)
      : count(static_cast<int>(a.extent(0))),
        n(static_cast<int>(a.extent(1))),
        p(static_cast<int>(options.p)),
        prep(prepare<T>(exec, a, options)),
        conv(exec, prep.usable, options.check_every) {}
};

// Calls f(s(b), first(b), second(b)) for every block b: f sets the two per-block scalars a solver derives from its
// scale s.
template <class T, class F, class ExecSpace>
void scalars_from_scale(const ExecSpace& exec, const char* label, const PerBlock<T, MemOf<ExecSpace>>& scale,
                        const PerBlock<T, MemOf<ExecSpace>>& first, const PerBlock<T, MemOf<ExecSpace>>& second,
                        const F& f) {
  Kokkos::parallel_for(
      label, Kokkos::RangePolicy<ExecSpace>(exec, 0, static_cast<int>(scale.extent(0))),
      KOKKOS_LAMBDA(const int b) { f(scale(b), first(b), second(b)); });
}

// C = alpha * A B + beta * C over the active blocks, with the solver's GEMM path and input rounding. symmetric() for
// products known to be symmetric (two commuting iterates, both polynomials in the same block): the host computes
// one triangle (backends::batched_symmetric_product).
template <class T, class ExecSpace>
struct MaskedGemm {
  ExecSpace exec;
  backends::GemmOptions<T, ExecSpace> options;

  MaskedGemm(const ExecSpace& e, const RootOptions& o, const PerBlock<int, MemOf<ExecSpace>>& active) : exec(e) {
    options.path = o.gemm_path;
    options.device_symmetric = o.device_symmetric;
    options.input = gemm_input(o.precision);
    options.active = active;
  }
  void operator()(const Stack<T, MemOf<ExecSpace>>& a, const Stack<T, MemOf<ExecSpace>>& b,
                  const Stack<T, MemOf<ExecSpace>>& c, T alpha = T(1), T beta = T(0)) const {
    backends::batched_gemm(exec, backends::Trans::none, backends::Trans::none, alpha,
                           backends::ConstStackT<T, ExecSpace>(a), backends::ConstStackT<T, ExecSpace>(b), beta, c,
                           options);
  }
  void symmetric(const Stack<T, MemOf<ExecSpace>>& a, const Stack<T, MemOf<ExecSpace>>& b,
                 const Stack<T, MemOf<ExecSpace>>& c) const {
    backends::batched_symmetric_product(exec, T(1), backends::ConstStackT<T, ExecSpace>(a),
                                        backends::ConstStackT<T, ExecSpace>(b), T(0), c, options);
  }
};

// A count x n x n solver temporary, contents unspecified (reused from the scratch cache when one is free).
template <class T, class ExecSpace>
Stack<T, MemOf<ExecSpace>> new_stack(const ExecSpace& exec, const char* label, int count, int n) {
  return backends::scratch_view<Stack<T, MemOf<ExecSpace>>>(exec, label, false, count, n, n);
}

}  // namespace kdash::solvers::impl
