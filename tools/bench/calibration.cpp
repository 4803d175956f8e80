#include "bench/calibration.hpp"

#include "bench/median_timer.hpp"

#include <kdash/backends/batched_gemm.hpp>
#include <kdash/backends/execution.hpp>

#include <unistd.h>
#include <Kokkos_Random.hpp>

#include <fstream>
#include <stdexcept>
#include <string>

namespace kdash::tools::bench {

Calibration calibrate_peak(Precision precision, int n, int warmup, int repeats) {
  using backends::InputPrecision;
  Calibration c;
  c.precision = precision;
  c.n = n;
  backends::GemmOptions<float, ExecSpace> options;
  options.path = backends::GemmPath::vendor;
  switch (precision) {
    case Precision::fp32:
      options.input = InputPrecision::native;
      break;
    case Precision::fp16:
      options.input = InputPrecision::fp16;
      break;
    case Precision::bf16:
      options.input = InputPrecision::bf16;
      break;
    default:
      throw std::invalid_argument("bench precision must be fp32, fp16 or bf16, got " + to_string(precision));
  }
  Stack<float> a("kdash::bench::calibration_a", 1, n, n), b("kdash::bench::calibration_b", 1, n, n),
      out("kdash::bench::calibration_c", 1, n, n);
  Kokkos::Random_XorShift64_Pool<ExecSpace> pool(12345);
  Kokkos::fill_random(a, pool, -1.0f, 1.0f);
  Kokkos::fill_random(b, pool, -1.0f, 1.0f);
  ExecSpace exec;
  c.median_ms = median_ms(
      [&] {
        backends::batched_gemm<ExecSpace, float>(exec, backends::Trans::none, backends::Trans::none, 1.0f, a, b, 0.0f,
                                                 out, options);
      },
      {warmup, repeats});
  c.gflops = 2.0 * n * double(n) * n / (c.median_ms * 1e-3) * 1e-9;
  return c;
}

std::string machine_description() {
  std::string cpu;
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) cpu = line.substr(line.find_first_not_of(' ', colon + 1));
      break;
    }
  }
  if (cpu.empty()) cpu = "unknown CPU";
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::string device;
  if (!is_host_space_v<ExecSpace>) device = std::string(ExecSpace::name()) + " device, host ";
  return device + cpu + " (" + host + ")";
}

}  // namespace kdash::tools::bench
