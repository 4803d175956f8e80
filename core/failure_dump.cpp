// Writing the statistics of factors whose inverse root failed (design.md §4), so that `kdash root` can replay them:
// <dump_dir>/<param>.block<k>.<L|R>.step<t>.npy, float32 of shape (1, n, n) (a one-block stack).
#include "kdash/impl/optimizer_state.hpp"
#include "kdash/io/npy.hpp"

#include <filesystem>
#include <iostream>
#include <string>

namespace kdash::impl {

template <class ExecSpace>
void dump_failing_factor(const OptimizerState<ExecSpace>& s, int stack, int entry, const std::string& why) {
  if (s.config.dump_dir.empty()) return;
  const FactorStack& fs = s.map.factor_stacks()[stack];
  const BlockInfo& b = s.map.blocks()[fs.entries[entry].block];
  std::string name = s.map.params()[b.param].spec.name;
  for (char& ch : name)
    if (ch == '/' || ch == '\\') ch = '_';
  const std::filesystem::path dir(s.config.dump_dir);
  const std::filesystem::path file =
      dir / (name + ".block" + std::to_string(b.index) + "." + std::string(1, fs.entries[entry].side) + ".step" +
             std::to_string(s.counters.step) + ".npy");
  try {
    std::filesystem::create_directories(dir);
    auto one = Kokkos::subview(s.factors[stack].stats, entry, Kokkos::ALL, Kokkos::ALL);
    auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), one);
    std::vector<float> data(host.data(), host.data() + host.size());
    io::write_npy(file.string(), {1, std::size_t(fs.n), std::size_t(fs.n)}, data.data());
  } catch (const std::exception& e) {
    // A failed dump must not hide the failure being diagnosed: report it and carry on.
    std::cerr << "kdash: could not dump failing factor to " << file << ": " << e.what() << "\n";
    return;
  }
  std::cerr << "kdash: inverse root failed (" << why << "); factor written to " << file << "\n";
}

#define KDASH_INSTANTIATE_FAILURE_DUMP(SPACE) \
  template void dump_failing_factor<SPACE>(const OptimizerState<SPACE>&, int, int, const std::string&);
KDASH_FOR_EACH_EXECUTION_SPACE(KDASH_INSTANTIATE_FAILURE_DUMP)
#undef KDASH_INSTANTIATE_FAILURE_DUMP

}  // namespace kdash::impl
