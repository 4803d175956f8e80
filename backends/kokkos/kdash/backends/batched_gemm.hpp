// Batched GEMM over stacks: C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b] for every block b (design.md §6).
// One dispatch point chooses the path:
//   kk      Kokkos Kernels' KokkosBatched::TeamGemm, one team per block (portable; best for small blocks),
//   vendor  host: single-threaded BLAS on row panels of the active blocks, in parallel;
//           CUDA/HIP: the strided-batched vendor GEMM (backends/cuda, backends/hip),
//   automatic  host: always BLAS (Kokkos Kernels' team GEMM measured 9-20x slower at every size, docs/performance.md);
//              devices: vendor for blocks larger than kSmallBlock, kk otherwise.
#pragma once

#include <kdash/backends/device_vendor_dispatch.hpp>
#include <kdash/backends/execution.hpp>
#include <kdash/backends/gemm_path.hpp>
#include <kdash/backends/host/host_blas.hpp>
#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/backends/low_precision.hpp>

#include <KokkosBatched_Gemm_Decl.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace kdash::backends {

enum class Trans { none, transpose };

// On devices, blocks up to this size use Kokkos Kernels' team GEMM under GemmPath::automatic.
inline constexpr int kSmallBlock = 64;
// Host vendor path: a stack with less work than this (flops) runs on the calling thread (a parallel region costs
// ~0.1 ms to wake sleeping threads, docs/performance.md).
inline constexpr double kHostSerialFlops = 4.0e6;

// Host: a block of at least this many rows is computed as two units of equal work (two row panels of a GEMM;
// host_symmetric_unit for the symmetric products), so that a lone block keeps two threads busy. The split depends on
// the block alone, not on the stack, the active count or the thread count, because a BLAS may round a row differently
// when it lies in another panel (OpenBLAS' Haswell/Zen sgemm does, even at aligned splits): every stacking mode, mask
// state and host space then computes a block with the same library calls, at any thread count.
inline constexpr int kHostSplitRows = 128;

// The row panels of one block's m-row product on the host.
inline int host_gemm_panels(int m) { return m < kHostSplitRows ? 1 : 2; }

template <class T, class ExecSpace>
struct GemmOptions {
  GemmPath path = GemmPath::automatic;
  // Round A and B to TF32/fp16/bf16 before multiplying (fp32 accumulation), as tensor cores do. The CUDA/HIP vendor
  // path hands the rounding to the library (16-bit operands; TF32 compute mode); elsewhere it is emulated.
  InputPrecision input = InputPrecision::native;
  // Optional mask (count): blocks with active(b) == 0 keep their C unchanged. Empty: every block.
  Kokkos::View<const int*, typename ExecSpace::memory_space> active;
  // Products known to be symmetric on a GPU's vendor path (batched_syrk.hpp); plain GEMMs ignore it.
  DeviceSymmetricForm device_symmetric = DeviceSymmetricForm::automatic;
};

// The one rule that turns GemmPath::automatic into a concrete path for an m x n product of inner dimension k.
template <class ExecSpace>
GemmPath resolve_gemm_path(GemmPath requested, int m, int n, int k) {
  if (requested != GemmPath::automatic) return requested;
  const bool small = m <= kSmallBlock && n <= kSmallBlock && k <= kSmallBlock;
  return (is_host_space_v<ExecSpace> || !small) ? GemmPath::vendor : GemmPath::kokkos_kernels;
}

template <class T, class ExecSpace>
using ConstStackIn = Kokkos::View<const T***, Kokkos::LayoutRight, typename ExecSpace::memory_space>;
template <class T, class ExecSpace>
using StackIn = Kokkos::View<T***, Kokkos::LayoutRight, typename ExecSpace::memory_space>;

