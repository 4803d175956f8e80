#!/usr/bin/env bash
# kdash against the DASH reference (PyPI ista-daslab-optimizers, DashGpu and DashLayerwise run on the CPU through
# PyTorch), on the same preset, block sizes, solvers, threads and options; prints the side-by-side table.
# Not part of CI: the first run downloads PyTorch (on Linux PyPI's torch wheel pulls the CUDA libraries, several GB;
# point pip at a CPU-only wheel index with PIP_INDEX_URL / PIP_EXTRA_INDEX_URL to avoid them).
#
#   perf/peers/run.sh [--preset FILE|NAME] [--block-size 128,256,512] [--solvers evd,cn] [--repeats 5] [--rounds 3]
#                     [--modes layerwise,device] [--peer-modes DashGpu,DashLayerwise]
#
# --modes are kdash's stacking modes (sequential is never the fastest on the presets and takes seconds per CN step),
# --peer-modes the reference's optimizers.
#
# Each round runs kdash, then the reference; the table takes the median over the rounds and pairs the ratios by round
# (compare.py), since a shared or virtual machine drifts by tens of percent between minutes.
#
# Environment:
#   KDASH_PEERS_DIR  where the virtual environment, the reference's sources and the reports go
#                    (default: $KDASH_DEPS/peers when KDASH_DEPS is set, else out/peers); never committed
#   KDASH_THREADS    threads for both programs (default 2)
#   KDASH_BUILD      kdash's build tree under build/ (default "default"; built with scripts/configure.sh if needed)
#   DASH_REFERENCE_VERSION  the reference's version (default 1.1.15, the one the patches in
#                    dash_reference_bench.py were written against)
#
# The reference is installed from its wheel's Python sources only (pip download --no-deps, unpacked): its
# dependency ista-daslab-optimizers-cuda is a source package of CUDA extensions that does not build without a CUDA
# toolkit, and the DASH optimizers do not use it. Its other dependencies (wandb, timm, triton, ...) are not needed for
# a step either; dash_reference_bench.py documents the import-time patches this requires.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
preset=$repo/perf/presets/transformer-512.json
sizes=128,256,512
solvers=evd,cn
repeats=5
rounds=3
modes=layerwise,device
peer_modes=DashGpu,DashLayerwise
while [ $# -gt 0 ]; do
  case $1 in
    --preset) preset=$2; shift 2 ;;
    --block-size) sizes=$2; shift 2 ;;
    --solvers) solvers=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --peer-modes) peer_modes=$2; shift 2 ;;
    *) echo "perf/peers/run.sh: unknown argument '$1' (--preset, --block-size, --solvers, --repeats, --rounds," \
         "--modes, --peer-modes)" >&2
       exit 2 ;;
  esac
done
if [ -n "${KDASH_PEERS_DIR:-}" ]; then
  dir=$KDASH_PEERS_DIR
elif [ -n "${KDASH_DEPS:-}" ]; then
  dir=$KDASH_DEPS/peers
else
  dir=$repo/out/peers
fi
threads=${KDASH_THREADS:-2}
build_name=${KDASH_BUILD:-default}
version=${DASH_REFERENCE_VERSION:-1.1.15}
mkdir -p "$dir"

# 1. The reference: a virtual environment with PyTorch and NumPy, and the reference's Python sources.
if [ ! -x "$dir/venv/bin/python" ]; then
  python3 -m venv "$dir/venv"
fi
if ! "$dir/venv/bin/python" -c 'import torch, numpy' 2>/dev/null; then
  echo "[peers] installing PyTorch into $dir/venv (a large download)"
  "$dir/venv/bin/pip" install --quiet torch numpy
fi
src=$dir/ista-daslab-optimizers-$version
if [ ! -d "$src/ista_daslab_optimizers/dash" ]; then
  echo "[peers] fetching ista-daslab-optimizers $version (Python sources only)"
  rm -rf "$src.tmp" && mkdir -p "$src.tmp"
  "$dir/venv/bin/pip" download --quiet --no-deps --only-binary=:all: -d "$src.tmp" "ista-daslab-optimizers==$version"
  "$dir/venv/bin/python" -m zipfile -e "$src.tmp"/ista_daslab_optimizers-*.whl "$src.tmp/unpacked"
  mv "$src.tmp/unpacked" "$src" && rm -rf "$src.tmp"
fi

# 2. kdash.
KDASH_JOBS=${KDASH_JOBS:-2} bash "$repo/scripts/configure.sh" "$build_name" kdash_cli >/dev/null
kdash=$repo/build/$build_name/tools/kdash
[ -x "$kdash" ] || kdash=$(find "$repo/build/$build_name" -name kdash -type f -perm -u+x | head -n 1)

# 3. Both benchmarks, same preset, sizes, solvers, threads, Frobenius scaling, roots every step, fp32; interleaved.
ours="" theirs=""
for round in $(seq "$rounds"); do
  echo "[peers] round $round/$rounds: kdash bench ($threads threads)"
  OMP_NUM_THREADS=$threads OMP_PROC_BIND=false OMP_WAIT_POLICY=passive "$kdash" bench --preset "$preset" \
    --block-size "$sizes" --solvers "$solvers" --modes "$modes" --scaling fro --root-freq 1 --repeats "$repeats" \
    --warmup 1 --json "$dir/kdash-$round.json"
  echo "[peers] round $round/$rounds: DASH reference ($threads threads)"
  OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads "$dir/venv/bin/python" "$repo/perf/peers/dash_reference_bench.py" \
    --reference-src "$src" --preset "$preset" --block-size "$sizes" --solvers "$solvers" --modes "$peer_modes" \
    --scaling fro --root-freq 1 --repeats "$repeats" --warmup 1 --threads "$threads" --json "$dir/peer-$round.json"
  ours=$ours${ours:+,}$dir/kdash-$round.json
  theirs=$theirs${theirs:+,}$dir/peer-$round.json
done
echo
python3 "$repo/perf/peers/compare.py" "$ours" "$theirs" --markdown
