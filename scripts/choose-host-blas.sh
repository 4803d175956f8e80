#!/usr/bin/env bash
# Chooses this machine's host BLAS/LAPACK by measurement: Debian's OpenBLAS against the oneMKL that
# scripts/bootstrap.sh unpacked into $KDASH_DEPS/mkl, on the kernels a kdash step spends its host time in: a stack of
# blocks with one single-threaded call per block over all threads (sgemm and ssyevd at n = 128, 256 and 512, run by
# perf/blas_candidates.sh in interleaved rounds, so that a noisy machine slows both alike). Which library is faster
# depends on the CPU and on code paths a library picks by vendor (oneMKL's on AMD, OpenBLAS's on CPUs newer than it),
# so it is measured rather than guessed from the vendor.
#
# Score: the geometric mean over those six kernels of oneMKL's rate over OpenBLAS's (each the median over the rounds
# of the in-run medians). oneMKL is chosen above 1.05; at or below it OpenBLAS, Debian's own package.
#
# Writes the choice, the CPU it was measured on and the measurement to $KDASH_DEPS/host-blas (replaced whole), which
# KDASH_BLAS=auto follows (cmake/KDashDependencies.cmake).
# Usage: scripts/choose-host-blas.sh [rounds] (default 3; threads: OMP_NUM_THREADS, else nproc), or
#        scripts/choose-host-blas.sh --recorded: prints the library measured earlier on this CPU model, exit 1 if none
#        (how scripts/bootstrap.sh skips a second measurement).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps=${KDASH_DEPS:-$repo/.deps}
rounds=${1:-3}
threads=${OMP_NUM_THREADS:-$(nproc)}
work=$deps/blas-probe
choice=$deps/host-blas

cpu_identity() {
  awk -F'[[:space:]]*: ' '$1 == "vendor_id" { v = $2 } $1 == "cpu family" { f = $2 } $1 == "model" { m = $2 }
    $1 == "model name" { n = $2; exit } END { print v " family " f " model " m ", " n }' /proc/cpuinfo
}

case $rounds in --recorded) ;; *[!0-9]* | "" | 0) echo "choose-host-blas: rounds must be an integer >= 1, got '$rounds'" >&2; exit 2 ;; esac
if [ "$rounds" = --recorded ]; then
  grep -qx 'how=measured' "$choice" 2>/dev/null && grep -qxF "cpu=$(cpu_identity)" "$choice" || exit 1
  sed -n 's/^library=//p' "$choice"
  exit 0
fi
[ -f "$deps/mkl/lib/libmkl_core.so" ] ||
  { echo "choose-host-blas: no oneMKL in $deps/mkl: run KDASH_BLAS=mkl scripts/bootstrap.sh first" >&2; exit 2; }
mkdir -p "$work"
KDASH_DEPS=$deps KDASH_BLAS_CANDIDATES="openblas mkl" KDASH_BLAS_KERNELS=batched_sgemm,batched_ssyevd \
  KDASH_BLAS_CANDIDATES_DIR="$work" KDASH_BENCH_THREADS="$threads" \
  "$repo/perf/blas_candidates.sh" "$rounds" >"$work/measurement.log" 2>&1 ||
  { cat "$work/measurement.log" >&2; echo "choose-host-blas: the measurement failed" >&2; exit 1; }

python3 - "$work/raw.csv" "$choice.tmp" "$(cpu_identity)" "$threads" "$rounds" <<'EOF'
import collections, datetime, math, statistics, sys
raw, out, cpu, threads, rounds = sys.argv[1:]
rates = collections.defaultdict(list)  # (kernel, n, library) -> in-run medians, one per round
described = {}  # library -> how it describes itself (version, kernels chosen on this CPU)
for line in open(raw):
    if line.startswith('# '):
        label, _, text = line[2:].partition(': ')
        described.setdefault(label, text.strip())
    else:
        label, kernel, n, median, _ = line.strip().split(',')
        rates[(kernel, int(n), label)].append(float(median))
rows = []
for kernel in ('batched_sgemm', 'batched_ssyevd'):
    for n in (128, 256, 512):
        mkl, openblas = (statistics.median(rates[(kernel, n, lib)]) for lib in ('mkl', 'openblas'))
        rows.append((kernel, n, mkl, openblas, mkl / openblas))
score = math.exp(statistics.fmean(math.log(r[4]) for r in rows))
library = 'mkl' if score > 1.05 else 'openblas'
when = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
with open(out, 'w') as f:
    f.write(f'library={library}\nhow=measured\ncpu={cpu}\n')
    f.write(f'# scripts/choose-host-blas.sh {rounds}, {when}, {threads} threads: GFLOP/s (median over the rounds)\n')
    for kernel, n, mkl, openblas, ratio in rows:
        f.write(f'# {kernel:15s} n = {n:3d}: oneMKL {mkl:7.1f}, OpenBLAS {openblas:7.1f}, ratio {ratio:.2f}\n')
    f.write(f'# geometric mean of the ratios {score:.2f} (oneMKL above 1.05): {library}\n')
    for label in ('mkl', 'openblas'):
        f.write(f'# {label}: {described.get(label, "?")}\n')
EOF
mv "$choice.tmp" "$choice"
sed -n 's/^# //p' "$choice"
