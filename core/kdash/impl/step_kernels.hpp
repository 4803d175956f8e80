// Internal: the batched element-wise kernels of the DASH step (SPEC §1), each one launch over a range of the block
// table (one team per chunk of a block, see kChunk). Which range a launch covers is the stacking mode's business: every
// local block (device), one group (layerwise), one block (sequential).
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/impl/optimizer_state.hpp>

namespace kdash::impl {

using Team = Kokkos::TeamPolicy<ExecSpace>::member_type;

// Element-wise work runs over chunks of at most kChunk elements of a block (one team per chunk), so a few large
// blocks still fill a GPU and balance over CPU threads. Per-block sums are per-chunk partial sums added in chunk
// order by a per-block pass: deterministic, independent of the launch range.
inline constexpr int kChunk = 4096;

// The chunks of table positions [first, last).
inline Kokkos::TeamPolicy<ExecSpace> chunk_policy(const ExecSpace& exec, const Optimizer::State& s, int first,
                                                  int last) {
  return Kokkos::TeamPolicy<ExecSpace>(exec, s.chunk_first_host[last] - s.chunk_first_host[first], Kokkos::AUTO);
}

// g = blockify(grad) (+ l2 * W for two-sided blocks) and the number of non-finite entries per chunk; then per block
// finite(b) = all entries finite. With count_skips, a non-finite block adds one to skipped(b); every non-finite block
// adds one to nonfinite_count.
inline void gather_gradients(const ExecSpace& exec, const Optimizer::State& s, int first, int last, float l2,
                             bool count_skips) {
  if (last <= first) return;
  const BlockTable& t = s.table;
  auto param = t.param;
  auto start = t.start;
  auto ld = t.ld;
  auto cols = t.cols;
  auto kind = t.kind;
  auto offset = t.offset;
  auto chunk_pos = s.chunk_pos;
  auto chunk_begin = s.chunk_begin;
  auto chunk_len = s.chunk_len;
  auto chunk_bad = s.chunk_bad;
  auto grad_ptrs = s.grad_ptrs;
  auto param_ptrs = s.param_ptrs;
  auto g = s.grad;
  const std::int64_t base = static_cast<std::int64_t>(s.local_base);
  const int c0 = s.chunk_first_host[first];
  Kokkos::parallel_for(
      "kdash::step::gather_gradients", chunk_policy(exec, s, first, last), KOKKOS_LAMBDA(const Team& member) {
        const int c = c0 + member.league_rank();
        const int b = chunk_pos(c);
        const int p = param(b);
        const int nc = cols(b);
        const int k0 = chunk_begin(c);
        const std::int64_t lda = ld(b);
        const float* src = grad_ptrs(p).ptr + start(b);
        const float* w = param_ptrs(p).ptr + start(b);
        float* dst = g.data() + (offset(b) - base);
        const float decay = kind(b) == static_cast<int>(BlockKind::two_sided) ? l2 : 0.0f;
        int bad = 0;
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(member, k0, k0 + chunk_len(c)),
            [&](const int k, int& nbad) {
              const std::int64_t at = std::int64_t(k / nc) * lda + k % nc;
              float v = src[at];
              if (decay != 0.0f) v += decay * w[at];
              dst[k] = v;
              nbad += compat::isfinite(v) ? 0 : 1;
            },
            bad);
        Kokkos::single(Kokkos::PerTeam(member), [&]() { chunk_bad(c) = bad; });
      });
  auto chunk_first = s.chunk_first;
  auto finite = s.finite;
  auto skipped = s.skipped;
  auto nonfinite = s.nonfinite_count;
  Kokkos::parallel_for(
      "kdash::step::gather_finite", Kokkos::RangePolicy<ExecSpace>(exec, first, last), KOKKOS_LAMBDA(const int b) {
        int bad = 0;
        for (int c = chunk_first(b); c < chunk_first(b + 1); ++c) bad += chunk_bad(c);
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
  float mu = 0;
  int nesterov = 0;
};

// SPEC §1 steps 4, 6, 7 (and 9 when the block takes a first-order step): A, Gt updated; ngraft = ||Pg||_F; with
// write_direction, P = Pg (with momentum) written to the direction buffer. `shampoo` applies to two- and
// one-sided blocks, `adamw` to AdamW segments. Skipped blocks keep their state. A block whose grafting step is not
// finite (a finite gradient that overflows) is marked skipped from here on: finite(b) = 0, counted in skipped(b).
inline void graft_and_first_order(const ExecSpace& exec, const Optimizer::State& s, int first, int last,
                                  const GraftCoefficients& shampoo, const GraftCoefficients& adamw) {
  if (last <= first) return;
  const BlockTable& t = s.table;
  auto kind = t.kind;
  auto offset = t.offset;
  auto chunk_pos = s.chunk_pos;
  auto chunk_begin = s.chunk_begin;
  auto chunk_len = s.chunk_len;
  auto chunk_sum = s.chunk_sum;
  auto g = s.grad;
  auto ema = s.ema;
  auto graft = s.graft;
  auto mom = s.momentum;
  auto dir = s.directions;
  auto finite = s.finite;
  const std::int64_t base = static_cast<std::int64_t>(s.local_base);
  const int c0 = s.chunk_first_host[first];
  constexpr int kAdam = static_cast<int>(GraftingType::adam);
  constexpr int kAdagrad = static_cast<int>(GraftingType::adagrad);
  constexpr int kSgd = static_cast<int>(GraftingType::sgd);
  Kokkos::parallel_for(
      "kdash::step::graft", chunk_policy(exec, s, first, last), KOKKOS_LAMBDA(const Team& member) {
        const int c = c0 + member.league_rank();
        const int b = chunk_pos(c);
        const GraftCoefficients& co = kind(b) == static_cast<int>(BlockKind::adamw) ? adamw : shampoo;
        const int k0 = chunk_begin(c), k1 = k0 + chunk_len(c);
        const std::int64_t local = offset(b) - base;
        float* d = dir.data() + offset(b);
        if (!finite(b)) {
          if (co.write_direction)
            Kokkos::parallel_for(Kokkos::TeamThreadRange(member, k0, k1), [&](const int k) { d[k] = 0; });
          Kokkos::single(Kokkos::PerTeam(member), [&]() { chunk_sum(c) = 0; });
          return;
        }
        const float* gb = g.data() + local;
        float* eb = co.beta_g > 0 ? ema.data() + local : nullptr;
        float* ab = co.type != kSgd ? graft.data() + local : nullptr;
        float* mb = co.write_direction && co.mu > 0 ? mom.data() + local : nullptr;
        float sum = 0;
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(member, k0, k1),
            [&](const int k, float& acc) {
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
              if (co.write_direction) {
                float p = pg;
                if (mb) {
                  const float m = co.mu * mb[k] + pg;
                  mb[k] = m;
                  p = co.nesterov ? pg + co.mu * m : m;
                }
                d[k] = p;
              }
            },
            sum);
        Kokkos::single(Kokkos::PerTeam(member), [&]() { chunk_sum(c) = sum; });
      });
  auto chunk_first = s.chunk_first;
  auto graft_norm = s.graft_norm;
  auto skipped = s.skipped;
  Kokkos::parallel_for(
      "kdash::step::graft_norm", Kokkos::RangePolicy<ExecSpace>(exec, first, last), KOKKOS_LAMBDA(const int b) {
        float sum = 0;
        for (int c = chunk_first(b); c < chunk_first(b + 1); ++c) sum += chunk_sum(c);
        graft_norm(b) = compat::sqrt(sum);
        if (finite(b) && !compat::isfinite(sum)) {
          finite(b) = 0;
          skipped(b) += 1;
        }
      });
}

// Zeroes the directions of skipped blocks (after first-order steps; the rescale below does it for preconditioned
// steps).
inline void zero_skipped_directions(const ExecSpace& exec, const Optimizer::State& s, int first, int last) {
  if (last <= first) return;
  auto offset = s.table.offset;
  auto chunk_pos = s.chunk_pos;
  auto chunk_begin = s.chunk_begin;
  auto chunk_len = s.chunk_len;
  auto dir = s.directions;
  auto finite = s.finite;
  const int c0 = s.chunk_first_host[first];
  Kokkos::parallel_for(
      "kdash::step::zero_skipped", chunk_policy(exec, s, first, last), KOKKOS_LAMBDA(const Team& member) {
        const int c = c0 + member.league_rank();
        const int b = chunk_pos(c);
        if (finite(b)) return;
        float* d = dir.data() + offset(b);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(member, chunk_begin(c), chunk_begin(c) + chunk_len(c)),
                             [&](const int k) { d[k] = 0; });
      });
}

