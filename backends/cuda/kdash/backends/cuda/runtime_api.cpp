#include <kdash/backends/cuda/cuda_error.hpp>
#include <kdash/backends/cuda/runtime_api.hpp>

namespace kdash::backends::cuda {

int CudaRuntime::current_device() {
  int device = -1;
  check_cuda(cudaGetDevice(&device), "cudaGetDevice");
  return device;
}

CudaRuntime::Event CudaRuntime::create_event() {
  Event event = nullptr;
  check_cuda(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreateWithFlags");
  return event;
}

void CudaRuntime::destroy_event(Event event) noexcept { cudaEventDestroy(event); }

void CudaRuntime::record(Event event, Stream stream) { check_cuda(cudaEventRecord(event, stream), "cudaEventRecord"); }

void CudaRuntime::synchronize(Event event) { check_cuda(cudaEventSynchronize(event), "cudaEventSynchronize"); }

void CudaRuntime::wait(Stream stream, Event event) {
  check_cuda(cudaStreamWaitEvent(stream, event, 0), "cudaStreamWaitEvent");
}

void* CudaRuntime::allocate(std::size_t bytes) {
  void* data = nullptr;
  check_cuda(cudaMalloc(&data, bytes), "cudaMalloc");
  return data;
}

void CudaRuntime::deallocate(void* data) noexcept { cudaFree(data); }

void CudaRuntime::zero_async(void* data, std::size_t bytes, Stream stream) {
  check_cuda(cudaMemsetAsync(data, 0, bytes, stream), "cudaMemsetAsync");
}

}  // namespace kdash::backends::cuda
