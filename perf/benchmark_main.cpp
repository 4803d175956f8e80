// Google Benchmark main for the kdash suite: Kokkos is initialised around the whole run (as in kokkos-fft's
// BenchmarkMain.cpp), and the run's context records the backend, Kokkos version, threads and BLAS, so every
// number printed or written with --benchmark_format=json carries the machine it was measured on (design.md §9).
#include "bench_timing.hpp"

#include <kdash/backends/execution.hpp>
#include <kdash/backends/host/host_blas.hpp>
#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/version.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  {
    // Kokkos prints its initialisation warnings (e.g. "OMP_PROC_BIND not set", with printf) on stdout, which would
    // corrupt --benchmark_format=json there: stdout points at stderr while Kokkos initialises.
    std::fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    Kokkos::initialize(argc, argv);
    std::fflush(stdout);
    std::cout.flush();
    if (saved >= 0) {
      dup2(saved, STDOUT_FILENO);
      close(saved);
    }
  }
  int result = 0;
  {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
      result = 1;
    } else {
      benchmark::AddCustomContext("kdash_version", kdash::version_string());
      benchmark::AddCustomContext("kokkos_version", kdash::compat::kokkos_version_string());
      benchmark::AddCustomContext("backend", kdash::perf::ExecSpace::name());
      benchmark::AddCustomContext("threads", std::to_string(kdash::compat::concurrency(kdash::perf::ExecSpace())));
      benchmark::AddCustomContext("blas", kdash::backends::host::blas_description());
      benchmark::RunSpecifiedBenchmarks();
      benchmark::Shutdown();
    }
  }
  Kokkos::finalize();
  return result;
}
