// The kdash tool's subcommands: each registers itself on the CLI11 app and returns the action to run once parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>

namespace kdash::tools {

// A usage or configuration error: the tool exits with code 2 and prints the message.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a subcommand runs after parsing; returns the exit code.
using Action = std::function<int()>;

// One register function per subcommand (tools/commands/<name>.cpp).
Action register_version(CLI::App& app);
Action register_root(CLI::App& app);
Action register_replay(CLI::App& app);
Action register_bench(CLI::App& app);
Action register_train(CLI::App& app);

}  // namespace kdash::tools
