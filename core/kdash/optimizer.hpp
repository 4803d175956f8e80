// kdash::Optimizer: DASH, the batched Shampoo step of design.md §1 over the stacks of design.md §2, on one Kokkos
// execution space instance.
//
//   kdash::Optimizer<> opt({{"w1", {512, 256}}, {"b1", {512}}}, config);   // Kokkos' default execution space
//   opt.step(params, grads);  // params: View<float*> (numel each, row-major) or View<float**, LayoutRight>
//
//   kdash::Optimizer<Kokkos::Cuda> on_my_stream(Kokkos::Cuda(stream), specs, config);
//
// The optimizer owns every piece of state (factor statistics, roots, grafting, EMA, momentum) in the memory of its
// execution space; the caller owns the parameters and gradients and passes them to every step (the same or different
// Views). Every kernel, vendor library call and copy of a step is enqueued on the optimizer's instance. kdash is
// instantiated for every execution space its Kokkos enables (kdash::EnabledExecutionSpaces).
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/block_map.hpp>
#include <kdash/distributed/block_ownership.hpp>
#include <kdash/distributed/communicator.hpp>
#include <kdash/metrics.hpp>
#include <kdash/optimizer_config.hpp>
#include <kdash/param_ref.hpp>
#include <kdash/param_spec.hpp>

#include <memory>
#include <string>
#include <vector>

namespace kdash {

// Views of the default execution space's memory (HostSpace in builds without a device, so they also serve
// Optimizer<Kokkos::Serial> and Optimizer<Kokkos::OpenMP>).
using ParamView = Kokkos::View<float*, DefaultExecSpace::memory_space>;
using GradView = Kokkos::View<const float*, DefaultExecSpace::memory_space>;

// Options of an optimizer distributed over a communicator's ranks (design.md §5).
struct DistributedOptions {
  // Sum the gradients over the ranks and divide by the rank count before the step (an all-reduce per step). Off by
  // default: DDP-style codes pass gradients that are already averaged.
  bool average_gradients = false;
  // Relative weights of the ownership cost model; zero weights (the default) take them from the configuration: a root
  // of about k n^3 multiply-adds every root_freq steps (k from the solver) against the GEMMs of every step.
  distributed::OwnershipCostModel cost{0, 0};
};

namespace impl {
template <class ExecSpace>
struct OptimizerState;
struct Partition;
template <class ExecSpace>
class OptimizerFactory;
}  // namespace impl

template <class ExecSpace = DefaultExecSpace>
class Optimizer {
  static_assert(is_enabled_space_v<ExecSpace>,
                "kdash::Optimizer: kdash is not instantiated for this execution space (its Kokkos does not enable it)");

 public:
  using execution_space = ExecSpace;
  using memory_space = typename ExecSpace::memory_space;
  // The parameter and gradient Views of this optimizer's memory space, and what step() accepts for each.
  using ParamView = Kokkos::View<float*, memory_space>;
  using GradView = Kokkos::View<const float*, memory_space>;
  using Param = ParamRef<float, memory_space>;
  using Grad = ParamRef<const float, memory_space>;

  // Validates the config and the specs (std::invalid_argument naming the problem) and allocates every stack, on the
  // given execution space instance (the default instance when none is given). One process owns every block.
  Optimizer(std::vector<ParamSpec> specs, Config config);
  Optimizer(const ExecSpace& exec, std::vector<ParamSpec> specs, Config config);
  // Distributed over the ranks of `comm` (design.md §5): blocks are owned by ranks (longest-processing-time-first on a
  // cost model, the same on every rank); each rank updates the statistics, roots and directions of its own blocks, the
  // directions are all-gathered once per step, and every rank applies the full update to its copy of the
  // parameters. Collective: every rank constructs it with the same specs, config and options; if they differ, every
  // rank throws distributed::RankDisagreement with the same message. A null `comm` is a single process.
  Optimizer(std::vector<ParamSpec> specs, Config config, std::shared_ptr<distributed::Communicator> comm,
            DistributedOptions options = {});
  Optimizer(const ExecSpace& exec, std::vector<ParamSpec> specs, Config config,
            std::shared_ptr<distributed::Communicator> comm, DistributedOptions options = {});
  ~Optimizer();
  Optimizer(Optimizer&&) noexcept;
  Optimizer& operator=(Optimizer&&) noexcept;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One step: params[i] -= lr * direction, for parameters in the order of the specs. Each parameter and gradient is a
  // rank-1 View of numel values or a rank-2 LayoutRight View of the parameter's matrix (rows x columns of its spec;
  // ParamRef). Throws std::invalid_argument for a wrong count, size, shape or a non-contiguous View (naming the
  // parameter), std::runtime_error for a non-finite gradient under nonfinite_policy=error or a block whose root
  // failed more than max_failures times in a row (naming parameter and block). Enqueued on the optimizer's instance;
  // returns without fencing it, except where the host must see device data: nonfinite_policy=error (the count of
  // non-finite blocks), root steps (per-block solver results), a distributed exchange, gradient averaging.
  void step(const std::vector<Param>& params, const std::vector<Grad>& grads);
  // Vectors of Views (rank 1 or rank 2, managed or not): each element converts to Param / Grad, without a copy of
  // the data.
  template <class P, class G>
  void step(const std::vector<P>& params, const std::vector<G>& grads) {
    static_assert(std::is_convertible_v<const P&, Param> && std::is_convertible_v<const G&, Grad>,
                  "kdash::Optimizer::step: parameters must be float Views and gradients float or const float Views "
                  "of the optimizer's memory space, rank 1 or rank 2 LayoutRight");
    step(std::vector<Param>(params.begin(), params.end()), std::vector<Grad>(grads.begin(), grads.end()));
  }
  // A vector of Views beside a braced list: step(params, {dW, db}) and step({W, b}, grads).
  template <class P>
  void step(const std::vector<P>& params, const std::vector<Grad>& grads) {
    step(std::vector<Param>(params.begin(), params.end()), grads);
  }
  template <class G>
  void step(const std::vector<Param>& params, const std::vector<G>& grads) {
    step(params, std::vector<Grad>(grads.begin(), grads.end()));
  }

  // The full state (step, every factor, root, grafting/EMA/momentum stack, counters, RNG state) keyed by parameter
  // name and block index; bit-exact on reload. save writes atomically (temporary file + rename); load validates the
  // file (format version, size, checksum) and that its parameters, shapes and configuration match this optimizer,
  // and throws std::runtime_error naming the difference, leaving this optimizer unchanged. Both fence the instance.
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
  // The execution space instance every step is enqueued on.
  const ExecSpace& execution_space_instance() const;
  // The communicator the optimizer runs on (a SingleProcessCommunicator unless one was given).
  distributed::Communicator& communicator() const;
  // Reads the device-side counters (one small copy, fences the instance): call it when you need the numbers, not
  // every step.
  Metrics metrics() const;

 private:
  friend class impl::OptimizerFactory<ExecSpace>;
  Optimizer(const ExecSpace& exec, std::vector<ParamSpec> specs, Config config, impl::Partition partition);

  std::unique_ptr<impl::OptimizerState<ExecSpace>> state_;
};

}  // namespace kdash
