// What the optimizer reports about itself: per-factor root results, failure and skip counters, timings.
#pragma once

#include <kdash/solvers/root_options.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kdash {

// One factor (L or R) of one block, as of its last inverse-root computation.
struct FactorMetrics {
  std::string param;
  int block = 0;    // block index within the parameter
  char side = 'L';  // 'L' or 'R'
  int n = 0;
  int iterations = 0;
  double residual = 0;
  double lambda_max = 0;
  RootStatus status = RootStatus::converged;
  double condition = 0;          // estimate of cond(regularised factor); see BlockRootResult
  bool ill_conditioned = false;  // the root is beyond what the solver's precision resolves
  int consecutive_failures = 0;  // the escalation level of the next attempt
  std::int64_t total_failures = 0;
};

// Wall-clock milliseconds of the last step. The phases are measured without extra fences, so a phase's time
// includes waiting for earlier asynchronous work; roots_ms is exact (computing roots synchronises).
struct StepTimings {
  double total_ms = 0;
  double roots_ms = 0;
};

struct Metrics {
  std::int64_t step = 0;
  bool roots_computed = false;  // in the last step
  std::vector<FactorMetrics> factors;
  std::int64_t root_failures = 0;  // all factors, all steps
  // Of the last root computation of each factor: not_converged iterates kept because their residual was below
  // RootOptions::usable_residual, and roots flagged ill_conditioned (kept or not). Not part of a checkpoint: 0 after
  // load until the next root step.
  std::int64_t roots_not_converged_accepted = 0;
  std::int64_t roots_ill_conditioned = 0;
  std::int64_t skipped_block_updates = 0;       // blocks whose gradient was non-finite, all steps
  std::vector<std::int64_t> skipped_per_block;  // by block id (BlockMap order)
  StepTimings timings;

  // Distribution. factors lists this rank's own blocks only; the counters cover this rank's blocks.
  int rank = 0, ranks = 1;
  std::int64_t owned_blocks = 0;  // blocks this rank updates
  double load_balance = 1.0;      // max over ranks of the modelled cost / mean (1: perfect)
  // Bytes of search directions each step moves: into this rank (the other ranks' slices), and over all ranks.
  std::uint64_t direction_bytes_received = 0;
  std::uint64_t direction_bytes_all_ranks = 0;
};

}  // namespace kdash
