// The machine's peak for the benchmark's precision and backend, measured in the same run (SPEC §9): the median
// GFLOP/s of one large GEMM (n = 1024: on a host, the threaded BLAS sgemm; on a GPU, the vendor GEMM) through the
// same batched_gemm entry point the optimizer uses, with the same input rounding (fp16/bf16 inputs, fp32
// accumulation).
#pragma once

#include <kdash/solvers/root_options.hpp>

#include <string>

namespace kdash::tools::bench {

struct Calibration {
  Precision precision = Precision::fp32;
  int n = 1024;
  double gflops = 0;
  double median_ms = 0;
};

Calibration calibrate_peak(Precision precision, int n = 1024, int warmup = 2, int repeats = 5);

// "AMD EPYC 9654 (hostname)" from /proc/cpuinfo and the host name; the backend's name for device backends.
std::string machine_description();

}  // namespace kdash::tools::bench
