// Shared helpers of the Google Benchmark suite: manual timing with Kokkos::fence() around the timed region (design.md
// §9), GFLOP/s counters, and random stacks made on the device.
#pragma once

#include <kdash/backends/batched_gemm.hpp>
#include <kdash/backends/execution.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>
#include <Kokkos_Random.hpp>

#include <chrono>
#include <cstdint>

namespace kdash::perf {

// The execution space every benchmark runs on: Kokkos' default one (the build's device if it has one, else its
// parallel host space, OpenMP or Threads, before Serial); its memory holds the benchmarks' stacks (kdash::Stack's
// default).
using ExecSpace = DefaultExecSpace;

// Runs `body` once per benchmark iteration; only the region between the two fences is timed, so work still queued
// from setup is not charged to the body and the body's asynchronous kernels are.
template <class Body>
void run_timed(benchmark::State& state, Body&& body) {
  for (auto _ : state) {
    Kokkos::fence();
    const auto start = std::chrono::steady_clock::now();
    body();
    Kokkos::fence();
    const auto stop = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(stop - start).count());
  }
}

// Reports achieved GFLOP/s given the floating-point operations of one iteration.
inline void set_flop_rate(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// A stack with entries uniform in [-1, 1), reproducible from `seed`.
template <class T>
Stack<T> random_stack(int count, int rows, int cols, std::uint64_t seed) {
  Stack<T> s("kdash::perf::random_stack", count, rows, cols);
  Kokkos::Random_XorShift64_Pool<ExecSpace> pool(seed);
  Kokkos::fill_random(s, pool, T(-1), T(1));
  return s;
}

// A stack of symmetric positive-definite matrices A = G G^T / n + I/n, the shape of Shampoo factor statistics
// (eigenvalues spread over roughly [1/n, 4] for a random square G).
template <class T>
Stack<T> random_spd_stack(int count, int n, std::uint64_t seed) {
  auto g = random_stack<T>(count, n, n, seed);
  Stack<T> a("kdash::perf::spd_stack", count, n, n);
  ExecSpace exec;
  backends::batched_gemm<ExecSpace, T>(exec, backends::Trans::none, backends::Trans::transpose, T(1) / T(n), g, g, T(0),
                                       a);
  Kokkos::parallel_for(
      "kdash::perf::add_ridge", Kokkos::RangePolicy<ExecSpace>(exec, 0, count * n),
      KOKKOS_LAMBDA(const int i) { a(i / n, i % n, i % n) += T(1) / T(n); });
  exec.fence();
  return a;
}

}  // namespace kdash::perf
