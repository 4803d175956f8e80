#include "bench/blas_health.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <utility>

namespace kdash::tools::bench {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

bool has_flag(const std::string& flags, const std::string& flag) {
  std::istringstream in(flags);
  for (std::string f; in >> f;)
    if (f == flag) return true;
  return false;
}

// "key : value" lines of /proc/cpuinfo.
std::pair<std::string, std::string> key_value(const std::string& line) {
  const auto colon = line.find(':');
  if (colon == std::string::npos) return {};
  auto trim = [](std::string s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  return {trim(line.substr(0, colon)), trim(line.substr(colon + 1))};
}

std::string isa_name(VectorIsa isa) {
  switch (isa) {
    case VectorIsa::sse:
      return "SSE";
    case VectorIsa::avx:
      return "AVX";
    case VectorIsa::avx2:
      return "AVX2";
    case VectorIsa::avx512:
      return "AVX-512";
    default:
      return "unknown";
  }
}

// What to do about a slow host BLAS, for the library in use.
std::string advice(const BlasCheckInput& in, VectorIsa cpu) {
  const std::string rebuild =
      "rebuild with oneMKL (KDASH_BLAS=mkl scripts/bootstrap.sh, then KDASH_BLAS=mkl scripts/configure.sh <tree>; "
      "or cmake -DKDASH_BLAS=mkl, docs/building.md)";
  if (in.library == "OpenBLAS") {
    const std::string core = cpu == VectorIsa::avx512 ? "SkylakeX" : "Haswell";
    return "run with OPENBLAS_CORETYPE=" + core + " (OpenBLAS " + in.version +
           " predates this CPU and falls back to generic kernels), or " + rebuild + ".";
  }
  if (in.library == "oneMKL")
    return "unset MKL_ENABLE_INSTRUCTIONS / MKL_CBWR if set, and check that nothing else limits MKL's code path.";
  return rebuild + ".";
}

}  // namespace

std::string to_string(VectorIsa isa) { return isa_name(isa); }

VectorIsa cpu_vector_isa(const std::string& flags) {
  if (has_flag(flags, "avx512f")) return VectorIsa::avx512;
  if (has_flag(flags, "avx2") && has_flag(flags, "fma")) return VectorIsa::avx2;
  if (has_flag(flags, "avx")) return VectorIsa::avx;
  if (has_flag(flags, "sse2")) return VectorIsa::sse;
  return VectorIsa::unknown;
}

VectorIsa blas_kernel_isa(const std::string& library, const std::string& kernel) {
  // oneMKL: MKL_CBWR_Get_Auto_Branch's code paths (host_blas.cpp names them).
  static const std::map<std::string, VectorIsa> mkl = {{"compatible", VectorIsa::sse}, {"sse2", VectorIsa::sse},
                                                       {"sse4_2", VectorIsa::sse},     {"avx2", VectorIsa::avx2},
                                                       {"avx512", VectorIsa::avx512},  {"avx512_e1", VectorIsa::avx512},
                                                       {"avx10", VectorIsa::avx512}};
  // OpenBLAS' core names (DYNAMIC_ARCH) and BLIS' configuration names, x86 only.
  static const std::map<std::string, VectorIsa> cores = {
      {"skylakex", VectorIsa::avx512}, {"cooperlake", VectorIsa::avx512}, {"sapphirerapids", VectorIsa::avx512},
      {"skx", VectorIsa::avx512},      {"knl", VectorIsa::avx512},        {"zen4", VectorIsa::avx512},
      {"zen5", VectorIsa::avx512},     {"haswell", VectorIsa::avx2},      {"zen", VectorIsa::avx2},
      {"zen2", VectorIsa::avx2},       {"zen3", VectorIsa::avx2},         {"excavator", VectorIsa::avx2},
      {"sandybridge", VectorIsa::avx}, {"bulldozer", VectorIsa::avx},     {"piledriver", VectorIsa::avx},
      {"steamroller", VectorIsa::avx}, {"katmai", VectorIsa::sse},        {"coppermine", VectorIsa::sse},
      {"northwood", VectorIsa::sse},   {"prescott", VectorIsa::sse},      {"banias", VectorIsa::sse},
      {"atom", VectorIsa::sse},        {"core2", VectorIsa::sse},         {"penryn", VectorIsa::sse},
      {"dunnington", VectorIsa::sse},  {"nehalem", VectorIsa::sse},       {"athlon", VectorIsa::sse},
      {"opteron", VectorIsa::sse},     {"opteron_sse3", VectorIsa::sse},  {"barcelona", VectorIsa::sse},
      {"nano", VectorIsa::sse},        {"bobcat", VectorIsa::sse},        {"generic", VectorIsa::sse}};
  const auto& table = library == "oneMKL" ? mkl : cores;
  const auto it = table.find(lower(kernel));
  return it == table.end() ? VectorIsa::unknown : it->second;
}

CpuInfo parse_cpuinfo(const std::string& text) {
  CpuInfo cpu;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical_id, core_id;
  int processors = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto [key, value] = key_value(line);
    if (key == "processor") {
      ++processors;
      physical_id.clear();
      core_id.clear();
    } else if (key == "model name" && cpu.model.empty()) {
      cpu.model = value;
    } else if (key == "flags" && cpu.flags.empty()) {
      cpu.flags = value;
    } else if (key == "cpu MHz") {
      cpu.mhz = std::max(cpu.mhz, std::atof(value.c_str()));
    } else if (key == "physical id") {
      physical_id = value;
    } else if (key == "core id") {
      core_id = value;
      cores.insert({physical_id, core_id});
    }
  }
  cpu.physical_cores = cores.empty() ? processors : static_cast<int>(cores.size());
  return cpu;
}

