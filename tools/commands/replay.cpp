// kdash replay: run the optimizer over a recorded gradient sequence and write the parameters (SPEC §8).
#include "command.hpp"

#include <kdash/config.hpp>
#include <kdash/config_json.hpp>
#include <kdash/distributed/mpi_communicator.hpp>
#include <kdash/replay.hpp>

#include <iostream>
#include <memory>

namespace kdash::tools {

Action register_replay(CLI::App& app) {
  auto* sub = app.add_subcommand("replay", "run the optimizer over a gradient sequence and write the parameters");
  auto options = std::make_shared<ReplayOptions>();
  auto config_path = std::make_shared<std::string>();
  sub->add_option("--config", *config_path, "optimizer configuration (JSON; every key optional)");
  sub->add_option("--params", options->params_dir, "directory of <name>.npy initial parameters")->required();
  sub->add_option("--grads", options->grads_dir, "directory of <name>.npy gradients, shape (T, *param_shape)")
      ->required();
  sub->add_option("--out", options->out_dir, "output directory: <name>.npy final parameters (float32)")->required();
  sub->add_flag("--trace", options->trace, "also write <name>.trace.npy: the parameters after every step");
  return [options, config_path] {
    if (!config_path->empty()) options->config = load_config(*config_path);
#if KDASH_HAVE_MPI
    // Under mpirun -np K the blocks are spread over the K ranks (design.md §5); rank 0 writes the same files.
    // MPI is initialised only when a launcher started the process (tools/main.cpp).
    int initialized = 0, ranks = 1;
    MPI_Initialized(&initialized);
    if (initialized) MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    if (ranks > 1) options->comm = std::make_shared<distributed::MpiCommunicator>(MPI_COMM_WORLD);
#endif
    const ReplayResult r = replay(*options);
    if (r.metrics.rank != 0) return 0;
    std::cout << "kdash replay: " << r.steps << " steps of " << r.params.size() << " parameter(s); "
              << r.metrics.root_failures << " root failure(s), " << r.metrics.skipped_block_updates
              << " skipped block update(s); wrote " << options->out_dir;
    if (r.metrics.ranks > 1) {
      std::cout << " (" << r.metrics.ranks << " ranks, load balance " << r.metrics.load_balance << ", "
                << r.metrics.direction_bytes_all_ranks << " direction bytes per step)";
    }
    std::cout << "\n";
    return 0;
  };
}

}  // namespace kdash::tools