namespace detail {

inline int op_rows(int rows, int cols, Trans t) { return t == Trans::none ? rows : cols; }
inline int op_cols(int rows, int cols, Trans t) { return t == Trans::none ? cols : rows; }

template <class ExecSpace, class T>
ConstStackIn<T, ExecSpace> rounded_copy(const ExecSpace& exec, const ConstStackIn<T, ExecSpace>& a, InputPrecision p) {
  StackIn<T, ExecSpace> out(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kdash::gemm::rounded_input"), a.extent(0),
                            a.extent(1), a.extent(2));
  const std::size_t total = a.size();
  const T* src = a.data();
  T* dst = out.data();
  Kokkos::parallel_for(
      "kdash::gemm::round_inputs", Kokkos::RangePolicy<ExecSpace>(exec, 0, total),
      KOKKOS_LAMBDA(const std::size_t i) { dst[i] = round_input(src[i], p); });
  return out;
}

template <class TA, class TB, class ExecSpace, class T>
void team_gemm(const ExecSpace& exec, T alpha, const ConstStackIn<T, ExecSpace>& a, const ConstStackIn<T, ExecSpace>& b,
               T beta, const StackIn<T, ExecSpace>& c,
               const Kokkos::View<const int*, typename ExecSpace::memory_space>& active) {
  using Policy = Kokkos::TeamPolicy<ExecSpace>;
  using Member = typename Policy::member_type;
  const bool masked = active.extent(0) > 0;
  Kokkos::parallel_for(
      "kdash::gemm::team_gemm", Policy(exec, static_cast<int>(c.extent(0)), Kokkos::AUTO),
      KOKKOS_LAMBDA(const Member& member) {
        const int blk = member.league_rank();
        if (masked && active(blk) == 0) return;
        auto ab = Kokkos::subview(a, blk, Kokkos::ALL, Kokkos::ALL);
        auto bb = Kokkos::subview(b, blk, Kokkos::ALL, Kokkos::ALL);
        auto cb = Kokkos::subview(c, blk, Kokkos::ALL, Kokkos::ALL);
        KokkosBatched::TeamGemm<Member, TA, TB, KokkosBatched::Algo::Gemm::Unblocked>::invoke(member, alpha, ab, bb,
                                                                                              beta, cb);
      });
}

template <class ExecSpace, class T>
void kk_gemm(const ExecSpace& exec, Trans ta, Trans tb, T alpha, const ConstStackIn<T, ExecSpace>& a,
             const ConstStackIn<T, ExecSpace>& b, T beta, const StackIn<T, ExecSpace>& c,
             const Kokkos::View<const int*, typename ExecSpace::memory_space>& active) {
  using N = KokkosBatched::Trans::NoTranspose;
  using Tr = KokkosBatched::Trans::Transpose;
  if (ta == Trans::none && tb == Trans::none) team_gemm<N, N>(exec, alpha, a, b, beta, c, active);
  if (ta == Trans::none && tb == Trans::transpose) team_gemm<N, Tr>(exec, alpha, a, b, beta, c, active);
  if (ta == Trans::transpose && tb == Trans::none) team_gemm<Tr, N>(exec, alpha, a, b, beta, c, active);
  if (ta == Trans::transpose && tb == Trans::transpose) team_gemm<Tr, Tr>(exec, alpha, a, b, beta, c, active);
}

// The blocks of a host stack to compute, in order, after fencing `exec` (the inputs and the mask may come from
// kernels still running on it): all of them, or those with active(b) != 0. With a mask (iterative solvers mask out
// converged blocks) the work must be balanced over the active blocks only, and the serial/parallel rules must count
// them, not the stack's size.
template <class ExecSpace>
std::vector<int> active_blocks(const ExecSpace& exec, int count,
                               const Kokkos::View<const int*, typename ExecSpace::memory_space>& active) {
  exec.fence();
  const bool masked = active.extent(0) > 0;
  std::vector<int> todo;
  todo.reserve(count);
  for (int blk = 0; blk < count; ++blk)
    if (!masked || active(blk) != 0) todo.push_back(blk);
  return todo;
}

// Panel p of `panels` of one block's C = alpha op(A) op(B) + beta C (row-major, C m x n, inner dimension k): rows
// r0..r1 of C from rows r0..r1 of op(A) (rows of A, or columns of A when it is transposed) with single-threaded BLAS.
template <class T>
void host_gemm_panel(host::Op oa, host::Op ob, int m, int n, int k, int panels, int p, T alpha, const T* a, int lda,
                     const T* b, int ldb, T beta, T* c, int ldc) {
  const int r0 = static_cast<int>(std::int64_t(m) * p / panels);
  const int r1 = static_cast<int>(std::int64_t(m) * (p + 1) / panels);
  const T* a_rows = a + (oa == host::Op::T ? std::size_t(r0) : std::size_t(r0) * lda);
  host::gemm(oa, ob, r1 - r0, n, k, alpha, a_rows, lda, b, ldb, beta, c + std::size_t(r0) * ldc, ldc);
}

template <class ExecSpace, class T>
void host_vendor_gemm(const ExecSpace& exec, Trans ta, Trans tb, T alpha, const ConstStackIn<T, ExecSpace>& a,
                      const ConstStackIn<T, ExecSpace>& b, T beta, const StackIn<T, ExecSpace>& c,
                      const Kokkos::View<const int*, typename ExecSpace::memory_space>& active) {
  const int count = static_cast<int>(c.extent(0));
  const int m = static_cast<int>(c.extent(1)), n = static_cast<int>(c.extent(2));
  const int k = op_cols(static_cast<int>(a.extent(1)), static_cast<int>(a.extent(2)), ta);
  const int lda = static_cast<int>(a.extent(2)), ldb = static_cast<int>(b.extent(2)), ldc = n;
  const std::size_t sa = a.extent(1) * a.extent(2), sb = b.extent(1) * b.extent(2), sc = c.extent(1) * c.extent(2);
  const host::Op oa = ta == Trans::none ? host::Op::N : host::Op::T;
  const host::Op ob = tb == Trans::none ? host::Op::N : host::Op::T;
  const T* pa = a.data();
  const T* pb = b.data();
  T* pc = c.data();
  const std::vector<int> todo = active_blocks(exec, count, active);
  const int work = static_cast<int>(todo.size());
  if (work == 0) return;
  const int* list = todo.data();
  const int threads = compat::concurrency(exec);
  const int panels = host_gemm_panels(m);
  auto panel = [=](const int u) {
    const int blk = list[u / panels];
    host_gemm_panel(oa, ob, m, n, k, panels, u % panels, alpha, pa + blk * sa, lda, pb + blk * sb, ldb, beta,
                    pc + blk * sc, ldc);
  };
  // Only single-threaded BLAS inside Kokkos' threads: OpenBLAS' own pool never runs next to the OpenMP one
  // (docs/performance.md).
  host::ScopedBlasThreads single(1);
  if (threads == 1 || 2.0 * m * n * k * work < kHostSerialFlops) {
    // Little work: on the calling thread (the same panels); waking the other threads would cost more.
    for (int u = 0; u < work * panels; ++u) panel(u);
    return;
  }
  Kokkos::parallel_for("kdash::gemm::blas_row_panels", Kokkos::RangePolicy<ExecSpace>(exec, 0, work * panels), panel);
  exec.fence();
}

}  // namespace detail

