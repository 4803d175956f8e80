// Internal: the gradient-shaped buffers of the step (design.md §1), in this rank's slice layout (element offset =
// direction offset - BlockLayout::local_base), and the per-block flags a step computes.
#pragma once

#include <kdash/impl/block_layout.hpp>
#include <kdash/optimizer_config.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

namespace kdash::impl {

// The first-order state a checkpoint keeps: gradient EMA, grafting accumulator, momentum (each allocated only when
// the configuration uses it) and every block's count of skipped updates.
template <class ExecSpace>
struct FirstOrderState {
  Kokkos::View<float*, MemOf<ExecSpace>> ema;             // gradient EMA (Gt), or AdamW's first moment
  Kokkos::View<float*, MemOf<ExecSpace>> graft;           // grafting accumulator A, or AdamW's second moment
  Kokkos::View<float*, MemOf<ExecSpace>> momentum;        // M
  Kokkos::View<std::int64_t*, MemOf<ExecSpace>> skipped;  // per table position
};

// What one step computes and throws away.
template <class ExecSpace>
struct StepWorkspace {
  Kokkos::View<float*, MemOf<ExecSpace>> grad;        // blockified gradient of the current step
  Kokkos::View<float*, MemOf<ExecSpace>> scratch;     // Lbar * Ghat of the largest two-sided group
  Kokkos::View<float*, MemOf<ExecSpace>> directions;  // the packed direction buffer (every rank's slices)
  Kokkos::View<int*, MemOf<ExecSpace>> chunk_bad;     // per chunk: non-finite entries
  Kokkos::View<float*, MemOf<ExecSpace>> chunk_sum;   // per chunk: partial sums of squares
  // Per table position.
  Kokkos::View<int*, MemOf<ExecSpace>> finite;  // 0: the block takes no step this time (non-finite gradient or step)
  Kokkos::View<float*, MemOf<ExecSpace>> graft_norm;
  Kokkos::View<float*, MemOf<ExecSpace>> block_scale;
  Kokkos::View<int, MemOf<ExecSpace>> nonfinite_count;  // blocks with a non-finite gradient in the current step
};

// What the blocks of this rank need: AdamW segments, preconditioned blocks, the largest two-sided group.
struct LocalBlockKinds {
  bool adamw = false, shampoo = false;
  std::size_t two_sided_scratch = 0;  // elements
};

inline LocalBlockKinds local_block_kinds(const BlockMap& map, const std::vector<int>& local_groups) {
  LocalBlockKinds k;
  for (int g : local_groups) {
    const BlockGroup& grp = map.groups()[g];
    k.adamw = k.adamw || grp.kind == BlockKind::adamw;
    k.shampoo = k.shampoo || grp.kind != BlockKind::adamw;
    if (grp.kind == BlockKind::two_sided) {
      k.two_sided_scratch = std::max(k.two_sided_scratch, grp.blocks.size() * std::size_t(grp.rows) * grp.cols);
    }
  }
  return k;
}

// Zero-initialised on exec, the buffers the configuration uses.
template <class ExecSpace>
FirstOrderState<ExecSpace> make_first_order_state(const ExecSpace& exec, const Config& c, const BlockMap& map,
                                                  const BlockLayout<ExecSpace>& layout) {
  using Flat = Kokkos::View<float*, MemOf<ExecSpace>>;
  const LocalBlockKinds k = local_block_kinds(map, layout.local_groups);
  const std::size_t n = layout.local_size;
  FirstOrderState<ExecSpace> s;
  if ((k.shampoo && c.beta_g > 0) || k.adamw) s.ema = Flat(Kokkos::view_alloc(exec, std::string("kdash::ema")), n);
  if ((k.shampoo && c.grafting != GraftingType::sgd) || k.adamw) {
    s.graft = Flat(Kokkos::view_alloc(exec, std::string("kdash::graft")), n);
  }
  if (k.shampoo && c.momentum > 0) s.momentum = Flat(Kokkos::view_alloc(exec, std::string("kdash::momentum")), n);
  s.skipped = Kokkos::View<std::int64_t*, MemOf<ExecSpace>>(Kokkos::view_alloc(exec, std::string("kdash::skipped")),
                                                            map.blocks().size());
  return s;
}

template <class ExecSpace>
StepWorkspace<ExecSpace> make_step_workspace(const ExecSpace& exec, const BlockMap& map,
                                             const BlockLayout<ExecSpace>& layout) {
  using Flat = Kokkos::View<float*, MemOf<ExecSpace>>;
  const auto uninitialised = [&](const char* label) {
    return Kokkos::view_alloc(exec, Kokkos::WithoutInitializing, std::string(label));
  };
  const auto zeroed = [&](const char* label) { return Kokkos::view_alloc(exec, std::string(label)); };
  const std::size_t nblocks = map.blocks().size();
  const std::size_t chunks = static_cast<std::size_t>(layout.chunk_count());
  StepWorkspace<ExecSpace> w;
  w.grad = Flat(uninitialised("kdash::grad"), layout.local_size);
  w.scratch = Flat(uninitialised("kdash::scratch"), local_block_kinds(map, layout.local_groups).two_sided_scratch);
  w.directions = Flat(zeroed("kdash::directions"), map.direction_size());
  w.chunk_bad = Kokkos::View<int*, MemOf<ExecSpace>>(zeroed("kdash::chunk::bad"), chunks);
  w.chunk_sum = Flat(zeroed("kdash::chunk::sum"), chunks);
  w.finite = Kokkos::View<int*, MemOf<ExecSpace>>(zeroed("kdash::finite"), nblocks);
  w.graft_norm = Flat(zeroed("kdash::graft_norm"), nblocks);
  w.block_scale = Flat(zeroed("kdash::block_scale"), nblocks);
  w.nonfinite_count = Kokkos::View<int, MemOf<ExecSpace>>(zeroed("kdash::nonfinite_count"));
  return w;
}

}  // namespace kdash::impl
