// The machine's peak for the benchmark's precision and backend, measured in the same run (design.md §9): the median
// GFLOP/s of large GEMMs (n = 1024) through the same batched_gemm entry point the optimizer uses, with the same input
// rounding (fp16/bf16 inputs, fp32 accumulation). Two forms are sampled and the faster one is the peak:
//   one block:  on a host, the threaded BLAS sgemm; on a GPU, one vendor GEMM;
//   a batch of min(threads, 8) blocks: on a host, single-threaded BLAS per block in parallel.
// On a quiet host both agree within a few per cent; on a shared, oversubscribed host the threaded GEMM (whose
// threads advance in lockstep) loses much more than independent per-block work, and a peak taken from it alone
// would let the optimizer's batched GEMMs appear to exceed 100% of it.
#pragma once

#include <kdash/solvers/root_options.hpp>

#include <string>

namespace kdash::tools::bench {

// One calibration GEMM, C = A B of n x n random matrices through batched_gemm (vendor path, the precision's input
// rounding). `kdash bench` samples it throughout the run, interleaved with the configurations it times, so that the
// peak sees the same machine load as the measurements (a shared machine's load drifts during a run).
class CalibrationGemm {
 public:
  explicit CalibrationGemm(Precision precision, int n = 1024);
  ~CalibrationGemm();
  CalibrationGemm(const CalibrationGemm&) = delete;
  CalibrationGemm& operator=(const CalibrationGemm&) = delete;
  // Runs each form once between fences and records their times.
  void sample();
  // The larger of the two forms' GFLOP/s at their median sampled time; 0 before the first sample.
  double median_gflops() const;
  int samples() const;

 private:
  struct Impl;
  Impl* impl_;
};

// "AMD EPYC 9654 (hostname)" from /proc/cpuinfo and the host name; the backend's name for device backends.
std::string machine_description();

}  // namespace kdash::tools::bench
