// One line naming the HIP runtime and ROCm library versions a HIP build uses. NOT COMPILED on the machines this was
// written on: Debian 12 has the HIP runtime but not rocBLAS, rocSOLVER or RCCL.
#pragma once

#include <string>

namespace kdash::backends::hip {

// "HIP runtime <v>, rocBLAS <v>, rocSOLVER <v>, RCCL <v>"; needs no GPU.
std::string toolkit_versions();

}  // namespace kdash::backends::hip
