// kdash train: a small MLP on the UCI handwritten digits, trained with DASH and with Adam from the same
// initialisation (design.md §8; docs/examples.md).
#include "command.hpp"
#include "seed_option.hpp"

#include "bench/gnuplot.hpp"
#include "bench/memory_budget.hpp"
#include "bench/progress_bar.hpp"
#include "train/digits_dataset.hpp"
#include "train/mlp.hpp"
#include "train/param_optimizer.hpp"
#include "train/trainer.hpp"

#include <kdash/io/output_set.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

namespace kdash::tools {
namespace {

struct TrainArgs {
  std::string data;
  std::string optimizers = "dash,adam";
  int epochs = 30;
  int batch_size = 64;
  int hidden = 64;
  std::string seed = "0";  // parse_seed (seed_option.hpp)
  double test_fraction = 0.2;
  double lr_adam = 3e-3;
  double lr_dash = 3e-3;
  int block_size = 64;
  std::string solver = "evd";
  int root_freq = 1;
  double target = 0.95;
  std::string json_out, plot_out;
};

}  // namespace

Action register_train(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "train a small MLP on the UCI digits with DASH and with Adam");
  cmd->add_option("--data", a->data, "digits.csv.gz (default: data/digits/digits.csv.gz)");
  cmd->add_option("--optimizers", a->optimizers, "comma-separated: dash, adam")->capture_default_str();
  cmd->add_option("--epochs", a->epochs, "epochs over the train split")->capture_default_str();
  cmd->add_option("--batch-size", a->batch_size, "mini-batch size")->capture_default_str();
  cmd->add_option("--hidden", a->hidden, "hidden units")->capture_default_str();
  cmd->add_option("--seed", a->seed, "seed of the initialisation, the split and the batch order")
      ->capture_default_str();
  cmd->add_option("--test-fraction", a->test_fraction, "held-out fraction")->capture_default_str();
  cmd->add_option("--lr-adam", a->lr_adam, "Adam learning rate")->capture_default_str();
  cmd->add_option("--lr-dash", a->lr_dash, "DASH learning rate")->capture_default_str();
  cmd->add_option("--block-size", a->block_size, "DASH block size")->capture_default_str();
  cmd->add_option("--solver", a->solver, "DASH inverse-root solver: evd, cn, ndb, cbshv")->capture_default_str();
  cmd->add_option("--root-freq", a->root_freq, "DASH inverse roots every F steps")->capture_default_str();
  cmd->add_option("--target", a->target, "test accuracy whose first epoch is reported")->capture_default_str();
  cmd->add_option("--json", a->json_out, "write the JSON log here");
  cmd->add_option("--plot", a->plot_out, "write the loss-curve PNG here (gnuplot)");
  return [a] {
    std::vector<std::string> names;
    {
      std::stringstream in(a->optimizers);
      for (std::string s; std::getline(in, s, ',');) {
        if (s != "dash" && s != "adam") throw UsageError("--optimizers: unknown '" + s + "' (accepted: dash, adam)");
        names.push_back(s);
      }
      if (names.empty()) throw UsageError("--optimizers: give at least one of dash, adam");
    }
    if (a->hidden < 1) throw UsageError("--hidden must be >= 1");
    // The MLP 64-hidden-10: W1 (hidden x 64), b1, W2 (10 x hidden), b2.
    bench::require_fits("--hidden " + std::to_string(a->hidden), 4, 75 * std::int64_t(a->hidden) + 10,
                        "'W1' (" + std::to_string(a->hidden) + "x64)", bench::this_machine_memory());
    if (!(a->target > 0 && a->target <= 1)) {
      throw UsageError("--target must be a test accuracy in (0, 1], got " + std::to_string(a->target));
    }
    const std::uint64_t seed = parse_seed(a->seed);
    if (!a->plot_out.empty() && !gnuplot_available()) {
      throw std::runtime_error("--plot: gnuplot is not installed (Debian: apt-get install gnuplot-nox)");
    }
    // --json and --plot are replaced together after training, or not at all; both are checked first.
    io::OutputSet outputs;
    if (!a->json_out.empty()) outputs.reserve(a->json_out);
    if (!a->plot_out.empty()) outputs.reserve(a->plot_out);
    const std::string path = a->data.empty() ? train::default_digits_path() : a->data;
    const auto all = train::load_digits(path);
    const auto split = train::split_dataset(all, a->test_fraction, seed);
    std::printf("kdash train: UCI digits (%s): %d train, %d test samples; MLP 64-%d-10 (ReLU), batch %d, %d epochs\n",
                path.c_str(), split.train.size(), split.test.size(), a->hidden, a->batch_size, a->epochs);
    train::TrainOptions options{a->epochs, a->batch_size, seed};
    std::vector<train::RunLog> runs;
    bench::ProgressBar bar(int(names.size()) * a->epochs);
    for (const auto& name : names) {
      train::Mlp model(64, a->hidden, 10, seed);  // the same initial model for every optimizer
      std::unique_ptr<train::ParamOptimizer> opt;
      double lr = 0;
      if (name == "adam") {
        lr = a->lr_adam;
        opt = train::make_adam(model.params(), {lr, 0.9, 0.999, 1e-8});
      } else {
        lr = a->lr_dash;
        opt = train::make_dash(model.params(), {lr, a->block_size, a->solver, a->root_freq, seed});
      }
      bar.start(name + " epoch 1/" + std::to_string(a->epochs));
      auto log = train::train(model, *opt, lr, split, options, [&](const train::EpochLog& e) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "train loss %.4f, test loss %.4f, test accuracy %.2f%%", e.train_loss,
                      e.test_loss, 100 * e.test_accuracy);
        bar.done(msg);
        if (e.epoch < a->epochs)
          bar.start(name + " epoch " + std::to_string(e.epoch + 1) + "/" + std::to_string(a->epochs));
      });
      runs.push_back(std::move(log));
    }
    bar.finish();
    std::printf("\n%-5s %-6s %12s %12s %14s\n", "epoch", "opt", "train loss", "test loss", "test accuracy");
    for (int e = 0; e < a->epochs; ++e) {
      for (const auto& run : runs) {
        const auto& l = run.epochs[e];
        std::printf("%-5d %-6s %12.4f %12.4f %13.2f%%\n", l.epoch, run.optimizer.c_str(), l.train_loss, l.test_loss,
                    100 * l.test_accuracy);
      }
    }
    std::printf("\n");
    for (const auto& run : runs) {
      const int reached = run.epochs_to(a->target);
      std::printf("%-5s lr %g: final test accuracy %.2f%%, %s\n", run.optimizer.c_str(), run.lr,
                  100 * run.epochs.back().test_accuracy,
                  reached ? ("reached " + std::to_string(100 * a->target).substr(0, 4) + "% at epoch " +
                             std::to_string(reached))
                                .c_str()
                          : "never reached the target");
    }
    if (!a->json_out.empty()) {
      nlohmann::json j = {{"dataset", {{"path", path}, {"train", split.train.size()}, {"test", split.test.size()}}},
                          {"model", {{"layers", {64, a->hidden, 10}}, {"activation", "relu"}}},
                          {"batch_size", a->batch_size},
                          {"seed", seed},
                          {"target_accuracy", a->target},
                          {"runs", nlohmann::json::array()}};
      for (const auto& run : runs) j["runs"].push_back(train::to_json(run, a->target));
      outputs.write(a->json_out, {j.dump(2), "\n"});
    }
    if (!a->plot_out.empty()) {
      const std::string png = render_to_bytes(a->plot_out, [&](const std::string& path) {
        train::plot_runs(runs, path, "kdash train: MLP on UCI digits");
      });
      outputs.write(a->plot_out, {png});
    }
    outputs.commit();
    if (!a->json_out.empty()) std::printf("wrote %s\n", a->json_out.c_str());
    if (!a->plot_out.empty()) std::printf("wrote %s\n", a->plot_out.c_str());
    return 0;
  };
}

}  // namespace kdash::tools
