// Rounding fp32 values to the reduced-precision formats a GPU's tensor-core GEMM reads (TF32, fp16, bf16), kept in
// fp32 storage: on host backends this reproduces the numerics of "reduced-precision inputs, fp32 accumulation"
// (design.md §3, Precision).
#pragma once

#include <kdash/backends/gemm_path.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <cstring>

namespace kdash::backends {

namespace detail {

KOKKOS_INLINE_FUNCTION std::uint32_t float_bits(float x) {
  std::uint32_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}
KOKKOS_INLINE_FUNCTION float bits_float(std::uint32_t u) {
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}

}  // namespace detail

// Round to the nearest bfloat16 (ties to even); NaN stays NaN, overflow goes to infinity as in hardware.
KOKKOS_INLINE_FUNCTION float round_to_bf16(float x) {
  const std::uint32_t u = detail::float_bits(x);
  if ((u & 0x7f800000u) == 0x7f800000u) return x;  // Inf / NaN unchanged
  const std::uint32_t rounded = u + 0x7fffu + ((u >> 16) & 1u);
  return detail::bits_float(rounded & 0xffff0000u);
}

// Round to the nearest TF32 value (10 mantissa bits, ties to even), in fp32's exponent range: NaN stays NaN, a value
// beyond the largest TF32 number rounds to infinity. NVIDIA documents TF32 operands as rounded to nearest; whether a
// tie goes to even or away from zero changes the result by at most one TF32 ulp on exact ties, not the unit roundoff.
KOKKOS_INLINE_FUNCTION float round_to_tf32(float x) {
  const std::uint32_t u = detail::float_bits(x);
  if ((u & 0x7f800000u) == 0x7f800000u) return x;  // Inf / NaN unchanged
  const std::uint32_t rounded = u + 0xfffu + ((u >> 13) & 1u);
  return detail::bits_float(rounded & 0xffffe000u);
}

// Round to the nearest IEEE binary16 value (ties to even), subnormals included; beyond 65504 rounds to Inf.
KOKKOS_INLINE_FUNCTION float round_to_fp16(float x) {
  const std::uint32_t u = detail::float_bits(x);
  const std::uint32_t sign = u & 0x80000000u;
  const std::uint32_t mag = u & 0x7fffffffu;
  if (mag >= 0x7f800000u) return x;  // Inf / NaN unchanged
  float result;
  if (mag >= 0x38800000u) {  // |x| >= 2^-14: a normal fp16 keeps 10 of fp32's 23 mantissa bits
    const std::uint32_t r = (mag + 0xfffu + ((mag >> 13) & 1u)) & ~0x1fffu;
    result = r > 0x477fe000u ? detail::bits_float(0x7f800000u) : detail::bits_float(r);
  } else {  // fp16 subnormal grid: multiples of 2^-24; v < 2^10, so adding 2^23 rounds it to an integer (ties even)
    const float v = detail::bits_float(mag) * 16777216.0f;
    const float rounded = (v + 8388608.0f) - 8388608.0f;
    result = rounded * 5.9604644775390625e-8f;
  }
  return detail::bits_float(detail::float_bits(result) | sign);
}

KOKKOS_INLINE_FUNCTION float round_input(float x, InputPrecision p) {
  return p == InputPrecision::fp16   ? round_to_fp16(x)
         : p == InputPrecision::bf16 ? round_to_bf16(x)
         : p == InputPrecision::tf32 ? round_to_tf32(x)
                                     : x;
}
KOKKOS_INLINE_FUNCTION double round_input(double x, InputPrecision) { return x; }

}  // namespace kdash::backends
