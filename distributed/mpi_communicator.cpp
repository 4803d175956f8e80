// MpiCommunicator: MPI_Allgatherv / MPI_Allreduce / MPI_Bcast / MPI_Barrier on a private duplicate communicator.
#include <kdash/config.hpp>

#if KDASH_HAVE_MPI

#include <kdash/distributed/impl/buffer_copy.hpp>
#include <kdash/distributed/mpi_communicator.hpp>

#if defined(OPEN_MPI) && OPEN_MPI
#include <mpi-ext.h>  // MPIX_Query_cuda_support, MPIX_Query_rocm_support (when Open MPI was built with them)
#endif

#include <algorithm>
#include <climits>

namespace kdash::distributed {

namespace {

void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw std::runtime_error(std::string("kdash::distributed::mpi: ") + call + " failed: " + std::string(text, length));
}

// MPI counts are int (MPI 3); a larger slice is a clear error, not a silent truncation.
int as_mpi_count(std::size_t n, const char* what) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw std::length_error(std::string("kdash::distributed::mpi: ") + what + " of " + std::to_string(n) +
                            " elements exceeds MPI's int count limit (" + std::to_string(INT_MAX) + ")");
  return static_cast<int>(n);
}

template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() {
  return MPI_FLOAT;
}
template <>
MPI_Datatype mpi_type<double>() {
  return MPI_DOUBLE;
}
template <>
MPI_Datatype mpi_type<std::uint64_t>() {
  return MPI_UINT64_T;
}

// Device buffers: MPI must not read them before the kernels that write them are done, on any backend.
void fence_before_mpi() { Kokkos::fence(); }

}  // namespace

bool MpiCommunicator::mpi_is_gpu_aware() {
#if defined(KOKKOS_ENABLE_CUDA) && defined(MPIX_CUDA_AWARE_SUPPORT) && MPIX_CUDA_AWARE_SUPPORT
  return MPIX_Query_cuda_support() == 1;
#elif defined(KOKKOS_ENABLE_HIP) && defined(MPIX_ROCM_AWARE_SUPPORT) && MPIX_ROCM_AWARE_SUPPORT
  return MPIX_Query_rocm_support() == 1;
#elif (defined(KOKKOS_ENABLE_CUDA) || defined(KOKKOS_ENABLE_HIP)) && defined(MPICH_NUMVERSION) && \
    MPICH_NUMVERSION >= 40000000
  // MPICH >= 4.0 (MPIX_GPU_query_support)
  int supported = 0;
#if defined(KOKKOS_ENABLE_CUDA)
  MPIX_GPU_query_support(MPIX_GPU_SUPPORT_CUDA, &supported);
#else
  MPIX_GPU_query_support(MPIX_GPU_SUPPORT_HIP, &supported);
#endif
  return supported == 1;
#else
  return false;
#endif
}

MpiCommunicator::MpiCommunicator(MPI_Comm comm, DeviceBuffers device_buffers) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized)
    throw std::logic_error(
        "kdash::distributed::MpiCommunicator: MPI is not initialised (or already finalised); call MPI_Init before "
        "constructing it and MPI_Finalize after destroying it");
  if (comm == MPI_COMM_NULL)
    throw std::invalid_argument("kdash::distributed::MpiCommunicator: MPI_COMM_NULL is not a communicator");
  fence_before_mpi();
  check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup");
  // Errors come back as codes and become exceptions naming the call, instead of aborting the job.
  check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  switch (device_buffers) {
    case DeviceBuffers::automatic:
      device_direct_ = kdash::is_host_space_v<kdash::DefaultExecSpace> || mpi_is_gpu_aware();
      break;
    case DeviceBuffers::device_aware:
      device_direct_ = true;
      break;
    case DeviceBuffers::host_staging:
      device_direct_ = false;
      break;
  }
}

MpiCommunicator::~MpiCommunicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

bool MpiCommunicator::stage(MemoryKind where) const { return where == MemoryKind::device && !device_direct_; }

void MpiCommunicator::all_gather_v(const float* send, float* recv, const std::vector<std::size_t>& counts,
                                   MemoryKind where) {
  const bool in_place = check_gather_arguments(send, recv, counts);
  const auto displ = displacements(counts);
  std::vector<int> mpi_counts(size_), mpi_displ(size_);
  for (int r = 0; r < size_; ++r) {
    mpi_counts[r] = as_mpi_count(counts[r], "an all_gather_v slice");
    mpi_displ[r] = as_mpi_count(displ[r], "an all_gather_v offset");
  }
  as_mpi_count(displ.back(), "an all_gather_v result");
  const std::size_t own = counts[rank_];
  if (!stage(where)) {
    fence_before_mpi();
    if (in_place) {
      check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, recv, mpi_counts.data(), mpi_displ.data(), MPI_FLOAT,
                           comm_),
            "MPI_Allgatherv");
    } else {
      check(MPI_Allgatherv(own ? send : nullptr, mpi_counts[rank_], MPI_FLOAT, recv, mpi_counts.data(),
                           mpi_displ.data(), MPI_FLOAT, comm_),
            "MPI_Allgatherv");
    }
    return;
  }
  // Host mirrors: the own slice goes straight to its place in the receive mirror, which is gathered in place.
  recv_mirror_.resize(displ.back());
  detail::device_to_host(send, recv_mirror_.data() + displ[rank_], own);  // deep_copy fences
  fence_before_mpi();
  check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, recv_mirror_.data(), mpi_counts.data(), mpi_displ.data(),
                       MPI_FLOAT, comm_),
        "MPI_Allgatherv");
  detail::host_to_device(recv_mirror_.data(), recv, displ.back());
}

