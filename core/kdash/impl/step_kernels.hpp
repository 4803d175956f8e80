// Internal: the batched element-wise kernels of the DASH step (design.md §1), each one launch over a range of the block
// table (one team per chunk of a block, see kChunk). Which range a launch covers is the stacking mode's business: every
// local block (device), one group (layerwise), one block (sequential).
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/backends/for_each_entry.hpp>
#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/backends/stack_ops.hpp>
#include <kdash/impl/block_layout.hpp>
#include <kdash/impl/parameter_table.hpp>
#include <kdash/impl/step_buffers.hpp>

namespace kdash::impl {

template <class ExecSpace>
using Team = typename Kokkos::TeamPolicy<ExecSpace>::member_type;

// The chunks of table positions [first, last).
template <class ExecSpace>
Kokkos::TeamPolicy<ExecSpace> chunk_policy(const ExecSpace& exec, const BlockLayout<ExecSpace>& layout, int first,
                                           int last) {
  return Kokkos::TeamPolicy<ExecSpace>(exec, layout.chunk_first_host[last] - layout.chunk_first_host[first],
                                       Kokkos::AUTO);
}

// One chunk as a kernel sees it: entries [k0, k1) of table position b, chunk c of the chunk table.
struct Chunk {
  int c, b, k0, k1;
};

// f(member, chunk) for every chunk of table positions [first, last), one team per chunk.
template <class F, class ExecSpace>
void for_each_chunk(const char* label, const ExecSpace& exec, const BlockLayout<ExecSpace>& layout, int first, int last,
                    const F& f) {
  auto chunk_pos = layout.chunk_pos;
  auto chunk_begin = layout.chunk_begin;
  auto chunk_len = layout.chunk_len;
  const int c0 = layout.chunk_first_host[first];
  Kokkos::parallel_for(
      label, chunk_policy(exec, layout, first, last), KOKKOS_LAMBDA(const Team<ExecSpace>& member) {
        const int c = c0 + member.league_rank();
        const int k0 = chunk_begin(c);
        f(member, Chunk{c, chunk_pos(c), k0, k0 + chunk_len(c)});
      });
}

// per_chunk(chunk.c) = the team's sum over the chunk's entries of what f(k, acc) adds to acc.
template <class Member, class PerChunk, class F>
KOKKOS_INLINE_FUNCTION void reduce_chunk(const Member& member, const Chunk& chunk, const PerChunk& per_chunk,
                                         const F& f) {
  using T = typename PerChunk::non_const_value_type;
  T total = 0;
  Kokkos::parallel_reduce(Kokkos::TeamThreadRange(member, chunk.k0, chunk.k1), f, total);
  Kokkos::single(Kokkos::PerTeam(member), [&]() { per_chunk(chunk.c) = total; });
}

// d[k] = 0 over the chunk's entries.
template <class Member>
KOKKOS_INLINE_FUNCTION void zero_chunk(const Member& member, float* d, const Chunk& chunk) {
  Kokkos::parallel_for(Kokkos::TeamThreadRange(member, chunk.k0, chunk.k1), [&](const int k) { d[k] = 0; });
}

// f(b, total) for every table position b in [first, last), where total is the sum of b's per-chunk partials added in
// chunk order: deterministic, independent of the launch range.
template <class T, class F, class ExecSpace>
void for_each_block_total(const char* label, const ExecSpace& exec, const BlockLayout<ExecSpace>& layout, int first,
                          int last, const Kokkos::View<T*, MemOf<ExecSpace>>& per_chunk, const F& f) {
  auto chunk_first = layout.chunk_first;
  Kokkos::parallel_for(
      label, Kokkos::RangePolicy<ExecSpace>(exec, first, last), KOKKOS_LAMBDA(const int b) {
        T total = 0;
        for (int c = chunk_first(b); c < chunk_first(b + 1); ++c) total += per_chunk(c);
        f(b, total);
      });
}

// design.md §1 step 9: the step p of entry k with momentum m <- mu m + p (mb holds m; nullptr: no momentum), heavy ball
// (m) or Nesterov (p + mu m).
KOKKOS_INLINE_FUNCTION float with_momentum(float p, float* mb, int k, float mu, bool nesterov) {
  if (!mb) return p;
  const float m = mu * mb[k] + p;
  mb[k] = m;
  return nesterov ? p + mu * m : m;
}

// Where one block lies in its flat parameter: entry k (row-major in the block) is element start + at(k) of parameter
// `param`.
struct Placement {
  int param, cols;
  std::int64_t start, ld;
  KOKKOS_INLINE_FUNCTION std::int64_t at(int k) const { return std::int64_t(k / cols) * ld + k % cols; }
};

// Row r of the block within the chunk: f(k, at) for its entries, k = the entry's index in the block, at = pb.at(k).
template <class F>
KOKKOS_INLINE_FUNCTION void for_each_entry_of_row(const Chunk& chunk, const Placement& pb, int r, const F& f) {
  const int row = r * pb.cols;
  const int c0 = chunk.k0 > row ? chunk.k0 - row : 0, c1 = chunk.k1 - row < pb.cols ? chunk.k1 - row : pb.cols;
  const std::int64_t at = std::int64_t(r) * pb.ld;
  for (int c = c0; c < c1; ++c) f(row + c, at + c);
}

// f(k, at) for every entry k of the chunk, at = pb.at(k). Hosts walk the chunk row by row of the block (a division per
// row instead of one per entry, and a contiguous inner loop); devices give the team's threads consecutive entries, so
// that their loads coalesce.
template <class ExecSpace, class Member, class F>
KOKKOS_INLINE_FUNCTION void for_each_placed_entry(const Member& member, const Chunk& chunk, const Placement& pb,
                                                  const F& f) {
  if constexpr (is_host_space_v<ExecSpace>) {
    Kokkos::parallel_for(Kokkos::TeamThreadRange(member, chunk.k0 / pb.cols, (chunk.k1 - 1) / pb.cols + 1),
                         [&](const int r) { for_each_entry_of_row(chunk, pb, r, f); });
  } else {
    Kokkos::parallel_for(Kokkos::TeamThreadRange(member, chunk.k0, chunk.k1), [&](const int k) { f(k, pb.at(k)); });
  }
}

// per_chunk(chunk.c) = the team's sum over the chunk's entries of what f(k, at, acc) adds to acc, walking the entries
// as for_each_placed_entry does.
template <class ExecSpace, class Member, class PerChunk, class F>
KOKKOS_INLINE_FUNCTION void reduce_placed_chunk(const Member& member, const Chunk& chunk, const Placement& pb,
                                                const PerChunk& per_chunk, const F& f) {
  using T = typename PerChunk::non_const_value_type;
  T total = 0;
  if constexpr (is_host_space_v<ExecSpace>) {
    Kokkos::parallel_reduce(
        Kokkos::TeamThreadRange(member, chunk.k0 / pb.cols, (chunk.k1 - 1) / pb.cols + 1),
        [&](const int r, T& acc) {
          T local = 0;
          for_each_entry_of_row(chunk, pb, r, [&](const int k, const std::int64_t at) { f(k, at, local); });
          acc += local;
        },
        total);
  } else {
    Kokkos::parallel_reduce(
        Kokkos::TeamThreadRange(member, chunk.k0, chunk.k1), [&](const int k, T& acc) { f(k, pb.at(k), acc); }, total);
  }
  Kokkos::single(Kokkos::PerTeam(member), [&]() { per_chunk(chunk.c) = total; });
}

// The device Views of the block table that place blocks in their parameters (a kernel cannot capture the BlockTable
// itself: it holds host vectors).
template <class ExecSpace>
struct BlockPlacement {
  Kokkos::View<int*, MemOf<ExecSpace>> param, cols;
  Kokkos::View<std::int64_t*, MemOf<ExecSpace>> start, ld;
  explicit BlockPlacement(const BlockTable<ExecSpace>& t) : param(t.param), cols(t.cols), start(t.start), ld(t.ld) {}
  KOKKOS_INLINE_FUNCTION Placement operator()(int b) const { return Placement{param(b), cols(b), start(b), ld(b)}; }
};

// g = blockify(grad) (+ l2 * W for two-sided blocks) and the number of non-finite entries per chunk; then per block
// finite(b) = all entries finite. With count_skips, a non-finite block adds one to skipped(b); every non-finite block
// adds one to nonfinite_count.
template <class ExecSpace>
void gather_gradients(const ExecSpace& exec, const BlockLayout<ExecSpace>& layout,
                      const ParameterTable<ExecSpace>& parameters, const StepWorkspace<ExecSpace>& work,
                      const FirstOrderState<ExecSpace>& first_order, int first, int last, float l2, bool count_skips) {
  if (last <= first) return;
  const BlockPlacement<ExecSpace> place(layout.table);
  auto kind = layout.table.kind;
  auto offset = layout.table.offset;
  auto chunk_bad = work.chunk_bad;
  auto grad_ptrs = parameters.grads();
  auto param_ptrs = parameters.params();
  auto g = work.grad;
  const std::int64_t base = static_cast<std::int64_t>(layout.local_base);
  for_each_chunk(
      "kdash::step::gather_gradients", exec, layout, first, last,
      KOKKOS_LAMBDA(const Team<ExecSpace>& member, const Chunk& chunk) {
        const Placement pb = place(chunk.b);
        const float* src = grad_ptrs(pb.param).ptr + pb.start;
        const float* w = param_ptrs(pb.param).ptr + pb.start;
        float* dst = g.data() + (offset(chunk.b) - base);
        const float decay = kind(chunk.b) == static_cast<int>(BlockKind::two_sided) ? l2 : 0.0f;
        reduce_placed_chunk<ExecSpace>(member, chunk, pb, chunk_bad,
                                       [&](const int k, const std::int64_t at, int& nbad) {
                                         float v = src[at];
                                         if (decay != 0.0f) v += decay * w[at];
                                         dst[k] = v;
                                         nbad += compat::isfinite(v) ? 0 : 1;
                                       });
      });
  auto finite = work.finite;
  auto skipped = first_order.skipped;
  auto nonfinite = work.nonfinite_count;
  for_each_block_total(
      "kdash::step::gather_finite", exec, layout, first, last, chunk_bad, KOKKOS_LAMBDA(const int b, const int bad) {
        finite(b) = bad == 0 ? 1 : 0;
        if (bad != 0) {
          if (count_skips) skipped(b) += 1;
          Kokkos::atomic_add(&nonfinite(), 1);
        }
      });
}

// Constants of the grafting / first-order update of one kind of block.
struct GraftCoefficients {
  int type = 0;  // GraftingType as int
  float beta_g = 0, beta_a = 0, eps = 0;
  float inv_bias_g = 1, inv_bias_a = 1;  // 1 / (1 - beta^t) when bias correction applies, else 1
  int write_direction = 0;               // P = Pg (first-order step) instead of keeping Pg's norm only
  float momentum = 0;
  int nesterov = 0;
};

// design.md §1 steps 4, 6, 7 (and 9 when the block takes a first-order step): A, Gt updated; ngraft = ||Pg||_F; with
// write_direction, P = Pg (with momentum) written to the direction buffer. `shampoo` applies to two- and
// one-sided blocks, `adamw` to AdamW segments. Skipped blocks keep their state. A block whose grafting step is not
// finite (a finite gradient that overflows) is marked skipped from here on: finite(b) = 0, counted in skipped(b).
template <class ExecSpace>
void graft_and_first_order(const ExecSpace& exec, const BlockLayout<ExecSpace>& layout,
                           const StepWorkspace<ExecSpace>& work, const FirstOrderState<ExecSpace>& first_order,
                           int first, int last, const GraftCoefficients& shampoo, const GraftCoefficients& adamw) {
  if (last <= first) return;
  auto kind = layout.table.kind;
  auto offset = layout.table.offset;
  auto chunk_sum = work.chunk_sum;
  auto g = work.grad;
  auto ema = first_order.ema;
  auto graft = first_order.graft;
  auto mom = first_order.momentum;
  auto dir = work.directions;
  auto finite = work.finite;
  const std::int64_t base = static_cast<std::int64_t>(layout.local_base);
  constexpr int kAdam = static_cast<int>(GraftingType::adam);
  constexpr int kAdagrad = static_cast<int>(GraftingType::adagrad);
  constexpr int kSgd = static_cast<int>(GraftingType::sgd);
  for_each_chunk(
      "kdash::step::graft", exec, layout, first, last,
      KOKKOS_LAMBDA(const Team<ExecSpace>& member, const Chunk& chunk) {
        const int b = chunk.b;
        const GraftCoefficients& co = kind(b) == static_cast<int>(BlockKind::adamw) ? adamw : shampoo;
        const std::int64_t local = offset(b) - base;
        float* d = dir.data() + offset(b);
        if (!finite(b)) {
          if (co.write_direction) zero_chunk(member, d, chunk);
          Kokkos::single(Kokkos::PerTeam(member), [&]() { chunk_sum(chunk.c) = 0; });
          return;
        }
        const float* gb = g.data() + local;
        float* eb = co.beta_g > 0 ? ema.data() + local : nullptr;
        float* ab = co.type != kSgd ? graft.data() + local : nullptr;
        float* mb = co.write_direction && co.momentum > 0 ? mom.data() + local : nullptr;
        reduce_chunk(member, chunk, chunk_sum, [&](const int k, float& acc) {
          const float x = gb[k];
          float ghat = x;
          if (eb) {
            ghat = co.beta_g * eb[k] + (1 - co.beta_g) * x;
            eb[k] = ghat;
          }
          float pg = ghat * co.inv_bias_g;
          if (ab) {
            const float a = co.type == kAdagrad ? ab[k] + x * x : co.beta_a * ab[k] + (1 - co.beta_a) * x * x;
            ab[k] = a;
            pg = pg / (co.eps + compat::sqrt(co.type == kAdam ? a * co.inv_bias_a : a));
          }
          acc += pg * pg;
          if (co.write_direction) d[k] = with_momentum(pg, mb, k, co.momentum, co.nesterov);
        });
      });
  auto graft_norm = work.graft_norm;
  auto skipped = first_order.skipped;
  for_each_block_total(
      "kdash::step::graft_norm", exec, layout, first, last, chunk_sum, KOKKOS_LAMBDA(const int b, const float sum) {
        graft_norm(b) = compat::sqrt(sum);
        if (finite(b) && !compat::isfinite(sum)) {
          finite(b) = 0;
          skipped(b) += 1;
        }
      });
}

// Zeroes the directions of skipped blocks (after first-order steps; the rescale below does it for preconditioned
// steps).
template <class ExecSpace>
void zero_skipped_directions(const ExecSpace& exec, const BlockLayout<ExecSpace>& layout,
                             const StepWorkspace<ExecSpace>& work, int first, int last) {
  if (last <= first) return;
  auto offset = layout.table.offset;
  auto dir = work.directions;
  auto finite = work.finite;
  for_each_chunk(
      "kdash::step::zero_skipped", exec, layout, first, last,
      KOKKOS_LAMBDA(const Team<ExecSpace>& member, const Chunk& chunk) {
        if (!finite(chunk.b)) zero_chunk(member, dir.data() + offset(chunk.b), chunk);
      });
}

// design.md §1 steps 8-9 for preconditioned blocks whose U = Lbar Ghat Rbar is already in the direction buffer:
// P = ngraft / (||U||_F + 1e-16) U, then momentum. Skipped blocks (and blocks whose U is not finite, which are
// counted as skipped) get P = 0 and keep their momentum. AdamW blocks keep the step written by the grafting kernel.
template <class ExecSpace>
void graft_rescale_and_momentum(const ExecSpace& exec, const BlockLayout<ExecSpace>& layout,
                                const StepWorkspace<ExecSpace>& work, const FirstOrderState<ExecSpace>& first_order,
                                int first, int last, float mu, bool nesterov) {
  if (last <= first) return;
  auto kind = layout.table.kind;
  auto offset = layout.table.offset;
  auto chunk_sum = work.chunk_sum;
  auto mom = first_order.momentum;
  auto dir = work.directions;
  auto finite = work.finite;
  auto graft_norm = work.graft_norm;
  auto scale = work.block_scale;
  auto skipped = first_order.skipped;
  const std::int64_t base = static_cast<std::int64_t>(layout.local_base);
  constexpr int kAdamw = static_cast<int>(BlockKind::adamw);
  for_each_chunk(
      "kdash::step::direction_norm", exec, layout, first, last,
      KOKKOS_LAMBDA(const Team<ExecSpace>& member, const Chunk& chunk) {
        if (!finite(chunk.b) || kind(chunk.b) == kAdamw) {
          Kokkos::single(Kokkos::PerTeam(member), [&]() { chunk_sum(chunk.c) = 0; });
          return;
        }
        const float* d = dir.data() + offset(chunk.b);
        reduce_chunk(member, chunk, chunk_sum, [&](const int k, float& acc) { acc += d[k] * d[k]; });
      });
  for_each_block_total(
      "kdash::step::direction_scale", exec, layout, first, last, chunk_sum,
      KOKKOS_LAMBDA(const int b, const float sum) {
        if (!finite(b) || kind(b) == kAdamw) return;
        if (!compat::isfinite(sum) || !compat::isfinite(graft_norm(b))) {
          finite(b) = 0;  // e.g. overflowing statistics with a kept root: the block does not move
          skipped(b) += 1;
          return;
        }
        scale(b) = graft_norm(b) / (compat::sqrt(sum) + 1e-16f);
      });
  for_each_chunk(
      "kdash::step::rescale_momentum", exec, layout, first, last,
      KOKKOS_LAMBDA(const Team<ExecSpace>& member, const Chunk& chunk) {
        const int b = chunk.b;
        float* d = dir.data() + offset(b);
        if (!finite(b)) {
          zero_chunk(member, d, chunk);
          return;
        }
        if (kind(b) == kAdamw) return;
        const float f = scale(b);
        float* mb = mu > 0 ? mom.data() + (offset(b) - base) : nullptr;
        Kokkos::parallel_for(Kokkos::TeamThreadRange(member, chunk.k0, chunk.k1),
                             [&](const int k) { d[k] = with_momentum(f * d[k], mb, k, mu, nesterov); });
      });
}

// design.md §1 steps 1 and 10: W <- W * (1 - lr wd) (two-sided blocks, decoupled mode) - lr * P, reassembled through
// the same table that blockified the gradient.
template <class ExecSpace>
void apply_directions(const ExecSpace& exec, const BlockLayout<ExecSpace>& layout,
                      const ParameterTable<ExecSpace>& parameters, const StepWorkspace<ExecSpace>& work, int first,
                      int last, float lr, float decay) {
  if (last <= first) return;
  const BlockPlacement<ExecSpace> place(layout.table);
  auto kind = layout.table.kind;
  auto offset = layout.table.offset;
  auto param_ptrs = parameters.params();
  auto dir = work.directions;
  for_each_chunk(
      "kdash::step::apply", exec, layout, first, last,
      KOKKOS_LAMBDA(const Team<ExecSpace>& member, const Chunk& chunk) {
        const Placement pb = place(chunk.b);
        float* w = param_ptrs(pb.param).ptr + pb.start;
        const float* d = dir.data() + offset(chunk.b);
        const float keep = kind(chunk.b) == static_cast<int>(BlockKind::two_sided) ? 1.0f - decay : 1.0f;
        for_each_placed_entry<ExecSpace>(member, chunk, pb,
                                         [&](const int k, const std::int64_t at) { w[at] = w[at] * keep - lr * d[k]; });
      });
}

// design.md §1 step 3 exploiting symmetry: S(b) <- beta S(b) + alpha G G^T (left) or G^T G (right), computing the
// upper triangle (i <= j, half the flops of a GEMM) and mirroring it, so S stays exactly symmetric. One team per
// block, a vector reduction per entry: for small blocks (the portable path); large blocks go to the vendor GEMM.
template <class ExecSpace>
void symmetric_rank_update(const ExecSpace& exec, const Stack<float, MemOf<ExecSpace>>& g,
                           const Stack<float, MemOf<ExecSpace>>& s, float alpha, float beta,
                           const Kokkos::View<const int*, MemOf<ExecSpace>>& active, bool left) {
  const int count = static_cast<int>(s.extent(0));
  const int n = static_cast<int>(s.extent(1));
  const int k = static_cast<int>(left ? g.extent(2) : g.extent(1));
  if (count == 0) return;
  Kokkos::parallel_for(
      "kdash::step::symmetric_rank_update", Kokkos::TeamPolicy<ExecSpace>(exec, count, Kokkos::AUTO),
      KOKKOS_LAMBDA(const Team<ExecSpace>& member) {
        const int b = member.league_rank();
        if (!active(b)) return;
        Kokkos::parallel_for(Kokkos::TeamThreadRange(member, n * n), [&](const int p) {
          const int i = p / n, j = p % n;
          if (j < i) return;
          float acc = 0;
          Kokkos::parallel_reduce(
              Kokkos::ThreadVectorRange(member, k),
              [&](const int q, float& a) { a += left ? g(b, i, q) * g(b, j, q) : g(b, q, i) * g(b, q, j); }, acc);
          Kokkos::single(Kokkos::PerThread(member), [&]() {
            const float v = beta * s(b, i, j) + alpha * acc;
            s(b, i, j) = v;
            s(b, j, i) = v;
          });
        });
      });
}

// finite(i) = every entry of a(i) is finite (several teams per matrix: backends::finite_blocks).
template <class T, class ExecSpace>
void finite_matrices(const ExecSpace& exec, const Stack<T, MemOf<ExecSpace>>& a,
                     const Kokkos::View<int*, MemOf<ExecSpace>>& finite) {
  backends::finite_blocks<T>(exec, backends::ConstStackT<T, ExecSpace>(a), finite);
}

// dst(k) = src(index(k)) (gather) or dst(index(k)) = src(k) (scatter), converting the element type.
template <class S, class D, class ExecSpace>
void copy_matrices(const ExecSpace& exec, const Stack<S, MemOf<ExecSpace>>& src, const Stack<D, MemOf<ExecSpace>>& dst,
                   const Kokkos::View<int*, MemOf<ExecSpace>>& index, bool scatter) {
  const int count = static_cast<int>(index.extent(0));
  const int n = static_cast<int>(src.extent(1)), m = static_cast<int>(src.extent(2));
  backends::for_each_entry(
      exec, "kdash::step::copy_matrices", count, n, m, KOKKOS_LAMBDA(const int k, const int i, const int j) {
        if (scatter)
          dst(index(k), i, j) = static_cast<D>(src(k, i, j));
        else
          dst(k, i, j) = static_cast<D>(src(index(k), i, j));
      });
}

// dst(i) = src(i) where mask(i) != 0.
template <class ExecSpace>
void masked_copy(const ExecSpace& exec, const Stack<float, MemOf<ExecSpace>>& src,
                 const Stack<float, MemOf<ExecSpace>>& dst, const Kokkos::View<int*, MemOf<ExecSpace>>& mask) {
  const int n = static_cast<int>(src.extent(1));
  backends::for_each_entry(
      exec, "kdash::step::accept_roots", int(src.extent(0)), n, n,
      KOKKOS_LAMBDA(const int b, const int i, const int j) {
        if (mask(b)) dst(b, i, j) = src(b, i, j);
      });
}

// Every matrix of the stack := identity (the root before the first computation: the Shampoo direction is then the
// grafted gradient, not zero).

}  // namespace kdash::impl
