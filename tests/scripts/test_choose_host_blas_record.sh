#!/usr/bin/env bash
# scripts/choose-host-blas.sh --recorded decides whether scripts/bootstrap.sh measures the host BLAS again: only a
# measured record from this CPU model is reused; a record from another CPU, one set by hand (KDASH_BLAS=...), a
# fallback or a missing record mean "measure". Bad arguments and a missing oneMKL are errors (exit 2) that say why.
# Usage: test_choose_host_blas_record.sh <repository root>
set -uo pipefail
script=${1:?usage: test_choose_host_blas_record.sh <repository root>}/scripts/choose-host-blas.sh
deps=$(mktemp -d)
trap 'rm -rf "$deps"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect <exit code> <expected stdout or stderr text> <args...>
expect() {
  local code=$1 text=$2 out rc
  shift 2
  out=$(KDASH_DEPS=$deps "$script" "$@" 2>&1)
  rc=$?
  [ "$rc" -eq "$code" ] || fail "$* exited $rc, expected $code (output: $out)"
  [[ "$out" == *"$text"* ]] || fail "$* printed '$out', expected '$text'"
}

this_cpu=$(awk -F'[[:space:]]*: ' '$1 == "vendor_id" { v = $2 } $1 == "cpu family" { f = $2 } $1 == "model" { m = $2 }
  $1 == "model name" { n = $2; exit } END { print v " family " f " model " m ", " n }' /proc/cpuinfo)

expect 1 "" --recorded # no record
printf 'library=openblas\nhow=measured\ncpu=%s\n# a table\n' "$this_cpu" >"$deps/host-blas"
expect 0 openblas --recorded
printf 'library=mkl\nhow=measured\ncpu=%s\n' "$this_cpu" >"$deps/host-blas"
expect 0 mkl --recorded
printf 'library=mkl\nhow=measured\ncpu=%s\n' "AuthenticAMD family 25 model 17, AMD EPYC 9R14" >"$deps/host-blas"
[ "$this_cpu" = "AuthenticAMD family 25 model 17, AMD EPYC 9R14" ] || expect 1 "" --recorded # another CPU model
printf 'library=mkl\nhow=KDASH_BLAS\n' >"$deps/host-blas"
expect 1 "" --recorded # chosen by hand, not measured
printf 'library=openblas\nhow=fallback (oneMKL could not be installed)\n' >"$deps/host-blas"
expect 1 "" --recorded

for rounds in 0 -1 x 1x; do expect 2 "rounds must be an integer >= 1, got '$rounds'" "$rounds"; done
expect 2 "no oneMKL in $deps/mkl" 1
[ "$(sed -n 1p "$deps/host-blas")" = library=openblas ] || fail "a failed run changed the record"

[ "$failures" -eq 0 ] && echo "all cases passed"
exit $((failures > 0))
