#!/usr/bin/env bash
# Installs everything kdash needs on a fresh Debian 12 machine. Idempotent: each step is skipped when its result
# is already there. Kokkos / Kokkos Kernels 3.4.01 (the only Kokkos in Debian's archive) are built from Debian's
# `trilinos` source package with Serial + OpenMP into $KDASH_DEPS (default: <repo>/.deps).
#
# Host BLAS/LAPACK (KDASH_BLAS, default auto): auto measures Debian's OpenBLAS against oneMKL from PyPI's `mkl`
# wheels (unpacked into $KDASH_DEPS/mkl) on this machine and keeps the faster (scripts/choose-host-blas.sh; once per CPU
# model: a rerun on the same CPU reuses the result). KDASH_BLAS=mkl or openblas takes that library without measuring.
# The choice is recorded in $KDASH_DEPS/host-blas, which scripts/configure.sh (KDASH_BLAS=auto) follows.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps=${KDASH_DEPS:-$repo/.deps}
prefix=$deps/install
jobs=${KDASH_JOBS:-$(nproc)}
mkl_version=2026.2.0 # oneMKL wheels from PyPI (mkl, mkl-devel, mkl-include), pinned for reproducible builds

say() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "not root and no sudo: install the packages listed in scripts/bootstrap.sh by hand"
  sudo_cmd=(sudo)
fi

packages=(build-essential cmake pkg-config dpkg-dev xz-utils
  openmpi-bin libopenmpi-dev libopenblas-dev liblapacke-dev
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev gnuplot-nox zlib1g-dev
  libamdhip64-dev) # the HIP runtime (18 MB): the HIP adapters' runtime half is compiled and tested without a GPU

blas=${KDASH_BLAS:-auto}
blas_chosen_by=KDASH_BLAS
case $blas in
  auto)
    # Which library is faster depends on the CPU (OpenBLAS 0.3.21 runs generic kernels on Intel CPUs newer than it;
    # oneMKL picks its code paths by vendor), so it is measured once on each CPU model.
    if blas=$(KDASH_DEPS=$deps "$repo/scripts/choose-host-blas.sh" --recorded); then
      blas_chosen_by="an earlier measurement on this CPU"
    else
      blas=measure
      packages+=(python3-pip)
    fi
    ;;
  mkl) packages+=(python3-pip) ;; # pip downloads the MKL wheels (nothing is pip-installed)
  openblas) ;;
  *) die "KDASH_BLAS=$blas: bootstrap installs auto, mkl or openblas (other libraries: see docs/building.md)" ;;
esac

# --- 1. Debian packages -------------------------------------------------------------------------------------------
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
apt_updated=0
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq || die "apt-get update failed"
  apt_updated=1
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null || die "apt-get install failed for: ${missing[*]}"
else
  say "Debian packages: all present"
fi

