// Reusable scratch Views. One inverse-root call allocates ~10-25 stacks and per-block vectors; one block at a time
// (the sequential and layerwise modes) that is tens of thousands of device allocations per root step, and on CUDA
// every cudaFree synchronises the whole device. scratch_view() keeps Views in a per-thread cache keyed by label, type
// and extents, and hands one out again once nobody else holds it (use_count() == 1), like a caching allocator.
// Views above kScratchViewBytes are plain allocations; past kScratchTotalBytes per View type the oldest free entries
// are dropped. release_scratch() gives every free cached View of the calling thread back (the optimizer calls it
// after each root computation, so the memory is not held between root steps); the rest goes at Kokkos::finalize,
// for the finalizing thread (or at its exit, when Kokkos::finalize runs from std::atexit): another thread that used
// the cache must end before Kokkos::finalize.
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/backends/kokkos_compat.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace kdash::backends {

inline constexpr std::size_t kScratchViewBytes = std::size_t(1) << 30;
inline constexpr std::size_t kScratchTotalBytes = std::size_t(4) << 30;
static_assert(kScratchViewBytes < kScratchTotalBytes);

namespace detail {

template <class ViewT, class ExecSpace>
struct ScratchEntry {
  std::string label;
  std::array<std::size_t, 8> extents;
  ViewT view;
  ExecSpace last_user;  // the instance it was last handed out on (a copy keeps its stream alive)
};

template <class ViewT, class ExecSpace>
struct ScratchCache {
  std::vector<ScratchEntry<ViewT, ExecSpace>> entries;
  std::size_t bytes = 0;

  // Drops the entries nobody holds, oldest first, until at most `keep` bytes stay cached; their memory goes back now
  // (a device free waits for queued work).
  void release_free(std::size_t keep = 0) {
    for (auto it = entries.begin(); it != entries.end() && bytes > keep;) {
      if (it->view.use_count() == 1) {
        bytes -= it->view.size() * sizeof(typename ViewT::value_type);
        it = entries.erase(it);
      } else {
        ++it;
      }
    }
  }
};

// What release_scratch() calls: one function per scratch kind this thread has used.
inline std::vector<void (*)()>& scratch_releasers() {
  thread_local std::vector<void (*)()> releasers;
  return releasers;
}

// One cache per View type and execution space (two host spaces share HostSpace Views but not instances).
template <class ViewT, class ExecSpace>
ScratchCache<ViewT, ExecSpace>& scratch_cache() {
  using Cache = ScratchCache<ViewT, ExecSpace>;
  thread_local const std::shared_ptr<Cache> cache = std::make_shared<Cache>();
  thread_local bool registered = false;
  if (!registered) {
    // Device memory goes back before Kokkos does, not at thread exit. The hook holds the cache weakly: when
    // Kokkos::finalize runs after the thread's thread_local objects are gone (called from std::atexit or a static
    // destructor, after main returned), the cache has already given its Views back and the hook does nothing.
    Kokkos::push_finalize_hook([weak = std::weak_ptr<Cache>(cache)] {
      if (const auto alive = weak.lock()) *alive = Cache();
    });
    scratch_releasers().push_back([] { cache->release_free(); });
    registered = true;
  }
  return *cache;
}

}  // namespace detail

// Gives back every cached scratch View of the calling thread that nobody holds.
inline void release_scratch() {
  for (auto release : detail::scratch_releasers()) release();
}

// A View labelled `label` with these extents, on `exec`'s memory space: a cached one nobody else holds, else a new
// one. zero: every entry set to 0 in `exec`'s order (what a plain labelled allocation gives); else the contents are
// unspecified.
template <class ViewT, class ExecSpace, class... Extents>
ViewT scratch_view(const ExecSpace& exec, const char* label, bool zero, Extents... extents) {
  static_assert(sizeof...(Extents) <= 8);
  const std::array<std::size_t, 8> key{static_cast<std::size_t>(extents)...};
  std::size_t elements = 1;
  for (std::size_t e : {static_cast<std::size_t>(extents)...}) elements *= e;
  const std::size_t bytes = elements * sizeof(typename ViewT::value_type);
  auto fresh = [&] {
    ViewT v(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), extents...);
    if (zero) Kokkos::deep_copy(exec, v, typename ViewT::value_type(0));
    return v;
  };
  if (bytes > kScratchViewBytes) return fresh();
  auto& cache = detail::scratch_cache<ViewT, ExecSpace>();
  for (auto& e : cache.entries) {
    if (e.view.use_count() != 1 || e.extents != key || e.label != label) continue;
    // Kernels queued on another instance (another stream) may still use it: let them finish first.
    if (!compat::same_stream(e.last_user, exec)) e.last_user.fence();
    e.last_user = exec;
    if (zero) Kokkos::deep_copy(exec, e.view, typename ViewT::value_type(0));
    return e.view;
  }
  // Make room before the new allocation (bytes <= kScratchViewBytes < kScratchTotalBytes here).
  cache.release_free(kScratchTotalBytes - bytes);
  ViewT v = fresh();
  if (cache.bytes + bytes <= kScratchTotalBytes) {
    cache.entries.push_back({label, key, v, exec});
    cache.bytes += bytes;
  }
  return v;
}

}  // namespace kdash::backends
