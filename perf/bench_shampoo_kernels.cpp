// The two GEMM-shaped parts of a Shampoo step on a stack of (count, n, n) gradient blocks (design.md §1 steps 3 and 8):
//   statistics update  L <- beta L + (1-beta) G G^T and R <- beta R + (1-beta) G^T G   (2 GEMMs, 4 n^3 flops),
//   Shampoo direction  U = Lbar G Rbar                                                   (2 GEMMs, 4 n^3 flops),
// each as one batched call per stack versus one call per block (the sequential baseline).
#include "bench_timing.hpp"

#include <kdash/backends/batched_gemm.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>

#include <utility>

namespace {

using kdash::Stack;
using kdash::backends::Trans;
using kdash::perf::ExecSpace;

struct Operands {
  Stack<float> g, l, r, lbar, rbar, tmp, u;
  Operands(int count, int n)
      : g(kdash::perf::random_stack<float>(count, n, n, 3)),
        l("l", count, n, n),
        r("r", count, n, n),
        lbar(kdash::perf::random_stack<float>(count, n, n, 4)),
        rbar(kdash::perf::random_stack<float>(count, n, n, 5)),
        tmp("tmp", count, n, n),
        u("u", count, n, n) {}
};

Stack<float> block(const Stack<float>& s, int blk, bool whole) {
  if (whole) return s;
  return Kokkos::subview(s, std::make_pair(blk, blk + 1), Kokkos::ALL, Kokkos::ALL);
}

void statistics(const ExecSpace& exec, const Operands& o, int blk, bool whole) {
  const float beta = 0.95f;
  auto g = block(o.g, blk, whole);
  kdash::backends::batched_gemm<ExecSpace, float>(exec, Trans::none, Trans::transpose, 1 - beta, g, g, beta,
                                                  block(o.l, blk, whole));
  kdash::backends::batched_gemm<ExecSpace, float>(exec, Trans::transpose, Trans::none, 1 - beta, g, g, beta,
                                                  block(o.r, blk, whole));
}

void direction(const ExecSpace& exec, const Operands& o, int blk, bool whole) {
  kdash::backends::batched_gemm<ExecSpace, float>(exec, Trans::none, Trans::none, 1.0f, block(o.lbar, blk, whole),
                                                  block(o.g, blk, whole), 0.0f, block(o.tmp, blk, whole));
  kdash::backends::batched_gemm<ExecSpace, float>(exec, Trans::none, Trans::none, 1.0f, block(o.tmp, blk, whole),
                                                  block(o.rbar, blk, whole), 0.0f, block(o.u, blk, whole));
}

template <class Part>
void run_part(benchmark::State& state, Part part, bool stacked) {
  const int n = static_cast<int>(state.range(0));
  const int count = static_cast<int>(state.range(1));
  Operands o(count, n);
  ExecSpace exec;
  kdash::perf::run_timed(state, [&] {
    if (stacked) {
      part(exec, o, 0, true);
    } else {
      for (int blk = 0; blk < count; ++blk) part(exec, o, blk, false);
    }
  });
  kdash::perf::set_flop_rate(state, 4.0 * count * double(n) * n * n);
}

void statistics_stack(benchmark::State& s) { run_part(s, statistics, true); }
void statistics_loop(benchmark::State& s) { run_part(s, statistics, false); }
void direction_stack(benchmark::State& s) { run_part(s, direction, true); }
void direction_loop(benchmark::State& s) { run_part(s, direction, false); }

void sizes(benchmark::internal::Benchmark* b) {
  for (int n : {128, 256, 512, 1024}) {
    for (int count : {1, 8, 32}) {
      if (4.0 * count * double(n) * n * n > 4.3e9) continue;
      b->Args({n, count});
    }
  }
  b->ArgNames({"n", "count"})->UseManualTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(statistics_stack)->Apply(sizes);
BENCHMARK(statistics_loop)->Apply(sizes);
BENCHMARK(direction_stack)->Apply(sizes);
BENCHMARK(direction_loop)->Apply(sizes);

}  // namespace
