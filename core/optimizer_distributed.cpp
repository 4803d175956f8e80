// The distributed side of kdash::Optimizer (design.md §5): ownership of blocks by ranks, the configuration agreement,
// the direction all-gather, gradient averaging and the distribution metrics. The step itself (optimizer.cpp) only sees
// an impl::Partition: the blocks of its rank and an exchange that fills in the other ranks' directions.
#include "kdash/config_json.hpp"
#include "kdash/impl/optimizer_state.hpp"
#include "kdash/io/checksum.hpp"
#include "kdash/optimizer.hpp"
#include "kdash/version.hpp"

#include <kdash/backends/profiling_region.hpp>
#include <kdash/distributed/single_process_communicator.hpp>

#include <stdexcept>
#include <string>

namespace kdash {

namespace {

// The cost model of the ownership (kdash/distributed/block_ownership.hpp): a root of about k n^3 multiply-adds
// every root_freq steps against the step's GEMMs. k per solver (design.md §3): EVD = syevd (~5 GEMMs on a CPU) + 2
// GEMMs; coupled Newton 4 GEMMs per iteration; Newton-DB ~5.6 per iteration (56 at 10); Chebyshev degree - 1.
distributed::OwnershipCostModel cost_model(const Config& c, const DistributedOptions& o) {
  if (o.cost.root_weight != 0 || o.cost.step_weight != 0) return o.cost;
  std::uint64_t k = 7;
  switch (c.root.method) {
    case RootMethod::coupled_newton:
      k = 4 * static_cast<std::uint64_t>(c.root.max_iterations);
      break;
    case RootMethod::newton_denman_beavers:
      k = (56 * static_cast<std::uint64_t>(c.root.max_iterations) + 9) / 10;
      break;
    case RootMethod::chebyshev:
      k = static_cast<std::uint64_t>(std::max(1, c.root.chebyshev_degree - 1));
      break;
    default:
      break;
  }
  return {std::max<std::uint64_t>(k, 1), static_cast<std::uint64_t>(std::max(1, c.root_freq))};
}

distributed::BlockOwnership ownership_of(const BlockMap& map, int ranks, const distributed::OwnershipCostModel& cost) {
  std::vector<distributed::BlockShape> shapes;
  shapes.reserve(map.blocks().size());
  for (const BlockInfo& b : map.blocks()) {
    shapes.push_back({b.extent.rows, b.extent.cols, b.kind == BlockKind::one_sided, b.kind == BlockKind::adamw});
  }
  return distributed::BlockOwnership(shapes, ranks, cost);
}

// Everything every rank must agree on before the first collective that depends on it.
std::string configuration_text(const Config& c, const DistributedOptions& o) {
  return "kdash " + version_string() + "\n" + config_to_json(c, -1) + "\naverage_gradients " +
         std::to_string(o.average_gradients) + " cost " + std::to_string(o.cost.root_weight) + "/" +
         std::to_string(o.cost.step_weight);
}

std::string parameter_text(const std::vector<ParamSpec>& specs) {
  std::string text;
  for (const ParamSpec& p : specs) {
    text += std::to_string(p.name.size()) + ":" + p.name + "(";
    for (auto d : p.shape) text += std::to_string(d) + ",";
    text += ")\n";
  }
  return text;
}

// The Partition of this rank: LPT owners, and an exchange that all-gathers the packed directions in place (the
// BlockMap orders groups by owner, so rank r's directions are one contiguous slice and the slices follow in rank
// order: exactly an all-gather's layout).
template <class ExecSpace>
impl::Partition distributed_partition(const std::vector<ParamSpec>& specs, const Config& config,
                                      const std::shared_ptr<distributed::Communicator>& comm,
                                      const DistributedOptions& options) {
  if (!comm) throw std::invalid_argument("kdash::Optimizer: null communicator");
  // Agreement first: from here on every rank computes the same things, so local checks fail alike everywhere.
  comm->agree(io::fnv1a64(configuration_text(config, options)),
              "the optimizer configuration (kdash::Config and DistributedOptions)");
  comm->agree(io::fnv1a64(parameter_text(specs)), "the parameter list (names and shapes, in order)");
  impl::Partition partition;
  partition.rank = comm->rank();
  distributed::all_or_none(*comm, [&] {
    config.validate();
    const BlockMap plain = BlockMap::build(specs, config.block_size, config.one_dim, config.stacking);
    partition.owners = ownership_of(plain, comm->size(), cost_model(config, options)).owners();
    if (comm->size() == 1) return;
    const BlockMap owned = BlockMap::build(specs, config.block_size, config.one_dim, config.stacking, partition.owners);
    std::vector<std::size_t> counts(static_cast<std::size_t>(comm->size()));
    std::size_t expected_begin = 0;
    for (int r = 0; r < comm->size(); ++r) {
      const auto range = owned.direction_range(r);
      if (range.first != expected_begin)
        throw std::logic_error("kdash::Optimizer: the direction slice of rank " + std::to_string(r) +
                               " does not follow the previous rank's (BlockMap layout)");
      counts[static_cast<std::size_t>(r)] = range.second - range.first;
      expected_begin = range.second;
    }
    partition.exchange = [comm, counts](float* directions, std::size_t total, const BlockMap&) {
      const backends::ProfilingRegion region("kdash::Optimizer::exchange_directions");
      using Unmanaged = Kokkos::View<float*, MemOf<ExecSpace>, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
      distributed::all_gather_v_in_place(*comm, Unmanaged(directions, total), counts);
    };
  });
  return partition;
}

std::shared_ptr<distributed::Communicator> or_single(std::shared_ptr<distributed::Communicator> comm) {
  if (comm) return comm;
  return std::make_shared<distributed::SingleProcessCommunicator>();
}

}  // namespace

template <class ExecSpace>
Optimizer<ExecSpace>::Optimizer(std::vector<ParamSpec> specs, Config config,
                                std::shared_ptr<distributed::Communicator> comm, DistributedOptions options)
    : Optimizer(ExecSpace(), std::move(specs), std::move(config), std::move(comm), options) {}

template <class ExecSpace>
Optimizer<ExecSpace>::Optimizer(const ExecSpace& exec, std::vector<ParamSpec> specs, Config config,
                                std::shared_ptr<distributed::Communicator> comm, DistributedOptions options)
    : Optimizer(exec, specs, config, distributed_partition<ExecSpace>(specs, config, or_single(comm), options)) {
  impl::OptimizerState<ExecSpace>& s = *state_;
  s.distribution.comm = or_single(std::move(comm));
  s.distribution.load_balance =
      ownership_of(s.map, s.distribution.comm->size(), cost_model(s.config, options)).load_balance();
  s.distribution.average_gradients = options.average_gradients && s.distribution.comm->size() > 1;
  if (s.distribution.average_gradients) {
    std::size_t total = 0;
    for (const ParamLayout& p : s.map.params()) total += static_cast<std::size_t>(p.numel);
    s.distribution.averaged_grads = Kokkos::View<float*, MemOf<ExecSpace>>(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "kdash::averaged_grads"), total);
  }
}

