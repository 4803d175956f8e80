// Batched symmetric eigendecomposition over a stack (design.md §6): host LAPACKE ?syevd per block, blocks in parallel;
// cuSOLVER / rocSOLVER batched syevd on GPUs (device_vendor_dispatch.hpp).
#pragma once

#include <kdash/backends/device_vendor_dispatch.hpp>
#include <kdash/backends/execution.hpp>
#include <kdash/backends/host/host_blas.hpp>
#include <kdash/backends/host_block_loop.hpp>
#include <kdash/backends/kokkos_compat.hpp>

#include <stdexcept>
#include <string>
#include <type_traits>

namespace kdash::backends {

// On entry a(b) holds symmetric matrix b; on exit row i of a(b) is the eigenvector of eigenvalue w(b, i),
// eigenvalues ascending. info(b) is the solver's status for block b (0: success).
template <class ExecSpace, class T>
void batched_eigh(const ExecSpace& exec,
                  const Kokkos::View<T***, Kokkos::LayoutRight, typename ExecSpace::memory_space>& a,
                  const Kokkos::View<T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& w,
                  const Kokkos::View<int*, typename ExecSpace::memory_space>& info) {
  const int count = static_cast<int>(a.extent(0));
  const int n = static_cast<int>(a.extent(1));
  if (a.extent(2) != a.extent(1)) {
    throw std::invalid_argument("kdash::batched_eigh: blocks must be square, got " + std::to_string(a.extent(1)) + "x" +
                                std::to_string(a.extent(2)));
  }
  if (int(w.extent(0)) != count || int(w.extent(1)) != n || int(info.extent(0)) != count) {
    throw std::invalid_argument("kdash::batched_eigh: eigenvalue/info views do not match the stack (" +
                                std::to_string(count) + " blocks of size " + std::to_string(n) + ")");
  }
  if (count == 0) return;
  if constexpr (is_host_space_v<ExecSpace>) {
    T* pa = a.data();
    T* pw = w.data();
    int* pinfo = info.data();
    const std::size_t stride = std::size_t(n) * n;
    auto one_block = [=](int blk) {
      host::SyevdWorkspace ws;
      pinfo[blk] = host::syevd(n, pa + blk * stride, pw + std::size_t(blk) * n, ws);
    };
    detail::for_each_block_on_host(exec, count, n, "kdash::eigh::syevd_per_block", one_block);
  }
#if KDASH_HAVE_DEVICE_VENDOR
  else if constexpr (std::is_same_v<ExecSpace, detail::VendorExec>) {
    // cuSOLVER / rocSOLVER: the same layout contract (row i of a(b) is eigenvector i, ascending eigenvalues).
    detail::vendor_batched_syevd(exec, n, count, a.data(), w.data(), info.data());
  }
#endif
  else {
    // A device build without its vendor adapters (KDASH_ENABLE_CUDA_ADAPTERS / KDASH_ENABLE_HIP_ADAPTERS off or
    // not found): no eigensolver.
    (void)exec;
    throw std::runtime_error(std::string("kdash::batched_eigh: no eigensolver for the ") + ExecSpace::name() +
                             " execution space in this build (its vendor adapters were not built)");
  }
}

}  // namespace kdash::backends
