// Batched GEMM over a stack versus a loop of per-block GEMMs (the sequential baseline), on the portable Kokkos Kernels
// path (kk) and the vendor path (host: BLAS per block in parallel, or threaded BLAS for few blocks). design.md §6 asks
// for the choice between the paths to be measured: this is where.
//
//   bench_batched_gemm --benchmark_format=json --benchmark_filter='stack/vendor'
#include "bench_timing.hpp"

#include <kdash/backends/batched_gemm.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>

#include <utility>

namespace {

using kdash::Stack;
using kdash::backends::GemmOptions;
using kdash::backends::GemmPath;
using kdash::backends::Trans;
using kdash::perf::ExecSpace;

// C = A B on every block of an (count, n, n) stack: 2 n^3 flops per block.
double gemm_flops(int count, int n) { return 2.0 * count * double(n) * n * n; }

// The operands of one benchmark: random (count, n, n) stacks A and B, the output C, and the GEMM path, with (n, count)
// the benchmark's arguments.
struct GemmProblem {
  int n, count;
  Stack<float> a, b, c;
  GemmOptions<float, ExecSpace> options;

  GemmProblem(const benchmark::State& state, GemmPath path)
      : n(static_cast<int>(state.range(0))),
        count(static_cast<int>(state.range(1))),
        a(kdash::perf::random_stack<float>(count, n, n, 1)),
        b(kdash::perf::random_stack<float>(count, n, n, 2)),
        c("c", count, n, n) {
    options.path = path;
  }
};

// One batched call over the whole stack.
void stack_gemm(benchmark::State& state, GemmPath path) {
  const GemmProblem g(state, path);
  ExecSpace exec;
  kdash::perf::run_timed(state, [&] {
    kdash::backends::batched_gemm<ExecSpace, float>(exec, Trans::none, Trans::none, 1.0f, g.a, g.b, 0.0f, g.c,
                                                    g.options);
  });
  kdash::perf::set_flop_rate(state, gemm_flops(g.count, g.n));
}

// The sequential way: one single-block call per block (subviews keep LayoutRight, so each call sees a 1-block stack).
void loop_gemm(benchmark::State& state, GemmPath path) {
  const GemmProblem g(state, path);
  ExecSpace exec;
  kdash::perf::run_timed(state, [&] {
    for (int blk = 0; blk < g.count; ++blk) {
      const auto one = std::make_pair(blk, blk + 1);
      Stack<float> cb = Kokkos::subview(g.c, one, Kokkos::ALL, Kokkos::ALL);
      Stack<const float> ab = Kokkos::subview(g.a, one, Kokkos::ALL, Kokkos::ALL);
      Stack<const float> bb = Kokkos::subview(g.b, one, Kokkos::ALL, Kokkos::ALL);
      kdash::backends::batched_gemm<ExecSpace, float>(exec, Trans::none, Trans::none, 1.0f, ab, bb, 0.0f, cb,
                                                      g.options);
    }
  });
  kdash::perf::set_flop_rate(state, gemm_flops(g.count, g.n));
}

// Sizes 32..1024 with batch counts that keep one iteration between ~1 MFLOP and ~4 GFLOP; Kokkos Kernels' unblocked
// team GEMM is only meant for small blocks (design.md §6), so the kk path stops at 512.
void gemm_sizes(benchmark::internal::Benchmark* b, int max_n) {
  for (int n = 32; n <= max_n; n *= 2) {
    for (int count : {1, 4, 16, 64, 256}) {
      const double flops = gemm_flops(count, n);
      if (flops > 4.3e9) continue;
      b->Args({n, count});
    }
  }
  b->ArgNames({"n", "count"})->UseManualTime()->Unit(benchmark::kMillisecond);
}

void vendor_sizes(benchmark::internal::Benchmark* b) { gemm_sizes(b, 1024); }
void kk_sizes(benchmark::internal::Benchmark* b) { gemm_sizes(b, 512); }

BENCHMARK_CAPTURE(stack_gemm, vendor, GemmPath::vendor)->Apply(vendor_sizes);
BENCHMARK_CAPTURE(loop_gemm, vendor, GemmPath::vendor)->Apply(vendor_sizes);
BENCHMARK_CAPTURE(stack_gemm, kk, GemmPath::kokkos_kernels)->Apply(kk_sizes);
BENCHMARK_CAPTURE(loop_gemm, kk, GemmPath::kokkos_kernels)->Apply(kk_sizes);

// Few large blocks: where the host path's balance matters (one block split over all threads, odd counts; the row-panel
// split of backends/kokkos/kdash/backends/batched_gemm.hpp, docs/performance.md §4).
void few_large(benchmark::internal::Benchmark* b) {
  for (int n : {128, 256, 512, 1024})
    for (int count : {1, 2, 3, 4, 6}) b->Args({n, count});
  b->ArgNames({"n", "count"})->UseManualTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(stack_gemm, vendor_few, GemmPath::vendor)->Apply(few_large);

}  // namespace
