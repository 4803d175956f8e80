#!/usr/bin/env bash
# GPU validation on a machine with an NVIDIA GPU, CUDA and CMake (no network needed):
#   Kokkos_ROOT=/opt/kokkos-cuda [KokkosKernels_ROOT=...] scripts/gpu-check.sh
# needs an INSTALLED modern Kokkos + Kokkos Kernels built with Kokkos_ENABLE_CUDA=ON (CUDA 13: Kokkos >= 4.7.01, or
# 4.6.01 with its three CUDA 13 call-site fixes; Kokkos_ARCH_HOPPER90 for H100/H200). With KDASH_BUILD_DIR pointing at
# an already built CUDA tree (for example one compiled on another x86-64 machine and copied over) the configure and
# build steps are skipped.
# Steps: configure + build (KDASH_BACKEND=cuda), the whole test suite on the GPU, then `kdash bench` on the small
# preset and, one solver at a time, on the Llama-953M shapes at block sizes 1024 and 2048. Every JSON result lands in
# $KDASH_GPU_OUT (default out/gpu-check).
#
# Time: the whole run keeps to KDASH_GPU_BUDGET seconds (default 480, the 8 minutes of an H100 check): every step
# is killed at the budget's end, and a step that cannot start with KDASH_GPU_MIN_STEP seconds (default 20) left is
# reported as skipped (exit status 3). KDASH_GPU_LLAMA_ARGS replaces the Llama-953M bench options (default: one
# warm-up and one timed step per mode, roots every step); KDASH_GPU_LLAMA_RUNS lists the runs in order as
# BLOCK:SOLVER (default: every solver but EVD at 1024 and 2048, then EVD, the slowest one block at a time);
# KDASH_GPU_SUITE=0 skips the tests and the small bench (to finish a check in two sittings). Stops at the first
# failure and prints the tail of that step's log; KDASH_GPU_KEEP_GOING=1 runs every step and fails at the end instead.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${KDASH_GPU_OUT:-$repo/out/gpu-check}
build=${KDASH_BUILD_DIR:-$repo/build/cuda}
jobs=${KDASH_JOBS:-$(nproc)}
budget=${KDASH_GPU_BUDGET:-480}
min_step=${KDASH_GPU_MIN_STEP:-20}
keep_going=${KDASH_GPU_KEEP_GOING:-0}
llama_args=${KDASH_GPU_LLAMA_ARGS:---repeats 1 --warmup 1 --root-freq 1}
llama_runs=${KDASH_GPU_LLAMA_RUNS:-1024:cbshv 1024:cn 1024:ndb 2048:cbshv 2048:cn 2048:ndb 1024:evd 2048:evd}
suite=${KDASH_GPU_SUITE:-1}
mkdir -p "$out"
start=$(date +%s)
failed=()
skipped=()

step() { printf '[gpu-check %4ss] %s\n' "$(($(date +%s) - start))" "$*"; }
remaining() { echo $((budget - ($(date +%s) - start))); }
run_logged() { # name command...
  local name=$1 left
  shift
  left=$(remaining)
  if [ "$left" -lt "$min_step" ]; then
    step "SKIPPED: $name (${left}s of the ${budget}s budget left)"
    skipped+=("$name")
    return 0
  fi
  step "$name"
  local rc=0
  timeout --kill-after=10 "$left" "$@" >"$out/$name.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 124 ] && step "FAILED: $name ran out of the ${budget}s budget (log: $out/$name.log)" ||
      step "FAILED: $name, exit status $rc (log: $out/$name.log)"
    tail -n 40 "$out/$name.log"
    failed+=("$name")
    [ "$keep_going" = 1 ] || exit 1
    return 1
  fi
}

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader |
  tee "$out/gpu.txt"

if [ ! -x "$build/tools/kdash" ]; then
  [ -n "${Kokkos_ROOT:-}" ] || { step "set Kokkos_ROOT to a CUDA-enabled Kokkos install (see docs/building.md)"; exit 2; }
  mpi=ON
  command -v mpicxx >/dev/null || mpi=OFF
  keep_going=0 run_logged configure cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DKDASH_BACKEND=cuda \
    -DKokkos_ARCH_HOPPER90=ON -DKokkos_ROOT="$Kokkos_ROOT" -DKokkosKernels_ROOT="${KokkosKernels_ROOT:-$Kokkos_ROOT}" \
    -DCMAKE_CXX_COMPILER="${CXX:-$Kokkos_ROOT/bin/nvcc_wrapper}" -DKDASH_ENABLE_MPI=$mpi || exit 1
  keep_going=0 run_logged build cmake --build "$build" -j "$jobs" || exit 1
fi

kdash=$build/tools/kdash
run_logged version "$kdash" --version && cat "$out/version.log"
# ctest's mpirun needs --allow-run-as-root when root: the build records that at configure time. install_consumer
# needs a host compiler and the installed package: it belongs to the host suite.
if [ "$suite" = 1 ]; then
  run_logged tests bash -c "cd '$build' && ctest --output-on-failure --timeout 300 -j 4 -E install_consumer"
  grep -E "tests passed|tests failed|Failed|\*\*\*" "$out/tests.log"
  run_logged bench-small "$kdash" bench --preset small --json "$out/bench-small.json"
  grep -A 40 "^precision" "$out/bench-small.log"
fi
# Llama-953M: one optimizer holds ~40 GB, so the modes run one after the other; one solver per run, so that a run
# cut by the budget still leaves the JSON of the solvers before it.
for run in $llama_runs; do
  b=${run%%:*}
  solver=${run#*:}
  # shellcheck disable=SC2086
  run_logged "bench-llama-953m-b$b-$solver" "$kdash" bench --preset llama-953m --block-size "$b" --solvers "$solver" \
    $llama_args --json "$out/bench-llama-953m-b$b-$solver.json" &&
    grep -A 6 "^precision" "$out/bench-llama-953m-b$b-$solver.log"
done

ls -l "$out"
if [ ${#failed[@]} -gt 0 ]; then
  step "FAILED steps: ${failed[*]}"
  exit 1
fi
if [ ${#skipped[@]} -gt 0 ]; then
  step "done within ${budget}s, but skipped for time: ${skipped[*]} (raise KDASH_GPU_BUDGET)"
  exit 3
fi
step "done: every step passed; results in $out"
