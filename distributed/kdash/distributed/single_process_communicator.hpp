// The communicator of a run without MPI: one rank; gathers copy, reductions and broadcasts do nothing.
// The optimizer's default, so that the single-process code path is the distributed one with size() == 1.
#pragma once

#include <kdash/distributed/communicator.hpp>

namespace kdash::distributed {

class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string name() const override { return "single"; }

  void all_gather_v(const float* send, float* recv, const std::vector<std::size_t>& counts, MemoryKind where) override;
  void all_reduce_sum(float* data, std::size_t n, MemoryKind where) override;
  void all_reduce_sum(double* data, std::size_t n, MemoryKind where) override;
  void all_reduce_sum(std::uint64_t* data, std::size_t n, MemoryKind where) override;
  void broadcast(void* data, std::size_t bytes, int root) override;
  void barrier() override {}
  std::vector<std::string> gather_bytes(const std::string& mine, int root) override;
};

}  // namespace kdash::distributed