// SPEC §1 steps 8-9 for preconditioned blocks whose U = Lbar Ghat Rbar is already in the direction buffer:
// P = ngraft / (||U||_F + 1e-16) U, then momentum. Skipped blocks (and blocks whose U is not finite, which are
// counted as skipped) get P = 0 and keep their momentum. AdamW blocks keep the step written by the grafting kernel.
inline void graft_rescale_and_momentum(const ExecSpace& exec, const Optimizer::State& s, int first, int last, float mu,
                                       bool nesterov) {
  if (last <= first) return;
  const BlockTable& t = s.table;
  auto kind = t.kind;
  auto offset = t.offset;
  auto chunk_pos = s.chunk_pos;
  auto chunk_begin = s.chunk_begin;
  auto chunk_len = s.chunk_len;
  auto chunk_sum = s.chunk_sum;
  auto chunk_first = s.chunk_first;
  auto mom = s.momentum;
  auto dir = s.directions;
  auto finite = s.finite;
  auto graft_norm = s.graft_norm;
  auto scale = s.block_scale;
  auto skipped = s.skipped;
  const std::int64_t base = static_cast<std::int64_t>(s.local_base);
  const int c0 = s.chunk_first_host[first];
  constexpr int kAdamw = static_cast<int>(BlockKind::adamw);
  Kokkos::parallel_for(
      "kdash::step::direction_norm", chunk_policy(exec, s, first, last), KOKKOS_LAMBDA(const Team& member) {
        const int c = c0 + member.league_rank();
        const int b = chunk_pos(c);
        float sum = 0;
        if (finite(b) && kind(b) != kAdamw) {
          const float* d = dir.data() + offset(b);
          Kokkos::parallel_reduce(
              Kokkos::TeamThreadRange(member, chunk_begin(c), chunk_begin(c) + chunk_len(c)),
              [&](const int k, float& acc) { acc += d[k] * d[k]; }, sum);
        }
        Kokkos::single(Kokkos::PerTeam(member), [&]() { chunk_sum(c) = sum; });
      });
  Kokkos::parallel_for(
      "kdash::step::direction_scale", Kokkos::RangePolicy<ExecSpace>(exec, first, last), KOKKOS_LAMBDA(const int b) {
        if (!finite(b) || kind(b) == kAdamw) return;
        float sum = 0;
        for (int c = chunk_first(b); c < chunk_first(b + 1); ++c) sum += chunk_sum(c);
        if (!compat::isfinite(sum) || !compat::isfinite(graft_norm(b))) {
          finite(b) = 0;  // e.g. overflowing statistics with a kept root: the block does not move
          skipped(b) += 1;
          return;
        }
        scale(b) = graft_norm(b) / (compat::sqrt(sum) + 1e-16f);
      });
  Kokkos::parallel_for(
      "kdash::step::rescale_momentum", chunk_policy(exec, s, first, last), KOKKOS_LAMBDA(const Team& member) {
        const int c = c0 + member.league_rank();
        const int b = chunk_pos(c);
        const int k0 = chunk_begin(c), k1 = k0 + chunk_len(c);
        float* d = dir.data() + offset(b);
        if (!finite(b)) {
          Kokkos::parallel_for(Kokkos::TeamThreadRange(member, k0, k1), [&](const int k) { d[k] = 0; });
          return;
        }
        if (kind(b) == kAdamw) return;
        const float f = scale(b);
        float* mb = mu > 0 ? mom.data() + (offset(b) - base) : nullptr;
        Kokkos::parallel_for(Kokkos::TeamThreadRange(member, k0, k1), [&](const int k) {
          float p = f * d[k];
          if (mb) {
            const float m = mu * mb[k] + p;
            mb[k] = m;
            p = nesterov ? p + mu * m : m;
          }
          d[k] = p;
        });
      });
}

