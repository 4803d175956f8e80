// Kokkos for the fuzz entry points: initialised once, from LLVMFuzzerInitialize (which libFuzzer and the corpus replay
// both call before the first input). Never finalised: libFuzzer ends the process with exit(), after main, when
// function-local statics that a finalize hook would still touch (kdash's scratch buffers, the targets' fixtures) may
// already be destroyed. The operating system reclaims everything at exit.
#pragma once

#include <Kokkos_Core.hpp>

namespace kdash::fuzz {

inline void initialize_kokkos() {
  if (!Kokkos::is_initialized()) Kokkos::initialize();
}

}  // namespace kdash::fuzz
