// The CUDA vendor path of the batched operations: Kokkos stacks handed to the cuBLAS / cuSOLVER adapters
// (backends/cuda) on the execution space instance's stream. Only compiled into CUDA builds with the adapters.
#pragma once

#include <kdash/config.hpp>

#if KDASH_BACKEND_IS_CUDA && KDASH_HAVE_CUDA_ADAPTERS

#include <kdash/backends/cuda/cublas_gemm.hpp>
#include <kdash/backends/cuda/cusolver_syevd.hpp>
#include <kdash/backends/low_precision.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <type_traits>

namespace kdash::backends::detail {

// One handle of each kind per host thread (the adapters' handles are not thread-safe); the stream is set per call.
cuda::CublasHandle& cublas_handle();
cuda::CusolverHandle& cusolver_handle();

// IEEE binary16 bits of a float already on the fp16 grid (round_to_fp16), bfloat16 bits of one on the bf16 grid.
KOKKOS_INLINE_FUNCTION std::uint16_t fp16_bits(float on_grid) {
  const std::uint32_t u = float_bits(on_grid);
  const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  const std::uint32_t mag = u & 0x7fffffffu;
  if (mag > 0x7f800000u) return sign | 0x7e00u;   // NaN
  if (mag == 0x7f800000u) return sign | 0x7c00u;  // Inf
  if (mag >= 0x38800000u) {                       // normal: rebias the exponent, keep 10 mantissa bits
    return sign | static_cast<std::uint16_t>((((mag >> 23) - 112u) << 10) | ((mag >> 13) & 0x3ffu));
  }
  return sign | static_cast<std::uint16_t>(bits_float(mag) * 16777216.0f);  // subnormal: multiples of 2^-24
}
KOKKOS_INLINE_FUNCTION std::uint16_t bf16_bits(float on_grid) {
  return static_cast<std::uint16_t>(float_bits(on_grid) >> 16);
}

template <class T>
Kokkos::View<std::uint16_t*, Kokkos::CudaSpace> to_16bit(const Kokkos::Cuda& exec, const T* src, std::size_t count,
                                                         InputPrecision p) {
  Kokkos::View<std::uint16_t*, Kokkos::CudaSpace> out(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "kdash::gemm::sixteen_bit_input"), count);
  Kokkos::parallel_for(
      "kdash::gemm::to_16bit", Kokkos::RangePolicy<Kokkos::Cuda>(exec, 0, count), KOKKOS_LAMBDA(const std::size_t i) {
        const float v = round_input(static_cast<float>(src[i]), p);
        out(i) = p == InputPrecision::fp16 ? fp16_bits(v) : bf16_bits(v);
      });
  return out;
}

// C = alpha op(A) op(B) + beta C through cublasGemmStridedBatchedEx. A mask computes every block into a copy and
// keeps only the active ones: cuBLAS cannot skip blocks of a strided batch.
template <class T>
void cuda_vendor_gemm(const Kokkos::Cuda& exec, bool trans_a, bool trans_b, T alpha,
                      const Kokkos::View<const T***, Kokkos::LayoutRight, Kokkos::CudaSpace>& a,
                      const Kokkos::View<const T***, Kokkos::LayoutRight, Kokkos::CudaSpace>& b, T beta,
                      const Kokkos::View<T***, Kokkos::LayoutRight, Kokkos::CudaSpace>& c, InputPrecision input,
                      const Kokkos::View<const int*, Kokkos::CudaSpace>& active) {
  const bool masked = active.extent(0) > 0;
  Kokkos::View<T***, Kokkos::LayoutRight, Kokkos::CudaSpace> target = c;
  if (masked) {
    target = Kokkos::View<T***, Kokkos::LayoutRight, Kokkos::CudaSpace>(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "kdash::gemm::masked_target"), c.extent(0), c.extent(1),
        c.extent(2));
    Kokkos::deep_copy(exec, target, c);
  }
  cuda::GemmArgs args;
  args.op_a = trans_a ? cuda::Op::T : cuda::Op::N;
  args.op_b = trans_b ? cuda::Op::T : cuda::Op::N;
  args.batch = static_cast<std::int64_t>(c.extent(0));
  args.m = static_cast<std::int64_t>(c.extent(1));
  args.n = static_cast<std::int64_t>(c.extent(2));
  args.k = static_cast<std::int64_t>(trans_a ? a.extent(1) : a.extent(2));
  args.alpha = alpha;
  args.beta = beta;
  args.output_type = std::is_same_v<T, double> ? cuda::DataType::f64 : cuda::DataType::f32;
  args.c = target.data();
  Kokkos::View<std::uint16_t*, Kokkos::CudaSpace> a16, b16;
  if constexpr (std::is_same_v<T, float>) {
    if (input != InputPrecision::native) {
      a16 = to_16bit(exec, a.data(), a.size(), input);
      b16 = to_16bit(exec, b.data(), b.size(), input);
      args.input_type = input == InputPrecision::fp16 ? cuda::DataType::f16 : cuda::DataType::bf16;
      args.a = a16.data();
      args.b = b16.data();
    }
  }
  if (a16.extent(0) == 0 && b16.extent(0) == 0) {
    args.input_type = args.output_type;
    args.a = a.data();
    args.b = b.data();
  }
  cuda::gemm_strided_batched(cublas_handle(), exec.cuda_stream(), args);
  if (masked) {
    const std::size_t per_block = c.extent(1) * c.extent(2);
    T* dst = c.data();
    const T* src = target.data();
    Kokkos::parallel_for(
        "kdash::gemm::keep_active_blocks", Kokkos::RangePolicy<Kokkos::Cuda>(exec, 0, c.size()),
        KOKKOS_LAMBDA(const std::size_t i) {
          if (active(i / per_block)) dst[i] = src[i];
        });
  }
}

}  // namespace kdash::backends::detail

#endif
