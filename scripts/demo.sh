#!/usr/bin/env bash
# The main job from a fresh machine: bootstrap if needed, build the kdash tool (on the default execution space, OpenMP
# with the bootstrap's Kokkos), then run
# `kdash bench` on the small preset: the DASH paper's step-time table (solvers x stacking modes x block sizes) with
# speed-ups and the fraction of the machine's measured peak, a JSON report and a PNG chart in out/.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/bootstrap.sh
mkdir -p build out
bash scripts/configure.sh default kdash_cli
# Threads: one per core, unpinned (a shared or virtual machine). OMP_WAIT_POLICY=passive: idle OpenMP threads sleep
# instead of spinning, so they do not steal the cores the threaded BLAS uses for large blocks (the host path mixes
# Kokkos' OpenMP threads with OpenBLAS' own; spinning costs up to 10x on 2 cores, docs/performance.md).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)}
export OMP_PROC_BIND=${OMP_PROC_BIND:-false}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
kdash=./build/default/tools/kdash
$kdash --version
start=$(date +%s)
$kdash bench --preset small --json out/bench-small.json --plot out/bench-small.png
echo "[demo] benchmark time: $(($(date +%s) - start)) s; report out/bench-small.json, chart out/bench-small.png"
