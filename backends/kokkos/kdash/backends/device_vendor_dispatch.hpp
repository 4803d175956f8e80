// The GPU vendor path of the batched operations: Kokkos stacks handed to the vendor adapters on the execution space
// instance's stream: cuBLAS / cuSOLVER (backends/cuda) in CUDA builds, rocBLAS / rocSOLVER (backends/hip) in HIP
// builds. Only compiled into device builds whose adapters are built (KDASH_HAVE_DEVICE_VENDOR); everything here but
// the two adapter calls is the same for both vendors.
#pragma once

#include <kdash/config.hpp>

#include <Kokkos_Core.hpp>

#if (defined(KOKKOS_ENABLE_CUDA) && KDASH_HAVE_CUDA_ADAPTERS) || (defined(KOKKOS_ENABLE_HIP) && KDASH_HAVE_HIP_ADAPTERS)
#define KDASH_HAVE_DEVICE_VENDOR 1

#include <kdash/backends/execution.hpp>
#include <kdash/backends/low_precision.hpp>
#include <kdash/backends/mirror_block.hpp>
#include <kdash/backends/scratch_cache.hpp>
#include <kdash/backends/vendor/data_type.hpp>
#include <kdash/backends/vendor/gemm_args.hpp>
#include <kdash/backends/vendor/lower_triangle_gemms.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace kdash::backends::detail {

// The device execution space and memory of this build (Kokkos::Cuda or Kokkos::HIP: a Kokkos has at most one).
#if defined(KOKKOS_ENABLE_CUDA)
using VendorExec = Kokkos::Cuda;
#else
using VendorExec = compat::HIP;
#endif
using VendorMem = VendorExec::memory_space;

// The adapter calls, on the instance's stream with this host thread's handles (one per thread: the adapters' handles
// are not thread-safe; device_vendor_handles.cpp).
void vendor_gemm_strided_batched(const VendorExec& exec, const vendor::GemmArgs& args);
void vendor_batched_syevd(const VendorExec& exec, std::int64_t n, std::int64_t batch, float* a, float* w, int* info);
void vendor_batched_syevd(const VendorExec& exec, std::int64_t n, std::int64_t batch, double* a, double* w, int* info);

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

// Grow-only device buffers of this host thread for the 16-bit copies of GEMM inputs (slot 0: A, slot 1: B), so that
// a solver's tens of GEMMs per root do not each pay a cudaMalloc/cudaFree (which synchronises the device). Freed by
// release_scratch() (scratch_cache.hpp) and at Kokkos::finalize. Calls on another stream than the previous one first
// wait for that stream.
Kokkos::View<std::uint16_t*, VendorMem> sixteen_bit_scratch(const VendorExec& exec, int slot, std::size_t count);

// Writes the 16-bit copy of src[0 .. count) into a scratch slot and returns its address.
template <class T>
const std::uint16_t* to_16bit(const VendorExec& exec, int slot, const T* src, std::size_t count, InputPrecision p) {
  auto out = sixteen_bit_scratch(exec, slot, count);
  std::uint16_t* dst = out.data();
  Kokkos::parallel_for(
      "kdash::gemm::to_16bit", Kokkos::RangePolicy<VendorExec>(exec, 0, count), KOKKOS_LAMBDA(const std::size_t i) {
        const float v = round_input(static_cast<float>(src[i]), p);
        dst[i] = p == InputPrecision::fp16 ? fp16_bits(v) : bf16_bits(v);
      });
  return dst;
}

// The runs [first, last) of consecutive active blocks of a mask, read on the host (one small device-to-host copy and
// a wait for the stream). An empty mask is one run over every block.
std::vector<std::pair<std::int64_t, std::int64_t>> active_runs(const VendorExec& exec,
                                                               const Kokkos::View<const int*, VendorMem>& active,
                                                               std::int64_t count);

// A masked GEMM over several blocks with at least this much work (flops) reads the mask on the host and multiplies
// only the runs of active blocks: the wait for the stream (~20 us) then costs well under 1 % of the product, and
// retired blocks cost nothing. The others must not stall the stream once per GEMM: they multiply every block into a
// scratch copy of C and keep the active blocks, two extra passes over C on the device and no wait. That includes
// every single-block GEMM (one block at a time: ~40 per root and block), which has no run to skip but its own: at
// n = 1024 the two passes over its 4 MB take a few microseconds, less than the wait.
inline constexpr double kMaskOnHostFlops = 1.0e9;