// SPEC §1 steps 1 and 10: W <- W * (1 - lr wd) (two-sided blocks, decoupled mode) - lr * P, reassembled through the
// same table that blockified the gradient.
inline void apply_directions(const ExecSpace& exec, const Optimizer::State& s, int first, int last, float lr,
                             float decay) {
  if (last <= first) return;
  const BlockTable& t = s.table;
  auto param = t.param;
  auto start = t.start;
  auto ld = t.ld;
  auto cols = t.cols;
  auto kind = t.kind;
  auto offset = t.offset;
  auto chunk_pos = s.chunk_pos;
  auto chunk_begin = s.chunk_begin;
  auto chunk_len = s.chunk_len;
  auto param_ptrs = s.param_ptrs;
  auto dir = s.directions;
  const int c0 = s.chunk_first_host[first];
  Kokkos::parallel_for(
      "kdash::step::apply", chunk_policy(exec, s, first, last), KOKKOS_LAMBDA(const Team& member) {
        const int c = c0 + member.league_rank();
        const int b = chunk_pos(c);
        const int nc = cols(b);
        const std::int64_t lda = ld(b);
        float* w = param_ptrs(param(b)).ptr + start(b);
        const float* d = dir.data() + offset(b);
        const float keep = kind(b) == static_cast<int>(BlockKind::two_sided) ? 1.0f - decay : 1.0f;
        Kokkos::parallel_for(Kokkos::TeamThreadRange(member, chunk_begin(c), chunk_begin(c) + chunk_len(c)),
                             [&](const int k) {
                               const std::int64_t at = std::int64_t(k / nc) * lda + k % nc;
                               w[at] = w[at] * keep - lr * d[k];
                             });
      });
}

