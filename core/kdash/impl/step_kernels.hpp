// Internal: the batched element-wise kernels of the DASH step (SPEC §1), each one launch over a range of the block
// table (one team per block). Which range a launch covers is the stacking mode's business: every local block
// (device), one group (layerwise), one block (sequential).
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/impl/optimizer_state.hpp>

namespace kdash::impl {

using Team = Kokkos::TeamPolicy<ExecSpace>::member_type;

// g = blockify(grad) (+ l2 * W for two-sided blocks), finite(b) = all entries finite. With count_skips, a
// non-finite block adds one to skipped(b); every non-finite block adds one to nonfinite_count.
inline void gather_gradients(const ExecSpace& exec, const Optimizer::State& s, int first, int last, float l2,
                             bool count_skips) {
  if (last <= first) return;
  const BlockTable& t = s.table;
  auto param = t.param;
  auto start = t.start;
  auto ld = t.ld;
  auto rows = t.rows;
  auto cols = t.cols;
  auto kind = t.kind;
  auto offset = t.offset;
  auto grad_ptrs = s.grad_ptrs;
  auto param_ptrs = s.param_ptrs;
  auto g = s.grad;
  auto finite = s.finite;
  auto skipped = s.skipped;
  auto nonfinite = s.nonfinite_count;
  const std::int64_t base = static_cast<std::int64_t>(s.local_base);
  Kokkos::parallel_for(
      "kdash::step::gather_gradients", Kokkos::TeamPolicy<ExecSpace>(exec, last - first, Kokkos::AUTO),
      KOKKOS_LAMBDA(const Team& member) {
        const int b = first + member.league_rank();
        const int p = param(b);
        const int nc = cols(b);
        const int n = rows(b) * nc;
        const std::int64_t lda = ld(b);
        const float* src = grad_ptrs(p).ptr + start(b);
        const float* w = param_ptrs(p).ptr + start(b);
        float* dst = g.data() + (offset(b) - base);
        const float decay = kind(b) == static_cast<int>(BlockKind::two_sided) ? l2 : 0.0f;
        int bad = 0;
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(member, n),
            [&](const int k, int& nbad) {
              const std::int64_t at = std::int64_t(k / nc) * lda + k % nc;
              float v = src[at];
              if (decay != 0.0f) v += decay * w[at];
              dst[k] = v;
              nbad += compat::isfinite(v) ? 0 : 1;
            },
            bad);
        Kokkos::single(Kokkos::PerTeam(member), [&]() {
          finite(b) = bad == 0 ? 1 : 0;
          if (bad != 0) {
            if (count_skips) skipped(b) += 1;
            Kokkos::atomic_add(&nonfinite(), 1);
          }
        });
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
// one-sided blocks, `adamw` to AdamW segments. Skipped blocks keep their state; a written direction is 0.
inline void graft_and_first_order(const ExecSpace& exec, const Optimizer::State& s, int first, int last,
                                  const GraftCoefficients& shampoo, const GraftCoefficients& adamw) {
  if (last <= first) return;
  const BlockTable& t = s.table;
  auto rows = t.rows;
  auto cols = t.cols;
  auto kind = t.kind;
  auto offset = t.offset;
  auto g = s.grad;
  auto ema = s.ema;
  auto graft = s.graft;
  auto mom = s.momentum;
  auto dir = s.directions;
  auto finite = s.finite;
  auto graft_norm = s.graft_norm;
  auto skipped = s.skipped;
  const std::int64_t base = static_cast<std::int64_t>(s.local_base);
  constexpr int kAdam = static_cast<int>(GraftingType::adam);
  constexpr int kAdagrad = static_cast<int>(GraftingType::adagrad);
  constexpr int kSgd = static_cast<int>(GraftingType::sgd);
  Kokkos::parallel_for(
      "kdash::step::graft", Kokkos::TeamPolicy<ExecSpace>(exec, last - first, Kokkos::AUTO),
      KOKKOS_LAMBDA(const Team& member) {
        const int b = first + member.league_rank();
        const GraftCoefficients& c = kind(b) == static_cast<int>(BlockKind::adamw) ? adamw : shampoo;
        const int n = rows(b) * cols(b);
        const std::int64_t local = offset(b) - base;
        float* d = dir.data() + offset(b);
        if (!finite(b)) {
          if (c.write_direction)
            Kokkos::parallel_for(Kokkos::TeamThreadRange(member, n), [&](const int k) { d[k] = 0; });
          return;
        }
        const float* gb = g.data() + local;
        float* eb = c.beta_g > 0 ? ema.data() + local : nullptr;
        float* ab = c.type != kSgd ? graft.data() + local : nullptr;
        float* mb = c.write_direction && c.mu > 0 ? mom.data() + local : nullptr;
        float sum = 0;
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(member, n),
            [&](const int k, float& acc) {
              const float x = gb[k];
              float ghat = x;
              if (eb) {
                ghat = c.beta_g * eb[k] + (1 - c.beta_g) * x;
                eb[k] = ghat;
              }
              float pg = ghat * c.inv_bias_g;
              if (ab) {
                const float a = c.type == kAdagrad ? ab[k] + x * x : c.beta_a * ab[k] + (1 - c.beta_a) * x * x;
                ab[k] = a;
                pg = pg / (c.eps + compat::sqrt(c.type == kAdam ? a * c.inv_bias_a : a));
              }
              acc += pg * pg;
              if (c.write_direction) {
                float p = pg;
                if (mb) {
                  const float m = c.mu * mb[k] + pg;
                  mb[k] = m;
                  p = c.nesterov ? pg + c.mu * m : m;
                }
                d[k] = p;
              }
            },
            sum);
        if (!compat::isfinite(sum)) {
          // Finite gradient, non-finite step (overflow): this block does not move.
          if (c.write_direction)
            Kokkos::parallel_for(Kokkos::TeamThreadRange(member, n), [&](const int k) { d[k] = 0; });
          Kokkos::single(Kokkos::PerTeam(member), [&]() {
            skipped(b) += 1;
            graft_norm(b) = 0;
          });
          return;
        }
        Kokkos::single(Kokkos::PerTeam(member), [&]() { graft_norm(b) = compat::sqrt(sum); });
      });
}

// SPEC §1 steps 8-9 for preconditioned blocks whose U = Lbar Ghat Rbar is already in the direction buffer:
// P = ngraft / (||U||_F + 1e-16) U, then momentum. Skipped blocks get P = 0 and keep their momentum.
inline void graft_rescale_and_momentum(const ExecSpace& exec, const Optimizer::State& s, int first, int last, float mu,
                                       bool nesterov) {
  if (last <= first) return;
  const BlockTable& t = s.table;
  auto rows = t.rows;
  auto cols = t.cols;
  auto kind = t.kind;
  auto offset = t.offset;
  auto mom = s.momentum;
  auto dir = s.directions;
  auto finite = s.finite;
  auto graft_norm = s.graft_norm;
  auto skipped = s.skipped;
  const std::int64_t base = static_cast<std::int64_t>(s.local_base);
  Kokkos::parallel_for(
      "kdash::step::graft_rescale", Kokkos::TeamPolicy<ExecSpace>(exec, last - first, Kokkos::AUTO),
      KOKKOS_LAMBDA(const Team& member) {
        const int b = first + member.league_rank();
        if (kind(b) == static_cast<int>(BlockKind::adamw)) return;  // took its AdamW step already
        const int n = rows(b) * cols(b);
        float* d = dir.data() + offset(b);
        if (!finite(b)) {
          Kokkos::parallel_for(Kokkos::TeamThreadRange(member, n), [&](const int k) { d[k] = 0; });
          return;
        }
        float sum = 0;
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(member, n), [&](const int k, float& acc) { acc += d[k] * d[k]; }, sum);
        if (!compat::isfinite(sum) || !compat::isfinite(graft_norm(b))) {
          // A non-finite Shampoo direction (e.g. overflowing statistics with a kept root): the block does not move
          // and its momentum is kept, as for a non-finite gradient.
          Kokkos::parallel_for(Kokkos::TeamThreadRange(member, n), [&](const int k) { d[k] = 0; });
          Kokkos::single(Kokkos::PerTeam(member), [&]() { skipped(b) += 1; });
          return;
        }
        const float scale = graft_norm(b) / (compat::sqrt(sum) + 1e-16f);
        float* mb = mu > 0 ? mom.data() + (offset(b) - base) : nullptr;
        Kokkos::parallel_for(Kokkos::TeamThreadRange(member, n), [&](const int k) {
          float p = scale * d[k];
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
  auto rows = t.rows;
  auto cols = t.cols;
  auto kind = t.kind;
  auto offset = t.offset;
  auto param_ptrs = s.param_ptrs;
  auto dir = s.directions;
  Kokkos::parallel_for(
      "kdash::step::apply", Kokkos::TeamPolicy<ExecSpace>(exec, last - first, Kokkos::AUTO),
      KOKKOS_LAMBDA(const Team& member) {
        const int b = first + member.league_rank();
        const int nc = cols(b);
        const int n = rows(b) * nc;
        const std::int64_t lda = ld(b);
        float* w = param_ptrs(param(b)).ptr + start(b);
        const float* d = dir.data() + offset(b);
        const float keep = kind(b) == static_cast<int>(BlockKind::two_sided) ? 1.0f - decay : 1.0f;
        Kokkos::parallel_for(Kokkos::TeamThreadRange(member, n), [&](const int k) {
          const std::int64_t at = std::int64_t(k / nc) * lda + k % nc;
          w[at] = w[at] * keep - lr * d[k];
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
