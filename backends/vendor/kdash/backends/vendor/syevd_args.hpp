// Host-side validation of a batched symmetric eigendecomposition's arguments, shared by the cuSOLVER and rocSOLVER
// adapters: a stack of `batch` symmetric n x n matrices `a` (packed row-major), eigenvalues `w` (batch x n) and
// per-matrix status `info` (batch).
#pragma once

#include <cstdint>

namespace kdash::backends::vendor {

// Throws std::invalid_argument naming the first bad argument: n or batch negative, beyond the 32-bit ints of
// `int32_library` (nullptr when the library takes 64-bit sizes), or so large that the stack's byte size overflows;
// a, w null for a non-empty stack; info null for a non-empty batch. `function` is the adapter's public function the
// message names. Makes no vendor call.
void validate_syevd_args(const char* function, std::int64_t n, std::int64_t batch, const void* a, const void* w,
                         const int* info, const char* int32_library = nullptr);

}  // namespace kdash::backends::vendor
