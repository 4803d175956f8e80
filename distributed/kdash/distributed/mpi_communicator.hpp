// Collectives over an MPI communicator (design.md §5). The caller owns MPI: it initialises MPI before constructing an
// MpiCommunicator and finalises it after the last one is gone; the communicator works on a private duplicate of the
// MPI_Comm it is given, so its messages never mix with the application's.
//
// Device buffers (MemoryKind::device on a GPU backend) go straight to MPI when MPI is GPU-aware (Open MPI's
// MPIX_Query_cuda_support / MPIX_Query_rocm_support, MPICH's MPIX_GPU_query_support), and through host mirrors
// otherwise. Kokkos is fenced before every MPI call.
#pragma once

#include <kdash/config.hpp>

#if KDASH_HAVE_MPI

#include <kdash/distributed/communicator.hpp>

#include <mpi.h>

namespace kdash::distributed {

// How MemoryKind::device buffers reach MPI on a GPU backend.
enum class DeviceBuffers {
  automatic,     // GPU-aware when the MPI library says so, host mirrors otherwise
  device_aware,  // trust that MPI takes device pointers (e.g. Cray MPICH with MPICH_GPU_SUPPORT_ENABLED=1)
  host_staging,  // always copy through host mirrors (also on the host backends: tests use it to exercise the path)
};

class MpiCommunicator final : public Communicator {
 public:
  // Duplicates `comm` (a collective call on `comm`). Throws if MPI is not initialised or already finalised.
  explicit MpiCommunicator(MPI_Comm comm, DeviceBuffers device_buffers = DeviceBuffers::automatic);
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string name() const override { return "mpi"; }

  void all_gather_v(const float* send, float* recv, const std::vector<std::size_t>& counts, MemoryKind where) override;
  void all_reduce_sum(float* data, std::size_t n, MemoryKind where) override;
  void all_reduce_sum(double* data, std::size_t n, MemoryKind where) override;
  void all_reduce_sum(std::uint64_t* data, std::size_t n, MemoryKind where) override;
  void broadcast(void* data, std::size_t bytes, int root) override;
  void barrier() override;
  std::vector<std::string> gather_bytes(const std::string& mine, int root) override;

  // The private duplicate every collective runs on.
  MPI_Comm comm() const { return comm_; }
  // Whether MemoryKind::device buffers are handed to MPI directly (always true on the host backends unless
  // DeviceBuffers::host_staging was asked for).
  bool passes_device_buffers() const { return device_direct_; }
  // What the MPI library reports about device pointers for kdash's GPU backend (false on the host backends and when
  // the library cannot tell).
  static bool mpi_is_gpu_aware();

 private:
  template <class T>
  void reduce_sum(T* data, std::size_t n, MemoryKind where);
  bool stage(MemoryKind where) const;

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  bool device_direct_ = true;
  // Host mirror of device receive buffers for the staged path, kept between steps.
  std::vector<float> recv_mirror_;
};

}  // namespace kdash::distributed

#endif  // KDASH_HAVE_MPI
