#!/usr/bin/env bash
# GPU validation on a machine with an NVIDIA GPU, CUDA and CMake (no network needed). Kokkos comes in one of three ways:
#   Kokkos_ROOT=/opt/kokkos-cuda [KokkosKernels_ROOT=...] scripts/gpu-check.sh      an installed CUDA-enabled Kokkos
#   KOKKOS_SRC=~/src/kokkos KOKKOSKERNELS_SRC=~/src/kokkos-kernels scripts/gpu-check.sh    source trees, built here
#   KDASH_BUILD_DIR=build/cuda scripts/gpu-check.sh                               a kdash CUDA tree built elsewhere
# The Kokkos needs Kokkos_ENABLE_CUDA=ON and, for CUDA 13, version >= 4.7.01 (4.6.01 builds after three call-site
# fixes, see docs/building.md). From source trees the script builds Kokkos (CUDA + Serial, Kokkos_ARCH_$KDASH_GPU_ARCH,
# default HOPPER90 for H100/H200) and the Kokkos Kernels parts kdash uses (batched + BLAS, no instantiations) into
# $KDASH_GPU_DEPS (default build/gpu-deps) once; later runs reuse that install while the sources and the arch are the
# same. That one-off build is preparation: it runs before the budget's clock starts and prints its own time.
# With KDASH_BUILD_DIR pointing at an already built CUDA tree (for example one compiled on another x86-64 machine and
# copied over) the configure and build steps are skipped.
# Steps: configure + build (KDASH_REQUIRED_SPACES=cuda), the whole test suite on the GPU, then `kdash bench` on the small
# preset, the two cuSOLVER eigensolver paths at n = 1024 and 2048 (KDASH_GPU_SYEVD_SIZES, N:BATCH list) and, one
# solver at a time, on the Llama-953M shapes at block sizes 1024 and 2048. Every JSON result lands in
# $KDASH_GPU_OUT (default out/gpu-check).
#
# Time: the whole run keeps to KDASH_GPU_BUDGET seconds (default 480, the 8 minutes of an H100 check): every step
# is killed at the budget's end, and a step that cannot start with KDASH_GPU_MIN_STEP seconds (default 20) left is
# reported as skipped (exit status 3). KDASH_GPU_LLAMA_ARGS replaces the Llama-953M bench options (default: one
# warm-up and one timed step per mode, roots every step); KDASH_GPU_LLAMA_RUNS lists the runs in order as
# BLOCK:SOLVER[:PRECISIONS] (default: CN in tf32 and fp16, NDB in tf32 at 1024 and 2048, then EVD in tf32, the slowest,
# one block size at a time, then Chebyshev at 1024);
# KDASH_GPU_SUITE=0 skips the tests and the small bench (to finish a check in two sittings). Stops at the first
# failure and prints the tail of that step's log; KDASH_GPU_KEEP_GOING=1 runs every step and fails at the end instead.
# A run is BLOCK:SOLVER or BLOCK:SOLVER:PRECISIONS (comma-separated kdash bench precisions, default fp32).
#
# The two forms of a symmetric product on the GPU (one GEMM, or the three GEMMs of its lower block triangle plus a
# mirror; DeviceSymmetricForm, docs/backends.md): after the eigensolver paths, perf/bench_batched_syrk times both
# at n = 256..2048 and 1..64 blocks (the step symmetric-forms, JSON in $KDASH_GPU_OUT/symmetric-forms.json); after
# the peer step, KDASH_GPU_SYMMETRIC_RUNS (BLOCK:SOLVER:PRECISION list, default 1024:cn:tf32) repeat a Llama-953M run
# in `device` mode with --device-symmetric lower_triangle, to set against that run's `device` row.
#
# The race against the DASH reference (peer step): after kdash's Llama-953M runs, DashGpu (PyPI
# ista-daslab-optimizers) runs on the same shapes on the same GPU (perf/peers/dash_gpu_race.py, roots every step,
# KDASH_GPU_PEER_RUNS as SOLVER:PRECISION:BLOCK, default CN in TF32 and FP16, NDB and EVD in TF32, at 1024 and 2048),
# and one side-by-side table (kdash modes, DashGpu, ratios) goes to $KDASH_GPU_OUT/race.md. The GPU machine needs
# PyTorch (with Triton for the reference's fp16 CN) but no network: the reference's wheel is fetched beforehand, on
# a machine with network, by
#   scripts/gpu-check.sh --prepare-peer      (pip download into $KDASH_PEER_WHEELS, default out/peer-wheels)
# and that directory travels with the tree (never committed). Without it, or without perf/peers/dash_reference_bench.py,
# the peer step is reported as skipped. KDASH_GPU_PEER=0 skips it.
#   scripts/gpu-check.sh --dry-run           prints the plan (steps, runs, budget) and runs nothing
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${KDASH_GPU_OUT:-$repo/out/gpu-check}
build=${KDASH_BUILD_DIR:-$repo/build/cuda}
jobs=${KDASH_JOBS:-$(nproc)}
budget=${KDASH_GPU_BUDGET:-480}
min_step=${KDASH_GPU_MIN_STEP:-20}
keep_going=${KDASH_GPU_KEEP_GOING:-0}
llama_args=${KDASH_GPU_LLAMA_ARGS:---repeats 1 --warmup 1 --root-freq 1}
llama_runs=${KDASH_GPU_LLAMA_RUNS:-1024:cn:tf32,fp16 1024:ndb:tf32 2048:cn:tf32,fp16 2048:ndb:tf32 1024:evd:tf32 2048:evd:tf32 1024:cbshv:tf32}
suite=${KDASH_GPU_SUITE:-1}
peer=${KDASH_GPU_PEER:-1}
peer_runs=${KDASH_GPU_PEER_RUNS:-cn:tf32:1024,cn:fp16:1024,ndb:tf32:1024,evd:tf32:1024,cn:tf32:2048,cn:fp16:2048,ndb:tf32:2048,evd:tf32:2048}
peer_wheels=${KDASH_PEER_WHEELS:-$repo/out/peer-wheels}
peer_version=${DASH_REFERENCE_VERSION:-1.1.15}
symmetric_runs=${KDASH_GPU_SYMMETRIC_RUNS:-1024:cn:tf32}
dry_run=0
case ${1:-} in
  --prepare-peer)
    # The reference's own wheel only: its DASH optimizers need PyTorch and NumPy (on the GPU machine), and the
    # harness stands in for its other imports (perf/peers/dash_reference_bench.py).
    mkdir -p "$peer_wheels"
    python3 -m pip download --no-deps --only-binary=:all: -d "$peer_wheels" "ista-daslab-optimizers==$peer_version" ||
      { echo "gpu-check: pip download of ista-daslab-optimizers==$peer_version failed" >&2; exit 2; }
    ls -l "$peer_wheels"
    echo "gpu-check: copy $peer_wheels with the tree to the GPU machine (or set KDASH_PEER_WHEELS there)"
    exit 0
    ;;
  --dry-run) dry_run=1 ;;
  "") ;;
  *) echo "gpu-check: unknown argument '$1' (--prepare-peer, --dry-run)" >&2; exit 2 ;;
