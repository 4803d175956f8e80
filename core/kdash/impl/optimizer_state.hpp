// Internal: the state behind kdash::Optimizer<ExecSpace>, one member per concept: the configuration and blocking, the
// block layout (built once), the factor store, the first-order state, the step's workspace, the parameter pointer
// table, the distribution, and the counters. The step (optimizer.cpp), checkpoints (checkpoint.cpp) and the
// distributed parts (optimizer_distributed.cpp) take the members they use.
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/block_map.hpp>
#include <kdash/distributed/communicator.hpp>
#include <kdash/impl/block_layout.hpp>
#include <kdash/impl/factor_store.hpp>
#include <kdash/impl/parameter_table.hpp>
#include <kdash/impl/partition.hpp>
#include <kdash/impl/step_buffers.hpp>
#include <kdash/metrics.hpp>
#include <kdash/optimizer_config.hpp>

#include <cstdint>
#include <memory>

namespace kdash::impl {

// How far the run has got: what a checkpoint restores besides the buffers.
struct RunCounters {
  std::int64_t step = 0;
  std::uint64_t root_calls = 0;  // RNG counter: the seed of each root computation derives from (seed, root_calls)
  bool roots_computed = false;   // in the last step
  StepTimings timings;
};

// Distribution (design.md §5): the communicator (never null), the ownership's load balance, gradient averaging.
template <class ExecSpace>
struct Distribution {
  std::shared_ptr<distributed::Communicator> comm;
  double load_balance = 1.0;
  bool average_gradients = false;
  Kokkos::View<float*, MemOf<ExecSpace>> averaged_grads;  // every parameter's gradient, summed over the ranks
};

template <class ExecSpace>
struct OptimizerState {
  Config config;
  BlockMap map;
  Partition partition;
  ExecSpace exec;
  RunCounters counters;
  BlockLayout<ExecSpace> layout;
  FactorStore<ExecSpace> factors;
  FirstOrderState<ExecSpace> first_order;
  StepWorkspace<ExecSpace> work;
  ParameterTable<ExecSpace> parameters;
  Distribution<ExecSpace> distribution;
};

}  // namespace kdash::impl
