// Kokkos::finalize called from std::atexit (or from a static object's destructor) after kdash has run: the process
// must exit cleanly. At exit the main thread's thread_local objects, kdash's scratch caches among them, are destroyed
// before the atexit handlers run, so the cache's finalize hook must not touch a destroyed cache (it once did: a double
// free). No GoogleTest: what this checks happens after main returns; ctest fails it on a crash or a non-zero exit.
#include <kdash/solvers/inverse_root.hpp>

#include <Kokkos_Core.hpp>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  Kokkos::initialize(argc, argv);
  std::atexit([] { Kokkos::finalize(); });
  const int n = 32, count = 3;
  kdash::Stack<float> a("a", count, n, n), x("x", count, n, n);
  auto h = Kokkos::create_mirror_view(a);
  for (int b = 0; b < count; ++b)
    for (int i = 0; i < n; ++i) h(b, i, i) = 1.0f + float(i);
  Kokkos::deep_copy(a, h);
  kdash::RootOptions options;
  options.method = kdash::RootMethod::coupled_newton;  // scratch Views of several types and extents
  const auto results = kdash::inverse_root(Kokkos::DefaultExecutionSpace(), a, x, options);
  for (const auto& r : results) {
    if (r.status != kdash::RootStatus::converged) {
      std::fprintf(stderr, "a diagonal block did not converge\n");
      return 1;
    }
  }
  return 0;  // the Views above go now; the scratch caches at thread exit; Kokkos::finalize after them
}
