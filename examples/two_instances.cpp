// Two optimizers on two instances of one execution space in one program: each step is enqueued on its optimizer's
// instance (on a GPU two streams, so the two optimizers' kernels may overlap; on OpenMP with Kokkos >= 4 two thread
// pools), and neither fences the other. Each trains its own copy of |W - T|^2 / 2 from its own start; at the end
// both instances are fenced and the results compared with a third optimizer that ran alone on the default instance.
#include <kdash/kdash.hpp>

#include <cmath>
#include <cstdio>

namespace {

using Space = kdash::DefaultExecSpace;
using View = kdash::Optimizer<Space>::ParamView;

// grad = W - T on `exec`, for a W of n values.
void gradient(const Space& exec, const View& w, const View& t, const View& grad) {
  Kokkos::parallel_for(
      "example::gradient", Kokkos::RangePolicy<Space>(exec, 0, w.extent(0)),
      KOKKOS_LAMBDA(int i) { grad(i) = w(i) - t(i); });
}

// A start and a target of n values, filled on `exec`; `seed` makes the two problems differ.
void fill(const Space& exec, const View& w, const View& t, int seed) {
  Kokkos::parallel_for(
      "example::fill", Kokkos::RangePolicy<Space>(exec, 0, w.extent(0)), KOKKOS_LAMBDA(int i) {
        w(i) = float((i * 31 + seed) % 13) / 13;
        t(i) = float((i * 7919 + seed) % 17) / 17 - 0.5f;
      });
}

// Runs `steps` steps of one optimizer on `exec` and returns its final W.
View train(kdash::Optimizer<Space>& opt, const Space& exec, int n, int seed, int steps) {
  View w("W", n), t("T", n), grad("dW", n);
  fill(exec, w, t, seed);
  for (int s = 0; s < steps; ++s) {
    gradient(exec, w, t, grad);
    opt.step({w}, {grad});
  }
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  const int rows = 64, cols = 48, n = rows * cols, steps = 30;
  kdash::Config config;
  config.lr = 0.02;
  config.block_size = 32;
  config.root_freq = 5;
  const std::vector<kdash::ParamSpec> specs{{"W", {rows, cols}}};

  // Two instances of the default space (kdash::compat::partition_space: Kokkos::Experimental::partition_space where
  // the Kokkos has it), one optimizer on each. The steps of the two are interleaved on the host; their kernels are
  // ordered only within each instance.
  const std::vector<Space> instances = kdash::compat::partition_space(Space(), 2);
  kdash::Optimizer<Space> first(instances[0], specs, config), second(instances[1], specs, config);
  View w1("W1", n), t1("T1", n), g1("dW1", n), w2("W2", n), t2("T2", n), g2("dW2", n);
  fill(instances[0], w1, t1, 1);
  fill(instances[1], w2, t2, 2);
  for (int s = 0; s < steps; ++s) {
    gradient(instances[0], w1, t1, g1);
    first.step({w1}, {g1});
    gradient(instances[1], w2, t2, g2);
    second.step({w2}, {g2});
  }
  instances[0].fence();
  instances[1].fence();

  // The same two problems, each alone on the default instance.
  double worst = 0;
  for (int seed = 1; seed <= 2; ++seed) {
    kdash::Optimizer<Space> alone(specs, config);
    const View w = train(alone, Space(), n, seed, steps);
    const auto a = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), w);
    const auto b = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), seed == 1 ? w1 : w2);
    for (int i = 0; i < n; ++i) worst = std::fmax(worst, std::fabs(double(a(i)) - double(b(i))));
  }
  std::printf("%s: two optimizers on two instances, %d steps each; largest difference from running alone: %g\n",
              Space::name(), steps, worst);
  return worst == 0 ? 0 : 1;
}
