#include "bench/bench_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace kdash::tools::bench {

void compute_speedups(std::vector<BenchRecord>& records) {
  std::map<std::tuple<std::string, int, std::string>, double> sequential;
  for (const auto& r : records)
    if (r.mode == "sequential") sequential[{r.solver, r.block_size, r.precision}] = r.median_ms;
  for (auto& r : records) {
    auto it = sequential.find({r.solver, r.block_size, r.precision});
    r.speedup_vs_sequential = (it != sequential.end() && r.median_ms > 0) ? it->second / r.median_ms : 0.0;
  }
}

nlohmann::json to_json(const BenchReport& report) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : report.results) {
    results.push_back({{"solver", r.solver},
                       {"mode", r.mode},
                       {"block_size", r.block_size},
                       {"precision", r.precision},
                       {"median_ms", r.median_ms},
                       {"gflops", r.gflops},
                       {"peak_fraction", r.peak_fraction},
                       {"speedup_vs_sequential", r.speedup_vs_sequential}});
  }
  return {{"machine", report.machine},
          {"backend", report.backend},
          {"kokkos_version", report.kokkos_version},
          {"threads", report.threads},
          {"peak_gflops", report.peak_gflops},
          {"results", results},
          {"blas", report.blas},
          {"blas_warnings", report.blas_warnings}};
}

namespace {

template <class T>
T required(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw std::invalid_argument(where + ": missing key \"" + key + "\"");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(where + ": key \"" + key + "\" has the wrong type: " + j.at(key).dump());
  }
}

}  // namespace

BenchReport report_from_json(const nlohmann::json& j) {
  BenchReport r;
  r.machine = required<std::string>(j, "machine", "bench report");
  r.backend = required<std::string>(j, "backend", "bench report");
  r.kokkos_version = required<std::string>(j, "kokkos_version", "bench report");
  r.threads = required<int>(j, "threads", "bench report");
  r.peak_gflops = required<double>(j, "peak_gflops", "bench report");
  if (j.contains("blas")) r.blas = required<std::string>(j, "blas", "bench report");
  if (j.contains("blas_warnings"))
    r.blas_warnings = required<std::vector<std::string>>(j, "blas_warnings", "bench report");
  const auto results = required<nlohmann::json>(j, "results", "bench report");
  if (!results.is_array()) throw std::invalid_argument("bench report: \"results\" must be an array");
  for (std::size_t i = 0; i < results.size(); ++i) {
    const std::string where = "bench report: results[" + std::to_string(i) + "]";
    const auto& e = results[i];
    BenchRecord rec;
    rec.solver = required<std::string>(e, "solver", where);
    rec.mode = required<std::string>(e, "mode", where);
    rec.block_size = required<int>(e, "block_size", where);
    rec.precision = required<std::string>(e, "precision", where);
    rec.median_ms = required<double>(e, "median_ms", where);
    rec.gflops = required<double>(e, "gflops", where);
    rec.peak_fraction = required<double>(e, "peak_fraction", where);
    rec.speedup_vs_sequential = required<double>(e, "speedup_vs_sequential", where);
    r.results.push_back(std::move(rec));
  }
  return r;
}

namespace {

std::string cell(const BenchRecord& r) {
  char buf[64];
  if (r.mode == "sequential" || r.speedup_vs_sequential <= 0) {
    std::snprintf(buf, sizeof buf, "%9.2f ms        %5.1f%%", r.median_ms, 100 * r.peak_fraction);
  } else {
    std::snprintf(buf, sizeof buf, "%9.2f ms %5.2fx  %5.1f%%", r.median_ms, r.speedup_vs_sequential,
                  100 * r.peak_fraction);
  }
  return buf;
}

}  // namespace

std::string format_table(const BenchReport& report) {
  std::ostringstream out;
  const auto& rs = report.results;
  const auto precisions = distinct<std::string>(rs, [](const BenchRecord& r) { return r.precision; });
  const auto solvers = distinct<std::string>(rs, [](const BenchRecord& r) { return r.solver; });
  const auto modes = distinct<std::string>(rs, [](const BenchRecord& r) { return r.mode; });
  const auto sizes = distinct<int>(rs, [](const BenchRecord& r) { return r.block_size; });
  constexpr int kCell = 26;
  for (const auto& prec : precisions) {
    out << "\nprecision " << prec << ": median ms per optimizer step, speed-up vs sequential, % of peak\n";
    char head[64];
    std::snprintf(head, sizeof head, "%-7s %-11s", "solver", "mode");
    out << head;
    for (int b : sizes) {
      std::string h = "B=" + std::to_string(b);
      out << std::string(kCell - h.size(), ' ') << h;
    }
    out << "\n" << std::string(19 + kCell * sizes.size(), '-') << "\n";
    for (const auto& solver : solvers) {
      bool first = true;
      for (const auto& mode : modes) {
        bool any = false;
        std::ostringstream row;
        char lead[64];
        std::snprintf(lead, sizeof lead, "%-7s %-11s", first ? solver.c_str() : "", mode.c_str());
        row << lead;
        for (int b : sizes) {
          auto it = std::find_if(rs.begin(), rs.end(), [&](const BenchRecord& r) {
            return r.precision == prec && r.solver == solver && r.mode == mode && r.block_size == b;
          });
          std::string c = it == rs.end() ? "-" : cell(*it);
          any = any || it != rs.end();
          row << std::string(kCell > int(c.size()) ? kCell - c.size() : 1, ' ') << c;
        }
        if (any) {
          out << row.str() << "\n";
          first = false;
        }
      }
    }
  }
  return out.str();
}

}  // namespace kdash::tools::bench
