// What this copy of kdash is and how it was built.
#pragma once

#include <string>

namespace kdash {

// "0.1.0"
std::string version_string();
// Multi-line description: kdash, Kokkos and Kokkos Kernels versions, enabled Kokkos backends, BLAS/LAPACK, and whether
// MPI, the CUDA adapters and NCCL are built in.
std::string build_info();

}  // namespace kdash