// SPEC §1 step 3 exploiting symmetry: S(b) <- beta S(b) + alpha G G^T (left) or G^T G (right), computing the
// upper triangle (i <= j, half the flops of a GEMM) and mirroring it, so S stays exactly symmetric. One team per
// block, a vector reduction per entry: for small blocks (the portable path); large blocks go to the vendor GEMM.
inline void symmetric_rank_update(const ExecSpace& exec, const Stack<float>& g, const Stack<float>& s, float alpha,
                                  float beta, const Kokkos::View<const int*, MemSpace>& active, bool left) {
  const int count = static_cast<int>(s.extent(0));
  const int n = static_cast<int>(s.extent(1));
  const int k = static_cast<int>(left ? g.extent(2) : g.extent(1));
  if (count == 0) return;
  Kokkos::parallel_for(
      "kdash::step::symmetric_rank_update", Kokkos::TeamPolicy<ExecSpace>(exec, count, Kokkos::AUTO),
      KOKKOS_LAMBDA(const Team& member) {
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

// finite(i) = every entry of a(i) is finite.
template <class T>
void finite_matrices(const ExecSpace& exec, const Stack<T>& a, const Kokkos::View<int*, MemSpace>& finite) {
  const int n = static_cast<int>(a.extent(1) * a.extent(2));
  auto data = a.data();
  Kokkos::parallel_for(
      "kdash::step::finite_roots", Kokkos::TeamPolicy<ExecSpace>(exec, static_cast<int>(a.extent(0)), Kokkos::AUTO),
      KOKKOS_LAMBDA(const Team& member) {
        const int i = member.league_rank();
        const T* m = data + std::size_t(i) * n;
        int bad = 0;
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(member, n), [&](const int k, int& nb) { nb += compat::isfinite(m[k]) ? 0 : 1; },
            bad);
        Kokkos::single(Kokkos::PerTeam(member), [&]() { finite(i) = bad == 0 ? 1 : 0; });
      });
}

// dst(k) = src(index(k)) (gather) or dst(index(k)) = src(k) (scatter), converting the element type.
template <class S, class D>
void copy_matrices(const ExecSpace& exec, const Stack<S>& src, const Stack<D>& dst,
                   const Kokkos::View<int*, MemSpace>& index, bool scatter) {
  const int count = static_cast<int>(index.extent(0));
  const int n = static_cast<int>(src.extent(1)), m = static_cast<int>(src.extent(2));
  Kokkos::parallel_for(
      "kdash::step::copy_matrices", Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<3>>(exec, {0, 0, 0}, {count, n, m}),
      KOKKOS_LAMBDA(const int k, const int i, const int j) {
        if (scatter)
          dst(index(k), i, j) = static_cast<D>(src(k, i, j));
        else
          dst(k, i, j) = static_cast<D>(src(index(k), i, j));
      });
}

// dst(i) = src(i) where mask(i) != 0.
inline void masked_copy(const ExecSpace& exec, const Stack<float>& src, const Stack<float>& dst,
                        const Kokkos::View<int*, MemSpace>& mask) {
  const int n = static_cast<int>(src.extent(1));
  Kokkos::parallel_for(
      "kdash::step::accept_roots",
      Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<3>>(exec, {0, 0, 0}, {int(src.extent(0)), n, n}),
      KOKKOS_LAMBDA(const int b, const int i, const int j) {
        if (mask(b)) dst(b, i, j) = src(b, i, j);
      });
}

// Every matrix of the stack := identity (the root before the first computation: the Shampoo direction is then the
// grafted gradient, not zero).
inline void set_identity(const ExecSpace& exec, const Stack<float>& a) {
  const int n = static_cast<int>(a.extent(1));
  Kokkos::parallel_for(
      "kdash::step::identity",
      Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<3>>(exec, {0, 0, 0}, {int(a.extent(0)), n, n}),
      KOKKOS_LAMBDA(const int b, const int i, const int j) { a(b, i, j) = i == j ? 1.0f : 0.0f; });
}

}  // namespace kdash::impl
