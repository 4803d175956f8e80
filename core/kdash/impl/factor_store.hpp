// Internal: the factor statistics and inverse roots of this rank's factor stacks (design.md §2, §4), with each
// entry's failure record.
#pragma once

#include <kdash/backends/for_each_entry.hpp>
#include <kdash/block_map.hpp>
#include <kdash/impl/block_layout.hpp>
#include <kdash/solvers/root_options.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kdash::impl {

// One factor stack: statistics, current roots, and a scratch stack the roots are computed into (so that a failed
// block keeps its previous root).
template <class ExecSpace>
struct FactorState {
  Stack<float, MemOf<ExecSpace>> stats, root, scratch;
  Kokkos::View<int*, MemOf<ExecSpace>> accepted;  // per entry, on root steps: the new root is kept
  std::vector<int> consecutive_failures;          // per entry
  std::vector<std::int64_t> total_failures;
  std::vector<BlockRootResult> last;
};

// By factor stack id; stacks of other ranks stay empty.
template <class ExecSpace>
using FactorStore = std::vector<FactorState<ExecSpace>>;

// Zero statistics and identity roots for every factor stack this rank owns, enqueued on exec.
template <class ExecSpace>
FactorStore<ExecSpace> make_factor_store(const ExecSpace& exec, const BlockMap& map,
                                         const BlockLayout<ExecSpace>& layout) {
  using StackT = Stack<float, MemOf<ExecSpace>>;
  FactorStore<ExecSpace> store(map.factor_stacks().size());
  for (int f : layout.local_factors) {
    const FactorStack& fs = map.factor_stacks()[f];
    FactorState<ExecSpace>& st = store[f];
    const std::size_t count = fs.entries.size();
    const auto uninitialised = [&](const char* label) {
      return Kokkos::view_alloc(exec, Kokkos::WithoutInitializing, std::string(label));
    };
    st.stats = StackT(Kokkos::view_alloc(exec, std::string("kdash::factor::stats")), count, fs.n, fs.n);
    st.root = StackT(uninitialised("kdash::factor::root"), count, fs.n, fs.n);
    st.scratch = StackT(uninitialised("kdash::factor::scratch"), count, fs.n, fs.n);
    auto root = st.root;
    backends::for_each_entry(
        exec, "kdash::factor::identity", int(count), fs.n, fs.n,
        KOKKOS_LAMBDA(const int b, const int i, const int j) { root(b, i, j) = i == j ? 1.0f : 0.0f; });
    st.accepted =
        Kokkos::View<int*, MemOf<ExecSpace>>(Kokkos::view_alloc(exec, std::string("kdash::factor::accepted")), count);
    st.consecutive_failures.assign(count, 0);
    st.total_failures.assign(count, 0);
    st.last.assign(count, BlockRootResult{});
  }
  return store;
}

}  // namespace kdash::impl
