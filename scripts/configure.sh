#!/usr/bin/env bash
# Configures (if needed) and builds a tree: scripts/configure.sh <name> [targets...] builds into build/<name>. kdash is
# built for every execution space its Kokkos enables (Serial and OpenMP with the bootstrap's Kokkos), so one tree
# covers them all; scripts/test.sh, scripts/demo.sh, scripts/sanitize.sh and scripts/fuzz.sh share this script.
# Extra CMake options: KDASH_CMAKE_ARGS (e.g. -DKDASH_REQUIRED_SPACES=cuda). The host BLAS is the one
# scripts/bootstrap.sh installed into $KDASH_DEPS (KDASH_BLAS=auto), or KDASH_BLAS=mkl|openblas|blis|<BLA_VENDOR>; an
# existing tree keeps the library it was configured with unless KDASH_BLAS is set (a plain rerun, e.g. from
# perf/peers/run.sh with KDASH_BUILD=openblas, used to switch an OpenBLAS tree back to auto).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
name=${1:?usage: scripts/configure.sh <build name> [targets...]}
shift
dir=$repo/build/$name
jobs=${KDASH_JOBS:-$(nproc)}
as_root=OFF
[ "$(id -u)" -eq 0 ] && as_root=ON
printf '[build] configuring build/%s\n' "$name"
mkdir -p "$dir"
blas=()
if [ -n "${KDASH_BLAS:-}" ]; then
  blas=(-DKDASH_BLAS="$KDASH_BLAS")
elif [ ! -f "$dir/CMakeCache.txt" ]; then
  blas=(-DKDASH_BLAS=auto)
fi
# shellcheck disable=SC2086
cmake -S "$repo" -B "$dir" -DKDASH_MPI_RUN_AS_ROOT="$as_root" "${blas[@]}" \
  ${KDASH_CMAKE_ARGS:-} >"$dir.configure.log" 2>&1 ||
  { cat "$dir.configure.log" >&2; exit 2; }
grep -m1 '^-- kdash: Kokkos' "$dir.configure.log" | sed 's/^-- kdash: /[build] /' || true
grep -m1 '^-- kdash: host BLAS' "$dir.configure.log" | sed 's/^-- kdash: /[build] /' || true
printf '[build] building build/%s\n' "$name"
if [ $# -gt 0 ]; then
  cmake --build "$dir" -j "$jobs" --target "$@"
else
  cmake --build "$dir" -j "$jobs"
fi
