// Median wall time of a piece of device work: warm-up runs first, then `repeats` timed runs, each between two
// Kokkos::fence() calls so that queued work is neither missed nor charged twice (design.md §9).
#pragma once

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

namespace kdash::tools::bench {

struct TimingOptions {
  int warmup = 1;
  int repeats = 3;
};

// Wall time of one run of `work` in ms, between two fences.
template <class Work>
double time_once_ms(Work&& work) {
  Kokkos::fence();
  const auto start = std::chrono::steady_clock::now();
  work();
  Kokkos::fence();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

inline double median(std::vector<double> values) {
  if (values.empty()) throw std::invalid_argument("median of no values");
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

template <class Work>
double median_ms(Work&& work, const TimingOptions& options) {
  if (options.repeats < 1) throw std::invalid_argument("--repeats must be >= 1");
  for (int i = 0; i < options.warmup; ++i) work();
  std::vector<double> ms;
  for (int i = 0; i < options.repeats; ++i) ms.push_back(time_once_ms(work));
  return median(ms);
}

}  // namespace kdash::tools::bench