template <class T>
void MpiCommunicator::reduce_sum(T* data, std::size_t n, MemoryKind where) {
  const int count = as_mpi_count(n, "an all_reduce_sum buffer");
  if (n == 0) return;
  if (data == nullptr) throw std::invalid_argument("kdash::distributed::mpi all_reduce_sum: null buffer");
  if (!stage(where)) {
    fence_before_mpi();
    check(MPI_Allreduce(MPI_IN_PLACE, data, count, mpi_type<T>(), MPI_SUM, comm_), "MPI_Allreduce");
    return;
  }
  std::vector<T> mirror(n);
  detail::device_to_host(data, mirror.data(), n);
  fence_before_mpi();
  check(MPI_Allreduce(MPI_IN_PLACE, mirror.data(), count, mpi_type<T>(), MPI_SUM, comm_), "MPI_Allreduce");
  detail::host_to_device(mirror.data(), data, n);
}

void MpiCommunicator::all_reduce_sum(float* data, std::size_t n, MemoryKind where) { reduce_sum(data, n, where); }
void MpiCommunicator::all_reduce_sum(double* data, std::size_t n, MemoryKind where) { reduce_sum(data, n, where); }
void MpiCommunicator::all_reduce_sum(std::uint64_t* data, std::size_t n, MemoryKind where) {
  reduce_sum(data, n, where);
}

void MpiCommunicator::broadcast(void* data, std::size_t bytes, int root) {
  if (root < 0 || root >= size_)
    throw std::invalid_argument("kdash::distributed::mpi broadcast: root " + std::to_string(root) +
                                " is not a rank of a " + std::to_string(size_) + "-rank communicator");
  if (bytes > 0 && data == nullptr) throw std::invalid_argument("kdash::distributed::mpi broadcast: null buffer");
  // Large payloads (checkpoints) go in int-sized pieces; every rank computes the same pieces from `bytes`.
  auto* p = static_cast<char*>(data);
  constexpr std::size_t piece = std::size_t(1) << 30;
  fence_before_mpi();
  for (std::size_t offset = 0; offset < bytes; offset += piece) {
    const int count = static_cast<int>(std::min(piece, bytes - offset));
    check(MPI_Bcast(p + offset, count, MPI_BYTE, root, comm_), "MPI_Bcast");
  }
}

void MpiCommunicator::barrier() {
  fence_before_mpi();
  check(MPI_Barrier(comm_), "MPI_Barrier");
}

std::vector<std::string> MpiCommunicator::gather_bytes(const std::string& mine, int root) {
  if (root < 0 || root >= size_)
    throw std::invalid_argument("kdash::distributed::mpi gather_bytes: root " + std::to_string(root) +
                                " is not a rank of a " + std::to_string(size_) + "-rank communicator");
  fence_before_mpi();
  std::uint64_t my_size = mine.size();
  std::vector<std::uint64_t> sizes(rank_ == root ? size_ : 0);
  check(MPI_Gather(&my_size, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, root, comm_), "MPI_Gather");
  // Point to point in pieces of at most 1 GiB: no int count limit on the payloads. The root receives rank by rank,
  // in order; a message's tag is its piece number.
  constexpr std::size_t piece = std::size_t(1) << 30;
  constexpr int tag_base = 0x6b64;  // private duplicate communicator: any tag is ours
  std::vector<std::string> all;
  if (rank_ != root) {
    for (std::size_t offset = 0, k = 0; offset < mine.size(); offset += piece, ++k) {
      const int count = static_cast<int>(std::min(piece, mine.size() - offset));
      check(MPI_Send(mine.data() + offset, count, MPI_BYTE, root, tag_base + static_cast<int>(k % 1024), comm_),
            "MPI_Send");
    }
    return all;
  }
  all.resize(size_);
  for (int r = 0; r < size_; ++r) {
    if (r == root) {
      all[r] = mine;
      continue;
    }
    all[r].resize(sizes[r]);
    for (std::size_t offset = 0, k = 0; offset < sizes[r]; offset += piece, ++k) {
      const int count = static_cast<int>(std::min<std::size_t>(piece, sizes[r] - offset));
      check(MPI_Recv(&all[r][offset], count, MPI_BYTE, r, tag_base + static_cast<int>(k % 1024), comm_,
                     MPI_STATUS_IGNORE),
            "MPI_Recv");
    }
  }
  return all;
}

}  // namespace kdash::distributed

#endif  // KDASH_HAVE_MPI
