#include "kdash/solvers/inverse_root.hpp"

#include "kdash/solvers/automatic_method.hpp"
#include "kdash/solvers/chebyshev.hpp"
#include "kdash/solvers/coupled_newton.hpp"
#include "kdash/solvers/evd_root.hpp"
#include "kdash/solvers/impl/root_quality.hpp"
#include "kdash/solvers/newton_db.hpp"

#include <kdash/backends/for_each_entry.hpp>
#include <kdash/backends/profiling_region.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace kdash {
namespace {

bool is_integer(double v) { return std::isfinite(v) && std::floor(v) == v; }

void validate(const RootOptions& o, std::size_t rows, std::size_t cols) {
  const std::string m = "inverse_root (" + to_string(o.method) + "): ";
  if (rows != cols) {
    throw std::invalid_argument(m + "blocks must be square, got " + std::to_string(rows) + "x" + std::to_string(cols));
  }
  if (!(o.p > 0) || !std::isfinite(o.p)) throw std::invalid_argument(m + "root p must be > 0");
  if (o.method == RootMethod::coupled_newton && !(is_integer(o.p) && o.p >= 1)) {
    throw std::invalid_argument(m + "coupled Newton needs an integer root p >= 1, got " + std::to_string(o.p));
  }
  if ((o.method == RootMethod::newton_denman_beavers || o.method == RootMethod::chebyshev) && o.p != 2 && o.p != 4) {
    throw std::invalid_argument(m + "root p must be 2 or 4, got " + std::to_string(o.p));
  }
  try {
    validate_root_options(o);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(m + e.what());
  }
}

// The solver of options.method, state type C.
template <class C, class ExecSpace>
std::vector<BlockRootResult> run_method(const ExecSpace& exec, const Stack<const C, MemOf<ExecSpace>>& a,
                                        const Stack<C, MemOf<ExecSpace>>& x, const RootOptions& options) {
  switch (options.method) {
    case RootMethod::evd:
      return solvers::evd_root<C>(exec, a, x, options);
    case RootMethod::coupled_newton:
      return solvers::coupled_newton<C>(exec, a, x, options);
    case RootMethod::newton_denman_beavers:
      return solvers::newton_db<C>(exec, a, x, options);
    case RootMethod::chebyshev:
      return solvers::chebyshev_root<C>(exec, a, x, options);
    default:
      throw std::logic_error("inverse_root: unresolved solver");
  }
}

// One solve with state type C, with every block's condition estimate and ill-conditioning flag (root_quality.hpp;
// EVD knows its condition from its eigenvalues, the iterative solvers get theirs from a power iteration on X).
template <class C, class ExecSpace>
std::vector<BlockRootResult> solve(const ExecSpace& exec, const Stack<const C, MemOf<ExecSpace>>& a,
                                   const Stack<C, MemOf<ExecSpace>>& x, const RootOptions& options) {
  auto results = run_method<C>(exec, a, x, options);
  if (options.method != RootMethod::evd) solvers::impl::estimate_root_conditions<C>(exec, x, options, results);
  solvers::impl::flag_ill_conditioned<C>(options.precision, results);
  return results;
}

// Converts the stack to the state type C of the requested precision (double for fp64, float otherwise), solves, and
// converts back only the blocks that were written (the others keep x's values bit for bit).
template <class C, class T, class ExecSpace>
std::vector<BlockRootResult> solve_as(const ExecSpace& exec, const Stack<const T, MemOf<ExecSpace>>& a,
                                      const Stack<T, MemOf<ExecSpace>>& x, const RootOptions& options) {
  if constexpr (std::is_same_v<C, T>) {
    return solve<C>(exec, a, x, options);
  } else {
    const int count = int(a.extent(0)), n = int(a.extent(1));
    auto ac = backends::scratch_view<Stack<C, MemOf<ExecSpace>>>(exec, "kdash::root::a_converted", false, count, n, n);
    auto xc = backends::scratch_view<Stack<C, MemOf<ExecSpace>>>(exec, "kdash::root::x_converted", false, count, n, n);
    backends::for_each_entry(
        exec, "kdash::root::convert_in", count, n, n, KOKKOS_LAMBDA(const int b, const int i, const int j) {
          ac(b, i, j) = static_cast<C>(a(b, i, j));
          xc(b, i, j) = static_cast<C>(x(b, i, j));  // blocks a solver does not write must round-trip
        });
    auto results = solve<C>(exec, Stack<const C, MemOf<ExecSpace>>(ac), xc, options);
    auto write_h = Kokkos::View<int*, Kokkos::HostSpace>("kdash::root::written", count);
    // Written blocks: converged ones, and not_converged iterates (EVD's not_converged = syevd failed, not written).
    for (int b = 0; b < count; ++b) {
      const auto st = results[b].status;
      write_h(b) =
          st == RootStatus::converged || (st == RootStatus::not_converged && options.method != RootMethod::evd);
    }
    auto write = Kokkos::create_mirror_view_and_copy(MemOf<ExecSpace>(), write_h);
    backends::copy_scaled_where<C, T>(exec, Kokkos::View<const C***, Kokkos::LayoutRight, MemOf<ExecSpace>>(xc), x, {},
                                      write);
    exec.fence();
    return results;
  }
}

template <class T, class ExecSpace>
std::vector<BlockRootResult> dispatch(const ExecSpace& exec, const Stack<const T, MemOf<ExecSpace>>& a,
                                      const Stack<T, MemOf<ExecSpace>>& x, const RootOptions& requested) {
  const backends::ProfilingRegion region("kdash::inverse_root");  // Kokkos Tools see every call
  const RootOptions options = solvers::resolve_automatic(requested, int(a.extent(1)), is_host_space_v<ExecSpace>);
  validate(options, a.extent(1), a.extent(2));
  if (x.extent(0) != a.extent(0) || x.extent(1) != a.extent(1) || x.extent(2) != a.extent(2)) {
    throw std::invalid_argument("inverse_root: output stack shape differs from the input's");
  }
  // State type: double for fp64; float for tf32/fp16/bf16 (their rounding is defined on fp32 values); fp32 keeps the
  // stack's own type (a double stack is solved in double, as a float stack is solved in float).
  if (options.precision == Precision::fp64) return solve_as<double>(exec, a, x, options);
  if (options.precision == Precision::fp32) return solve_as<T>(exec, a, x, options);
  return solve_as<float>(exec, a, x, options);
}

}  // namespace

