// Uses the installed kdash from a downstream project: an inverse square root of diag(4, 9) must be diag(1/2, 1/3), and
// kdash::Optimizer instantiated on two execution spaces in one binary (the first and the last one the install is built
// for: Serial and OpenMP with the bootstrap's Kokkos) must give the same parameters after the same steps. Only public
// headers are included and every kdash template used here is explicitly instantiated in the library, so this program
// compiles no kdash kernel of its own.
#include <kdash/optimizer.hpp>
#include <kdash/solvers/inverse_root.hpp>
#include <kdash/version.hpp>

#include <cmath>
#include <cstdio>
#include <tuple>
#include <vector>

namespace {

template <class Space>
bool root_is_right() {
  using Mem = typename Space::memory_space;
  kdash::Stack<float, Mem> a("a", 1, 2, 2), x("x", 1, 2, 2);
  auto ah = Kokkos::create_mirror_view(a);
  Kokkos::deep_copy(ah, 0.0f);
  ah(0, 0, 0) = 4;
  ah(0, 1, 1) = 9;
  Kokkos::deep_copy(a, ah);
  kdash::RootOptions options;
  options.p = 2;
  kdash::inverse_root(Space(), a, x, options);
  auto xh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), x);
  return std::abs(xh(0, 0, 0) - 0.5f) <= 1e-5f && std::abs(xh(0, 1, 1) - 1.0f / 3) <= 1e-5f;
}

// Ten steps of one optimizer on a 40 x 24 matrix and a 24-vector, gradients from a fixed host sequence; returns the
// parameters on the host.
template <class Space>
std::vector<float> ten_steps() {
  using Opt = kdash::Optimizer<Space>;
  kdash::Config config;
  config.block_size = 16;
  config.root_freq = 3;
  Opt opt(Space(), {{"w", {40, 24}}, {"b", {24}}}, config);
  typename Opt::ParamView w("w", 40 * 24), b("b", 24), gw("gw", 40 * 24), gb("gb", 24);
  auto gw_h = Kokkos::create_mirror_view(gw);
  auto gb_h = Kokkos::create_mirror_view(gb);
  for (int t = 0; t < 10; ++t) {
    for (std::size_t i = 0; i < gw_h.extent(0); ++i) gw_h(i) = float(int((i * 37 + t * 11) % 23) - 11) / 11;
    for (std::size_t i = 0; i < gb_h.extent(0); ++i) gb_h(i) = float(int((i * 5 + t) % 7) - 3) / 3;
    Kokkos::deep_copy(gw, gw_h);
    Kokkos::deep_copy(gb, gb_h);
    opt.step({w, b}, {gw, gb});
  }
  Kokkos::fence();
  auto wh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), w);
  auto bh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), b);
  std::vector<float> out(wh.data(), wh.data() + wh.size());
  out.insert(out.end(), bh.data(), bh.data() + bh.size());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::initialize(argc, argv);
  int status = 0;
  {
    using Spaces = kdash::EnabledExecutionSpaces;
    using First = std::tuple_element_t<0, Spaces>;
    using Last = std::tuple_element_t<std::tuple_size_v<Spaces> - 1, Spaces>;
    if (!root_is_right<First>() || !root_is_right<Last>()) status = 1;
    const std::vector<float> a = ten_steps<First>(), b = ten_steps<Last>();
    // Two host spaces run the same code on the same BLAS: equal bit for bit. A device space differs by rounding.
    const double allowed = kdash::is_host_space_v<First> && kdash::is_host_space_v<Last> ? 0.0 : 1e-4;
    double worst = 0, moved = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      worst = std::fmax(worst, std::fabs(double(a[i]) - double(b[i])));
      moved = std::fmax(moved, std::fabs(double(a[i])));
    }
    if (worst > allowed || moved == 0) status = 1;
    std::printf(
        "kdash %s from the install prefix: inverse roots on %s and %s %s; optimizers on both: largest "
        "difference %g (allowed %g), largest parameter %g\n",
        kdash::version_string().c_str(), First::name(), Last::name(), status ? "WRONG" : "ok", worst, allowed, moved);
    if (std::tuple_size_v<Spaces> < 2) std::printf("(this kdash is built for one execution space only)\n");
  }
  Kokkos::finalize();
  return status;
}
