// The results of one `kdash bench` run: the JSON report of design.md §8 and the paper-style table.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace kdash::tools::bench {

// One timed configuration.
struct BenchRecord {
  std::string solver;  // evd, cn, ndb, cbshv
  std::string mode;    // sequential, layerwise, device
  int block_size = 0;
  std::string precision;  // fp32, fp16, bf16
  double median_ms = 0;   // median over the repeats of one optimizer step
  double gflops = 0;      // FLOP model / median time
  double peak_fraction = 0;
  double speedup_vs_sequential = 0;  // sequential median / this median, same run; 0 when sequential was not run
};

struct BenchReport {
  std::string machine;
  std::string backend;
  std::string kokkos_version;
  int threads = 0;
  double peak_gflops = 0;
  std::vector<BenchRecord> results;
  std::string blas;                        // the host BLAS/LAPACK: library, version, kernels
  std::vector<std::string> blas_warnings;  // blas_health.hpp: a slow host BLAS, and what to do about it
};

// Fills speedup_vs_sequential of every record from the sequential record of the same (solver, block size,
// precision), when there is one.
void compute_speedups(std::vector<BenchRecord>& records);

// The keys of design.md §8: {"machine", "backend", "kokkos_version", "threads", "peak_gflops", "results": [...]}, plus
// "blas" and "blas_warnings" (the host BLAS and the warnings about it).
nlohmann::json to_json(const BenchReport& report);
// The inverse, checking every key of design.md §8 (std::invalid_argument naming the missing or mistyped one); "blas"
// and "blas_warnings" are optional (reports written by other programs, e.g. the peer benchmark, need not have them).
BenchReport report_from_json(const nlohmann::json& j);

// The table printed to stdout: per precision, one row per (solver, mode), one column per block size, each cell
// "median ms, speed-up vs sequential, % of peak".
std::string format_table(const BenchReport& report);

// The distinct values of get(r) over the records, in the order in which they first appear (the order the user asked
// for).
template <class T, class Get>
std::vector<T> distinct(const std::vector<BenchRecord>& records, Get get) {
  std::vector<T> out;
  for (const auto& r : records)
    if (std::find(out.begin(), out.end(), get(r)) == out.end()) out.push_back(get(r));
  return out;
}

}  // namespace kdash::tools::bench
