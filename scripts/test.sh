#!/usr/bin/env bash
# Everything from a fresh machine to a tested tree: bootstrap the dependencies if needed, then configure, build and
# run the whole test suite on the OpenMP backend (2 threads, MPI tests at 1-4 ranks) and on the Serial backend, which
# is built with -DKDASH_ENABLE_MPI=OFF so that every run also proves the build without MPI.
# Usage: scripts/test.sh [ctest args...]   e.g. scripts/test.sh -L unit
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/bootstrap.sh
mkdir -p build
status=0
for backend in ${KDASH_TEST_BACKENDS:-openmp serial}; do
  extra=""
  [ "$backend" = serial ] && extra="-DKDASH_ENABLE_MPI=OFF"
  KDASH_CMAKE_ARGS="${KDASH_CMAKE_ARGS:-} $extra" bash scripts/configure.sh "$backend"
  printf '[test] running the suite on the %s backend\n' "$backend"
  (cd "build/$backend" && ctest --output-on-failure -j "${KDASH_JOBS:-$(nproc)}" "$@") || status=1
done
exit $status
