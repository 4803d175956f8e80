// Symmetric rank-k update C = A A^T on a stack, three ways on the host: the GEMM (batched_gemm, row panels of
// single-threaded BLAS), ?syrk + mirror per block (blocks in parallel), and batched_syrk as the library runs it (the
// ?syrk path from kHostSyrkMinSize up, the GEMM below). This is the measurement behind kHostSyrkMinSize
// (backends/kokkos/kdash/backends/batched_syrk.hpp). And a product A B known to be symmetric (coupled Newton's X T
// and T^p M) two ways: the GEMM, and batched_symmetric_product (?gemmt when the BLAS has it, else GEMMs over row
// panels of the upper block triangle; `kdash --version` does not say which, host::gemmt_routine() does).
// On a GPU (a CUDA or HIP build) the symmetric products have two forms (DeviceSymmetricForm): one GEMM (`gemm`,
// `syrk_library`, `product_by_gemm`) and the three GEMMs of the lower block triangle plus a mirror
// (`syrk_lower_triangle`, `product_lower_triangle`): the measurement the automatic rule waits for. Device builds time
// larger blocks and stacks (n up to 2048, up to 64 blocks).
//
//   bench_batched_syrk --benchmark_filter='syrk_forced|gemm' --benchmark_counters_tabular=true
//   bench_batched_syrk --benchmark_filter='product'
//   bench_batched_syrk --benchmark_filter='gemm|syrk_library|syrk_lower|product'       (GPU: both forms)
#include "bench_timing.hpp"

#include <kdash/backends/batched_syrk.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>

namespace {

using kdash::Stack;
using kdash::backends::DeviceSymmetricForm;
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

// What the library does: batched_syrk picks ?syrk or the GEMM by kHostSyrkMinSize (hosts); one GEMM (GPUs).
void syrk_library(benchmark::State& state) {
  const RankKProblem p(state);
  ExecSpace exec;
  kdash::perf::run_timed(state, [&] {
    kdash::backends::batched_syrk<ExecSpace, float>(exec, Trans::none, 0.05f, p.a, 0.95f, p.c, p.options);
  });
  kdash::perf::set_flop_rate(state, rank_k_flops(p.count, p.n, p.n));
}

// GPUs only: `product(exec, problem)` timed with the lower-triangle form (three GEMMs and the mirror). Hosts have no
// such form (they use ?syrk / ?gemmt).
template <class Product>
void time_lower_triangle(benchmark::State& state, const Product& product) {
  if (kdash::is_host_space_v<ExecSpace>) {
    state.SkipWithError("the lower-triangle form is a GPU vendor path's");
    return;
  }
  RankKProblem p(state);
  p.options.device_symmetric = DeviceSymmetricForm::lower_triangle;
  ExecSpace exec;
  kdash::perf::run_timed(state, [&] { product(exec, p); });
  kdash::perf::set_flop_rate(state, rank_k_flops(p.count, p.n, p.n));
}

void syrk_lower_triangle(benchmark::State& state) {
  time_lower_triangle(state, [](const ExecSpace& exec, const RankKProblem& p) {
    kdash::backends::batched_syrk<ExecSpace, float>(exec, Trans::none, 0.05f, p.a, 0.95f, p.c, p.options);
  });
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

void product_lower_triangle(benchmark::State& state) {
  time_lower_triangle(state, [](const ExecSpace& exec, const RankKProblem& p) {
    kdash::backends::batched_symmetric_product<ExecSpace, float>(exec, 1.0f, p.a, p.a, 0.0f, p.c, p.options);
  });
}

// Hosts: sizes 64..1024, one block (the sequential and layerwise modes' usual case) and stacks of 2..16. GPUs: the
// block sizes GPU runs use, 256..2048, one block to stacks of 64.
void sizes(benchmark::internal::Benchmark* b) {
  if (kdash::is_host_space_v<ExecSpace>) {
    for (int n : {64, 96, 128, 192, 256, 384, 512, 768, 1024})
      for (int count : {1, 2, 4, 16}) {
        if (rank_k_flops(count, n, n) > 4.3e9) continue;
        b->Args({n, count});
      }
  } else {
    for (int n : {256, 512, 1024, 2048})
      for (int count : {1, 4, 16, 64}) {
        if (rank_k_flops(count, n, n) > 1.2e12) continue;
        b->Args({n, count});
      }
  }
  b->ArgNames({"n", "count"})->UseManualTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(gemm)->Apply(sizes);
BENCHMARK(syrk_forced)->Apply(sizes);
BENCHMARK(syrk_library)->Apply(sizes);
BENCHMARK(syrk_lower_triangle)->Apply(sizes);
BENCHMARK(product_by_gemm)->Apply(sizes);
BENCHMARK(product_symmetric)->Apply(sizes);
BENCHMARK(product_lower_triangle)->Apply(sizes);

}  // namespace
