#include <kdash/backends/hip/hip_error.hpp>
#include <kdash/backends/hip/runtime_api.hpp>

namespace kdash::backends::hip {

int HipRuntime::current_device() {
  int device = -1;
  check_hip(hipGetDevice(&device), "hipGetDevice");
  return device;
}

HipRuntime::Event HipRuntime::create_event() {
  Event event = nullptr;
  check_hip(hipEventCreateWithFlags(&event, hipEventDisableTiming), "hipEventCreateWithFlags");
  return event;
}

void HipRuntime::destroy_event(Event event) noexcept { (void)hipEventDestroy(event); }

void HipRuntime::record(Event event, Stream stream) { check_hip(hipEventRecord(event, stream), "hipEventRecord"); }

void HipRuntime::synchronize(Event event) { check_hip(hipEventSynchronize(event), "hipEventSynchronize"); }

void HipRuntime::wait(Stream stream, Event event) {
  check_hip(hipStreamWaitEvent(stream, event, 0), "hipStreamWaitEvent");
}

void* HipRuntime::allocate(std::size_t bytes) {
  void* data = nullptr;
  check_hip(hipMalloc(&data, bytes), "hipMalloc");
  return data;
}

void HipRuntime::deallocate(void* data) noexcept { (void)hipFree(data); }

void HipRuntime::zero_async(void* data, std::size_t bytes, Stream stream) {
  check_hip(hipMemsetAsync(data, 0, bytes, stream), "hipMemsetAsync");
}

}  // namespace kdash::backends::hip
