// The execution spaces kdash is built for and the stack type: every block of one size lives in one batch-first,
// LayoutRight 3-D View (design.md §2). kdash is a set of templates over the Kokkos execution space, explicitly
// instantiated for every space the Kokkos install enables (design.md §7): the space of a call is the type of the
// execution space instance passed to it, and every View it takes lives in that space's memory.
#pragma once

#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/config.hpp>

#include <Kokkos_Core.hpp>

#include <tuple>
#include <type_traits>

namespace kdash {

// The space of the simple uses (kdash::Optimizer<> and the kdash tool): Kokkos' default execution space.
using DefaultExecSpace = Kokkos::DefaultExecutionSpace;

// The memory space the Views of a call on execution space E live in.
template <class E>
using MemOf = typename E::memory_space;

// A stack of `count` row-major matrices: shape (count, rows, cols), each block contiguous.
template <class T, class MemorySpace = DefaultExecSpace::memory_space>
using Stack = Kokkos::View<T***, Kokkos::LayoutRight, MemorySpace>;
// Per-block vectors (count, n) and per-block scalars (count).
template <class T, class MemorySpace = DefaultExecSpace::memory_space>
using StackVectors = Kokkos::View<T**, Kokkos::LayoutRight, MemorySpace>;
template <class T, class MemorySpace = DefaultExecSpace::memory_space>
using PerBlock = Kokkos::View<T*, MemorySpace>;

// True when the execution space runs on the host (host BLAS/LAPACK can take its pointers directly, its concurrency is
// a thread count). Asked of the execution space, not of its memory: a CUDA build with UVM memory is still a device.
template <class Space>
inline constexpr bool is_host_space_v =
    Kokkos::SpaceAccessibility<typename Space::execution_space, Kokkos::HostSpace>::accessible;

}  // namespace kdash

// KDASH_FOR_EACH_EXECUTION_SPACE(MACRO) expands MACRO(space) for every execution space kdash is instantiated for:
// the ones this Kokkos enables among Serial, OpenMP, Threads, Cuda and HIP, host spaces first.
#if defined(KOKKOS_ENABLE_SERIAL)
#define KDASH_IF_SERIAL(MACRO) MACRO(Kokkos::Serial)
#else
#define KDASH_IF_SERIAL(MACRO)
#endif
#if defined(KOKKOS_ENABLE_OPENMP)
#define KDASH_IF_OPENMP(MACRO) MACRO(Kokkos::OpenMP)
#else
#define KDASH_IF_OPENMP(MACRO)
#endif
#if defined(KOKKOS_ENABLE_THREADS)
#define KDASH_IF_THREADS(MACRO) MACRO(Kokkos::Threads)
#else
#define KDASH_IF_THREADS(MACRO)
#endif
#if defined(KOKKOS_ENABLE_CUDA)
#define KDASH_IF_CUDA(MACRO) MACRO(Kokkos::Cuda)
#else
#define KDASH_IF_CUDA(MACRO)
#endif
#if defined(KOKKOS_ENABLE_HIP)
#define KDASH_IF_HIP(MACRO) MACRO(::kdash::compat::HIP)
#else
#define KDASH_IF_HIP(MACRO)
#endif
#define KDASH_FOR_EACH_EXECUTION_SPACE(MACRO) \
  KDASH_IF_SERIAL(MACRO) KDASH_IF_OPENMP(MACRO) KDASH_IF_THREADS(MACRO) KDASH_IF_CUDA(MACRO) KDASH_IF_HIP(MACRO)

namespace kdash {
namespace detail {
template <class... Spaces>
struct SpaceList {
  template <class Space>
  using append = SpaceList<Spaces..., Space>;
  using tuple = std::tuple<Spaces...>;
};
#define KDASH_DETAIL_APPEND_SPACE(SPACE) ::template append<SPACE>
}  // namespace detail

// Every execution space kdash is instantiated for, as a std::tuple (host spaces first).
using EnabledExecutionSpaces =
    typename detail::SpaceList<> KDASH_FOR_EACH_EXECUTION_SPACE(KDASH_DETAIL_APPEND_SPACE)::tuple;
#undef KDASH_DETAIL_APPEND_SPACE

// True when kdash is instantiated for `Space`.
template <class Space, class List = EnabledExecutionSpaces>
struct is_enabled_space;
template <class Space, class... Spaces>
struct is_enabled_space<Space, std::tuple<Spaces...>> : std::disjunction<std::is_same<Space, Spaces>...> {};
template <class Space>
inline constexpr bool is_enabled_space_v = is_enabled_space<Space>::value;

}  // namespace kdash
