// Umbrella header of kdash: DASH, the batched Shampoo optimizer, on Kokkos.
#pragma once

#include <kdash/backends/batched_gemm.hpp>
#include <kdash/backends/execution.hpp>
#include <kdash/config.hpp>
#include <kdash/solvers/inverse_root.hpp>
#include <kdash/version.hpp>
