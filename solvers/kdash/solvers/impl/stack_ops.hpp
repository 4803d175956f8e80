// Batched element-wise kernels and per-block reductions shared by every solver (one team per block).
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/backends/kokkos_compat.hpp>

namespace kdash::solvers::impl {

template <class T>
using ConstStackT = Kokkos::View<const T***, Kokkos::LayoutRight, MemSpace>;

// finite(b) = 1 when every entry of a(b) is finite, else 0.
template <class T>
void finite_blocks(const ExecSpace& exec, const ConstStackT<T>& a, const PerBlock<int>& finite) {
  using Policy = Kokkos::TeamPolicy<ExecSpace>;
  using Member = typename Policy::member_type;
  const int n = static_cast<int>(a.extent(1) * a.extent(2));
  const T* data = a.data();
  Kokkos::parallel_for(
      "kdash::solvers::finite_blocks", Policy(exec, static_cast<int>(a.extent(0)), Kokkos::AUTO),
      KOKKOS_LAMBDA(const Member& member) {
        const int blk = member.league_rank();
        const T* block = data + std::size_t(blk) * n;
        int bad = 0;
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(member, n),
            [&](const int i, int& count) { count += compat::isfinite(block[i]) ? 0 : 1; }, bad);
        Kokkos::single(Kokkos::PerTeam(member), [&]() { finite(blk) = bad == 0 ? 1 : 0; });
      });
}

// out(b) = a(b) + shift * I
template <class T>
void copy_add_identity(const ExecSpace& exec, const ConstStackT<T>& a, const Stack<T>& out, T shift) {
  const int n = static_cast<int>(a.extent(1));
  Kokkos::parallel_for(
      "kdash::solvers::copy_add_identity",
      Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<3>>(exec, {0, 0, 0}, {int(a.extent(0)), n, n}),
      KOKKOS_LAMBDA(const int b, const int i, const int j) { out(b, i, j) = a(b, i, j) + (i == j ? shift : T(0)); });
}

}  // namespace kdash::solvers::impl
