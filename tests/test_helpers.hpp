// Helpers shared by the tests: random stacks on the host, copies to and from the device, reference products.
#pragma once

#include <kdash/backends/execution.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <random>
#include <vector>

namespace kdash::testing {

template <class T>
using HostStack = Kokkos::View<T***, Kokkos::LayoutRight, Kokkos::HostSpace>;

template <class T>
HostStack<T> random_host_stack(int count, int rows, int cols, unsigned seed, double lo = -1, double hi = 1) {
  HostStack<T> h("random_stack", count, rows, cols);
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  for (std::size_t i = 0; i < h.size(); ++i) h.data()[i] = static_cast<T>(dist(gen));
  return h;
}

// A copy of a host stack in the memory of execution space `Space`: to_device<Space>(h).
template <class Space, class T>
Stack<T, typename Space::memory_space> to_device(const HostStack<T>& h) {
  Stack<T, typename Space::memory_space> d("device_stack", h.extent(0), h.extent(1), h.extent(2));
  Kokkos::deep_copy(d, h);
  return d;
}

// A read-only copy in the memory of `Space`, the type the solvers and backends take as input:
// to_device_input<Space>(h).
template <class Space, class T>
Stack<const T, typename Space::memory_space> to_device_input(const HostStack<T>& h) {
  return to_device<Space>(h);
}

template <class V>
auto to_host(const V& d) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), d);
}

// op(M)(i, j) for a host block.
template <class V>
double op_at(const V& m, int blk, int i, int j, bool transpose) {
  return transpose ? double(m(blk, j, i)) : double(m(blk, i, j));
}

}  // namespace kdash::testing