# --- 2. Kokkos + Kokkos Kernels 3.4.01 from Debian's trilinos source package --------------------------------------
install_kokkos() {
  if [ -f "$prefix/.kdash-kokkos-ok" ]; then
    say "Kokkos + Kokkos Kernels: already installed in $prefix"
    return 0
  fi

  src_list=/etc/apt/sources.list.d/kdash-deb-src.sources
  if [ ! -f "$src_list" ]; then
    say "adding deb-src entries derived from the existing apt sources ($src_list)"
    tmp=$(mktemp)
    # deb822 files: copy each stanza whose Types include 'deb', with Types set to deb-src.
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      [ "$f" = "$src_list" ] && continue
      awk 'BEGIN{RS=""; ORS="\n\n"}
           /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|\n|$)/ && /(^|\n)URIs:[^\n]*debian/ {
             gsub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' "$f" >>"$tmp"
    done
    # one-line style: deb URI SUITE COMPONENTS...
    if [ -f /etc/apt/sources.list ]; then
      grep -E '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list | grep debian | while read -r _ rest; do
        set -- $rest
        opts=""
        if [[ "$1" == \[* ]]; then opts=$1; shift; fi
        uri=$1; suite=$2; shift 2
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n\n' "$uri" "$suite" "$*"
      done >>"$tmp"
    fi
    [ -s "$tmp" ] || die "found no Debian 'deb' source in /etc/apt to derive a deb-src entry from"
    "${sudo_cmd[@]}" install -m 0644 "$tmp" "$src_list"
    rm -f "$tmp"
    apt_updated=0
  fi
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update (for the source index)"
    "${sudo_cmd[@]}" apt-get update -qq || die "apt-get update failed"
  fi

  mkdir -p "$deps/src"
  cd "$deps/src"
  if ! ls trilinos_*.orig.tar.* >/dev/null 2>&1; then
    say "downloading Debian's trilinos source package (about 150 MB)"
    apt-get source --download-only trilinos >/dev/null || die "apt-get source --download-only trilinos failed"
  fi
  orig=$(ls trilinos_*.orig.tar.* | head -n 1)
  if [ ! -d trilinos/packages/kokkos-kernels ]; then
    say "extracting packages/kokkos and packages/kokkos-kernels from $orig"
    rm -rf trilinos && mkdir trilinos
    tar -xf "$orig" -C trilinos --strip-components=1 --wildcards '*/packages/kokkos/*' '*/packages/kokkos-kernels/*' \
      || die "extracting Kokkos from $orig failed"
  fi
  ksrc=$deps/src/trilinos/packages

  build_one() { # name srcdir extra-cmake-args...
    local name=$1 src=$2
    shift 2
    say "building $name (log: $deps/build-$name.log)"
    if ! { cmake -S "$src" -B "$deps/build-$name" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
             -DCMAKE_CXX_STANDARD=17 -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON "$@" &&
           cmake --build "$deps/build-$name" -j "$jobs" &&
           cmake --install "$deps/build-$name"; } >"$deps/build-$name.log" 2>&1; then
      tail -n 30 "$deps/build-$name.log" >&2
      die "building $name failed; full log: $deps/build-$name.log"
    fi
  }
  build_one kokkos "$ksrc/kokkos" -DKokkos_ENABLE_SERIAL=ON -DKokkos_ENABLE_OPENMP=ON
  build_one kokkos-kernels "$ksrc/kokkos-kernels" -DKokkos_ROOT="$prefix" \
    -DKokkosKernels_ENABLE_TESTS=OFF -DKokkosKernels_ENABLE_EXAMPLES=OFF \
    -DKokkosKernels_INST_DOUBLE=OFF -DKokkosKernels_INST_FLOAT=OFF -DKokkosKernels_INST_COMPLEX_DOUBLE=OFF \
    -DKokkosKernels_INST_COMPLEX_FLOAT=OFF -DKokkosKernels_INST_LAYOUTLEFT=OFF -DKokkosKernels_INST_LAYOUTRIGHT=OFF \
    -DKokkosKernels_INST_ORDINAL_INT=OFF -DKokkosKernels_INST_ORDINAL_INT64_T=OFF \
    -DKokkosKernels_INST_OFFSET_INT=OFF -DKokkosKernels_INST_OFFSET_SIZE_T=OFF
  touch "$prefix/.kdash-kokkos-ok"
  say "Kokkos + Kokkos Kernels 3.4.01 installed in $prefix"
}

# The URI of the Debian archive this machine's apt uses (its mirror), not the security archive: the first 'deb' URI
# naming a Debian archive in /etc/apt/sources.list.d/*.sources (deb822) or /etc/apt/sources.list (one-line style).
debian_archive_uri() {
  local f uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk 'BEGIN{RS=""}
               /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|\n|$)/ && match($0, /(^|\n)URIs:[^\n]*/) {
                 n = split(substr($0, RSTART, RLENGTH), u, /[ \t\n]+/)
                 for (i = 1; i <= n; i++) if (u[i] ~ /^[a-z+]+:\/\/.*debian/ && u[i] !~ /security/) { print u[i]; exit }
               }' "$f")
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
                             if ($i ~ /debian/ && $i !~ /security/) { print $i; exit } }' /etc/apt/sources.list)
  fi
  printf '%s\n' "$uri"
}

# --- 3. rocBLAS / rocSOLVER / RCCL headers from Debian 13 ----------------------------------------------------------
# Debian 12 has the HIP runtime but not the ROCm libraries; Debian 13 (trixie) packages their headers. They are
# downloaded (apt verifies the archive's signature and each file's hash) and unpacked into $deps/rocm-headers, never
# installed: the HIP adapters' rocBLAS/rocSOLVER/RCCL half is compiled against them (nothing links it: the libraries
# need a newer glibc). A private apt configuration leaves the machine's sources untouched.
install_rocm_headers() {
  local dest=$deps/rocm-headers apt_dir=$deps/apt-trixie
  local rocm_packages=(librocblas-dev librocsolver-dev librccl-dev)
  if [ -f "$dest/.kdash-rocm-headers-ok" ]; then
    say "rocBLAS / rocSOLVER / RCCL headers: already in $dest"
    return 0
  fi
  say "downloading the rocBLAS / rocSOLVER / RCCL headers from Debian 13 (trixie) into $dest"
  rm -rf "$dest" "$apt_dir"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$dest"
  local archive
  archive=$(debian_archive_uri)
  [ -n "$archive" ] || die "found no Debian archive in /etc/apt to take Debian 13's packages from"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $archive trixie main" >"$apt_dir/sources.list"
  local apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Dir::State::status=/dev/null
    -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" update -qq >"$apt_dir/update.log" 2>&1 ||
    { cat "$apt_dir/update.log" >&2; die "apt-get update for Debian 13's index failed"; }
  (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download "${rocm_packages[@]}") >"$apt_dir/download.log" 2>&1 ||
    { cat "$apt_dir/download.log" >&2; die "downloading ${rocm_packages[*]} from Debian 13 failed"; }
  for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dest" || die "unpacking $deb failed"; done
  for h in rocblas/rocblas.h rocsolver/rocsolver.h rccl/rccl.h; do
    [ -f "$dest/usr/include/$h" ] || die "$h missing from the Debian 13 packages"
  done
  (cd "$apt_dir/debs" && ls) >"$dest/.kdash-rocm-headers-ok"
  rm -rf "$apt_dir"
  say "rocBLAS / rocSOLVER / RCCL headers in $dest/usr/include"
}

