// kdash::replay (the engine of `kdash replay`) distributed over 1-4 ranks writes exactly the files the
// single-process replay writes (rank 0 writes; the other ranks write nothing), byte for byte: the parameters are
// bitwise those of the single process (see test_dist_optimizer.cpp for why).
#include <kdash/backends/execution.hpp>
#include <kdash/distributed/mpi_communicator.hpp>
#include <kdash/io/npy.hpp>
#include <kdash/replay.hpp>

#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(DistReplay, WritesTheSingleProcessFilesFromRankZero) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  long pid = rank == 0 ? static_cast<long>(::getpid()) : 0;
  MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  const fs::path root = fs::temp_directory_path() / ("kdash_dist_replay_" + std::to_string(pid));
  // Rank 0 writes the inputs: a matrix with several blocks, a vector, a scalar; 6 steps.
  const std::vector<std::pair<std::string, std::vector<std::size_t>>> params = {{"w", {9, 6}}, {"b", {7}}, {"s", {}}};
  const std::size_t steps = 6;
  if (rank == 0) {
    fs::create_directories(root / "p");
    fs::create_directories(root / "g");
    std::mt19937 gen(3);
    std::uniform_real_distribution<double> dist(-1, 1);
    for (const auto& [name, shape] : params) {
      std::size_t n = 1;
      for (auto d : shape) n *= d;
      std::vector<double> p(n), g(steps * n);
      for (auto& x : p) x = dist(gen);
      for (auto& x : g) x = dist(gen);
      std::vector<std::size_t> gshape = {steps};
      gshape.insert(gshape.end(), shape.begin(), shape.end());
      kdash::io::write_npy((root / "p" / (name + ".npy")).string(), shape, p.data());
      kdash::io::write_npy((root / "g" / (name + ".npy")).string(), gshape, g.data());
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);

  kdash::ReplayOptions options;
  options.config.block_size = 4;
  options.config.root_freq = 2;
  options.config.lr = 0.01;
  options.params_dir = (root / "p").string();
  options.grads_dir = (root / "g").string();
  options.trace = true;
  options.out_dir = (root / "out_distributed").string();
  options.comm = std::make_shared<kdash::distributed::MpiCommunicator>(MPI_COMM_WORLD);
  const kdash::ReplayResult distributed = kdash::replay(options);
  EXPECT_EQ(distributed.steps, static_cast<std::int64_t>(steps));
  EXPECT_EQ(distributed.metrics.rank, rank);
  MPI_Barrier(MPI_COMM_WORLD);

  if (rank == 0) {
    options.comm = nullptr;
    options.out_dir = (root / "out_single").string();
    kdash::replay(options);
    for (const auto& [name, shape] : params) {
      for (const std::string suffix : {".npy", ".trace.npy"}) {
        const std::string a = file_bytes(root / "out_distributed" / (name + suffix));
        const std::string b = file_bytes(root / "out_single" / (name + suffix));
        EXPECT_FALSE(b.empty()) << name << suffix;
        // Byte for byte on the host spaces (replay runs on the default one); within design.md §5's 1e-6 relative
        // everywhere (see test_dist_optimizer.cpp).
        if (kdash::is_host_space_v<kdash::DefaultExecSpace>) EXPECT_EQ(a, b) << name << suffix << " differs";
        const auto x = kdash::io::read_npy((root / "out_distributed" / (name + suffix)).string());
        const auto y = kdash::io::read_npy((root / "out_single" / (name + suffix)).string());
        ASSERT_EQ(x.shape, y.shape);
        double scale = 0, err = 0;
        for (std::size_t k = 0; k < y.size(); ++k) {
          scale = std::max(scale, std::abs(y.data[k]));
          err = std::max(err, std::abs(x.data[k] - y.data[k]));
        }
        EXPECT_LE(err, 1e-6 * scale) << name << suffix;
      }
    }
    // Only rank 0 wrote: the output directory holds one set of files.
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(root / "out_distributed")) files += entry.is_regular_file();
    EXPECT_EQ(files, 2 * params.size());
    fs::remove_all(root);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace
