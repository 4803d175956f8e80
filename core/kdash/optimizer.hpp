// kdash::Optimizer: DASH, the batched Shampoo step of design.md §1 over the stacks of design.md §2.
//
//   kdash::Optimizer opt({{"w1", {512, 256}}, {"b1", {512}}}, config);
//   opt.step(params, grads);  // params: View<float*> (numel each, row-major), grads: View<const float*>
//
// The optimizer owns every piece of state (factor statistics, roots, grafting, EMA, momentum); the caller owns the
// parameters and gradients and passes them to every step (the same or different Views).
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/block_map.hpp>
#include <kdash/distributed/block_ownership.hpp>
#include <kdash/distributed/communicator.hpp>
#include <kdash/metrics.hpp>
#include <kdash/optimizer_config.hpp>
#include <kdash/param_spec.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kdash {

using ParamView = Kokkos::View<float*, MemSpace>;
using GradView = Kokkos::View<const float*, MemSpace>;

// How blocks are spread over ranks (design.md §5). The default is one process owning every block. A rank updates the
// state and computes the search directions of the blocks it owns only, writing them into its slice
// (BlockMap::direction_range(rank)) of the packed direction buffer; `exchange` must then fill the other ranks' slices
// in place (an all-gather), after which every rank applies the full update.
struct Partition {
  int rank = 0;
  std::vector<int> owners;  // owner rank of every block id (empty: all 0)
  std::function<void(const Kokkos::View<float*, MemSpace>& directions, const BlockMap& map)> exchange;
};

// Options of an optimizer distributed over a communicator's ranks (design.md §5).
struct DistributedOptions {
  // Sum the gradients over the ranks and divide by the rank count before the step (an all-reduce per step). Off by
  // default: DDP-style codes pass gradients that are already averaged.
  bool average_gradients = false;
  // Relative weights of the ownership cost model; zero weights (the default) take them from the configuration: a root
  // of about k n^3 multiply-adds every root_freq steps (k from the solver) against the GEMMs of every step.
  distributed::OwnershipCostModel cost{0, 0};
};

class Optimizer {
 public:
  // Validates the config and the specs (std::invalid_argument naming the problem) and allocates every stack.
  Optimizer(std::vector<ParamSpec> specs, Config config, Partition partition = {});
  // Distributed over the ranks of `comm` (design.md §5): blocks are owned by ranks (longest-processing-time-first on a
  // cost model, the same on every rank); each rank updates the statistics, roots and directions of its own blocks, the
  // directions are all-gathered once per step, and every rank applies the full update to its copy of the
  // parameters. Collective: every rank constructs it with the same specs, config and options; if they differ, every
  // rank throws distributed::RankDisagreement with the same message. A null `comm` is a single process.
  Optimizer(std::vector<ParamSpec> specs, Config config, std::shared_ptr<distributed::Communicator> comm,
            DistributedOptions options = {});
  ~Optimizer();
  Optimizer(Optimizer&&) noexcept;
  Optimizer& operator=(Optimizer&&) noexcept;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One step: params[i] -= lr * direction, for parameters in the order of the specs. Throws std::invalid_argument
  // for a wrong count or size (naming the parameter), std::runtime_error for a non-finite gradient under
  // nonfinite_policy=error or a block whose root failed more than max_failures times in a row (naming parameter and
  // block). Runs on the default execution space instance; returns when the update has been issued (not fenced).
  void step(const std::vector<ParamView>& params, const std::vector<GradView>& grads);

  // The full state (step, every factor, root, grafting/EMA/momentum stack, counters, RNG state) keyed by parameter
  // name and block index; bit-exact on reload. save writes atomically (temporary file + rename); load validates the
  // file (format version, size, checksum) and that its parameters, shapes and configuration match this optimizer,
  // and throws std::runtime_error naming the difference, leaving this optimizer unchanged.
  // Distributed: both are collective; save gathers every rank's blocks into one file written by rank 0, load reads it
  // on rank 0 and broadcasts it, each rank taking its own blocks, so a checkpoint written on R ranks loads on any
  // number of ranks. A failure on any rank is thrown on every rank.
  void save(const std::string& path) const;
  void load(const std::string& path);

  // The learning rate for the next steps (schedules). Not part of the configuration check of load().
  void set_lr(double lr);

  std::int64_t step_count() const;
  const Config& config() const;
  const BlockMap& block_map() const;
  // The communicator the optimizer runs on (a SingleProcessCommunicator unless one was given).
  distributed::Communicator& communicator() const;
  // Reads the device-side counters (one small copy): call it when you need the numbers, not every step.
  Metrics metrics() const;

  struct State;  // internal (kdash/impl/optimizer_state.hpp)

 private:
  std::unique_ptr<State> state_;
};

}  // namespace kdash
