// Strided-batched GEMM on row-major (LayoutRight) stacks through a vendor BLAS, written once for cuBLAS and rocBLAS:
// C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b] for b = 0 .. batch-1, as GemmArgs describes it (gemm_args.hpp).
//
// The vendor BLAS is column-major. A row-major m x n C viewed column-major is C^T (n x m, same leading dimension), and
// C^T = op(B)^T * op(A)^T: so the vendor is called with the operands swapped (B first, with op_b; then A, with op_a)
// and m, n exchanged. Each row-major operand read column-major is its own transpose, which is exactly what the swapped
// product needs, so neither op flag changes and no data moves.
//
// Header-only. `Blas` is the per-vendor part: a LibraryHandle library (library_handle.hpp) with also
//   static constexpr const char* kFunction, kLibrary   the adapter's public function and the library, for messages
//   static void gemm(Handle, const GemmArgs&, const ResolvedGemm&, const GemmScalars&)
//                                                      the swapped vendor call on validated arguments (with k == 0
//                                                      the library only scales C: the resolved A and B hold C's
//                                                      address then)
#pragma once

#include <kdash/backends/vendor/gemm_args.hpp>
#include <kdash/backends/vendor/library_handle.hpp>

namespace kdash::backends::vendor {

// Validates `args` (std::invalid_argument naming the first bad field, before any vendor call), then enqueues the
// batched GEMM on `stream`. An empty problem (batch, m or n zero) returns after validation without touching the
// device. Asynchronous like any vendor BLAS call.
template <class Blas>
void gemm_strided_batched(LibraryHandle<Blas>& handle, typename Blas::Stream stream, const GemmArgs& args) {
  const ResolvedGemm resolved = resolve_gemm_args(args, Blas::kFunction, Blas::kLibrary);
  if (args.batch == 0 || args.m == 0 || args.n == 0) return;
  handle.set_stream(stream);
  Blas::gemm(handle.get(), args, resolved, GemmScalars(args));
}

}  // namespace kdash::backends::vendor
