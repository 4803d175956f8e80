// kdash::inverse_root per method, block size and batch size: A^(-1/4) of a stack of SPD matrices shaped like Shampoo
// factor statistics. Every method of design.md §3 is registered; a method the library does not provide yet is skipped
// with its message (state.SkipWithError) instead of failing the run.
//
//   bench_solvers --benchmark_format=json --benchmark_filter='cn/n:256'
#include "bench_timing.hpp"

#include <kdash/solvers/inverse_root.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>

#include <exception>
#include <string>

namespace {

using kdash::Stack;
using kdash::perf::ExecSpace;

void inverse_root(benchmark::State& state, kdash::RootMethod method,
                  kdash::Scaling scaling = kdash::RootOptions().scaling) {
  const int n = static_cast<int>(state.range(0));
  const int count = static_cast<int>(state.range(1));
  const auto a = kdash::perf::random_spd_stack<float>(count, n, 7);
  Stack<float> x("x", count, n, n);
  kdash::RootOptions options;
  options.method = method;
  options.p = 4;
  options.scaling = scaling;
  ExecSpace exec;
  try {
    kdash::inverse_root(exec, a, x, options);  // also the warm-up: first-touch of workspaces, cached coefficients
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  kdash::perf::run_timed(state, [&] { kdash::inverse_root(exec, a, x, options); });
  state.SetItemsProcessed(state.iterations() * count);  // blocks per second
}

// Block sizes of the DASH paper's tables (128..1024) and smaller, with batch counts up to ~64 blocks of 128.
void root_sizes(benchmark::internal::Benchmark* b) {
  for (int n : {64, 128, 256, 512, 1024}) {
    for (int count : {1, 4, 16, 64}) {
      if (double(count) * n * n * n > 1.4e8) continue;  // at most ~ 64 blocks of 128 or 1 block of 512 worth of n^3
      b->Args({n, count});
    }
  }
  b->Args({1024, 1});
  b->ArgNames({"n", "count"})->UseManualTime()->Unit(benchmark::kMillisecond);
}

// The factor stacks of perf/presets/transformer-512.json in `device` mode at B = 128, 256, 512 (kdash bench's peer
// race, which uses Frobenius scaling): filter them in or out by name ("preset").
void preset_stacks(benchmark::internal::Benchmark* b) {
  b->Args({128, 352})->Args({256, 102})->Args({512, 27});
  b->ArgNames({"n", "count"})->UseManualTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(inverse_root, evd, kdash::RootMethod::evd)->Apply(root_sizes);
BENCHMARK_CAPTURE(inverse_root, cn, kdash::RootMethod::coupled_newton)->Apply(root_sizes);
BENCHMARK_CAPTURE(inverse_root, ndb, kdash::RootMethod::newton_denman_beavers)->Apply(root_sizes);
BENCHMARK_CAPTURE(inverse_root, cbshv, kdash::RootMethod::chebyshev)->Apply(root_sizes);
BENCHMARK_CAPTURE(inverse_root, evd_preset, kdash::RootMethod::evd)->Apply(preset_stacks);
BENCHMARK_CAPTURE(inverse_root, ndb_preset, kdash::RootMethod::newton_denman_beavers, kdash::Scaling::frobenius)
    ->Apply(preset_stacks);
BENCHMARK_CAPTURE(inverse_root, cbshv_preset, kdash::RootMethod::chebyshev, kdash::Scaling::frobenius)
    ->Apply(preset_stacks);
BENCHMARK_CAPTURE(inverse_root, cn_preset, kdash::RootMethod::coupled_newton, kdash::Scaling::frobenius)
    ->Apply(preset_stacks);

}  // namespace
