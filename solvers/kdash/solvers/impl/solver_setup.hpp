// The steps every iterative solver starts with: detect non-finite blocks, add the ridge, estimate the scale, and
// decide which blocks can iterate (finite input and a finite positive scale).
#pragma once

#include <kdash/backends/batched_gemm.hpp>
#include <kdash/solvers/impl/block_convergence.hpp>
#include <kdash/solvers/impl/stack_ops.hpp>
#include <kdash/solvers/root_options.hpp>
#include <kdash/solvers/scaling.hpp>

#include <string>

namespace kdash::solvers::impl {

template <class T>
struct ScaledStack {
  Stack<T> ridged;       // A + eps I
  PerBlock<T> scale;     // s
  PerBlock<T> lambda;    // lambda_max estimate
  PerBlock<int> usable;  // finite input and 0 < s < inf
};

template <class T>
ScaledStack<T> prepare(const ExecSpace& exec, const ConstStackT<T>& a, const RootOptions& options) {
  const int count = static_cast<int>(a.extent(0)), n = static_cast<int>(a.extent(1));
  ScaledStack<T> s{backends::scratch_view<Stack<T>>(exec, "kdash::solvers::ridged", false, count, n, n),
                   backends::scratch_view<PerBlock<T>>(exec, "kdash::solvers::scale", true, count),
                   backends::scratch_view<PerBlock<T>>(exec, "kdash::solvers::lambda", true, count),
                   backends::scratch_view<PerBlock<int>>(exec, "kdash::solvers::usable", true, count)};
  auto finite = backends::scratch_view<PerBlock<int>>(exec, "kdash::solvers::finite", true, count);
  finite_blocks<T>(exec, a, finite);
  copy_add_identity<T>(exec, a, s.ridged, static_cast<T>(options.eps));
  estimate_scale<T>(exec, ConstStackT<T>(s.ridged), options, s.scale, s.lambda);
  auto scale = s.scale;
  auto usable = s.usable;
  Kokkos::parallel_for(
      "kdash::solvers::usable_blocks", Kokkos::RangePolicy<ExecSpace>(exec, 0, count),
      KOKKOS_LAMBDA(const int b) { usable(b) = finite(b) && compat::isfinite(scale(b)) && scale(b) > T(0) ? 1 : 0; });
  return s;
}

// What the Newton solvers (CN, NDB) start from: the prepared stack and the per-block convergence state over its usable
// blocks. The caller returns early on an empty stack.
template <class T>
struct IterativeStart {
  int count, n, p;
  ScaledStack<T> prep;
  BlockConvergence<T> conv;

  IterativeStart(const ExecSpace& exec, const ConstStackT<T>& a, const RootOptions& options)
      : count(static_cast<int>(a.extent(0))),
        n(static_cast<int>(a.extent(1))),
        p(static_cast<int>(options.p)),
        prep(prepare<T>(exec, a, options)),
        conv(exec, prep.usable, options.check_every) {}
};

// Calls f(s(b), first(b), second(b)) for every block b: f sets the two per-block scalars a solver derives from its
// scale s.
template <class T, class F>
void scalars_from_scale(const ExecSpace& exec, const char* label, const PerBlock<T>& scale, const PerBlock<T>& first,
                        const PerBlock<T>& second, const F& f) {
  Kokkos::parallel_for(
      label, Kokkos::RangePolicy<ExecSpace>(exec, 0, static_cast<int>(scale.extent(0))),
      KOKKOS_LAMBDA(const int b) { f(scale(b), first(b), second(b)); });
}

// C = alpha * A B + beta * C over the active blocks, with the solver's GEMM path and input rounding.
template <class T>
struct MaskedGemm {
  ExecSpace exec;
  backends::GemmOptions<T, ExecSpace> options;

  MaskedGemm(const ExecSpace& e, const RootOptions& o, const PerBlock<int>& active) : exec(e) {
    options.path = o.gemm_path;
    options.input = gemm_input(o.precision);
    options.active = active;
  }
  void operator()(const Stack<T>& a, const Stack<T>& b, const Stack<T>& c, T alpha = T(1), T beta = T(0)) const {
    backends::batched_gemm(exec, backends::Trans::none, backends::Trans::none, alpha, ConstStackT<T>(a),
                           ConstStackT<T>(b), beta, c, options);
  }
};

// A count x n x n solver temporary, contents unspecified (reused from the scratch cache when one is free).
template <class T>
Stack<T> new_stack(const ExecSpace& exec, const char* label, int count, int n) {
  return backends::scratch_view<Stack<T>>(exec, label, false, count, n, n);
}

}  // namespace kdash::solvers::impl
