#!/usr/bin/env bash
# Configures (if needed) and builds one backend's tree: scripts/configure.sh <openmp|serial|...> [targets...]
# Shared by scripts/test.sh and scripts/demo.sh. Extra CMake options: KDASH_CMAKE_ARGS. The host BLAS is the one
# scripts/bootstrap.sh installed into $KDASH_DEPS (KDASH_BLAS=auto), or KDASH_BLAS=mkl|openblas|blis|<BLA_VENDOR>.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
backend=$1
shift
dir=$repo/build/$backend
jobs=${KDASH_JOBS:-$(nproc)}
as_root=OFF
[ "$(id -u)" -eq 0 ] && as_root=ON
printf '[build] configuring %s (build/%s)\n' "$backend" "$backend"
mkdir -p "$dir"
# shellcheck disable=SC2086
cmake -S "$repo" -B "$dir" -DKDASH_BACKEND="$backend" -DKDASH_MPI_RUN_AS_ROOT="$as_root" \
  -DKDASH_BLAS="${KDASH_BLAS:-auto}" ${KDASH_CMAKE_ARGS:-} >"$dir.configure.log" 2>&1 ||
  { cat "$dir.configure.log" >&2; exit 2; }
grep -m1 '^-- kdash: host BLAS' "$dir.configure.log" | sed 's/^-- kdash: /[build] /' || true
printf '[build] building %s\n' "$backend"
if [ $# -gt 0 ]; then
  cmake --build "$dir" -j "$jobs" --target "$@"
else
  cmake --build "$dir" -j "$jobs"
fi
