// The smallest complete use of kdash: minimise |W - T|^2 / 2 over a 48 x 40 matrix W with DASH, then checkpoint.
#include <kdash/kdash.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  const int rows = 48, cols = 40, n = rows * cols;

  kdash::Config config;  // the DASH reference defaults, then a few changes
  config.lr = 0.02;
  config.block_size = 32;  // 48 x 40 -> a 32x32 block, a (32, 8) right strip, a (16, 32) bottom strip, a (16, 8) corner
  config.root_freq = 5;
  std::printf("config: %s\n", kdash::config_to_json(config, -1).c_str());
  kdash::Optimizer<> opt({{"W", {rows, cols}}}, config);  // parameter specs: name + shape; the default space

  // The caller owns parameters and gradients: flat row-major Views in the optimizer's memory space (a parameter may
  // also be a rank-2 LayoutRight View of its matrix).
  kdash::ParamView W("W", n);
  kdash::ParamView T("T", n), grad("dW", n);
  Kokkos::parallel_for(
      "example::target", n, KOKKOS_LAMBDA(int i) { T(i) = float((i * 7919) % 17) / 17 - 0.5f; });

  for (int step = 1; step <= 100; ++step) {
    double loss = 0;
    Kokkos::parallel_reduce(
        "example::gradient", n,
        KOKKOS_LAMBDA(int i, double& l) {
          grad(i) = W(i) - T(i);  // d/dW of |W - T|^2 / 2
          l += 0.5 * double(grad(i)) * grad(i);
        },
        loss);
    opt.step({W}, {grad});
    if (step % 20 == 0) std::printf("step %3d  loss %.6f\n", step, loss);
  }

  const kdash::Metrics m = opt.metrics();
  std::printf("%zu factors, %lld root failures, last step %.3f ms\n", m.factors.size(),
              static_cast<long long>(m.root_failures), m.timings.total_ms);
  opt.save("minimal.ckpt");  // a later run continues with opt.load("minimal.ckpt")
  return 0;
}