# --- 4. oneMKL from PyPI's wheels -------------------------------------------------------------------------------
# The wheels are zip files whose <name>.data/data/ tree is a prefix (lib/, include/, lib/cmake/mkl, lib/pkgconfig).
# Only the libraries kdash links (LP64 interface, GNU OpenMP threading: Kokkos uses GNU OpenMP, and one OpenMP runtime
# per process) and the per-instruction-set kernels MKL loads at run time are unpacked. The wheels name the libraries
# lib*.so.3 only: the unversioned links the linker looks for are added.
install_mkl() {
  local dest=$deps/mkl wheels=$deps/mkl-wheels
  if [ "$(cat "$dest/.kdash-mkl-ok" 2>/dev/null)" = "$mkl_version" ]; then
    say "oneMKL $mkl_version: already in $dest"
    return 0
  fi
  say "downloading oneMKL $mkl_version from PyPI into $dest"
  rm -rf "$dest" "$wheels"
  mkdir -p "$wheels"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$wheels" "mkl==$mkl_version" \
    "mkl-devel==$mkl_version" "mkl-include==$mkl_version" >"$wheels/download.log" 2>&1 ||
    { cat "$wheels/download.log" >&2; die "downloading the MKL wheels from PyPI failed"; }
  python3 - "$dest" "$wheels"/*.whl <<'PY' || die "unpacking the MKL wheels failed"
import os, re, sys, zipfile
dest, wheels = sys.argv[1], sys.argv[2:]
skip = re.compile(r"libmkl_(blacs|scalapack|cdft|intel_ilp64|intel_thread|tbb_thread|sequential|rt|vml_)")
for wheel in wheels:
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            m = re.match(r"[^/]+\.data/data/(.+)", info.filename)
            if not m or info.is_dir() or skip.search(m.group(1)):
                continue
            path = os.path.join(dest, m.group(1))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with z.open(info) as src, open(path, "wb") as out:
                out.write(src.read())
            os.chmod(path, 0o755 if ".so" in path else 0o644)
PY
  for lib in "$dest"/lib/libmkl_*.so.[0-9]*; do ln -sf "$(basename "$lib")" "${lib%.so.*}.so"; done
  for f in lib/libmkl_core.so lib/libmkl_gnu_thread.so lib/libmkl_intel_lp64.so include/mkl_cblas.h include/mkl_lapacke.h; do
    [ -e "$dest/$f" ] || die "$f missing from the MKL wheels"
  done
  rm -rf "$wheels"
  echo "$mkl_version" >"$dest/.kdash-mkl-ok"
  say "oneMKL $mkl_version in $dest"
}

# --- 5. The host BLAS/LAPACK, recorded in $deps/host-blas ---------------------------------------------------------
record_blas() { # library, how it was chosen
  printf 'library=%s\nhow=%s\n' "$1" "$2" >"$deps/host-blas.tmp" && mv "$deps/host-blas.tmp" "$deps/host-blas"
}

install_kokkos
install_rocm_headers
case $blas in
  measure)
    if (install_mkl); then
      say "measuring OpenBLAS against oneMKL on this CPU (about half a minute)"
      KDASH_DEPS=$deps "$repo/scripts/choose-host-blas.sh" | sed 's/^/[bootstrap]   /'
      blas=$(KDASH_DEPS=$deps "$repo/scripts/choose-host-blas.sh" --recorded) || die "no measured choice in $deps/host-blas"
      blas_chosen_by="measurement"
    else
      # Not recorded as measured: the next bootstrap tries again.
      say "WARNING: oneMKL could not be installed; using OpenBLAS without measuring"
      blas=openblas blas_chosen_by="fallback (oneMKL could not be installed)"
      record_blas "$blas" "$blas_chosen_by"
    fi
    ;;
  mkl) install_mkl ;;
esac
[ "$blas_chosen_by" != KDASH_BLAS ] || record_blas "$blas" KDASH_BLAS
say "host BLAS/LAPACK: $blas, chosen by $blas_chosen_by ($deps/host-blas; scripts/configure.sh follows it)"
