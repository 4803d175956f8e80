// Internal: how the blocks of an optimizer are spread over ranks (design.md §5), below the communicator constructor.
// A rank updates the state and computes the search directions of the blocks it owns only, writing them into its
// slice (BlockMap::direction_range(rank)) of the packed direction buffer; `exchange` must then fill the other ranks'
// slices in place (an all-gather), after which every rank applies the full update. The communicator constructor builds
// one from a Communicator; tests build one by hand to simulate ranks in one process.
#pragma once

#include <kdash/block_map.hpp>
#include <kdash/optimizer.hpp>

#include <functional>
#include <utility>
#include <vector>

namespace kdash::impl {

struct Partition {
  int rank = 0;
  std::vector<int> owners;  // owner rank of every block id (empty: all 0)
  // Fills the other ranks' slices of the packed direction buffer (`count` floats at `directions`, in the optimizer's
  // memory space) in place.
  std::function<void(float* directions, std::size_t count, const BlockMap& map)> exchange;
};

// Builds an optimizer on a hand-made partition (the constructor is private: this is not public API).
template <class ExecSpace>
class OptimizerFactory {
 public:
  static Optimizer<ExecSpace> partitioned(const ExecSpace& exec, std::vector<ParamSpec> specs, Config config,
                                          Partition partition) {
    return Optimizer<ExecSpace>(exec, std::move(specs), std::move(config), std::move(partition));
  }
};

template <class ExecSpace>
Optimizer<ExecSpace> make_partitioned_optimizer(const ExecSpace& exec, std::vector<ParamSpec> specs, Config config,
                                                Partition partition) {
  return OptimizerFactory<ExecSpace>::partitioned(exec, std::move(specs), std::move(config), std::move(partition));
}

}  // namespace kdash::impl
