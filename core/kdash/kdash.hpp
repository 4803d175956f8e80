// Umbrella header of kdash: DASH, the batched Shampoo optimizer, on Kokkos.
#pragma once

#include <kdash/backends/batched_gemm.hpp>
#include <kdash/backends/execution.hpp>
#include <kdash/block_map.hpp>
#include <kdash/checkpoint.hpp>
#include <kdash/config.hpp>
#include <kdash/config_json.hpp>
#include <kdash/distributed/block_ownership.hpp>
#include <kdash/distributed/communicator.hpp>
#include <kdash/distributed/mpi_communicator.hpp>
#include <kdash/distributed/nccl_communicator.hpp>
#include <kdash/distributed/single_process_communicator.hpp>
#include <kdash/metrics.hpp>
#include <kdash/optimizer.hpp>
#include <kdash/optimizer_config.hpp>
#include <kdash/param_spec.hpp>
#include <kdash/replay.hpp>
#include <kdash/solvers/automatic_method.hpp>
#include <kdash/solvers/chebyshev.hpp>
#include <kdash/solvers/inverse_root.hpp>
#include <kdash/solvers/root_options.hpp>
#include <kdash/solvers/scaling.hpp>
#include <kdash/version.hpp>
