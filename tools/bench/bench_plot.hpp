// `kdash bench --plot OUT.png`: median step time per solver, one bar per stacking mode, one panel per block size.
#pragma once

#include "bench/bench_report.hpp"

#include <string>

namespace kdash::tools::bench {

// The gnuplot script that draws `report` into `png_path`, reading its data from `data_path` (written by
// plot_report). Exposed for tests.
std::string bench_plot_script(const BenchReport& report, const std::string& data_path, const std::string& png_path,
                              const std::string& title);
// Writes the data file and runs gnuplot (throws with a clear message if gnuplot is missing or fails).
void plot_report(const BenchReport& report, const std::string& png_path, const std::string& title);

}  // namespace kdash::tools::bench
