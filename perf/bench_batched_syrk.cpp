// Symmetric rank-k update C = A A^T on a stack, three ways on the host: the GEMM (batched_gemm, row panels of
// single-threaded BLAS), ?syrk + mirror per block (blocks in parallel), and batched_syrk as the library runs it (the
// ?syrk path from kHostSyrkMinSize up, the GEMM below). This is the measurement behind kHostSyrkMinSize
// (backends/kokkos/kdash/backends/batched_syrk.hpp). And a product A B known to be symmetric (coupled Newton's X T
// and T^p M) two ways: the GEMM, and batched_symmetric_product (?gemmt when the BLAS has it, else GEMMs over row
// panels of the upper block triangle; `kdash --version` does not say which, host::gemmt_routine() does).
//
//   bench_batched_syrk --benchmark_filter='syrk_forced|gemm' --benchmark_counters_tabular=true
//   bench_batched_syrk --benchmark_filter='product'
#include "bench_timing.hpp"

#include <kdash/backends/batched_syrk.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>

namespace {

using kdash::Stack;
using kdash::backends::GemmOptions;
using kdash::backends::GemmPath;
using kdash::backends::Trans;
using kdash::perf::ExecSpace;

// The useful work of C = A A^T counted as a full GEMM (2 n^2 k per block) for every variant, so that GFLOP/s compare
// times directly.
double rank_k_flops(int count, int n, int k) { return 2.0 * count * double(n) * n * k; }

struct RankKProblem {
  int n, count;
  Stack<float> a, c;
  GemmOptions<float, ExecSpace> options;

  explicit RankKProblem(const benchmark::State& state)
      : n(static_cast<int>(state.range(0))),
        count(static_cast<int>(state.range(1))),
        a(kdash::perf::random_stack<float>(count, n, n, 3)),
        c("c", count, n, n) {
    options.path = GemmPath::vendor;
  }
};

// C = alpha A op(A) + beta C by the GEMM on every block.
void time_gemm(benchmark::State& state, Trans tb, float alpha, float beta) {
  const RankKProblem p(state);
  ExecSpace exec;
  kdash::perf::run_timed(state, [&] {
    kdash::backends::batched_gemm<ExecSpace, float>(exec, Trans::none, tb, alpha, p.a, p.a, beta, p.c, p.options);
  });
  kdash::perf::set_flop_rate(state, rank_k_flops(p.count, p.n, p.n));
}

// The statistics update as it ran before the symmetric path: C = 0.05 A A^T + 0.95 C by GEMM.
void gemm(benchmark::State& state) { time_gemm(state, Trans::transpose, 0.05f, 0.95f); }

// ?syrk + mirror per block at every size (below the threshold too): the other side of the comparison. Host
// backends only: device builds have no such path (a template, so that a device build never instantiates it).
template <class Space>
void syrk_forced_on(benchmark::State& state) {
  if constexpr (kdash::is_host_space_v<Space>) {
    const RankKProblem p(state);
    Space exec;
    kdash::perf::run_timed(state, [&] {
      kdash::backends::detail::host_batched_syrk<Space, float>(exec, Trans::none, p.n, 0.05f, p.a, 0.95f, p.c, {});
    });
    kdash::perf::set_flop_rate(state, rank_k_flops(p.count, p.n, p.n));
  } else {
    state.SkipWithError("the ?syrk path exists on host backends only");
  }
}
void syrk_forced(benchmark::State& state) { syrk_forced_on<ExecSpace>(state); }

// What the library does: batched_syrk picks ?syrk or the GEMM by kHostSyrkMinSize.
void syrk_library(benchmark::State& state) {
  const RankKProblem p(state);
  ExecSpace exec;
  kdash::perf::run_timed(state, [&] {
    kdash::backends::batched_syrk<ExecSpace, float>(exec, Trans::none, 0.05f, p.a, 0.95f, p.c, p.options);
  });
  kdash::perf::set_flop_rate(state, rank_k_flops(p.count, p.n, p.n));
}

// C = A B by GEMM, for the symmetric product below (A and B need not commute to be timed).
void product_by_gemm(benchmark::State& state) { time_gemm(state, Trans::none, 1.0f, 0.0f); }

// C = A B as the library computes a product known to be symmetric: one triangle, mirrored.
void product_symmetric(benchmark::State& state) {
  const RankKProblem p(state);
  ExecSpace exec;
  kdash::perf::run_timed(state, [&] {
    kdash::backends::batched_symmetric_product<ExecSpace, float>(exec, 1.0f, p.a, p.a, 0.0f, p.c, p.options);
  });
  kdash::perf::set_flop_rate(state, rank_k_flops(p.count, p.n, p.n));
}

// Sizes 64..1024, one block (the sequential and layerwise modes' usual case) and stacks of 2..16.
void sizes(benchmark::internal::Benchmark* b) {
  for (int n : {64, 96, 128, 192, 256, 384, 512, 768, 1024})
    for (int count : {1, 2, 4, 16}) {
      if (rank_k_flops(count, n, n) > 4.3e9) continue;
      b->Args({n, count});
    }
  b->ArgNames({"n", "count"})->UseManualTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(gemm)->Apply(sizes);
BENCHMARK(syrk_forced)->Apply(sizes);
BENCHMARK(syrk_library)->Apply(sizes);
BENCHMARK(product_by_gemm)->Apply(sizes);
BENCHMARK(product_symmetric)->Apply(sizes);

}  // namespace
