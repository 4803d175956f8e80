#include "kdash/version.hpp"

#include <kdash/backends/execution.hpp>
#include <kdash/backends/host/host_blas.hpp>
#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/config.hpp>

#include <KokkosKernels_config.h>

#include <sstream>

namespace kdash {

std::string version_string() { return KDASH_VERSION_STRING; }

std::string build_info() {
  std::ostringstream out;
  out << "kdash " << version_string() << "\n";
  out << "Kokkos " << compat::kokkos_version_string() << "\n";
#if defined(KOKKOSKERNELS_VERSION)
  out << "Kokkos Kernels " << KOKKOSKERNELS_VERSION / 10000 << "." << KOKKOSKERNELS_VERSION / 100 % 100 << "."
      << KOKKOSKERNELS_VERSION % 100 << "\n";
#else
  out << "Kokkos Kernels " << compat::kokkos_version_string() << " (released with Kokkos)\n";
#endif
  out << "kdash execution spaces:";
#define KDASH_PRINT_SPACE(SPACE) out << " " << SPACE::name();
  KDASH_FOR_EACH_EXECUTION_SPACE(KDASH_PRINT_SPACE)
#undef KDASH_PRINT_SPACE
  out << " (default " << DefaultExecSpace::name() << ")\n";
  const auto blas = backends::host::blas_library_info();
  out << "BLAS/LAPACK: " << backends::host::blas_description() << " (linked " << KDASH_BLAS_LIBRARY << ")\n";
  if (!blas.details.empty()) out << "BLAS/LAPACK build: " << blas.details << "\n";
  const std::string gemmt = backends::host::gemmt_routine();
  out << "BLAS symmetric product (coupled Newton): "
      << (gemmt.empty() ? "GEMMs over row panels of one triangle (the library has no ?gemmt)" : gemmt) << "\n";
  out << "MPI: " << (KDASH_HAVE_MPI ? "yes" : "no") << "\n";
  out << "CUDA adapters (cuBLAS, cuSOLVER): " << (KDASH_HAVE_CUDA_ADAPTERS ? "yes" : "no") << "\n";
  out << "HIP adapters (rocBLAS, rocSOLVER): " << (KDASH_HAVE_HIP_ADAPTERS ? "yes" : "no") << "\n";
  out << "NCCL: " << (KDASH_HAVE_NCCL ? "yes" : "no") << "\n";
  return out.str();
}

}  // namespace kdash
