#include "bench/bench_plot.hpp"

#include "bench/gnuplot.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kdash::tools::bench {

std::string bench_plot_script(const BenchReport& report, const std::string& data_path, const std::string& png_path,
                              const std::string& title) {
  const auto& rs = report.results;
  const auto sizes = distinct<int>(rs, [](const BenchRecord& r) { return r.block_size; });
  const auto modes = distinct<std::string>(rs, [](const BenchRecord& r) { return r.mode; });
  const auto precisions = distinct<std::string>(rs, [](const BenchRecord& r) { return r.precision; });
  const int panels = static_cast<int>(sizes.size() * precisions.size());
  std::ostringstream s;
  s << "set terminal pngcairo size " << std::max(480 * panels, 640) << ",480 noenhanced font ',10'\n"
    << "set output " << gnuplot_quote(png_path) << "\n"
    << "set datafile separator '\\t'\n"
    << "set style data histograms\nset style histogram cluster gap 1\nset style fill solid 0.85 border -1\n"
    << "set boxwidth 0.9\nset logscale y\nset grid ytics\nset ylabel 'median ms per step (log)'\n"
    << "set key top left\n"
    << "set multiplot layout 1," << panels << " title " << gnuplot_quote(title) << "\n";
  // Each panel reads its own data block (index i) of the data file: one row per solver, one column per mode.
  int index = 0;
  for (const auto& prec : precisions) {
    for (int b : sizes) {
      s << "set title " << gnuplot_quote("block size " + std::to_string(b) + ", " + prec) << "\n";
      s << "plot ";
      for (std::size_t m = 0; m < modes.size(); ++m) {
        s << (m ? ", " : "") << gnuplot_quote(data_path) << " index " << index << " using " << (m + 2)
          << (m == 0 ? ":xtic(1)" : "") << " title " << gnuplot_quote(modes[m]);
      }
      s << "\n";
      ++index;
    }
  }
  s << "unset multiplot\n";
  return s.str();
}

void plot_report(const BenchReport& report, const std::string& png_path, const std::string& title) {
  if (report.results.empty()) throw std::runtime_error("--plot: no results to plot");
  const auto& rs = report.results;
  const auto sizes = distinct<int>(rs, [](const BenchRecord& r) { return r.block_size; });
  const auto modes = distinct<std::string>(rs, [](const BenchRecord& r) { return r.mode; });
  const auto solvers = distinct<std::string>(rs, [](const BenchRecord& r) { return r.solver; });
  const auto precisions = distinct<std::string>(rs, [](const BenchRecord& r) { return r.precision; });
  char data_path[] = "/tmp/kdash-bench-plot-XXXXXX";
  const int fd = mkstemp(data_path);
  if (fd < 0) throw std::runtime_error("--plot: cannot create a temporary data file");
  close(fd);
  {
    std::ofstream out(data_path);
    for (const auto& prec : precisions) {
      for (int b : sizes) {
        for (const auto& solver : solvers) {
          out << solver;
          for (const auto& m : modes) {
            auto it = std::find_if(rs.begin(), rs.end(), [&](const BenchRecord& r) {
              return r.precision == prec && r.block_size == b && r.solver == solver && r.mode == m;
            });
            out << "\t";
            if (it == rs.end())
              out << "NaN";
            else
              out << it->median_ms;
          }
          out << "\n";
        }
        out << "\n\n";  // gnuplot: two blank lines end a data block (index)
      }
    }
  }
  try {
    run_gnuplot(bench_plot_script(report, data_path, png_path, title));
  } catch (...) {
    std::remove(data_path);
    throw;
  }
  std::remove(data_path);
}

}  // namespace kdash::tools::bench
