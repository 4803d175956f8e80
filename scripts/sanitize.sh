#!/usr/bin/env bash
# The unit tests, the bad-input tests and the fuzz corpus replays under AddressSanitizer + UndefinedBehaviorSanitizer:
# a Serial-backend build in build/sanitize (its own tree, -O1 -g), every sanitizer report fatal. Exits non-zero on the
# first report or failing test. Not part of scripts/test.sh: it takes far longer (see docs/testing.md).
# Usage: scripts/sanitize.sh [ctest args...]   e.g. scripts/sanitize.sh -R npy
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/bootstrap.sh

# float-cast-overflow is not part of GCC's -fsanitize=undefined; an out-of-range float-to-integer conversion is
# undefined behaviour all the same.
sanitizers=address,undefined,float-cast-overflow
export CXXFLAGS="-fsanitize=$sanitizers -fno-sanitize-recover=all -fno-omit-frame-pointer -O1 -g"
export LDFLAGS="-fsanitize=$sanitizers"
# Full unwinding on allocation: the leak reports of the (uninstrumented) MPI libraries then name them, and
# scripts/lsan.supp can suppress exactly those. Open MPI keeps its plugins loaded so their frames stay named.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:fast_unwind_on_malloc=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$repo/scripts/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMPI_MCA_mca_base_component_disable_dlclose=1

# Only what the selected tests run: every unit test, the tool the command-line tests drive, the corpus replays.
targets=(kdash_cli)
for src in tests/unit/test_*.cpp; do targets+=("$(basename "$src" .cpp)"); done
for src in tests/fuzz/fuzz_*.cpp; do [ -e "$src" ] && targets+=("$(basename "$src" .cpp)_replay"); done

start=$(date +%s)
KDASH_CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Debug -DKDASH_ENABLE_BENCHMARKS=OFF -DKDASH_ENABLE_EXAMPLES=OFF ${KDASH_CMAKE_ARGS:-}" \
  bash scripts/configure.sh sanitize "${targets[@]}"
built=$(date +%s)
printf '[sanitize] built in %d s; running the unit, bad-input and fuzz-corpus tests\n' $((built - start))
status=0
(cd build/sanitize && ctest --output-on-failure -L '^(unit|fuzz)$' -j "${KDASH_JOBS:-$(nproc)}" "$@") || status=1
printf '[sanitize] tests ran in %d s: %s\n' $(($(date +%s) - built)) "$([ $status -eq 0 ] && echo clean || echo FAILED)"
exit $status
