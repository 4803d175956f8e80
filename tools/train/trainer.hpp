// The training loop of `kdash train`: mini-batch epochs over the train split in a seeded order, evaluation of the
// test split after every epoch, and the log (JSON + gnuplot loss curves).
#pragma once

#include "train/digits_dataset.hpp"
#include "train/mlp.hpp"
#include "train/param_optimizer.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kdash::tools::train {

struct EpochLog {
  int epoch = 0;
  double train_loss = 0;  // mean over the epoch's mini-batches
  double test_loss = 0;
  double test_accuracy = 0;
  double seconds = 0;  // wall time of the epoch's training steps
};

struct RunLog {
  std::string optimizer;
  double lr = 0;
  std::vector<EpochLog> epochs;
  double initial_test_accuracy = 0;
  // First epoch whose test accuracy reaches `target` (0 when none does).
  int epochs_to(double target) const;
};

struct TrainOptions {
  int epochs = 30;
  int batch_size = 64;
  std::uint64_t seed = 0;  // mini-batch order of epoch e uses seed + e (the same for every optimizer)
};

// Trains `model` with `optimizer`; `on_epoch` is called after each epoch (progress display).
RunLog train(Mlp& model, ParamOptimizer& optimizer, double lr, const Split& data, const TrainOptions& options,
             const std::function<void(const EpochLog&)>& on_epoch = {});

nlohmann::json to_json(const RunLog& run, double target);

// Loss curves (train and test loss per epoch, log scale) and test accuracy for every run, as a PNG via gnuplot.
std::string loss_plot_script(const std::vector<RunLog>& runs, const std::string& data_path, const std::string& png_path,
                             const std::string& title);
void plot_runs(const std::vector<RunLog>& runs, const std::string& png_path, const std::string& title);

}  // namespace kdash::tools::train
