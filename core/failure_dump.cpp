// Writing failing factor matrices for offline replay (SPEC §4). Needs the .npy writer (kdash/io/npy.hpp).
#include "kdash/impl/optimizer_state.hpp"

#include <string>

namespace kdash::impl {

void dump_failing_factor(const Optimizer::State& s, int stack, int entry, const std::string& why) {
  if (s.config.dump_dir.empty()) return;
  (void)stack;
  (void)entry;
  (void)why;
}

}  // namespace kdash::impl
