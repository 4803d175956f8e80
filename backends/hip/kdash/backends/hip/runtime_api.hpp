// The HIP runtime calls the vendor-neutral adapter code makes (kdash/backends/vendor: LibraryHandle,
// StreamWorkspace), under the names it uses; the HIP twin of cuda/runtime_api.hpp. Each call that can fail throws
// VendorError naming the HIP function. Needs only the HIP runtime (part of kdash_hip_runtime).
#pragma once

#include <hip/hip_runtime_api.h>

#include <cstddef>

namespace kdash::backends::hip {

struct HipRuntime {
  using Stream = hipStream_t;
  using Event = hipEvent_t;

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

}  // namespace kdash::backends::hip
