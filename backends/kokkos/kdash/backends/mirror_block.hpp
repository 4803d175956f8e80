// The upper-right block of a symmetric product whose lower block triangle was computed (the GPU vendor path's
// three-GEMM form, vendor/lower_triangle_gemms.hpp): C(b)[0:h, h:n] := C(b)[h:n, 0:h]^T with h = n / 2.
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/backends/for_each_entry.hpp>

namespace kdash::backends {

// For every block b of the stack selected by `active` (active(b) != 0; an empty mask selects all), copies the
// transpose of C(b)'s lower-left block C(b)[h:n, 0:h] into its upper-right block C(b)[0:h, h:n], h = n / 2. Nothing
// else of C changes.
template <class T, class ExecSpace>
void mirror_lower_left_block(const ExecSpace& exec,
                             const Kokkos::View<T***, Kokkos::LayoutRight, typename ExecSpace::memory_space>& c,
                             const Kokkos::View<const int*, typename ExecSpace::memory_space>& active) {
  const int count = static_cast<int>(c.extent(0)), n = static_cast<int>(c.extent(1)), h = n / 2;
  const bool masked = active.extent(0) > 0;
  for_each_entry(
      exec, "kdash::gemm::mirror_lower_left_block", count, h, n - h,
      KOKKOS_LAMBDA(const int b, const int i, const int j) {
        if (masked && active(b) == 0) return;
        c(b, i, h + j) = c(b, h + j, i);
      });
}

}  // namespace kdash::backends
