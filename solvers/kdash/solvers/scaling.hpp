// Scale estimates for the iterative inverse-root solvers (design.md §3, "Scaling s"): every block b gets a scale s(b)
// with the spectrum of A(b)/s(b) inside the solver's convergence region, and an estimate of lambda_max(A(b)).
//   fro  s = ||A||_F (>= lambda_max for a PSD matrix), lambda_est = ||A||_F; one reduction.
//   pi   power iteration from one random start vector, k steps: lambda_est = Rayleigh quotient,
//        s = pi_const * lambda_est; k + 1 batched GEMMs of (n x n) by (n x 1).
//   pim  the same from pim_vectors random start vectors at once (an (N, n, v) stack), keeping the largest
//        Rayleigh quotient; k + 1 batched GEMMs of (n x n) by (n x v).
// A Rayleigh quotient never exceeds lambda_max. After k steps from a start vector whose squared component on the top
// eigenvector is gamma it is at least gamma^(1/(2k)) * lambda_max for a PSD matrix (power-mean inequality, see
// docs/solvers.md), which is what the tests check.
//
// Reproducibility: start vector entry (b, i, j) is drawn from its own Kokkos::Random_XorShift64 generator seeded by
// hash(seed, first_block + b, i, j), so the numbers depend neither on the thread count nor on how many blocks are in
// the stack: a block gets the same start vectors in a batched run and in its one-block run (with first_block set).
#pragma once

#include <kdash/backends/batched_gemm.hpp>
#include <kdash/backends/for_each_entry.hpp>
#include <kdash/backends/stack_ops.hpp>
#include <kdash/solvers/root_options.hpp>

#include <Kokkos_Random.hpp>

#include <cstdint>

