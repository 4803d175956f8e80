// The CUDA runtime calls the vendor-neutral adapter code makes (kdash/backends/vendor: LibraryHandle,
// StreamWorkspace), under the names it uses; hip/runtime_api.hpp is the HIP twin. Each call that can fail throws
// VendorError naming the CUDA function.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

namespace kdash::backends::cuda {

struct CudaRuntime {
  using Stream = cudaStream_t;
  using Event = cudaEvent_t;

  static int current_device();
  static Event create_event();  // without timing
  static void destroy_event(Event event) noexcept;
  static void record(Event event, Stream stream);
  static void synchronize(Event event);
  static void wait(Stream stream, Event event);
  static void* allocate(std::size_t bytes);
  static void deallocate(void* data) noexcept;
  static void zero_async(void* data, std::size_t bytes, Stream stream);
};

}  // namespace kdash::backends::cuda