esac
deps=${KDASH_GPU_DEPS:-$repo/build/gpu-deps}
arch=${KDASH_GPU_ARCH:-HOPPER90}
# Kokkos' nvcc_wrapper compiles for sm_70 unless told otherwise, which CUDA 13 no longer supports, so CMake's compiler
# check fails before Kokkos_ARCH_* takes effect: give every nvcc_wrapper compile the arch's compute capability (the
# digits of the Kokkos arch name: HOPPER90 -> sm_90).
export CXXFLAGS="-arch=sm_${arch//[!0-9]/} ${CXXFLAGS:-}"
mkdir -p "$out"
start=$(date +%s)
failed=()
skipped=()

step() { printf '[gpu-check %4ss] %s\n' "$(($(date +%s) - start))" "$*"; }
remaining() { echo $((budget - ($(date +%s) - start))); }
run_logged() { # name command...
  local name=$1 left
  shift
  left=$(remaining)
  if [ "$left" -lt "$min_step" ]; then
    step "SKIPPED: $name (${left}s of the ${budget}s budget left)"
    skipped+=("$name")
    return 0
  fi
  step "$name"
  if [ "$dry_run" = 1 ]; then
    printf '    %s\n' "$*"
    return 0
  fi
  local rc=0
  timeout --kill-after=10 "$left" "$@" >"$out/$name.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 124 ] && step "FAILED: $name ran out of the ${budget}s budget (log: $out/$name.log)" ||
      step "FAILED: $name, exit status $rc (log: $out/$name.log)"
    tail -n 40 "$out/$name.log"
    failed+=("$name")
    [ "$keep_going" = 1 ] || exit 1
    return 1
  fi
}

