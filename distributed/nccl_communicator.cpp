// NcclCommunicator: padded ncclAllGather for variable slices, ncclAllReduce, MPI for host buffers and set-up.
#include <kdash/config.hpp>

#include <Kokkos_Core.hpp>

#if KDASH_HAVE_MPI && ((KDASH_HAVE_NCCL && defined(KOKKOS_ENABLE_CUDA)) || KDASH_NCCL_COMMUNICATOR_STANDALONE)

#include <kdash/backends/cuda/cuda_error.hpp>
#include <kdash/backends/cuda/nccl_comm.hpp>
#include <kdash/distributed/nccl_communicator.hpp>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace kdash::distributed {

namespace {

using kdash::backends::cuda::check_cuda;
using kdash::backends::cuda::DataType;

}  // namespace

void NcclCommunicator::DeviceBuffer::reserve(std::size_t n) {
  if (n <= capacity) return;
  if (data) check_cuda(cudaFree(data), "cudaFree");
  data = nullptr;
  capacity = 0;
  check_cuda(cudaMalloc(reinterpret_cast<void**>(&data), n * sizeof(float)), "cudaMalloc");
  capacity = n;
}

NcclCommunicator::DeviceBuffer::~DeviceBuffer() {
  if (data) cudaFree(data);
}

NcclCommunicator::NcclCommunicator(MPI_Comm comm, cudaStream_t stream) : mpi_(comm), stream_(stream) {
  ncclUniqueId id;
  std::memset(&id, 0, sizeof(id));
  // Only rank 0's id counts; a failure there must not leave the other ranks waiting in the broadcast.
  all_or_none(mpi_, [&] {
    if (mpi_.rank() == 0) id = kdash::backends::cuda::NcclCommunicator::unique_id();
  });
  mpi_.broadcast(&id, sizeof(id), 0);
  if (!stream_) {
    check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    owns_stream_ = true;
  }
  nccl_ = std::make_unique<kdash::backends::cuda::NcclCommunicator>(id, mpi_.rank(), mpi_.size());
}

NcclCommunicator::~NcclCommunicator() {
  nccl_.reset();
  if (owns_stream_) cudaStreamDestroy(stream_);
}

void NcclCommunicator::all_gather_v(const float* send, float* recv, const std::vector<std::size_t>& counts,
                                    MemoryKind where) {
  if (where == MemoryKind::host) {
    mpi_.all_gather_v(send, recv, counts, where);
    return;
  }
  const bool in_place = check_gather_arguments(send, recv, counts);
  const auto displ = displacements(counts);
  const std::size_t largest = *std::max_element(counts.begin(), counts.end());
  const std::size_t ranks = counts.size(), me = static_cast<std::size_t>(rank());
  last_padding_ = largest * ranks - displ.back();
  if (largest == 0) return;
  Kokkos::fence();  // the kernels that wrote `send` may run on another stream
  if (last_padding_ == 0) {
    // Equal slices: recv already has NCCL's layout (rank r at r * count); in place is NCCL's own in-place form.
    nccl_->all_gather(in_place ? recv + displ[me] : send, recv, largest, DataType::f32, stream_);
  } else {
    padded_send_.reserve(largest);
    padded_recv_.reserve(largest * ranks);
    if (counts[me] > 0)
      check_cuda(
          cudaMemcpyAsync(padded_send_.data, send, counts[me] * sizeof(float), cudaMemcpyDeviceToDevice, stream_),
          "cudaMemcpyAsync");
    nccl_->all_gather(padded_send_.data, padded_recv_.data, largest, DataType::f32, stream_);
    for (std::size_t r = 0; r < ranks; ++r) {
      if (counts[r] == 0 || (in_place && r == me)) continue;
      check_cuda(cudaMemcpyAsync(recv + displ[r], padded_recv_.data + r * largest, counts[r] * sizeof(float),
                                 cudaMemcpyDeviceToDevice, stream_),
                 "cudaMemcpyAsync");
    }
  }
  check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
}

void NcclCommunicator::all_reduce_sum(float* data, std::size_t n, MemoryKind where) {
  if (where == MemoryKind::host || n == 0) return mpi_.all_reduce_sum(data, n, where);
  Kokkos::fence();
  nccl_->all_reduce_sum(data, data, n, DataType::f32, stream_);
  check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
}

void NcclCommunicator::all_reduce_sum(double* data, std::size_t n, MemoryKind where) {
  if (where == MemoryKind::host || n == 0) return mpi_.all_reduce_sum(data, n, where);
  Kokkos::fence();
  nccl_->all_reduce_sum(data, data, n, DataType::f64, stream_);
  check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
}

void NcclCommunicator::all_reduce_sum(std::uint64_t* data, std::size_t n, MemoryKind where) {
  // Counters only (small, and the adapter has no integer type): MPI on a host copy.
  if (where == MemoryKind::host || n == 0) return mpi_.all_reduce_sum(data, n, MemoryKind::host);
  if (data == nullptr) throw std::invalid_argument("kdash::distributed::nccl all_reduce_sum: null buffer");
  std::vector<std::uint64_t> host(n);
  Kokkos::fence();
  check_cuda(cudaMemcpy(host.data(), data, n * sizeof(std::uint64_t), cudaMemcpyDeviceToHost), "cudaMemcpy");
  mpi_.all_reduce_sum(host.data(), n, MemoryKind::host);
  check_cuda(cudaMemcpy(data, host.data(), n * sizeof(std::uint64_t), cudaMemcpyHostToDevice), "cudaMemcpy");
}

}  // namespace kdash::distributed

#endif
