// Per-block convergence of the iterative solvers (design.md §3: "kdash tests convergence per block and stops updating
// converged blocks"). Everything a decision needs lives on the device: after each residual kernel, mark() retires the
// blocks whose residual fell below the tolerance (or became non-finite) by clearing their bit of `active`, which every
// later GEMM and element-wise kernel of the iteration honours. The host only needs to know when *no* block is
// active any more, to stop early: any_active() reads one reduced int, every iteration on host backends (the GEMMs
// synchronise there anyway) and every `check_every` iterations on GPUs (one small device-to-host copy; the skipped
// checks cost at most check_every - 1 iterations in which every GEMM is masked out).
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/backends/for_each_entry.hpp>
#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/backends/scratch_cache.hpp>
#include <kdash/backends/stack_ops.hpp>
#include <kdash/solvers/root_options.hpp>

#include <vector>

namespace kdash::solvers::impl {

// state(b) values.
enum BlockState : int { running = 0, done = 1, diverged = 2, skipped = 3 };

// active(b) = usable(b) != 0; state(b) = running or skipped. A free function: CUDA forbids device lambdas in
// constructors.
template <class ExecSpace>
void init_block_states(const ExecSpace& exec, const PerBlock<int, MemOf<ExecSpace>>& usable,
                       const PerBlock<int, MemOf<ExecSpace>>& active, const PerBlock<int, MemOf<ExecSpace>>& state) {
  Kokkos::parallel_for(
      "kdash::convergence::init", Kokkos::RangePolicy<ExecSpace>(exec, 0, int(usable.extent(0))),
      KOKKOS_LAMBDA(const int b) {
        active(b) = usable(b) ? 1 : 0;
        state(b) = usable(b) ? running : skipped;
      });
}

template <class T, class ExecSpace>
class BlockConvergence {
  ExecSpace exec_;

 public:
  // usable(b) != 0: block b iterates; the others are `skipped` (non-finite input, no usable scale).
  BlockConvergence(const ExecSpace& exec, const PerBlock<int, MemOf<ExecSpace>>& usable, int check_every)
      : exec_(exec),
        active(backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::convergence::active", true,
                                                                       usable.extent(0))),
        state(backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::convergence::state", true,
                                                                      usable.extent(0))),
        iterations(backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec, "kdash::convergence::iterations", true,
                                                                           usable.extent(0))),
        residual(backends::scratch_view<PerBlock<T, MemOf<ExecSpace>>>(exec, "kdash::convergence::residual", true,
                                                                       usable.extent(0))),
        check_every_(check_every > 0 ? check_every : (is_host_space_v<ExecSpace> ? 1 : 4)) {
    init_block_states(exec, usable, active, state);
  }

  // Call after residual(b) has been computed for the active blocks: retires converged (residual < tol) and
  // non-finite ones; the blocks still active are about to be updated when `will_update`, which counts an iteration.
  void mark(T tol, bool will_update) {
    auto active_ = active;
    auto state_ = state;
    auto iterations_ = iterations;
    auto residual_ = residual;
    Kokkos::parallel_for(
        "kdash::convergence::mark", Kokkos::RangePolicy<ExecSpace>(exec_, 0, int(active.extent(0))),
        KOKKOS_LAMBDA(const int b) {
          if (!active_(b)) return;
          const T r = residual_(b);
          if (!compat::isfinite(r)) {
            active_(b) = 0;
            state_(b) = diverged;
          } else if (r < tol) {
            active_(b) = 0;
            state_(b) = done;
          } else if (will_update) {
            iterations_(b) += 1;
          }
        });
  }

  // Counts one update of every active block (for a solver's first step, which no residual precedes).
  void count_iteration() { mark(T(-1), true); }

  // False once no block is active. Only reads the device every check_every-th call (see the top of the file).
  bool any_active(int iteration) {
    if (iteration % check_every_ != 0) return true;
    int count = 0;
    auto active_ = active;
    Kokkos::parallel_reduce(
        "kdash::convergence::count_active", Kokkos::RangePolicy<ExecSpace>(exec_, 0, int(active.extent(0))),
        KOKKOS_LAMBDA(const int b, int& sum) { sum += active_(b); }, count);
    return count > 0;
  }

  // Blocks whose result is worth writing out: converged or merely not converged, but finite.
  PerBlock<int, MemOf<ExecSpace>> finished_finite() const {
    auto write = backends::scratch_view<PerBlock<int, MemOf<ExecSpace>>>(exec_, "kdash::convergence::write", true,
                                                                         state.extent(0));
    auto state_ = state;
    Kokkos::parallel_for(
        "kdash::convergence::finished_finite", Kokkos::RangePolicy<ExecSpace>(exec_, 0, int(state.extent(0))),
        KOKKOS_LAMBDA(const int b) { write(b) = state_(b) == running || state_(b) == done ? 1 : 0; });
    return write;
  }

  // Per-block results; blocks still running after the cap are not_converged.
  std::vector<BlockRootResult> results(const PerBlock<T, MemOf<ExecSpace>>& lambda,
                                       const PerBlock<T, MemOf<ExecSpace>>& scale) const {
    auto st = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), state);
    auto it = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), iterations);
    auto res = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), residual);
    auto lam = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), lambda);
    auto sc = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), scale);
    std::vector<BlockRootResult> out(st.extent(0));
    for (std::size_t b = 0; b < out.size(); ++b) {
      out[b].iterations = it(b);
      out[b].residual = static_cast<double>(res(b));
      out[b].lambda_max = static_cast<double>(lam(b));
      out[b].scale = static_cast<double>(sc(b));
      out[b].status = st(b) == done      ? RootStatus::converged
                      : st(b) == running ? RootStatus::not_converged
                                         : RootStatus::non_finite;
    }
    return out;
  }

  PerBlock<int, MemOf<ExecSpace>> active;
  PerBlock<int, MemOf<ExecSpace>> state;
  PerBlock<int, MemOf<ExecSpace>> iterations;
  PerBlock<T, MemOf<ExecSpace>> residual;

 private:
  int check_every_;
};

// out(b) = factor(b) * (parity of (iterations(b) - offset) ? odd(b) : even(b)) on the blocks with write(b) != 0:
// the solvers ping-pong between two stacks and a block retired early holds its last iterate in the stack of its own
// iteration count's parity.
template <class T, class ExecSpace>
void commit_iterate(const ExecSpace& exec, const Stack<T, MemOf<ExecSpace>>& even,
                    const Stack<T, MemOf<ExecSpace>>& odd, const PerBlock<int, MemOf<ExecSpace>>& iterations,
                    int offset, const Kokkos::View<const T*, MemOf<ExecSpace>>& factor,
                    const PerBlock<int, MemOf<ExecSpace>>& write, const Stack<T, MemOf<ExecSpace>>& out) {
  const int n = static_cast<int>(out.extent(1));
  const bool scaled = factor.extent(0) > 0;
  backends::for_each_entry(
      exec, "kdash::solvers::commit_iterate", int(out.extent(0)), n, n,
      KOKKOS_LAMBDA(const int b, const int i, const int j) {
        if (write(b) == 0) return;
        const T v = (iterations(b) - offset) % 2 ? odd(b, i, j) : even(b, i, j);
        out(b, i, j) = scaled ? factor(b) * v : v;
      });
}

}  // namespace kdash::solvers::impl
