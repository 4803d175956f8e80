// Umbrella header of kdash: DASH, the batched Shampoo optimizer, on Kokkos. The public API only (docs/api.md): the
// configuration, the optimizer, checkpoints, metrics, replay, the standalone batched inverse root and the
// communicators. Kernels and solver internals stay in their own headers (kdash/backends/*, kdash/solvers/impl/*).
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/backends/kokkos_compat.hpp>
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
#include <kdash/param_ref.hpp>
#include <kdash/param_spec.hpp>
#include <kdash/replay.hpp>
#include <kdash/solvers/inverse_root.hpp>
#include <kdash/solvers/root_options.hpp>
#include <kdash/version.hpp>
