#!/usr/bin/env bash
# The main job from a fresh machine: bootstrap if needed, build the kdash tool (OpenMP backend) and run it.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/bootstrap.sh
mkdir -p build
bash scripts/configure.sh openmp kdash_cli
export OMP_PROC_BIND=${OMP_PROC_BIND:-false}
./build/openmp/tools/kdash --version