template <class ExecSpace>
distributed::Communicator& Optimizer<ExecSpace>::communicator() const {
  return *state_->distribution.comm;
}

namespace impl {

template <class ExecSpace>
std::vector<ParamRef<const float, MemOf<ExecSpace>>> average_gradients(
    OptimizerState<ExecSpace>& s, const std::vector<ParamRef<const float, MemOf<ExecSpace>>>& grads) {
  const backends::ProfilingRegion region("kdash::Optimizer::average_gradients");
  using Unmanaged = Kokkos::View<const float*, MemOf<ExecSpace>, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
  std::vector<ParamRef<const float, MemOf<ExecSpace>>> out;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const std::size_t n = grads[i].size();
    const auto part = Kokkos::subview(s.distribution.averaged_grads, std::make_pair(offset, offset + n));
    Kokkos::deep_copy(s.exec, part, Unmanaged(grads[i].data(), n));
    out.push_back(part);
    offset += n;
  }
  distributed::all_reduce_sum(*s.distribution.comm, s.distribution.averaged_grads);  // fences before the reduction
  const auto sum = s.distribution.averaged_grads;
  const float ranks = static_cast<float>(s.distribution.comm->size());
  Kokkos::parallel_for(
      "kdash::distributed::average_gradients", Kokkos::RangePolicy<ExecSpace>(s.exec, 0, sum.extent(0)),
      KOKKOS_LAMBDA(const std::size_t k) { sum(k) /= ranks; });
  return out;
}

template <class ExecSpace>
void distribution_metrics(const OptimizerState<ExecSpace>& s, Metrics& m) {
  m.rank = s.distribution.comm->rank();
  m.ranks = s.distribution.comm->size();
  m.owned_blocks = s.layout.local_last - s.layout.local_first;
  m.load_balance = s.distribution.load_balance;
  if (m.ranks > 1) {
    m.direction_bytes_received = (s.map.direction_size() - s.layout.local_size) * sizeof(float);
    m.direction_bytes_all_ranks = static_cast<std::uint64_t>(m.ranks - 1) * s.map.direction_size() * sizeof(float);
  }
}

#define KDASH_INSTANTIATE_DISTRIBUTION(SPACE)                                           \
  template std::vector<ParamRef<const float, MemOf<SPACE>>> average_gradients<SPACE>(   \
      OptimizerState<SPACE>&, const std::vector<ParamRef<const float, MemOf<SPACE>>>&); \
  template void distribution_metrics<SPACE>(const OptimizerState<SPACE>&, Metrics&);
KDASH_FOR_EACH_EXECUTION_SPACE(KDASH_INSTANTIATE_DISTRIBUTION)
#undef KDASH_INSTANTIATE_DISTRIBUTION

}  // namespace impl

#define KDASH_INSTANTIATE_DISTRIBUTED_OPTIMIZER(SPACE)                                                             \
  template Optimizer<SPACE>::Optimizer(std::vector<ParamSpec>, Config, std::shared_ptr<distributed::Communicator>, \
                                       DistributedOptions);                                                        \
  template Optimizer<SPACE>::Optimizer(const SPACE&, std::vector<ParamSpec>, Config,                               \
                                       std::shared_ptr<distributed::Communicator>, DistributedOptions);            \
  template distributed::Communicator& Optimizer<SPACE>::communicator() const;
KDASH_FOR_EACH_EXECUTION_SPACE(KDASH_INSTANTIATE_DISTRIBUTED_OPTIMIZER)
#undef KDASH_INSTANTIATE_DISTRIBUTED_OPTIMIZER

}  // namespace kdash
