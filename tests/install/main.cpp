// Uses the installed kdash: an inverse square root of diag(4, 9) must be diag(1/2, 1/3).
#include <kdash/kdash.hpp>

#include <cmath>
#include <cstdio>

int main(int argc, char** argv) {
  Kokkos::initialize(argc, argv);
  int status = 0;
  {
    kdash::Stack<float> a("a", 1, 2, 2), x("x", 1, 2, 2);
    auto ah = Kokkos::create_mirror_view(a);
    ah(0, 0, 0) = 4;
    ah(0, 1, 1) = 9;
    Kokkos::deep_copy(a, ah);
    kdash::RootOptions options;
    options.p = 2;
    kdash::inverse_root(kdash::ExecSpace(), kdash::Stack<const float>(a), x, options);
    auto xh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), x);
    if (std::abs(xh(0, 0, 0) - 0.5f) > 1e-5f || std::abs(xh(0, 1, 1) - 1.0f / 3) > 1e-5f) status = 1;
    std::printf("kdash %s from the install prefix: %s\n", kdash::version_string().c_str(), status ? "WRONG" : "ok");
  }
  Kokkos::finalize();
  return status;
}
