#include "train/trainer.hpp"

#include "bench/gnuplot.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace kdash::tools::train {
namespace {

void to_device(const Dataset& d, const std::vector<int>& rows, Matrix& x, Labels& y) {
  const int n = static_cast<int>(rows.size());
  if (int(x.extent(0)) != n) {
    x = Matrix("kdash::train::x", n, d.features);
    y = Labels("kdash::train::y", n);
  }
  auto hx = Kokkos::create_mirror_view(x);
  auto hy = Kokkos::create_mirror_view(y);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < d.features; ++j) hx(i, j) = d.x[std::size_t(rows[i]) * d.features + j];
    hy(i) = d.y[rows[i]];
  }
  Kokkos::deep_copy(x, hx);
  Kokkos::deep_copy(y, hy);
}

std::vector<int> iota(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

}  // namespace

int RunLog::epochs_to(double target) const {
  for (const auto& e : epochs)
    if (e.test_accuracy >= target) return e.epoch;
  return 0;
}

RunLog train(Mlp& model, ParamOptimizer& optimizer, double lr, const Split& data, const TrainOptions& options,
             const std::function<void(const EpochLog&)>& on_epoch) {
  if (options.epochs < 1 || options.batch_size < 1)
    throw std::invalid_argument("--epochs and --batch-size must be >= 1");
  RunLog log;
  log.optimizer = optimizer.name();
  log.lr = lr;
  Matrix test_x, batch_x;
  Labels test_y, batch_y;
  to_device(data.test, iota(data.test.size()), test_x, test_y);
  log.initial_test_accuracy = model.evaluate(test_x, test_y).accuracy;
  const int n = data.train.size();
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto order = seeded_permutation(n, options.seed + std::uint64_t(epoch));
    double loss_sum = 0;
    int batches = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int first = 0; first < n; first += options.batch_size) {
      const int last = std::min(n, first + options.batch_size);
      to_device(data.train, std::vector<int>(order.begin() + first, order.begin() + last), batch_x, batch_y);
      loss_sum += model.loss_and_gradient(batch_x, batch_y);
      optimizer.step(model.params());
      ++batches;
    }
    Kokkos::fence();
    EpochLog e;
    e.epoch = epoch;
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    e.train_loss = loss_sum / batches;
    const auto eval = model.evaluate(test_x, test_y);
    e.test_loss = eval.loss;
    e.test_accuracy = eval.accuracy;
    log.epochs.push_back(e);
    if (on_epoch) on_epoch(e);
  }
  return log;
}

nlohmann::json to_json(const RunLog& run, double target) {
  nlohmann::json epochs = nlohmann::json::array();
  for (const auto& e : run.epochs) {
    epochs.push_back({{"epoch", e.epoch},
                      {"train_loss", e.train_loss},
                      {"test_loss", e.test_loss},
                      {"test_accuracy", e.test_accuracy},
                      {"seconds", e.seconds}});
  }
  const int reached = run.epochs_to(target);
  return {{"optimizer", run.optimizer},
          {"lr", run.lr},
          {"initial_test_accuracy", run.initial_test_accuracy},
          {"final_test_accuracy", run.epochs.empty() ? 0.0 : run.epochs.back().test_accuracy},
          {"epochs_to_target", reached > 0 ? nlohmann::json(reached) : nlohmann::json(nullptr)},
          {"epochs", epochs}};
}

std::string loss_plot_script(const std::vector<RunLog>& runs, const std::string& data_path, const std::string& png_path,
                             const std::string& title) {
  std::ostringstream s;
  s << "set terminal pngcairo size 1200,480 noenhanced font ',10'\n"
    << "set output " << gnuplot_quote(png_path) << "\n"
    << "set multiplot layout 1,2 title " << gnuplot_quote(title) << "\n"
    << "set xlabel 'epoch'\nset grid\nset key top right\n"
    << "set logscale y\nset ylabel 'cross-entropy (log)'\nset title 'loss'\nplot ";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    s << (i ? ", " : "") << gnuplot_quote(data_path) << " index " << i << " using 1:2 with lines lw 2 dt 2 lc " << i + 1
      << " title " << gnuplot_quote(runs[i].optimizer + " train") << ", " << gnuplot_quote(data_path) << " index " << i
      << " using 1:3 with lines lw 2 lc " << i + 1 << " title " << gnuplot_quote(runs[i].optimizer + " test");
  }
  s << "\nunset logscale y\nset ylabel 'test accuracy'\nset title 'test accuracy'\nset key bottom right\n"
    << "set yrange [0.8:1]\nplot ";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    s << (i ? ", " : "") << gnuplot_quote(data_path) << " index " << i << " using 1:4 with linespoints lw 2 lc "
      << i + 1 << " title " << gnuplot_quote(runs[i].optimizer);
  }
  s << ", 0.95 with lines dt 2 lw 1.5 lc rgb '#505050' title '95%'\nunset multiplot\n";
  return s.str();
}

void plot_runs(const std::vector<RunLog>& runs, const std::string& png_path, const std::string& title) {
  char data_path[] = "/tmp/kdash-train-plot-XXXXXX";
  const int fd = mkstemp(data_path);
  if (fd < 0) throw std::runtime_error("--plot: cannot create a temporary data file");
  close(fd);
  {
    std::ofstream out(data_path);
    for (const auto& run : runs) {
      for (const auto& e : run.epochs)
        out << e.epoch << " " << e.train_loss << " " << e.test_loss << " " << e.test_accuracy << "\n";
      out << "\n\n";
    }
  }
  try {
    run_gnuplot(loss_plot_script(runs, data_path, png_path, title));
  } catch (...) {
    std::remove(data_path);
    throw;
  }
  std::remove(data_path);
}

}  // namespace kdash::tools::train
