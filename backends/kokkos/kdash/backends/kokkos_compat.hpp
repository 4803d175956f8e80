// The one place for every difference between the Kokkos versions kdash supports (3.4.01 through 5.x).
// Compare the raw KOKKOS_VERSION (major*10000 + minor*100 + patch): KOKKOS_VERSION_GREATER_EQUAL exists only from 4.0.
#pragma once

#include <Kokkos_Core.hpp>

#include <string>
#include <type_traits>
#include <vector>

#if !defined(KOKKOS_VERSION)
#error "kdash: KOKKOS_VERSION is not defined; is this Kokkos?"
#endif
#if KOKKOS_VERSION < 30401
#error "kdash needs Kokkos >= 3.4.01"
#endif

namespace kdash::compat {

// The HIP execution space: Kokkos::Experimental::HIP before 4.0, Kokkos::HIP from 4.0 (the old name is gone in 5.0).
#if defined(KOKKOS_ENABLE_HIP) && KOKKOS_VERSION >= 40000
using HIP = ::Kokkos::HIP;
#elif defined(KOKKOS_ENABLE_HIP)
using HIP = ::Kokkos::Experimental::HIP;
#endif

// Math functions moved from Kokkos::Experimental:: to Kokkos:: in 3.7.
#if KOKKOS_VERSION >= 30700
namespace kmath = ::Kokkos;
#else
namespace kmath = ::Kokkos::Experimental;
#endif

template <class T>
KOKKOS_INLINE_FUNCTION T sqrt(T x) {
  return kmath::sqrt(x);
}
template <class T>
KOKKOS_INLINE_FUNCTION T abs(T x) {
  return kmath::fabs(x);
}
template <class T>
KOKKOS_INLINE_FUNCTION T pow(T x, T y) {
  return kmath::pow(x, y);
}
template <class T>
KOKKOS_INLINE_FUNCTION T exp(T x) {
  return kmath::exp(x);
}
template <class T>
KOKKOS_INLINE_FUNCTION T log(T x) {
  return kmath::log(x);
}
template <class T>
KOKKOS_INLINE_FUNCTION T cos(T x) {
  return kmath::cos(x);
}
template <class T>
KOKKOS_INLINE_FUNCTION bool isfinite(T x) {
  return kmath::isfinite(x);
}
template <class T>
KOKKOS_INLINE_FUNCTION bool isnan(T x) {
  return kmath::isnan(x);
}

// A quiet NaN usable in device code (std::numeric_limits is host-only under nvcc; Kokkos' quiet_NaN trait does not
// exist in 3.4). Every compiler kdash builds with (GCC, Clang, nvcc, hipcc) has the builtins.
template <class T>
KOKKOS_INLINE_FUNCTION constexpr T quiet_nan() {
  if constexpr (sizeof(T) == sizeof(float)) {
    return __builtin_nanf("");
  } else {
    return __builtin_nan("");
  }
}

// +infinity, for device code as quiet_nan.
template <class T>
KOKKOS_INLINE_FUNCTION constexpr T infinity() {
  if constexpr (sizeof(T) == sizeof(float)) {
    return __builtin_inff();
  } else {
    return __builtin_inf();
  }
}

// The bits of a float or double as the signed integer of the same size (Kokkos::bit_cast exists only from 4.1 on).
template <class T>
struct IntegerOfSize;
template <>
struct IntegerOfSize<float> {
  using type = int;
};
template <>
struct IntegerOfSize<double> {
  using type = long long;
};
template <class T>
KOKKOS_INLINE_FUNCTION typename IntegerOfSize<T>::type bits_of(T x) {
  static_assert(sizeof(typename IntegerOfSize<T>::type) == sizeof(T));
  typename IntegerOfSize<T>::type u;
  __builtin_memcpy(&u, &x, sizeof(T));
  return u;
}
template <class T>
KOKKOS_INLINE_FUNCTION T from_bits(typename IntegerOfSize<T>::type u) {
  T x;
  __builtin_memcpy(&x, &u, sizeof(T));
  return x;
}

// Kokkos' version as "major.minor.patch".
inline std::string kokkos_version_string() {
  constexpr int v = KOKKOS_VERSION;
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + (v % 100 < 10 ? "0" : "") +
         std::to_string(v % 100);
}

// Number of threads / concurrency of an execution space instance (a static member before 4.0, a member after).
template <class ExecSpace>
int concurrency(const ExecSpace& exec) {
  return static_cast<int>(exec.concurrency());
}

// True when two instances of an execution space queue work in one stream (so work queued on one is ordered before
// work queued later on the other). Host spaces: always true, their kernels finish before they return.
template <class ExecSpace>
bool same_stream(const ExecSpace& a, const ExecSpace& b) {
#if defined(KOKKOS_ENABLE_CUDA)
  if constexpr (std::is_same_v<ExecSpace, Kokkos::Cuda>) return a.cuda_stream() == b.cuda_stream();
#endif
#if defined(KOKKOS_ENABLE_HIP)
  if constexpr (std::is_same_v<ExecSpace, HIP>) return a.hip_stream() == b.hip_stream();
#endif
  (void)a;
  (void)b;
  return true;
}

// n instances of exec's space that may run concurrently, each with an equal share: Kokkos >= 4.0 partitions the space
// (CUDA/HIP: new streams, OpenMP: thread pools); Kokkos 3.x cannot, so every instance is `exec` itself (correct, in
// order, not concurrent).
template <class ExecSpace>
std::vector<ExecSpace> partition_space(const ExecSpace& exec, int n) {
#if KOKKOS_VERSION >= 40000
  return Kokkos::Experimental::partition_space(exec, std::vector<int>(static_cast<std::size_t>(n), 1));
#else
  return std::vector<ExecSpace>(static_cast<std::size_t>(n), exec);
#endif
}

}  // namespace kdash::compat
