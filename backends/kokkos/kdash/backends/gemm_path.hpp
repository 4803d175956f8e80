// The choices of a batched GEMM that options carry (design.md §6), without the kernels: which implementation runs it
// and how its inputs are rounded. Light enough for every options header; batched_gemm.hpp does the work.
#pragma once

namespace kdash::backends {

// kokkos_kernels ("kk" in configurations): Kokkos Kernels' team GEMM; vendor: host BLAS or cuBLAS/rocBLAS; automatic:
// the measured rule of resolve_gemm_path (batched_gemm.hpp).
enum class GemmPath { kokkos_kernels, vendor, automatic };

// native: the stack's own type. tf32: fp32's 8 exponent bits with 10 mantissa bits (unit roundoff 2^-11, fp32 range).
// fp16: IEEE binary16 (unit roundoff 2^-11, largest 65504). bf16: fp32's exponent with 7 mantissa bits (2^-8).
enum class InputPrecision { native, tf32, fp16, bf16 };

// How a GPU's vendor path forms a product known to be symmetric (batched_syrk.hpp). full: one GEMM for all of C.
// lower_triangle: three half-size GEMMs for C's lower block triangle (vendor::lower_triangle_gemms, 3/4 of the flops)
// and a mirror pass for the upper-right block: more, smaller GEMMs, so whether it pays depends on the GPU, the block
// size and the stack (not yet measured, docs/backends.md). automatic: full. Host backends use their BLAS' ?syrk and
// ?gemmt by their own measured rule (uses_host_syrk) and ignore this.
enum class DeviceSymmetricForm { automatic, full, lower_triangle };

}  // namespace kdash::backends