template <class ExecSpace>
std::vector<BlockRootResult> inverse_root(const ExecSpace& exec, const Stack<const float, MemOf<ExecSpace>>& a,
                                          const Stack<float, MemOf<ExecSpace>>& x, const RootOptions& options) {
  return dispatch<float>(exec, a, x, options);
}

template <class ExecSpace>
std::vector<BlockRootResult> inverse_root(const ExecSpace& exec, const Stack<const double, MemOf<ExecSpace>>& a,
                                          const Stack<double, MemOf<ExecSpace>>& x, const RootOptions& options) {
  return dispatch<double>(exec, a, x, options);
}

#define KDASH_INSTANTIATE_INVERSE_ROOT(SPACE)                                                                       \
  template std::vector<BlockRootResult> inverse_root<SPACE>(const SPACE&, const Stack<const float, MemOf<SPACE>>&,  \
                                                            const Stack<float, MemOf<SPACE>>&, const RootOptions&); \
  template std::vector<BlockRootResult> inverse_root<SPACE>(const SPACE&, const Stack<const double, MemOf<SPACE>>&, \
                                                            const Stack<double, MemOf<SPACE>>&, const RootOptions&);
KDASH_FOR_EACH_EXECUTION_SPACE(KDASH_INSTANTIATE_INVERSE_ROOT)
#undef KDASH_INSTANTIATE_INVERSE_ROOT

}  // namespace kdash
