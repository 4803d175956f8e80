#include "command.hpp"

#include <kdash/version.hpp>

#include <iostream>

namespace kdash::tools {

Action register_version(CLI::App& app) {
  app.add_subcommand("version", "print the versions and the build configuration (same as --version)");
  return [] {
    std::cout << build_info();
    return 0;
  };
}

}  // namespace kdash::tools
