// The measurement behind docs/distributed.md: the distributed step (design.md §5) on the "small" benchmark model
// (Llama-style, 2 layers, width 128, SwiGLU hidden 352, vocabulary 512: 533,120 parameters): the step time, the
// all-gather time and the bytes of directions moved per step. The breakdown and alone modes build the optimizer on a
// hand-made partition (kdash::impl::Partition, internal), so that the exchange can be timed on its own.
//
//   mpirun -np 4 distributed_step [--steps 40] [--block-size 128] [--root-freq 10]
//
// Prints one line from rank 0: ranks, median and mean step time (ms), median all-gather time (ms), bytes per step.
//   distributed_step --alone 4   times each of 4 ranks' share of the blocks in one process, one after another
#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/distributed/mpi_communicator.hpp>
#include <kdash/impl/partition.hpp>
#include <kdash/optimizer.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

std::vector<kdash::ParamSpec> small_model() {
  const std::int64_t w = 128, h = 352, v = 512;
  std::vector<kdash::ParamSpec> specs{{"embed_tokens", {v, w}}};
  for (int l = 0; l < 2; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "o_proj"}) specs.push_back({p + "attn." + proj, {w, w}});
    specs.push_back({p + "mlp.gate_proj", {h, w}});
    specs.push_back({p + "mlp.up_proj", {h, w}});
    specs.push_back({p + "mlp.down_proj", {w, h}});
    specs.push_back({p + "input_norm", {w}});
    specs.push_back({p + "post_attn_norm", {w}});
  }
  specs.push_back({"final_norm", {w}});
  specs.push_back({"lm_head", {v, w}});
  return specs;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::vector<std::vector<kdash::GradView>> make_inputs(const std::vector<kdash::ParamSpec>& specs,
                                                      std::vector<kdash::ParamView>& params) {
  std::vector<std::vector<kdash::GradView>> grads(2);
  std::mt19937 gen(1);
  std::normal_distribution<float> dist;
  for (const auto& s : specs) {
    const auto n = static_cast<std::size_t>(kdash::numel(s));
    params.emplace_back("param", n);
    for (auto& set : grads) {
      Kokkos::View<float*, kdash::DefaultExecSpace::memory_space> g("grad", n);
      auto h = Kokkos::create_mirror_view(g);
      for (std::size_t k = 0; k < n; ++k) h(k) = 1e-2f * dist(gen);
      Kokkos::deep_copy(g, h);
      set.push_back(g);
    }
  }
  return grads;
}

// The owners the distributed optimizer computes with its default cost model (EVD: root weight 7, step weight
// root_freq; see core/optimizer_distributed.cpp).
kdash::distributed::BlockOwnership lpt_ownership(const std::vector<kdash::ParamSpec>& specs,
                                                 const kdash::Config& config, int ranks) {
  const auto plain = kdash::BlockMap::build(specs, config.block_size, config.one_dim, config.stacking);
  std::vector<kdash::distributed::BlockShape> shapes;
  for (const auto& b : plain.blocks())
    shapes.push_back(
        {b.extent.rows, b.extent.cols, b.kind == kdash::BlockKind::one_sided, b.kind == kdash::BlockKind::adamw});
  return kdash::distributed::BlockOwnership(shapes, ranks, {7, static_cast<std::uint64_t>(config.root_freq)});
}

// --breakdown 1 (under mpirun): the same distributed step built from a Partition whose exchange is timed, so each
// rank reports its own compute (before the exchange), exchange (waiting for the slowest rank + the all-gather) and
// apply (the full update) times.
int breakdown(int steps, const kdash::Config& config) {
  auto comm = std::make_shared<kdash::distributed::MpiCommunicator>(MPI_COMM_WORLD);
  const auto specs = small_model();
  const auto own = lpt_ownership(specs, config, comm->size());
  using Clock = std::chrono::steady_clock;
  Clock::time_point before, after;
  kdash::impl::Partition part;
  part.rank = comm->rank();
  part.owners = own.owners();
  std::vector<std::size_t> counts;
  part.exchange = [&](float* directions, std::size_t total, const kdash::BlockMap& map) {
    if (counts.empty()) {
      for (int r = 0; r < comm->size(); ++r) {
        const auto range = map.direction_range(r);
        counts.push_back(range.second - range.first);
      }
    }
    before = Clock::now();
    kdash::distributed::all_gather_v_in_place(
        *comm, Kokkos::View<float*, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(directions, total), counts);
    after = Clock::now();
  };
  auto opt = kdash::impl::make_partitioned_optimizer(kdash::DefaultExecSpace(), specs, config, part);
  std::vector<kdash::ParamView> params;
  const auto grads = make_inputs(specs, params);
  for (int t = 0; t < 3; ++t) opt.step(params, grads[t % 2]);
  std::vector<double> compute, exchange, apply;
  auto ms = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  for (int t = 0; t < steps; ++t) {
    comm->barrier();
    const auto t0 = Clock::now();
    opt.step(params, grads[t % 2]);
    Kokkos::fence();
    const auto t1 = Clock::now();
    compute.push_back(ms(t0, before));
    exchange.push_back(ms(before, after));
    apply.push_back(ms(after, t1));
  }
  for (int r = 0; r < comm->size(); ++r) {
    comm->barrier();
    if (r == comm->rank())
      std::printf("breakdown: rank %d of %d  blocks %zu  median compute %.2f ms  exchange %.2f ms  apply %.2f ms\n", r,
                  comm->size(), own.blocks_of(r).size(), median(compute), median(exchange), median(apply));
    std::fflush(stdout);
  }
  return 0;
}

