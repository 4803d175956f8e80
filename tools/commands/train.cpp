// kdash train: placeholder until tools/train lands in this branch.
#include "command.hpp"

namespace kdash::tools {

Action register_train(CLI::App& app) {
  app.add_subcommand("train", "train a small MLP on the UCI digits with DASH and with Adam");
  return [] { return 0; };
}

}  // namespace kdash::tools
