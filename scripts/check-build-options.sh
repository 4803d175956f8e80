#!/usr/bin/env bash
# Configures and builds the CMake option combinations a user is likely to pick besides the default (which
# scripts/test.sh builds), each in build/options/<name>, and runs a few of its tests.
# Usage: scripts/check-build-options.sh [name...]   (default: every combination below)
#   mpi-off     -DKDASH_ENABLE_MPI=OFF, the whole tree and its tests (scripts/test.sh compiles only the sources
#               that depend on MPI this way)
#   lib-only    the library alone: tests, benchmarks, examples and the tool all OFF (what a package build does)
# Takes one full build per combination (about 15 minutes each on 2 cores), so it is not part of scripts/test.sh.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export KDASH_DEPS=${KDASH_DEPS:-$repo/.deps}
jobs=${KDASH_JOBS:-$(nproc)}
declare -A options=(
  [mpi-off]="-DKDASH_ENABLE_MPI=OFF"
  [lib-only]="-DKDASH_ENABLE_TESTS=OFF -DKDASH_ENABLE_BENCHMARKS=OFF -DKDASH_ENABLE_EXAMPLES=OFF -DKDASH_ENABLE_TOOLS=OFF"
)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(mpi-off lib-only)
for name in "${names[@]}"; do
  [ -n "${options[$name]+set}" ] || { echo "unknown combination '$name' (known: ${!options[*]})" >&2; exit 2; }
  dir=$repo/build/options/$name
  printf '[options] %s: %s\n' "$name" "${options[$name]}"
  # shellcheck disable=SC2086
  mkdir -p "$dir"
  cmake -S "$repo" -B "$dir" ${options[$name]} >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log" >&2; exit 1; }
  cmake --build "$dir" -j "$jobs"
  if [ -f "$dir/CTestTestfile.cmake" ]; then
    (cd "$dir" && ctest --output-on-failure -R 'test_(npy|core_config|bad_input_cli|dist_single_process)$')
  fi
done