double fp32_peak_gflops(int cores, double mhz, VectorIsa isa) {
  double flops_per_cycle = 0;
  switch (isa) {
    case VectorIsa::avx512:
      flops_per_cycle = 2 * 2 * 16;
      break;
    case VectorIsa::avx2:
      flops_per_cycle = 2 * 2 * 8;
      break;
    case VectorIsa::avx:
      flops_per_cycle = 2 * 8;
      break;
    case VectorIsa::sse:
      flops_per_cycle = 2 * 4;
      break;
    default:
      return 0;
  }
  return std::max(0, cores) * mhz * 1e-3 * flops_per_cycle;
}

std::vector<std::string> blas_warnings(const BlasCheckInput& in) {
  std::vector<std::string> out;
  const VectorIsa cpu = cpu_vector_isa(in.cpu.flags);
  const VectorIsa kernel = blas_kernel_isa(in.library, in.kernel);
  const std::string name = in.library + (in.version.empty() ? "" : " " + in.version);
  if (cpu >= VectorIsa::avx2 && kernel != VectorIsa::unknown && kernel < VectorIsa::avx2) {
    out.push_back("the host BLAS (" + name + ") runs its " + in.kernel + " kernels (" + isa_name(kernel) +
                  ") on a CPU with " + isa_name(cpu) + ": every host GEMM and eigensolver runs at a fraction of " +
                  "this CPU's speed. Fix: " + advice(in, cpu));
  }
  const int cores = in.cpu.physical_cores > 0 ? std::min(in.threads, in.cpu.physical_cores) : in.threads;
  const double peak = fp32_peak_gflops(cores, in.cpu.mhz, cpu);
  if (peak > 0 && in.calibration_gflops > 0 && in.calibration_gflops < kSlowBlasFraction * peak) {
    char text[512];
    std::snprintf(text, sizeof text,
                  "the calibration GEMM reached %.1f GFLOP/s, %.0f %% of the %.0f GFLOP/s this CPU's vector units "
                  "promise (%d cores x %.2f GHz, %s): the host BLAS (%s, kernels %s) is slow here, or the "
                  "machine is busy. ",
                  in.calibration_gflops, 100 * in.calibration_gflops / peak, peak, cores, in.cpu.mhz * 1e-3,
                  isa_name(cpu).c_str(), name.c_str(), in.kernel.empty() ? "unknown" : in.kernel.c_str());
    // Kernels that fit the CPU point at the machine, not at the library.
    const std::string what = kernel >= VectorIsa::avx2 && kernel >= cpu
                                 ? "Its kernels fit this CPU: check the machine's load (other processes), "
                                   "OMP_NUM_THREADS / OMP_PROC_BIND against the cores, and the CPU's clock."
                                 : "Fix: " + advice(in, cpu);
    out.push_back(text + what);
  }
  return out;
}

}  // namespace kdash::tools::bench
