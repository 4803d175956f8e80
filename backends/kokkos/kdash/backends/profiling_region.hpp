// A Kokkos Tools region for the lifetime of a scope: pushed on construction, popped on destruction, so that an
// exception cannot leave a region open (Kokkos 3.4 has no Kokkos::Profiling::ScopedRegion).
#pragma once

#include <Kokkos_Core.hpp>

#include <string>

namespace kdash::backends {

class ProfilingRegion {
 public:
  explicit ProfilingRegion(const std::string& name) { Kokkos::Profiling::pushRegion(name); }
  ~ProfilingRegion() { Kokkos::Profiling::popRegion(); }
  ProfilingRegion(const ProfilingRegion&) = delete;
  ProfilingRegion& operator=(const ProfilingRegion&) = delete;
};

}  // namespace kdash::backends
