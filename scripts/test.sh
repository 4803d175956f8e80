#!/usr/bin/env bash
# Everything from a fresh machine to a tested tree: bootstrap the dependencies if needed, then configure and build one
# tree (kdash is built for every execution space its Kokkos enables: Serial and OpenMP with the bootstrap's Kokkos)
# and run the whole suite: typed tests on every space, MPI tests at 1-4 ranks on each host space, the fuzz corpora,
# the install consumer. A second, small build without MPI proves that configuration still compiles: it compiles
# every source whose code depends on MPI (the distributed layer, the tool's main and replay command, the core's
# replay and build information) and no more; KDASH_SKIP_NO_MPI_BUILD=1 leaves it out.
# Usage: scripts/test.sh [ctest args...]   e.g. scripts/test.sh -L unit
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/bootstrap.sh
mkdir -p build
status=0
bash scripts/configure.sh default
printf '[test] running the suite (every enabled execution space)\n'
(cd build/default && ctest --output-on-failure -j "${KDASH_JOBS:-$(nproc)}" "$@") || status=1
if [ "${KDASH_SKIP_NO_MPI_BUILD:-0}" != 1 ]; then
  printf '[test] compiling the MPI-dependent sources without MPI (build/no-mpi)\n'
  jobs=${KDASH_JOBS:-$(nproc)}
  if KDASH_CMAKE_ARGS="${KDASH_CMAKE_ARGS:-} -DKDASH_ENABLE_MPI=OFF -DKDASH_ENABLE_BENCHMARKS=OFF" \
    bash scripts/configure.sh no-mpi kdash_distributed kdash_layer_check_distributed kdash_layer_check_core; then
    # Single object files (Makefile generator): what else reads KDASH_HAVE_MPI.
    make -s -C build/no-mpi -j "$jobs" core/replay.cpp.o core/version.cpp.o || status=1
    make -s -C build/no-mpi/tools -j "$jobs" main.cpp.o commands/replay.cpp.o || status=1
  else
    status=1
  fi
fi
exit $status
