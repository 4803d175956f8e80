// The checks behind `kdash bench`'s warnings about a slow host BLAS (tools/bench/blas_health.hpp): which kernels a
// library name stands for, what /proc/cpuinfo promises, and when the two disagree enough to warn.
#include "bench/blas_health.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kb = kdash::tools::bench;
using kb::VectorIsa;

namespace {

// Two processors of one socket, two cores, the flags of an AVX-512 Xeon (abridged).
const char* kXeonCpuinfo =
    "processor\t: 0\n"
    "vendor_id\t: GenuineIntel\n"
    "model name\t: Intel(R) Xeon(R) Processor\n"
    "cpu MHz\t\t: 2299.998\n"
    "physical id\t: 0\n"
    "core id\t\t: 0\n"
    "flags\t\t: fpu sse sse2 ssse3 fma sse4_1 avx avx2 avx512f avx512dq avx512bw avx512vl\n"
    "\n"
    "processor\t: 1\n"
    "vendor_id\t: GenuineIntel\n"
    "model name\t: Intel(R) Xeon(R) Processor\n"
    "cpu MHz\t\t: 2299.998\n"
    "physical id\t: 0\n"
    "core id\t\t: 1\n"
    "flags\t\t: fpu sse sse2 ssse3 fma sse4_1 avx avx2 avx512f avx512dq avx512bw avx512vl\n";

kb::BlasCheckInput xeon_with(const std::string& library, const std::string& version, const std::string& kernel,
                             double gflops) {
  return {library, version, kernel, kb::parse_cpuinfo(kXeonCpuinfo), 2, gflops};
}

bool mentions(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST(BlasHealth, CpuVectorIsaIsTheWidestListedFlag) {
  EXPECT_EQ(kb::cpu_vector_isa("fpu sse sse2 avx fma avx2 avx512f"), VectorIsa::avx512);
  EXPECT_EQ(kb::cpu_vector_isa("fpu sse sse2 avx fma avx2"), VectorIsa::avx2);
  EXPECT_EQ(kb::cpu_vector_isa("fpu sse sse2 avx avx2"), VectorIsa::avx);  // AVX2 without FMA: no FMA peak
  EXPECT_EQ(kb::cpu_vector_isa("fpu sse sse2 avx"), VectorIsa::avx);
  EXPECT_EQ(kb::cpu_vector_isa("fpu sse sse2"), VectorIsa::sse);
  EXPECT_EQ(kb::cpu_vector_isa("fp asimd"), VectorIsa::unknown);
  // Whole words only: avx512_bf16 alone is not avx512f, and "avx2" is not matched inside "xavx2x".
  EXPECT_EQ(kb::cpu_vector_isa("sse2 avx512_bf16 xavx2x"), VectorIsa::sse);
}

TEST(BlasHealth, KernelNamesOfEachLibrary) {
  EXPECT_EQ(kb::blas_kernel_isa("OpenBLAS", "Prescott"), VectorIsa::sse);
  EXPECT_EQ(kb::blas_kernel_isa("OpenBLAS", "Haswell"), VectorIsa::avx2);
  EXPECT_EQ(kb::blas_kernel_isa("OpenBLAS", "SkylakeX"), VectorIsa::avx512);
  EXPECT_EQ(kb::blas_kernel_isa("OpenBLAS", "Zen"), VectorIsa::avx2);
  EXPECT_EQ(kb::blas_kernel_isa("OpenBLAS", "Sandybridge"), VectorIsa::avx);
  EXPECT_EQ(kb::blas_kernel_isa("OpenBLAS", "generic"), VectorIsa::sse);
  EXPECT_EQ(kb::blas_kernel_isa("oneMKL", "AVX512_E1"), VectorIsa::avx512);
  EXPECT_EQ(kb::blas_kernel_isa("oneMKL", "AVX2"), VectorIsa::avx2);
  EXPECT_EQ(kb::blas_kernel_isa("oneMKL", "SSE4_2"), VectorIsa::sse);
  EXPECT_EQ(kb::blas_kernel_isa("BLIS", "skx"), VectorIsa::avx512);
  EXPECT_EQ(kb::blas_kernel_isa("BLIS", "zen3"), VectorIsa::avx2);
  EXPECT_EQ(kb::blas_kernel_isa("BLIS", "penryn"), VectorIsa::sse);
  EXPECT_EQ(kb::blas_kernel_isa("OpenBLAS", "NeoverseN1"), VectorIsa::unknown);
  EXPECT_EQ(kb::blas_kernel_isa("libfoo.so", ""), VectorIsa::unknown);
}

TEST(BlasHealth, CpuinfoCountsPhysicalCoresNotProcessors) {
  const auto cpu = kb::parse_cpuinfo(kXeonCpuinfo);
  EXPECT_EQ(cpu.model, "Intel(R) Xeon(R) Processor");
  EXPECT_EQ(cpu.physical_cores, 2);
  EXPECT_DOUBLE_EQ(cpu.mhz, 2299.998);
  EXPECT_EQ(kb::cpu_vector_isa(cpu.flags), VectorIsa::avx512);
  // Hyper-threads: two processors on one core share its vector units.
  const auto smt = kb::parse_cpuinfo(
      "processor : 0\nphysical id : 0\ncore id : 0\ncpu MHz : 3000\n\n"
      "processor : 1\nphysical id : 0\ncore id : 0\ncpu MHz : 3100\n");
  EXPECT_EQ(smt.physical_cores, 1);
  EXPECT_DOUBLE_EQ(smt.mhz, 3100);
  // Without topology lines (some VMs, containers): one core per processor.
  EXPECT_EQ(kb::parse_cpuinfo("processor : 0\n\nprocessor : 1\n\nprocessor : 2\n").physical_cores, 3);
}

TEST(BlasHealth, PeakIsCoresTimesClockTimesVectorFlops) {
  // AVX-512: 16 fp32 lanes x 2 (FMA) x 2 FMA units per cycle.
  EXPECT_DOUBLE_EQ(kb::fp32_peak_gflops(2, 2300, VectorIsa::avx512), 2 * 2.3 * 64);
  EXPECT_DOUBLE_EQ(kb::fp32_peak_gflops(4, 3000, VectorIsa::avx2), 4 * 3.0 * 32);
  EXPECT_DOUBLE_EQ(kb::fp32_peak_gflops(1, 2000, VectorIsa::avx), 2.0 * 16);
  EXPECT_DOUBLE_EQ(kb::fp32_peak_gflops(1, 2000, VectorIsa::sse), 2.0 * 8);
  EXPECT_DOUBLE_EQ(kb::fp32_peak_gflops(8, 2000, VectorIsa::unknown), 0);
  EXPECT_DOUBLE_EQ(kb::fp32_peak_gflops(8, 0, VectorIsa::avx2), 0);
}

TEST(BlasHealth, GenericOpenBlasKernelsOnAnAvx512CpuWarnWithTheFix) {
  // Debian 12's OpenBLAS on a CPU newer than it, at the speed it reaches there (26-60 GFLOP/s of a 294 peak).
  const auto w = kb::blas_warnings(xeon_with("OpenBLAS", "0.3.21", "Prescott", 40));
  ASSERT_EQ(w.size(), 2u);  // the kernels, and the calibration far below the peak
  EXPECT_TRUE(mentions(w[0], "Prescott kernels (SSE) on a CPU with AVX-512")) << w[0];
  EXPECT_TRUE(mentions(w[0], "OPENBLAS_CORETYPE=SkylakeX")) << w[0];
  EXPECT_TRUE(mentions(w[0], "-DKDASH_BLAS=mkl")) << w[0];
  EXPECT_TRUE(mentions(w[1], "40.0 GFLOP/s, 14 % of the 294 GFLOP/s")) << w[1];
  EXPECT_TRUE(mentions(w[1], "2 cores x 2.30 GHz, AVX-512")) << w[1];
}

TEST(BlasHealth, FastLibrariesDoNotWarn) {
  // MKL at 234 GFLOP/s (80 %) and OpenBLAS' Haswell kernels at 119 (40 %): right kernels, plausible speed.
  EXPECT_TRUE(kb::blas_warnings(xeon_with("oneMKL", "2026.2", "AVX512_E1", 234)).empty());
  EXPECT_TRUE(kb::blas_warnings(xeon_with("OpenBLAS", "0.3.21", "Haswell", 119)).empty());
  // Not measured (0): only the kernel check applies.
  EXPECT_TRUE(kb::blas_warnings(xeon_with("OpenBLAS", "0.3.21", "SkylakeX", 0)).empty());
}

TEST(BlasHealth, TheThresholdIsAQuarterOfThePeak) {
  const double peak = kb::fp32_peak_gflops(2, 2299.998, VectorIsa::avx512);
  const double threshold = kb::kSlowBlasFraction * peak;
  EXPECT_TRUE(kb::blas_warnings(xeon_with("oneMKL", "2026.2", "AVX512_E1", threshold * 1.01)).empty());
  const auto w = kb::blas_warnings(xeon_with("oneMKL", "2026.2", "AVX512_E1", threshold * 0.99));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_TRUE(mentions(w[0], "or the machine is busy")) << w[0];
  // The kernels fit the CPU: the advice is about the machine, not the library.
  EXPECT_TRUE(mentions(w[0], "Its kernels fit this CPU: check the machine's load")) << w[0];
  // MKL restricted to its AVX2 path on an AVX-512 CPU: not generic, but narrower than the CPU, so the library advice.
  const auto avx2 = kb::blas_warnings(xeon_with("oneMKL", "2026.2", "AVX2", threshold * 0.99));
  ASSERT_EQ(avx2.size(), 1u);
  EXPECT_TRUE(mentions(avx2[0], "MKL_ENABLE_INSTRUCTIONS")) << avx2[0];
}

TEST(BlasHealth, ThePeakCountsOnlyTheCoresTheBenchmarkUses) {
  // One thread on the two-core Xeon: the peak is one core's (147 GFLOP/s), so 60 GFLOP/s is 41 %, no warning.
  auto one_thread = xeon_with("oneMKL", "2026.2", "AVX512_E1", 60);
  one_thread.threads = 1;
  EXPECT_TRUE(kb::blas_warnings(one_thread).empty());
  // More threads than cores (oversubscription) do not raise the peak.
  auto many = xeon_with("oneMKL", "2026.2", "AVX512_E1", 80);
  many.threads = 16;
  EXPECT_TRUE(kb::blas_warnings(many).empty());
}

TEST(BlasHealth, UnknownCpuOrKernelOnlyUsesWhatIsKnown) {
  // An Arm CPU: no x86 flags, no peak estimate, an unknown kernel name: nothing to warn about.
  kb::BlasCheckInput arm{"OpenBLAS", "0.3.21", "NeoverseN1", kb::parse_cpuinfo("processor : 0\nFeatures : fp asimd\n"),
                         1,          1.0};
  EXPECT_TRUE(kb::blas_warnings(arm).empty());
  // A generic kernel on a CPU without AVX2 is the right kernel there.
  auto old_cpu = xeon_with("OpenBLAS", "0.3.21", "Prescott", 0);
  old_cpu.cpu.flags = "fpu sse sse2 ssse3";
  EXPECT_TRUE(kb::blas_warnings(old_cpu).empty());
}
