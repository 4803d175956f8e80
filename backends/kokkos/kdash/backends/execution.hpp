// The execution and memory space kdash runs on (chosen at configure time with KDASH_BACKEND), and the stack type:
// every block of one size lives in one batch-first, LayoutRight 3-D View (design.md §2).
#pragma once

#include <kdash/config.hpp>

#include <Kokkos_Core.hpp>

namespace kdash {

#if KDASH_BACKEND_IS_CUDA
using ExecSpace = Kokkos::Cuda;
#elif KDASH_BACKEND_IS_HIP
#if KOKKOS_VERSION >= 40000
using ExecSpace = Kokkos::HIP;
#else
using ExecSpace = Kokkos::Experimental::HIP;
#endif
#elif KDASH_BACKEND_IS_OPENMP
using ExecSpace = Kokkos::OpenMP;
#else
using ExecSpace = Kokkos::Serial;
#endif
using MemSpace = ExecSpace::memory_space;

// A stack of `count` row-major matrices: shape (count, rows, cols), each block contiguous.
template <class T, class Space = MemSpace>
using Stack = Kokkos::View<T***, Kokkos::LayoutRight, Space>;
// Per-block vectors (count, n) and per-block scalars (count).
template <class T, class Space = MemSpace>
using StackVectors = Kokkos::View<T**, Kokkos::LayoutRight, Space>;
template <class T, class Space = MemSpace>
using PerBlock = Kokkos::View<T*, Space>;

// True when the execution space runs on the host (host BLAS/LAPACK can take its pointers directly, its concurrency is
// a thread count). Asked of the execution space, not of its memory: a CUDA build with UVM memory is still a device.
template <class Space>
inline constexpr bool is_host_space_v =
    Kokkos::SpaceAccessibility<typename Space::execution_space, Kokkos::HostSpace>::accessible;

}  // namespace kdash