// --alone R (one process): the step time of each of R ranks' share of the blocks, computed alone (no communication,
// no other rank competing for the cores): what R ranks would cost with a core each and a free network. Uses the
// LPT owners of the distributed optimizer's default cost model (EVD: root weight 7, step weight root_freq).
int compute_alone(int ranks, int block_size, int root_freq, int steps) {
  const auto specs = small_model();
  kdash::Config config;
  config.block_size = block_size;
  config.root_freq = root_freq;
  const auto own = lpt_ownership(specs, config, ranks);
  using Clock = std::chrono::steady_clock;
  for (int r = 0; r < ranks; ++r) {
    kdash::impl::Partition part;
    part.rank = r;
    part.owners = own.owners();
    auto opt = kdash::impl::make_partitioned_optimizer(kdash::DefaultExecSpace(), specs, config, part);
    std::vector<kdash::ParamView> params;
    auto grads = make_inputs(specs, params);
    for (int t = 0; t < 3; ++t) opt.step(params, grads[t % 2]);
    std::vector<double> ms;
    double mean = 0;
    for (int t = 0; t < steps; ++t) {
      const auto t0 = Clock::now();
      opt.step(params, grads[t % 2]);
      Kokkos::fence();
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      mean += ms.back() / steps;
    }
    std::printf("alone: rank %d of %d  blocks %lld  modelled cost share %.3f  step median %.2f ms  mean %.2f ms\n", r,
                ranks, static_cast<long long>(own.blocks_of(r).size()),
                double(own.rank_cost(r)) / double(own.total_cost()), median(ms), mean);
  }
  return 0;
}

int run(int argc, char** argv) {
  int steps = 40, block_size = 128, root_freq = 10, alone = 0, split = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (key == "--steps") steps = value;
    if (key == "--block-size") block_size = value;
    if (key == "--root-freq") root_freq = value;
    if (key == "--alone") alone = value;
    if (key == "--breakdown") split = value;
  }
  if (alone > 0) return compute_alone(alone, block_size, root_freq, steps);
  if (split > 0) {
    kdash::Config config;
    config.block_size = block_size;
    config.root_freq = root_freq;
    return breakdown(steps, config);
  }
  auto comm = std::make_shared<kdash::distributed::MpiCommunicator>(MPI_COMM_WORLD);
  const auto specs = small_model();
  kdash::Config config;
  config.block_size = block_size;
  config.root_freq = root_freq;
  kdash::Optimizer<> opt(specs, config, comm);

  // Parameters and two gradient sets (alternated), the same on every rank.
  std::vector<kdash::ParamView> params;
  const auto grads = make_inputs(specs, params);

  // Warm-up (first roots, allocations), then timed steps; a barrier starts every step together.
  using Clock = std::chrono::steady_clock;
  for (int t = 0; t < 3; ++t) opt.step(params, grads[t % 2]);
  std::vector<double> step_ms;
  for (int t = 0; t < steps; ++t) {
    comm->barrier();
    const auto t0 = Clock::now();
    opt.step(params, grads[t % 2]);
    Kokkos::fence();
    step_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  // The exchange alone: the same in-place all-gather of the packed direction buffer the step performs.
  const kdash::Metrics m = opt.metrics();
  const auto& map = opt.block_map();
  std::vector<std::size_t> counts(static_cast<std::size_t>(comm->size()));
  for (int r = 0; r < comm->size(); ++r) {
    const auto range = map.direction_range(r);
    counts[static_cast<std::size_t>(r)] = range.second - range.first;
  }
  Kokkos::View<float*, kdash::DefaultExecSpace::memory_space> directions("directions", map.direction_size());
  std::vector<double> gather_ms;
  for (int t = 0; t < steps; ++t) {
    comm->barrier();
    const auto t0 = Clock::now();
    kdash::distributed::all_gather_v_in_place(*comm, directions, counts);
    gather_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  // The slowest rank's median is the step time of the job.
  double local[2] = {median(step_ms), median(gather_ms)}, worst[2];
  MPI_Reduce(local, worst, 2, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  double mean = 0;
  for (double x : step_ms) mean += x / steps;
  double worst_mean = 0;
  MPI_Reduce(&mean, &worst_mean, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  if (comm->rank() == 0) {
    std::printf(
        "ranks %d  threads/rank %d  blocks %zu  block_size %d  root_freq %d  load_balance %.3f  step median %.2f ms  "
        "step mean %.2f ms  all-gather median %.3f ms  direction bytes/step %llu (received by rank 0: %llu)\n",
        comm->size(), kdash::compat::concurrency(kdash::DefaultExecSpace()), map.blocks().size(), block_size, root_freq,
        m.load_balance, worst[0], worst_mean, worst[1], static_cast<unsigned long long>(m.direction_bytes_all_ranks),
        static_cast<unsigned long long>(m.direction_bytes_received));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  Kokkos::initialize(argc, argv);
  int rc = 0;
  try {
    rc = run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "distributed_step: %s\n", e.what());
    rc = 1;
  }
  Kokkos::finalize();
  MPI_Finalize();
  return rc;
}
