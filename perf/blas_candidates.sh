#!/usr/bin/env bash
# Measures the host BLAS/LAPACK candidates with perf/blas_candidates.cpp, interleaved so that a noisy machine slows
# every candidate alike: perf/blas_candidates.sh [rounds] (default 5). KDASH_BLAS_CANDIDATES (labels, space-separated;
# default all) and KDASH_BLAS_KERNELS (comma-separated parts of the kernel names, e.g. batched; default all) narrow the
# run; only the selected candidates are built. The raw samples go to $KDASH_BLAS_CANDIDATES_DIR/raw.csv (default
# build/blas-candidates). Prints, per kernel and size, the median over the rounds of each candidate's in-run median
# GFLOP/s, the best rate seen in any round, and the spread (max/min - 1) of the in-run medians over the rounds.
#
# Kernels: sgemm and ssyevd threaded, and batched (kdash's stacks) with ssyevr and ssytrd beside ssyevd.
#
# Candidates: Debian's OpenBLAS as it is and with OPENBLAS_CORETYPE=SkylakeX / Haswell; Debian's BLIS (OpenMP) with
# Debian's reference LAPACK; oneMKL (GNU OpenMP threading layer) as scripts/bootstrap.sh installs it, and the same
# MKL restricted to AVX2 (MKL_ENABLE_INSTRUCTIONS=AVX2, the code path of a CPU without AVX-512). BLIS is fetched with
# `apt-get download` and MKL taken from $KDASH_DEPS/mkl (run scripts/bootstrap.sh with KDASH_BLAS=mkl first), both
# into / from a scratch directory: nothing is installed on the machine. Threads: KDASH_BENCH_THREADS (default 2).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-5}
deps=${KDASH_DEPS:-$repo/.deps}
work=${KDASH_BLAS_CANDIDATES_DIR:-$repo/build/blas-candidates}
threads=${KDASH_BENCH_THREADS:-2}
mkdir -p "$work"
src=$repo/perf/blas_candidates.cpp
multiarch=$(gcc -print-multiarch)
cxx=(g++ -O2 -std=c++17 -fopenmp "$src")

selected() { [ -z "${KDASH_BLAS_CANDIDATES:-}" ] || [[ " $KDASH_BLAS_CANDIDATES " == *" $1"* ]]; }

# Debian's BLIS, unpacked (not installed: its libblas.so.3 would join the system's BLAS alternatives).
blis=$work/blis/usr/lib/$multiarch/blis-openmp
if selected blis; then
  if [ ! -f "$blis/libblis.so.4" ]; then
    (cd "$work" && apt-get download libblis4-openmp >/dev/null)
    dpkg-deb -x "$work"/libblis4-openmp_*.deb "$work/blis"
  fi
  "${cxx[@]}" -o "$work/bench-blis" "$blis/libblis.so.4" "/usr/lib/$multiarch/lapack/liblapack.so.3" \
    -Wl,-rpath,"$blis"
fi
if selected mkl; then
  mkl=$deps/mkl/lib
  [ -f "$mkl/libmkl_core.so" ] || { echo "no MKL in $deps/mkl: run KDASH_BLAS=mkl scripts/bootstrap.sh first" >&2; exit 2; }
  "${cxx[@]}" -o "$work/bench-mkl" -L"$mkl" -Wl,--no-as-needed -lmkl_intel_lp64 -lmkl_gnu_thread -lmkl_core \
    -Wl,--as-needed -Wl,-rpath,"$mkl"
fi
if selected openblas; then "${cxx[@]}" -o "$work/bench-openblas" -lopenblas; fi

# label binary environment...
candidates=(
  "openblas bench-openblas"
  "openblas-skylakex bench-openblas OPENBLAS_CORETYPE=SkylakeX"
  "openblas-haswell bench-openblas OPENBLAS_CORETYPE=Haswell"
  "blis bench-blis LD_LIBRARY_PATH=$blis:/usr/lib/$multiarch/lapack"
  "mkl bench-mkl"
  "mkl-avx2 bench-mkl MKL_ENABLE_INSTRUCTIONS=AVX2"
)
raw=$work/raw.csv
: >"$raw"
for r in $(seq 1 "$rounds"); do
  for c in "${candidates[@]}"; do
    set -- $c
    label=$1 bin=$2
    shift 2
    [ -z "${KDASH_BLAS_CANDIDATES:-}" ] || [[ " $KDASH_BLAS_CANDIDATES " == *" $label "* ]] || continue
    # BLIS: the reference LAPACK (not the system's liblapack.so.3 alternative) calling BLIS' libblas.so.3.
    env OMP_NUM_THREADS="$threads" "$@" "$work/$bin" "$label" 5 "${KDASH_BLAS_KERNELS:-}" |
      tee -a "$raw" | grep '^#' | { [ "$r" -eq 1 ] && cat || cat >/dev/null; }
  done
done

python3 - "$raw" <<'EOF'
import collections, statistics, sys
rows = collections.defaultdict(list)
labels = []
for line in open(sys.argv[1]):
    if line.startswith('#'):
        continue
    label, kernel, n, median, best = line.strip().split(',')
    if label not in labels:
        labels.append(label)
    rows[(kernel, int(n), label)].append((float(median), float(best)))
keys = sorted({(k, n) for k, n, _ in rows}, key=lambda t: (['sgemm', 'batched_sgemm', 'ssyevd', 'batched_ssyevd', 'batched_ssyevr', 'batched_ssytrd'].index(t[0]), t[1]))
print('GFLOP/s, median over the rounds / best (spread of the medians)')
print('| kernel | n | ' + ' | '.join(labels) + ' |')
print('| --- | --- |' + ' --- |' * len(labels))
for k, n in keys:
    cells = []
    for l in labels:
        med = [m for m, _ in rows[(k, n, l)]]
        best = max(b for _, b in rows[(k, n, l)])
        cells.append('%.1f / %.1f (%.0f%%)' % (statistics.median(med), best, 100 * (max(med) / min(med) - 1)))
    print('| %s | %d | %s |' % (k, n, ' | '.join(cells)))
EOF