if [ "$dry_run" = 1 ]; then
  step "dry run: the plan within ${budget}s (nothing is built or run)"
elif ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU here (nvidia-smi missing or lists none); nothing run (--dry-run prints the plan)" >&2
  exit 2
else
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
fi

# --- Kokkos + Kokkos Kernels from source trees, once (before the budget's clock) -----------------------------------
deps_step() { # name command...: no time limit, stops the script on failure
  local name=$1
  shift
  printf '[gpu-check deps %4ss] %s\n' "$(($(date +%s) - deps_start))" "$name"
  "$@" >"$out/deps-$name.log" 2>&1 && return 0
  printf '[gpu-check deps] FAILED: %s (log: %s)\n' "$name" "$out/deps-$name.log"
  tail -n 40 "$out/deps-$name.log"
  exit 1
}
build_kokkos_from_source() {
  local ksrc kksrc prefix=$deps/install stamp
  [ -n "${KOKKOSKERNELS_SRC:-}" ] || { echo "gpu-check: KOKKOS_SRC is set but KOKKOSKERNELS_SRC is not" >&2; exit 2; }
  ksrc=$(cd "$KOKKOS_SRC" 2>/dev/null && pwd) || { echo "gpu-check: KOKKOS_SRC=$KOKKOS_SRC: no such directory" >&2; exit 2; }
  kksrc=$(cd "$KOKKOSKERNELS_SRC" 2>/dev/null && pwd) ||
    { echo "gpu-check: KOKKOSKERNELS_SRC=$KOKKOSKERNELS_SRC: no such directory" >&2; exit 2; }
  if [ ! -x "$ksrc/bin/nvcc_wrapper" ] || [ ! -f "$ksrc/CMakeLists.txt" ]; then
    echo "gpu-check: KOKKOS_SRC=$ksrc is not a Kokkos source tree (no bin/nvcc_wrapper)" >&2
    exit 2
  fi
  [ -f "$kksrc/cmake/kokkoskernels_components.cmake" ] ||
    { echo "gpu-check: KOKKOSKERNELS_SRC=$kksrc is not a Kokkos Kernels source tree" >&2; exit 2; }
  if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
  command -v nvcc >/dev/null || { echo "gpu-check: nvcc is not on PATH (needed to build Kokkos with CUDA)" >&2; exit 2; }
  local kversion cuda_major
  kversion=$(sed -n 's/^ *set(Kokkos_VERSION_\(MAJOR\|MINOR\|PATCH\) *\([0-9]*\)).*/\2/Ip' "$ksrc/CMakeLists.txt" | paste -sd.)
  cuda_major=$(nvcc --version | sed -n 's/.*release \([0-9]*\)\..*/\1/p')
  printf '[gpu-check deps] Kokkos %s from %s, CUDA %s, Kokkos_ARCH_%s\n' "$kversion" "$ksrc" "$cuda_major" "$arch"
  local kmajor kminor kpatch
  IFS=. read -r kmajor kminor kpatch <<<"$kversion"
  if [ "${cuda_major:-0}" -ge 13 ] && [ $((10#${kmajor:-0} * 10000 + 10#${kminor:-0} * 100 + 10#${kpatch:-0})) -lt 40701 ]; then
    echo "[gpu-check deps] warning: Kokkos $kversion predates CUDA 13 support (4.7.01); unless its CUDA 13 call sites" \
      "were fixed (docs/building.md) its build fails"
  fi
  stamp="kokkos=$ksrc kokkos-kernels=$kksrc arch=$arch nvcc=$(command -v nvcc)"
  if [ -f "$prefix/kdash-gpu-deps.txt" ] && [ "$(cat "$prefix/kdash-gpu-deps.txt")" = "$stamp" ]; then
    printf '[gpu-check deps] Kokkos + Kokkos Kernels from source: already built in %s\n' "$prefix"
  else
    rm -rf "$deps/build-kokkos" "$deps/build-kokkos-kernels" "$prefix" # only what this script made there
    mkdir -p "$deps"
    deps_start=$(date +%s)
    deps_step kokkos-configure cmake -S "$ksrc" -B "$deps/build-kokkos" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_CXX_COMPILER="$ksrc/bin/nvcc_wrapper" -DCMAKE_CXX_STANDARD=17 \
      -DKokkos_ENABLE_CUDA=ON -DKokkos_ENABLE_SERIAL=ON "-DKokkos_ARCH_$arch=ON" -DKokkos_ENABLE_TESTS=OFF
    deps_step kokkos-build cmake --build "$deps/build-kokkos" -j "$jobs"
    deps_step kokkos-install cmake --install "$deps/build-kokkos"
    # kdash includes only Kokkos Kernels' batched GEMM (header-only) and calls cuBLAS itself: no instantiations, no
    # sparse/graph/ODE, no vendor TPLs keep this build to seconds.
    deps_step kokkos-kernels-configure cmake -S "$kksrc" -B "$deps/build-kokkos-kernels" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_INSTALL_PREFIX="$prefix" -DKokkos_ROOT="$prefix" -DCMAKE_CXX_COMPILER="$prefix/bin/nvcc_wrapper" \
      -DKokkosKernels_ENABLE_ALL_COMPONENTS=OFF -DKokkosKernels_ENABLE_COMPONENT_BATCHED=ON \
      -DKokkosKernels_ENABLE_COMPONENT_BLAS=ON -DKokkosKernels_ENABLE_TPL_CUBLAS=OFF \
      -DKokkosKernels_ENABLE_TPL_CUSPARSE=OFF -DKokkosKernels_ENABLE_TPL_CUSOLVER=OFF \
      -DKokkosKernels_INST_DOUBLE=OFF -DKokkosKernels_INST_FLOAT=OFF -DKokkosKernels_INST_ORDINAL_INT=OFF \
      -DKokkosKernels_INST_OFFSET_SIZE_T=OFF -DKokkosKernels_INST_OFFSET_INT=OFF \
      -DKokkosKernels_INST_LAYOUTLEFT=OFF -DKokkosKernels_INST_LAYOUTRIGHT=OFF \
      -DKokkosKernels_ENABLE_TESTS=OFF -DKokkosKernels_ENABLE_EXAMPLES=OFF
    deps_step kokkos-kernels-build cmake --build "$deps/build-kokkos-kernels" -j "$jobs"
    deps_step kokkos-kernels-install cmake --install "$deps/build-kokkos-kernels"
    echo "$stamp" >"$prefix/kdash-gpu-deps.txt"
    printf '[gpu-check deps] Kokkos + Kokkos Kernels built in %ss, installed in %s\n' \
      "$(($(date +%s) - deps_start))" "$prefix"
  fi
  export Kokkos_ROOT=$prefix KokkosKernels_ROOT=$prefix
}
if [ "$dry_run" = 0 ] && [ ! -x "$build/tools/kdash" ] && [ -z "${Kokkos_ROOT:-}" ] && [ -n "${KOKKOS_SRC:-}" ]; then
  build_kokkos_from_source
  start=$(date +%s) # the budget is the check's, not the one-off dependency build's
fi

if [ ! -x "$build/tools/kdash" ]; then
  [ -n "${Kokkos_ROOT:-}" ] || [ "$dry_run" = 1 ] || { step "set Kokkos_ROOT to a CUDA-enabled Kokkos install, or KOKKOS_SRC and KOKKOSKERNELS_SRC to source trees (see docs/backends.md)"; exit 2; }
  [ "$dry_run" = 0 ] || Kokkos_ROOT=${Kokkos_ROOT:-\$Kokkos_ROOT}
  mpi=ON
  command -v mpicxx >/dev/null || mpi=OFF
  keep_going=0 run_logged configure cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DKDASH_REQUIRED_SPACES=cuda \
    "-DKokkos_ARCH_$arch=ON" -DKokkos_ROOT="$Kokkos_ROOT" -DKokkosKernels_ROOT="${KokkosKernels_ROOT:-$Kokkos_ROOT}" \
    -DCMAKE_CXX_COMPILER="${CXX:-$Kokkos_ROOT/bin/nvcc_wrapper}" -DKDASH_ENABLE_MPI=$mpi || exit 1
  keep_going=0 run_logged build cmake --build "$build" -j "$jobs" || exit 1
fi

kdash=$build/tools/kdash
run_logged version "$kdash" --version && [ "$dry_run" = 0 ] && cat "$out/version.log"
# ctest's mpirun needs --allow-run-as-root when root: the build records that at configure time. install_consumer
# needs a host compiler and the installed package: it belongs to the host suite.
if [ "$suite" = 1 ]; then
  run_logged tests bash -c "cd '$build' && ctest --output-on-failure --timeout 300 -j 4 -E install_consumer" &&
    [ "$dry_run" = 0 ] && grep -E "tests passed|tests failed|Failed|\*\*\*" "$out/tests.log"
  run_logged bench-small "$kdash" bench --preset small --json "$out/bench-small.json" &&
    [ "$dry_run" = 0 ] && grep -A 40 "^precision" "$out/bench-small.log"
fi
# The two cuSOLVER eigensolver paths at the Llama block sizes (batched XsyevBatched against one Xsyevd per matrix),
# so that the automatic choice per size can follow a measurement (perf/cuda_syevd_paths.cpp). Cheap: seconds.
if [ "$suite" = 1 ] && [ "$dry_run" = 0 ] && [ ! -x "$build/perf/cuda_syevd_paths" ]; then
  step "SKIPPED: syevd-paths ($build/perf/cuda_syevd_paths not built: KDASH_ENABLE_BENCHMARKS=OFF?)"
  skipped+=("syevd-paths")
elif [ "$suite" = 1 ]; then
  # shellcheck disable=SC2086
  run_logged syevd-paths "$build/perf/cuda_syevd_paths" ${KDASH_GPU_SYEVD_SIZES:-1024:16 2048:4} &&
    [ "$dry_run" = 0 ] && cat "$out/syevd-paths.log"
fi
# Symmetric products: one GEMM against the lower block triangle's three GEMMs (perf/bench_batched_syrk.cpp).
if [ "$suite" = 1 ] && [ "$dry_run" = 0 ] && [ ! -x "$build/perf/bench_batched_syrk" ]; then
  step "SKIPPED: symmetric-forms ($build/perf/bench_batched_syrk not built: KDASH_ENABLE_BENCHMARKS=OFF?)"
  skipped+=("symmetric-forms")
elif [ "$suite" = 1 ] && [ "$dry_run" = 0 ] && ! "$build/perf/bench_batched_syrk" --benchmark_list_tests=true >/dev/null 2>&1; then
  # A tree built on another machine may lack its Google Benchmark library here: a missing measurement, not a failure.
  step "SKIPPED: symmetric-forms ($build/perf/bench_batched_syrk does not start here; ldd shows what it misses)"
  skipped+=("symmetric-forms")
elif [ "$suite" = 1 ]; then
  run_logged symmetric-forms "$build/perf/bench_batched_syrk" --benchmark_min_time=0.1 \
    --benchmark_filter='^(gemm|syrk_library|syrk_lower_triangle|product_by_gemm|product_lower_triangle)/' \
    --benchmark_counters_tabular=true --benchmark_out="$out/symmetric-forms.json" --benchmark_out_format=json &&
    [ "$dry_run" = 0 ] && cat "$out/symmetric-forms.log"
fi
# The race runs kdash with the reference's scale estimate (Frobenius norm: no random start vectors) where the tool
# has --scaling; otherwise with its default (power iteration), noted in the log.
race_args=""
if [ "$dry_run" = 1 ] || "$kdash" bench --help 2>/dev/null | grep -q -- "--scaling"; then
  race_args="--scaling fro"
else
  step "note: this kdash bench has no --scaling; kdash runs with power iteration, DashGpu with the Frobenius norm"
fi
# Llama-953M: one optimizer holds ~40 GB, so the modes run one after the other; one solver per run, so that a run
# cut by the budget still leaves the JSON of the solvers before it.
kdash_jsons=()
for run in $llama_runs; do
  IFS=: read -r b solver precs <<<"$run"
  precs=${precs:-fp32}
  name="bench-llama-953m-b$b-$solver-${precs//,/-}"
  kdash_jsons+=("$out/$name.json")
  # shellcheck disable=SC2086
  run_logged "$name" "$kdash" bench --preset llama-953m --block-size "$b" --solvers "$solver" --precision "$precs" \
    $race_args $llama_args --json "$out/$name.json" && [ "$dry_run" = 0 ] && grep -A 6 "^precision" "$out/$name.log"
done

# --- the peer step: DashGpu on the same shapes and GPU, then the side-by-side table --------------------------------
peer_skip() { step "SKIPPED: peer step ($*)"; skipped+=("peer"); }
race=$repo/perf/peers/dash_gpu_race.py
if [ "$peer" != 1 ]; then
  step "peer step off (KDASH_GPU_PEER=$peer)"
elif [ ! -f "$repo/perf/peers/dash_reference_bench.py" ]; then
  peer_skip "perf/peers/dash_reference_bench.py, the peer harness, is not in this tree"
elif ! compgen -G "$peer_wheels/ista_daslab_optimizers-*.whl" >/dev/null && [ "$dry_run" = 0 ]; then
  peer_skip "no reference wheel in $peer_wheels: run scripts/gpu-check.sh --prepare-peer where there is network"
elif [ "$dry_run" = 0 ] && ! python3 -c 'import torch, numpy' 2>/dev/null; then
  peer_skip "python3 cannot import torch and numpy"
else
  peer_src=$out/peer-src
  if [ "$dry_run" = 0 ]; then
    rm -rf "$peer_src" && mkdir -p "$peer_src"
    wheel=$(compgen -G "$peer_wheels/ista_daslab_optimizers-*.whl" | sort | tail -n 1)
    python3 -m zipfile -e "$wheel" "$peer_src" || { peer_skip "cannot unpack $wheel"; peer=0; }
  fi
  # One reference run per block size, so that a run cut by the budget leaves the JSON of the one before.
  peer_jsons=()
  for b in $(tr ',' '\n' <<<"$peer_runs" | cut -d: -f3 | awk '!seen[$0]++'); do
    [ "$peer" = 1 ] || break
    runs=$(tr ',' '\n' <<<"$peer_runs" | grep ":$b\$" | paste -sd,)
    peer_jsons+=("$out/dashgpu-b$b.json")
    run_logged "dashgpu-b$b" python3 "$race" run --reference-src "$peer_src" --preset llama-953m --runs "$runs" \
      --scaling fro --root-freq 1 --repeats 1 --warmup 1 --json "$out/dashgpu-b$b.json" &&
      [ "$dry_run" = 0 ] && cat "$out/dashgpu-b$b.log"
  done
  if [ "$peer" = 1 ] && [ "$dry_run" = 0 ] && [ ${#peer_jsons[@]} -gt 0 ]; then
    python3 "$race" table --peer "${peer_jsons[@]}" --kdash "${kdash_jsons[@]}" --markdown | tee "$out/race.md"
  elif [ "$dry_run" = 1 ]; then
    step "race table: python3 $race table --peer ${peer_jsons[*]} --kdash ${kdash_jsons[*]} --markdown > $out/race.md"
  fi
fi

# Llama-953M runs again with the symmetric products' lower-triangle form, device mode only (not part of the race
# table; after the race, which matters more when the budget runs short).
for run in $symmetric_runs; do
  IFS=: read -r b solver prec <<<"$run"
  prec=${prec:-fp32}
  name="bench-llama-953m-b$b-$solver-$prec-lower-triangle"
  # shellcheck disable=SC2086
  run_logged "$name" "$kdash" bench --preset llama-953m --block-size "$b" --solvers "$solver" --precision "$prec" \
    --modes device --device-symmetric lower_triangle $race_args $llama_args --json "$out/$name.json" &&
    [ "$dry_run" = 0 ] && grep -A 4 "^precision" "$out/$name.log"
done

[ "$dry_run" = 1 ] && exit 0
ls -l "$out"
if [ ${#failed[@]} -gt 0 ]; then
  step "FAILED steps: ${failed[*]}"
  exit 1
fi
if [ ${#skipped[@]} -gt 0 ]; then
  step "done within ${budget}s, but skipped for time: ${skipped[*]} (raise KDASH_GPU_BUDGET)"
  exit 3
fi
step "done: every step passed; results in $out"