// C = alpha op(A) op(B) + beta C through the vendor's strided-batched GEMM (cublasGemmStridedBatchedEx,
// rocblas_gemm_strided_batched_ex); inactive blocks of a mask keep their C. With `lower_triangle` (a square product
// the caller knows to be symmetric) each run is three GEMMs on C's lower block triangle
// (vendor::lower_triangle_gemms) and the upper-right block is mirrored from it.
template <class T>
void device_vendor_gemm(const VendorExec& exec, bool trans_a, bool trans_b, T alpha,
                        const Kokkos::View<const T***, Kokkos::LayoutRight, VendorMem>& a,
                        const Kokkos::View<const T***, Kokkos::LayoutRight, VendorMem>& b, T beta,
                        const Kokkos::View<T***, Kokkos::LayoutRight, VendorMem>& c, InputPrecision input,
                        const Kokkos::View<const int*, VendorMem>& active, bool lower_triangle = false) {
  using CStack = Kokkos::View<T***, Kokkos::LayoutRight, VendorMem>;
  const std::int64_t count = static_cast<std::int64_t>(c.extent(0));
  const std::int64_t k = static_cast<std::int64_t>(trans_a ? a.extent(1) : a.extent(2));
  const double flops = 2.0 * double(count) * double(c.extent(1)) * double(c.extent(2)) * double(k);
  const bool masked = active.extent(0) > 0;
  const bool mask_on_device = masked && (count == 1 || flops < kMaskOnHostFlops);
  const auto runs = mask_on_device ? active_runs(exec, {}, count) : active_runs(exec, active, count);
  if (runs.empty()) return;
  CStack target = c;
  if (mask_on_device) {
    target = scratch_view<CStack>(exec, "kdash::gemm::masked_target", false, c.extent(0), c.extent(1), c.extent(2));
    Kokkos::deep_copy(exec, target, c);
  }
  vendor::GemmArgs args;
  args.op_a = trans_a ? vendor::Op::T : vendor::Op::N;
  args.op_b = trans_b ? vendor::Op::T : vendor::Op::N;
  args.m = static_cast<std::int64_t>(c.extent(1));
  args.n = static_cast<std::int64_t>(c.extent(2));
  args.k = k;
  args.alpha = alpha;
  args.beta = beta;
  args.output_type = std::is_same_v<T, double> ? vendor::DataType::f64 : vendor::DataType::f32;
  args.input_type = args.output_type;
  const std::size_t size_a = a.extent(1) * a.extent(2), size_b = b.extent(1) * b.extent(2);
  const std::size_t size_c = c.extent(1) * c.extent(2);
  const void* base_a = a.data();
  const void* base_b = b.data();
  std::size_t element_in = sizeof(T);
  if constexpr (std::is_same_v<T, float>) {
    // The one place a precision mode reaches the vendor GEMM's compute mode. TF32: fp32 operands, read by the tensor
    // cores with 10 mantissa bits (cuBLAS CUBLAS_COMPUTE_32F_FAST_TF32), fp32 accumulation; rocBLAS has no TF32 mode
    // and multiplies in plain fp32.
    args.allow_tf32 = input == InputPrecision::tf32;
    if (input == InputPrecision::fp16 || input == InputPrecision::bf16) {
      // Tensor cores take real 16-bit inputs: round and convert the stacks once for all runs.
      base_a = to_16bit(exec, 0, a.data(), a.size(), input);
      base_b = to_16bit(exec, 1, b.data(), b.size(), input);
      args.input_type = input == InputPrecision::fp16 ? vendor::DataType::f16 : vendor::DataType::bf16;
      element_in = sizeof(std::uint16_t);
    }
  }
  for (const auto& [first, last] : runs) {
    args.batch = last - first;
    args.a = static_cast<const unsigned char*>(base_a) + first * size_a * element_in;
    args.b = static_cast<const unsigned char*>(base_b) + first * size_b * element_in;
    args.c = target.data() + first * size_c;
    if (lower_triangle) {
      for (const vendor::GemmArgs& part :
           vendor::lower_triangle_gemms(args, "kdash::backends::device_vendor_gemm (lower-triangle form)"))
        vendor_gemm_strided_batched(exec, part);
    } else {
      vendor_gemm_strided_batched(exec, args);
    }
  }
  // The scratch target holds every block; otherwise only the runs' blocks were written.
  if (lower_triangle)
    mirror_lower_left_block<T>(exec, target, mask_on_device ? Kokkos::View<const int*, VendorMem>{} : active);
  if (mask_on_device) {
    T* dst = c.data();
    const T* src = target.data();
    Kokkos::parallel_for(
        "kdash::gemm::keep_active_blocks", Kokkos::RangePolicy<VendorExec>(exec, 0, c.size()),
        KOKKOS_LAMBDA(const std::size_t i) {
          if (active(i / size_c)) dst[i] = src[i];
        });
  }
}

}  // namespace kdash::backends::detail

#endif
