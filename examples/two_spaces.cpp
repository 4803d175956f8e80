// Two optimizers on two different execution spaces in one binary: the first and the last space kdash is built for
// (Serial and OpenMP with a host-only Kokkos; a host space and Cuda/HIP with a device Kokkos). Each holds its state in
// its own space's memory and takes parameters from there; kdash never copies between memory spaces. Both train the same
// problem and the program prints how far apart their results are (host spaces agree bit for bit; a device differs
// by rounding: other BLAS/LAPACK, other summation order).
#include <kdash/kdash.hpp>

#include <cmath>
#include <cstdio>
#include <tuple>

namespace {

// Trains |W - T|^2 / 2 for `steps` steps on space S and returns W on the host.
template <class S>
Kokkos::View<float*, Kokkos::HostSpace> train(const std::vector<kdash::ParamSpec>& specs, const kdash::Config& config,
                                              int steps) {
  using View = typename kdash::Optimizer<S>::ParamView;
  const int n = static_cast<int>(kdash::numel(specs[0]));
  kdash::Optimizer<S> opt(S(), specs, config);
  View w("W", n), t("T", n), grad("dW", n);
  Kokkos::parallel_for(
      "example::fill", Kokkos::RangePolicy<S>(0, n), KOKKOS_LAMBDA(int i) {
        w(i) = float((i * 31) % 13) / 13;
        t(i) = float((i * 7919) % 17) / 17 - 0.5f;
      });
  for (int s = 0; s < steps; ++s) {
    Kokkos::parallel_for(
        "example::gradient", Kokkos::RangePolicy<S>(0, n), KOKKOS_LAMBDA(int i) { grad(i) = w(i) - t(i); });
    opt.step({w}, {grad});
  }
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), w);
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  using Spaces = kdash::EnabledExecutionSpaces;
  using First = std::tuple_element_t<0, Spaces>;
  using Last = std::tuple_element_t<std::tuple_size_v<Spaces> - 1, Spaces>;
  kdash::Config config;
  config.lr = 0.02;
  config.block_size = 32;
  config.root_freq = 5;
  const std::vector<kdash::ParamSpec> specs{{"W", {64, 48}}};
  const auto a = train<First>(specs, config, 30);
  const auto b = train<Last>(specs, config, 30);
  double worst = 0;
  for (std::size_t i = 0; i < a.extent(0); ++i) worst = std::fmax(worst, std::fabs(double(a(i)) - double(b(i))));
  std::printf("%s and %s: largest difference after 30 steps %g\n", First::name(), Last::name(), worst);
  return 0;
}