namespace kdash::solvers {

namespace detail {

// SplitMix64 finaliser: decorrelates nearby (seed, index) pairs before they seed a XorShift generator.
KOKKOS_INLINE_FUNCTION std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Normalises every column of v(b) (shape (count, n, vectors)); a zero column stays zero.
template <class T, class ExecSpace>
void normalize_columns(const ExecSpace& exec, const Stack<T, MemOf<ExecSpace>>& v) {
  using Policy = Kokkos::TeamPolicy<ExecSpace>;
  using Member = typename Policy::member_type;
  const int n = static_cast<int>(v.extent(1)), vectors = static_cast<int>(v.extent(2));
  Kokkos::parallel_for(
      "kdash::scaling::normalize_columns", Policy(exec, static_cast<int>(v.extent(0)), Kokkos::AUTO),
      KOKKOS_LAMBDA(const Member& member) {
        const int b = member.league_rank();
        for (int j = 0; j < vectors; ++j) {
          // Divide by the largest entry first: squares of A v overflow in float for ||A|| ~ 1e20.
          const auto s = backends::team_scaled_sum_of_squares<T>(member, n, [&](const int i) { return v(b, i, j); });
          const T inv = s.sum > T(0) ? s.inv / compat::sqrt(s.sum) : T(0);
          Kokkos::parallel_for(Kokkos::TeamThreadRange(member, n), [&](const int i) { v(b, i, j) *= inv; });
          member.team_barrier();
        }
      });
}

}  // namespace detail

// Standard normal start vectors, shape (count, n, vectors), columns normalised; reproducible (see above).
template <class T, class ExecSpace>
Stack<T, MemOf<ExecSpace>> random_start_vectors(const ExecSpace& exec, int count, int n, int vectors,
                                                std::uint64_t seed, std::uint64_t first_block) {
  auto v = backends::scratch_view<Stack<T, MemOf<ExecSpace>>>(exec, "kdash::scaling::start_vectors", false, count, n,
                                                              vectors);
  using Generator = Kokkos::Random_XorShift64<ExecSpace>;
  backends::for_each_entry(
      exec, "kdash::scaling::random_start_vectors", count, n, vectors,
      KOKKOS_LAMBDA(const int b, const int i, const int j) {
        std::uint64_t key = detail::splitmix64(seed);
        key = detail::splitmix64(key ^ (first_block + std::uint64_t(b)));
        key = detail::splitmix64(key ^ (std::uint64_t(i) << 20) ^ std::uint64_t(j));
        Generator gen(key);
        v(b, i, j) = static_cast<T>(gen.normal());
      });
  detail::normalize_columns<T>(exec, v);
  return v;
}

// Power iteration on every block at once: `steps` products V <- A V / ||A V|| (column-wise), then
// lambda(b) = max_j v_j^T A v_j over the normalised columns. v is overwritten.
template <class T, class ExecSpace>
void power_iteration(const ExecSpace& exec, const backends::ConstStackT<T, ExecSpace>& a,
                     const Stack<T, MemOf<ExecSpace>>& v, int steps, const PerBlock<T, MemOf<ExecSpace>>& lambda,
                     backends::GemmPath path = backends::GemmPath::automatic) {
  const int count = static_cast<int>(a.extent(0)), n = static_cast<int>(a.extent(1));
  const int vectors = static_cast<int>(v.extent(2));
  auto w = backends::scratch_view<Stack<T, MemOf<ExecSpace>>>(exec, "kdash::scaling::av", false, count, n, vectors);
  backends::GemmOptions<T, ExecSpace> gemm;
  gemm.path = path;
  for (int step = 0; step < steps; ++step) {
    backends::batched_gemm(exec, backends::Trans::none, backends::Trans::none, T(1), a,
                           backends::ConstStackT<T, ExecSpace>(v), T(0), w, gemm);
    detail::normalize_columns<T>(exec, w);
    Kokkos::deep_copy(exec, v, w);
  }
  backends::batched_gemm(exec, backends::Trans::none, backends::Trans::none, T(1), a,
                         backends::ConstStackT<T, ExecSpace>(v), T(0), w, gemm);
  using Policy = Kokkos::TeamPolicy<ExecSpace>;
  using Member = typename Policy::member_type;
  Kokkos::parallel_for(
      "kdash::scaling::rayleigh_quotients", Policy(exec, count, Kokkos::AUTO), KOKKOS_LAMBDA(const Member& member) {
        const int b = member.league_rank();
        T best = 0;
        for (int j = 0; j < vectors; ++j) {
          T rq = 0;
          Kokkos::parallel_reduce(
              Kokkos::TeamThreadRange(member, n), [&](const int i, T& local) { local += v(b, i, j) * w(b, i, j); }, rq);
          // A NaN quotient must survive (a non-finite block), so compare with "not greater" semantics.
          if (j == 0 || !(rq <= best)) best = rq;
        }
        Kokkos::single(Kokkos::PerTeam(member), [&]() { lambda(b) = best; });
      });
}

// s(b) and lambda_est(b) for every block per options.scaling (see the top of this file).
template <class T, class ExecSpace>
void estimate_scale(const ExecSpace& exec, const backends::ConstStackT<T, ExecSpace>& a, const RootOptions& options,
                    const PerBlock<T, MemOf<ExecSpace>>& scale, const PerBlock<T, MemOf<ExecSpace>>& lambda_est) {
  const int count = static_cast<int>(a.extent(0)), n = static_cast<int>(a.extent(1));
  T factor = static_cast<T>(options.scale_margin);
  if (options.scaling == Scaling::frobenius) {
    backends::frobenius_norms<T>(exec, a, lambda_est);
    factor = T(1);
  } else {
    const int vectors = options.scaling == Scaling::multi_vector_power_iteration ? options.power_iteration_vectors : 1;
    auto v = random_start_vectors<T>(exec, count, n, vectors, options.seed, options.first_block);
    power_iteration<T>(exec, a, v, options.power_iteration_steps, lambda_est, options.gemm_path);
  }
  Kokkos::parallel_for(
      "kdash::scaling::scale_from_lambda", Kokkos::RangePolicy<ExecSpace>(exec, 0, count),
      KOKKOS_LAMBDA(const int b) { scale(b) = factor * lambda_est(b); });
}

}  // namespace kdash::solvers
