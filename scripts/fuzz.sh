#!/usr/bin/env bash
# Fuzzes the readers of untrusted files: builds the libFuzzer targets of tests/fuzz with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (build/fuzz) and runs each for the given number of seconds, starting
# from a working copy of its seed corpus (build/fuzz/corpus/<target>: the repository's seeds are never modified).
# Prints each target's execution count; an input that crashes, leaks, allocates more than 256 MiB or runs longer than
# 10 s is saved under build/fuzz/findings/<target>/ (emptied at the start of each run) and the script exits 1.
# Usage: scripts/fuzz.sh [seconds per target (default 60)] [target...]   targets: npy config_json checkpoint
#   bench_preset digits
#   KDASH_FUZZ_KEEP_GOING=1: keep fuzzing after a finding (libFuzzer's fork mode), to collect several at once.
#   KDASH_FUZZ_ARGS: extra libFuzzer options, e.g. "-max_len=8192".
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$src" .cpp | sed 's/^fuzz_//')"); done
fi
clang=${KDASH_FUZZ_CXX:-clang++}
command -v "$clang" >/dev/null || { echo "[fuzz] $clang not found: install clang (and libclang-rt-dev)" >&2; exit 2; }

sanitizers=address,undefined,float-cast-overflow
# UBSan's checks inside the host `omp simd` loops keep clang from vectorising them: -Wpass-failed would say so for
# each, and only in this build.
export CXXFLAGS="-fsanitize=fuzzer-no-link,$sanitizers -fno-sanitize-recover=all -fno-omit-frame-pointer -O1 -g \
  -Wno-pass-failed"
export LDFLAGS="-fsanitize=$sanitizers"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# One quiet OpenMP thread: the fuzz targets run on the default space.
export OMP_NUM_THREADS=1 OMP_PROC_BIND=false OMP_WAIT_POLICY=passive
# Tools on: the bench preset and digits readers are in the tool's support library (only the fuzz targets are built).
KDASH_CMAKE_ARGS="-DCMAKE_CXX_COMPILER=$clang -DCMAKE_BUILD_TYPE=Debug \
  -DKDASH_FUZZ_WITH_LIBFUZZER=ON -DKDASH_ENABLE_BENCHMARKS=OFF -DKDASH_ENABLE_EXAMPLES=OFF -DKDASH_ENABLE_TOOLS=ON \
  ${KDASH_CMAKE_ARGS:-}" \
  bash scripts/configure.sh fuzz "${targets[@]/#/fuzz_}"

build=$repo/build/fuzz
mode=()
[ "${KDASH_FUZZ_KEEP_GOING:-0}" = 1 ] && mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
status=0
summary=()
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  findings=$build/findings/$t
  rm -rf "$findings"
  mkdir -p "$corpus" "$findings"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/
  log=$build/fuzz_$t.log
  printf '[fuzz] %s: %s s\n' "$t" "$seconds"
  rc=0
  # shellcheck disable=SC2086
  (cd "$findings" && "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=256 \
    -rss_limit_mb=2048 -print_final_stats=1 -dict="$repo/tests/fuzz/$t.dict" -artifact_prefix="$findings/" \
    "${mode[@]}" ${KDASH_FUZZ_ARGS:-} "$corpus") >"$log" 2>&1 || rc=$?
  # Plain mode prints stat::number_of_executed_units; fork mode only its progress lines "#<runs>: cov: ...".
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\):* .*/\1/p' "$log" | tail -n 1)
  found=$(find "$findings" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' \
    -o -name 'timeout-*' \) | wc -l)
  line=$(printf '%-12s %12s executions, %s findings (exit %s)' "$t" "${runs:-?}" "$found" "$rc")
  summary+=("$line")
  printf '[fuzz] %s\n' "$line"
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    status=1
    grep -m 3 -E 'ERROR|runtime error|contract violation' "$log" | sed 's/^/[fuzz]   /' || true
    printf '[fuzz]   log: %s; inputs: %s\n' "$log" "$findings"
  fi
done
printf '[fuzz] summary (%s s per target):\n' "$seconds"
printf '  %s\n' "${summary[@]}"
exit $status
