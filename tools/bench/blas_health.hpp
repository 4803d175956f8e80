// Is the host BLAS running at the speed this CPU allows? `kdash bench` checks two things and warns, so that nobody
// measures a slow library without knowing it:
//   1. the kernels the library selected: OpenBLAS' "Prescott" (SSE3) on a CPU with AVX2 or AVX-512 runs at a
//      fraction of the CPU's speed (a library older than the CPU falls back to its generic kernels);
//   2. the calibration GEMM against an estimate of the CPU's single-precision peak, cores x GHz x FLOPs per cycle
//      from the widest vector instructions /proc/cpuinfo lists.
// Pure functions over strings and numbers; reading /proc/cpuinfo and the library is the caller's business.
#pragma once

#include <string>
#include <vector>

namespace kdash::tools::bench {

// The widest vector instructions a CPU offers or a set of kernels uses, narrowest first.
enum class VectorIsa { unknown, sse, avx, avx2, avx512 };
std::string to_string(VectorIsa isa);

// From the "flags" line of /proc/cpuinfo: avx512f -> avx512, avx2 and fma -> avx2, avx -> avx, sse2 -> sse.
VectorIsa cpu_vector_isa(const std::string& flags);

// The instructions a library's kernels use, from its name for them (host_blas.hpp BlasLibraryInfo::kernel):
// OpenBLAS core names ("Prescott", "Haswell", "SkylakeX"), oneMKL code paths ("AVX2", "AVX512_E1") and BLIS
// configurations ("penryn", "haswell", "skx"). unknown for a name it does not know.
VectorIsa blas_kernel_isa(const std::string& library, const std::string& kernel);

// What /proc/cpuinfo says about the cores the benchmark runs on.
struct CpuInfo {
  std::string model;
  std::string flags;       // of the first processor
  int physical_cores = 0;  // distinct (physical id, core id) pairs; the processors when those are missing
  double mhz = 0;          // the highest "cpu MHz"
};
CpuInfo parse_cpuinfo(const std::string& text);

// Single-precision peak estimate in GFLOP/s: cores x GHz x FLOPs per cycle and core, where a core retires two vector
// FMAs per cycle with AVX2 / AVX-512 (2 x 2 x 8 or 2 x 2 x 16 FLOPs) and one add plus one multiply per cycle without
// FMA. 0 when the frequency or the instructions are unknown.
double fp32_peak_gflops(int cores, double mhz, VectorIsa isa);

// Below this fraction of the estimate the calibration GEMM is "far below" the CPU (a good BLAS reaches 60-90 %; the
// estimate ignores turbo clocks, and a CPU that splits AVX-512 in two halves, like AMD Zen 4, still reaches ~45 %).
inline constexpr double kSlowBlasFraction = 0.25;

struct BlasCheckInput {
  std::string library, version, kernel;  // host_blas.hpp BlasLibraryInfo
  CpuInfo cpu;
  int threads = 1;                // the threads the calibration GEMM ran on
  double calibration_gflops = 0;  // 0: not measured
};

// The warnings for `kdash bench` (empty when all is well); each says what was found and what to do.
std::vector<std::string> blas_warnings(const BlasCheckInput& in);

}  // namespace kdash::tools::bench