namespace host_block {

// One block's C = alpha op(A) op(B) + beta C (row-major; C m x n, inner dimension k) on the calling thread, as the
// batched host GEMM computes that block: the same row panels, one after the other, so the same bits. For host solvers
// that run every iteration of a block on one thread (solvers/impl/host_block_iteration.hpp).
template <class T>
void gemm_block(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta,
                T* c, int ldc) {
  const host::Op oa = ta == Trans::none ? host::Op::N : host::Op::T;
  const host::Op ob = tb == Trans::none ? host::Op::N : host::Op::T;
  const int panels = host_gemm_panels(m);
  for (int p = 0; p < panels; ++p)
    detail::host_gemm_panel(oa, ob, m, n, k, panels, p, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace host_block

// Whether a GPU's vendor path forms an n x n product known to be symmetric from the three GEMMs of its lower block
// triangle (DeviceSymmetricForm, gemm_path.hpp). automatic is full until the forms are measured on a GPU.
inline bool uses_device_lower_triangle(DeviceSymmetricForm form, int n) {
  return form == DeviceSymmetricForm::lower_triangle && n >= 2;
}

namespace detail {

// batched_gemm, told whether the caller knows C to be symmetric (`symmetric_result`, from batched_syrk.hpp: C square,
// op(A) op(B) symmetric), which lets a GPU's vendor path compute only C's lower block triangle.
template <class ExecSpace, class T>
void checked_batched_gemm(const ExecSpace& exec, Trans ta, Trans tb, T alpha, const ConstStackIn<T, ExecSpace>& a,
                          const ConstStackIn<T, ExecSpace>& b, T beta, const StackIn<T, ExecSpace>& c,
                          const GemmOptions<T, ExecSpace>& options, [[maybe_unused]] bool symmetric_result) {
  using detail::op_cols;
  using detail::op_rows;
  const auto count = c.extent(0);
  if (a.extent(0) != count || b.extent(0) != count) {
    throw std::invalid_argument("kdash::batched_gemm: batch counts differ (A " + std::to_string(a.extent(0)) + ", B " +
                                std::to_string(b.extent(0)) + ", C " + std::to_string(count) + ")");
  }
  const int m = static_cast<int>(c.extent(1)), n = static_cast<int>(c.extent(2));
  const int am = op_rows(int(a.extent(1)), int(a.extent(2)), ta), ak = op_cols(int(a.extent(1)), int(a.extent(2)), ta);
  const int bk = op_rows(int(b.extent(1)), int(b.extent(2)), tb), bn = op_cols(int(b.extent(1)), int(b.extent(2)), tb);
  if (am != m || bn != n || ak != bk) {
    throw std::invalid_argument("kdash::batched_gemm: shapes do not match: op(A) is " + std::to_string(am) + "x" +
                                std::to_string(ak) + ", op(B) " + std::to_string(bk) + "x" + std::to_string(bn) +
                                ", C " + std::to_string(m) + "x" + std::to_string(n));
  }
  if (options.active.extent(0) != 0 && options.active.extent(0) != count) {
    throw std::invalid_argument("kdash::batched_gemm: the active mask has " + std::to_string(options.active.extent(0)) +
                                " entries for " + std::to_string(count) + " blocks");
  }
  if (count == 0 || m == 0 || n == 0) return;

  const GemmPath path = resolve_gemm_path<ExecSpace>(options.path, m, n, ak);
#if KDASH_HAVE_DEVICE_VENDOR
  if constexpr (std::is_same_v<ExecSpace, detail::VendorExec>) {
    if (path == GemmPath::vendor) {
      // The adapter takes real 16-bit inputs (tensor/matrix cores): it rounds and converts the stacks itself.
      const bool lower_triangle = symmetric_result && m == n && uses_device_lower_triangle(options.device_symmetric, n);
      detail::device_vendor_gemm(exec, ta == Trans::transpose, tb == Trans::transpose, alpha, a, b, beta, c,
                                 options.input, options.active, lower_triangle);
      return;
    }
  }
#endif
  // Elsewhere reduced-precision inputs are emulated: round them onto their grid, multiply in the stack's type.
  ConstStackIn<T, ExecSpace> a_in = a, b_in = b;
  if (options.input != InputPrecision::native) {
    a_in = detail::rounded_copy(exec, a, options.input);
    b_in = detail::rounded_copy(exec, b, options.input);
  }
  if constexpr (is_host_space_v<ExecSpace>) {
    if (path == GemmPath::vendor) {
      detail::host_vendor_gemm(exec, ta, tb, alpha, a_in, b_in, beta, c, options.active);
      return;
    }
  }
  // The kk path, and the device path of builds without vendor adapters: Kokkos Kernels' team GEMM.
  detail::kk_gemm(exec, ta, tb, alpha, a_in, b_in, beta, c, options.active);
}

}  // namespace detail

// Checks the shapes and runs the product on `exec`. Throws std::invalid_argument naming the mismatch.
template <class ExecSpace, class T>
void batched_gemm(const ExecSpace& exec, Trans ta, Trans tb, T alpha, const ConstStackIn<T, ExecSpace>& a,
                  const ConstStackIn<T, ExecSpace>& b, T beta, const StackIn<T, ExecSpace>& c,
                  const GemmOptions<T, ExecSpace>& options = {}) {
  detail::checked_batched_gemm(exec, ta, tb, alpha, a, b, beta, c, options, false);
}

}  // namespace kdash::backends
