#!/usr/bin/env bash
# GPU validation on a machine with an NVIDIA GPU, CUDA and CMake (no network needed):
#   Kokkos_ROOT=/opt/kokkos-cuda [KokkosKernels_ROOT=...] scripts/gpu-check.sh
# needs an INSTALLED modern Kokkos + Kokkos Kernels built with Kokkos_ENABLE_CUDA=ON (>= 4.7.01 for CUDA 13;
# Kokkos_ARCH_HOPPER90 for H100/H200). With KDASH_BUILD_DIR pointing at an already built CUDA tree (for example one
# compiled on another x86-64 machine and copied over) the configure and build steps are skipped.
# Steps: configure + build (KDASH_BACKEND=cuda), the whole test suite on the GPU, then `kdash bench` on the small
# preset and on the Llama-953M shapes at block sizes 1024 and 2048. Every JSON result lands in $KDASH_GPU_OUT
# (default out/gpu-check). Stops at the first failure and prints the tail of that step's log.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${KDASH_GPU_OUT:-$repo/out/gpu-check}
build=${KDASH_BUILD_DIR:-$repo/build/cuda}
jobs=${KDASH_JOBS:-$(nproc)}
mkdir -p "$out"
start=$(date +%s)

step() { printf '[gpu-check %4ss] %s\n' "$(($(date +%s) - start))" "$*"; }
run_logged() { # name command...
  local name=$1
  shift
  step "$name"
  if ! "$@" >"$out/$name.log" 2>&1; then
    step "FAILED: $name (log: $out/$name.log)"
    tail -n 40 "$out/$name.log"
    exit 1
  fi
}

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader |
  tee "$out/gpu.txt"

if [ ! -x "$build/tools/kdash" ]; then
  [ -n "${Kokkos_ROOT:-}" ] || { step "set Kokkos_ROOT to a CUDA-enabled Kokkos install (see docs/building.md)"; exit 2; }
  mpi=ON
  command -v mpicxx >/dev/null || mpi=OFF
  run_logged configure cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DKDASH_BACKEND=cuda \
    -DKokkos_ARCH_HOPPER90=ON -DKokkos_ROOT="$Kokkos_ROOT" -DKokkosKernels_ROOT="${KokkosKernels_ROOT:-$Kokkos_ROOT}" \
    -DCMAKE_CXX_COMPILER="${CXX:-$Kokkos_ROOT/bin/nvcc_wrapper}" -DKDASH_ENABLE_MPI=$mpi
  run_logged build cmake --build "$build" -j "$jobs"
fi

# ctest's mpirun needs --allow-run-as-root when root: the build records that at configure time.
run_logged tests bash -c "cd '$build' && ctest --output-on-failure -j 4 -E install_consumer"
grep -E "tests passed|tests failed" "$out/tests.log"

kdash=$build/tools/kdash
run_logged version "$kdash" --version
run_logged bench-small "$kdash" bench --preset small --json "$out/bench-small.json"
for b in 1024 2048; do
  run_logged "bench-llama-953m-b$b" "$kdash" bench --preset llama-953m --block-size "$b" --repeats 3 \
    --json "$out/bench-llama-953m-b$b.json"
done
step "done: results in $out"
ls -l "$out"
