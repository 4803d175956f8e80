// The optimizer distributed over MPI ranks (design.md §5): every rank holds the full parameters and the (already
// averaged) gradients, owns some of the blocks, and applies the full update, so the parameters stay the same on every
// rank. The one way to distribute is the communicator constructor.
//
//   mpirun -np 4 example_distributed_step
#include <kdash/distributed/mpi_communicator.hpp>
#include <kdash/kdash.hpp>

#include <mpi.h>

#include <cstdio>
#include <memory>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rc = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    auto comm = std::make_shared<kdash::distributed::MpiCommunicator>(MPI_COMM_WORLD);
    kdash::Config config;
    config.lr = 0.02;
    config.block_size = 32;
    config.root_freq = 5;
    const int rows = 96, cols = 64, n = rows * cols;
    // Collective: every rank passes the same specs and config (a mismatch throws RankDisagreement on every rank).
    kdash::Optimizer<> opt({{"W", {rows, cols}}, {"b", {cols}}}, config, comm);
    kdash::ParamView w("W", n), b("b", cols), t("T", n), gw("dW", n), gb("db", cols);
    Kokkos::parallel_for(
        "example::target", n, KOKKOS_LAMBDA(int i) { t(i) = float((i * 7919) % 17) / 17 - 0.5f; });
    for (int step = 1; step <= 50; ++step) {
      // The gradients of |W - T|^2 / 2 + |b|^2 / 2: the same on every rank, as after a data-parallel all-reduce.
      Kokkos::parallel_for(
          "example::gradient", n, KOKKOS_LAMBDA(int i) { gw(i) = w(i) - t(i); });
      Kokkos::parallel_for(
          "example::gradient_b", cols, KOKKOS_LAMBDA(int i) { gb(i) = b(i); });
      opt.step({w, b}, {gw, gb});
    }
    const kdash::Metrics m = opt.metrics();
    if (comm->rank() == 0) {
      std::printf("%d ranks: rank 0 owns %lld of %zu blocks, load balance %.3f, %llu direction bytes per step\n",
                  comm->size(), static_cast<long long>(m.owned_blocks), opt.block_map().blocks().size(), m.load_balance,
                  static_cast<unsigned long long>(m.direction_bytes_all_ranks));
    }
    if (m.root_failures != 0) rc = 1;
  }
  MPI_Finalize();
  return rc;
}
