// The MPI test harness works: every rank runs, and a collective sees all of them.
#include <gtest/gtest.h>
#include <mpi.h>

TEST(MpiHarness, AllRanksTakePartInACollective) {
  int rank = -1, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int sum = 0;
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_EQ(sum, size * (size - 1) / 2);
}
