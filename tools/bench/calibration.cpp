#include "bench/calibration.hpp"

#include "bench/median_timer.hpp"

#include <kdash/backends/batched_gemm.hpp>
#include <kdash/backends/execution.hpp>
#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/config.hpp>
#if defined(KOKKOS_ENABLE_CUDA) && KDASH_HAVE_CUDA_ADAPTERS
#include <kdash/backends/cuda/device_info.hpp>
#endif

#include <unistd.h>
#include <Kokkos_Random.hpp>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace kdash::tools::bench {

struct CalibrationGemm::Impl {
  int n;
  Stack<float> a, b, c;  // `batch` blocks; the one-block form uses the first
  backends::GemmOptions<float, DefaultExecSpace> options;
  int batch = 1;
  std::vector<double> one_ms, batch_ms;
};

CalibrationGemm::CalibrationGemm(Precision precision, int n) : impl_(new Impl{n, {}, {}, {}, {}, 1, {}, {}}) {
  auto& o = impl_->options;
  o.path = backends::GemmPath::vendor;
  if (precision == Precision::fp64) {
    delete impl_;
    throw std::invalid_argument("bench precision must be fp32, tf32, fp16 or bf16, got " + to_string(precision));
  }
  o.input = gemm_input(precision);  // the solvers' own rule, so the peak is that of their GEMMs
  const int batch = std::max(1, std::min(compat::concurrency(DefaultExecSpace()), 8));
  impl_->batch = batch;
  impl_->a = Stack<float>("kdash::bench::calibration_a", batch, n, n);
  impl_->b = Stack<float>("kdash::bench::calibration_b", batch, n, n);
  impl_->c = Stack<float>("kdash::bench::calibration_c", batch, n, n);
  Kokkos::Random_XorShift64_Pool<DefaultExecSpace> pool(12345);
  Kokkos::fill_random(impl_->a, pool, -1.0f, 1.0f);
  Kokkos::fill_random(impl_->b, pool, -1.0f, 1.0f);
}

CalibrationGemm::~CalibrationGemm() { delete impl_; }

void CalibrationGemm::sample() {
  DefaultExecSpace exec;
  auto& m = *impl_;
  auto gemm = [&](int count) {
    const auto blocks = std::make_pair(0, count);
    Stack<const float> a = Kokkos::subview(m.a, blocks, Kokkos::ALL, Kokkos::ALL);
    Stack<const float> b = Kokkos::subview(m.b, blocks, Kokkos::ALL, Kokkos::ALL);
    Stack<float> c = Kokkos::subview(m.c, blocks, Kokkos::ALL, Kokkos::ALL);
    backends::batched_gemm<DefaultExecSpace, float>(exec, backends::Trans::none, backends::Trans::none, 1.0f, a, b,
                                                    0.0f, c, m.options);
  };
  m.one_ms.push_back(time_once_ms([&] { gemm(1); }));
  if (m.batch > 1) m.batch_ms.push_back(time_once_ms([&] { gemm(m.batch); }));
}

double CalibrationGemm::median_gflops() const {
  const auto& m = *impl_;
  if (m.one_ms.empty()) return 0;
  const double gemm_flops = 2.0 * m.n * double(m.n) * m.n;
  double best = gemm_flops / (median(m.one_ms) * 1e-3) * 1e-9;
  if (!m.batch_ms.empty()) best = std::max(best, m.batch * gemm_flops / (median(m.batch_ms) * 1e-3) * 1e-9);
  return best;
}

int CalibrationGemm::samples() const { return static_cast<int>(impl_->one_ms.size()); }

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
#if defined(KOKKOS_ENABLE_CUDA) && KDASH_HAVE_CUDA_ADAPTERS
  device = backends::cuda::current_device_description() + ", host ";
#else
  if (!is_host_space_v<DefaultExecSpace>) device = std::string(DefaultExecSpace::name()) + " device, host ";
#endif
  return device + cpu + " (" + host + ")";
}

}  // namespace kdash::tools::bench
