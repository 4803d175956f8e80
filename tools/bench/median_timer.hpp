// Median wall time of a piece of device work: warm-up runs first, then `repeats` timed runs, each between two
// Kokkos::fence() calls so that queued work is neither missed nor charged twice (SPEC §9).
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

template <class Work>
double median_ms(Work&& work, const TimingOptions& options) {
  if (options.repeats < 1) throw std::invalid_argument("--repeats must be >= 1");
  for (int i = 0; i < options.warmup; ++i) work();
  std::vector<double> ms;
  for (int i = 0; i < options.repeats; ++i) {
    Kokkos::fence();
    const auto start = std::chrono::steady_clock::now();
    work();
    Kokkos::fence();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  const std::size_t n = ms.size();
  return n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
}

}  // namespace kdash::tools::bench
