// A square product known to be symmetric (C = A A^T, A^T A, or A B for symmetric commuting A and B) from three
// half-size GEMMs instead of one: with h = m / 2, the blocks C[0:h, 0:h], C[h:m, h:m] and C[h:m, 0:h] of its lower
// block triangle, each from the matching rows of op(A) and columns of op(B). That is 3/4 of the full GEMM's flops; the
// block C[0:h, h:m] is not written (the caller mirrors it from C[h:m, 0:h]). GPU vendor libraries have no batched
// ?syrk/?gemmt (cuBLAS), so this is how a stack of symmetric products uses the symmetry there (docs/backends.md).
// Pure argument arithmetic on the host, shared by the CUDA and HIP paths.
#pragma once

#include <kdash/backends/vendor/gemm_args.hpp>

#include <array>

namespace kdash::backends::vendor {

// The three GEMMs of `full`'s lower block triangle, in the order C[0:h, 0:h], C[h:m, h:m], C[h:m, 0:h]. Each keeps
// `full`'s ops, batch, k, scalars and types, with every leading dimension and batch stride explicit (kPacked resolved
// against `full`) and its pointers moved to the first element of its rows and columns. Validates `full` as
// resolve_gemm_args does (std::invalid_argument naming the field, `function` naming the caller) and requires
// full.m == full.n. With m < 2 the first part is empty (m = n = 0) and the second is the whole product.
std::array<GemmArgs, 3> lower_triangle_gemms(const GemmArgs& full, const char* function);

}  // namespace kdash::backends::vendor
