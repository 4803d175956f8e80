// kdash replay: run the optimizer over a recorded gradient sequence and write the parameters (SPEC §8).
#include "command.hpp"

#include <kdash/config_json.hpp>
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
    const ReplayResult r = replay(*options);
    std::cout << "kdash replay: " << r.steps << " steps of " << r.params.size() << " parameter(s); "
              << r.metrics.root_failures << " root failure(s), " << r.metrics.skipped_block_updates
              << " skipped block update(s); wrote " << options->out_dir << "\n";
    return 0;
  };
}

}  // namespace kdash::tools
