// Copies between raw buffers in host memory and the device memory space of the build (the memory of Kokkos' default
// execution space when that is not a host space; MemoryKind::device), through unmanaged
// Kokkos Views so that the same code serves every backend. Internal to the communicators.
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/distributed/communicator.hpp>

#include <Kokkos_Core.hpp>

#include <cstddef>

namespace kdash::distributed::detail {

// Where MemoryKind::device buffers live.
using DeviceMemory = kdash::DefaultExecSpace::memory_space;

template <class T, class Space>
using Unmanaged = Kokkos::View<T*, Space, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

// True when a buffer of kind `where` can be read and written by host code directly.
inline bool host_accessible(MemoryKind where) {
  return where == MemoryKind::host || kdash::is_host_space_v<kdash::DefaultExecSpace>;
}

// dst[0, n) = src[0, n), both in `where`. Fenced: the data is in place on return.
template <class T>
void copy_within(const T* src, T* dst, std::size_t n, MemoryKind where) {
  if (n == 0 || src == dst) return;
  if (host_accessible(where)) {
    Kokkos::deep_copy(Unmanaged<T, Kokkos::HostSpace>(dst, n), Unmanaged<const T, Kokkos::HostSpace>(src, n));
  } else {
    Kokkos::deep_copy(Unmanaged<T, DeviceMemory>(dst, n), Unmanaged<const T, DeviceMemory>(src, n));
  }
}

// Host copy of n values of a device buffer, and back.
template <class T>
void device_to_host(const T* device, T* host, std::size_t n) {
  if (n == 0) return;
  Kokkos::deep_copy(Unmanaged<T, Kokkos::HostSpace>(host, n), Unmanaged<const T, DeviceMemory>(device, n));
}
template <class T>
void host_to_device(const T* host, T* device, std::size_t n) {
  if (n == 0) return;
  Kokkos::deep_copy(Unmanaged<T, DeviceMemory>(device, n), Unmanaged<const T, Kokkos::HostSpace>(host, n));
}

}  // namespace kdash::distributed::detail
