#!/usr/bin/env bash
# Builds the oneDNN that the native library runs its convolutions and pooling on, once, into a
# per-user cache, and prints its install prefix (the last line of stdout).
#
# Why our own build: Debian 12 ships oneDNN 2.6, whose AVX2 convolutions are the older direct
# JIT ones; oneDNN 3.x adds the brgemm convolutions that Paddle Inference's own oneDNN uses.
# The source is Debian's release archive of oneDNN 3.7.2 (deb.debian.org, checksum pinned).
# Only the primitives native/ calls are built (convolution, deconvolution, pooling, reorder)
# for inference, on OpenMP, for every x86-64 ISA oneDNN dispatches to at run time.
#
#   GOHUB_ONEDNN_DIR  install prefix to use or create
#                     (default ${XDG_CACHE_HOME:-$HOME/.cache}/gohub/onednn-<version>-<config>)
#   JOBS              parallel compile jobs (default: nproc)
#
#   --print-prefix    print the prefix and exit, building nothing
#
# Idempotent: a complete install (its stamp file present) is reused as it is. A first build
# takes about 40 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

version=3.7.2
archive=onednn_${version}+ds.orig.tar.xz
url=http://deb.debian.org/debian/pool/main/o/onednn/$archive
sha256=0cc51ca26c1af6a2bb1e71e378e7046f3ceb3e71791ee9d4e246d50f904a6ea6
options=(
  -DCMAKE_BUILD_TYPE=Release
  -DDNNL_LIBRARY_TYPE=SHARED
  -DDNNL_CPU_RUNTIME=OMP
  -DDNNL_GPU_RUNTIME=NONE
  -DDNNL_ENABLE_WORKLOAD=INFERENCE
  "-DDNNL_ENABLE_PRIMITIVE=CONVOLUTION;DECONVOLUTION;POOLING;REORDER"
  -DONEDNN_BUILD_GRAPH=OFF
  -DDNNL_BUILD_TESTS=OFF
  -DDNNL_BUILD_EXAMPLES=OFF
)
# A change of version or options is a different install.
config=$(printf '%s\n' "$sha256" "${options[@]}" | sha256sum | cut -c1-8)
prefix=${GOHUB_ONEDNN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gohub/onednn-$version-$config}
stamp=$prefix/.gohub-complete

if [ "${1:-}" = --print-prefix ]; then
  echo "$prefix"
  exit 0
fi
if [ -f "$stamp" ]; then
  echo "$prefix"
  exit 0
fi

work=build/third_party/onednn-$version
mkdir -p "$work"
if [ ! -f "$work/$archive" ] || ! echo "$sha256  $work/$archive" | sha256sum -c --status; then
  echo "onednn: downloading $url" >&2
  curl -fsSL --retry 3 -o "$work/$archive.part" "$url"
  echo "$sha256  $work/$archive.part" | sha256sum -c --status ||
    { echo "onednn: checksum mismatch for $url" >&2; exit 1; }
  mv "$work/$archive.part" "$work/$archive"
fi
src=$work/oneDNN-$version
[ -f "$src/CMakeLists.txt" ] || tar -xJf "$work/$archive" -C "$work"

echo "onednn: building oneDNN $version into $prefix (about 40 minutes on 2 cores, once)" >&2
cmake -S "$src" -B "$work/build" -G Ninja "${options[@]}" -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
# ninja's own [n/N] lines are the progress; only every 25th is shown.
cmake --build "$work/build" -j "${JOBS:-$(nproc)}" |
  awk '/^\[[0-9]+\/[0-9]+\]/ { split(substr($1, 2), f, "/"); if (f[1] % 25 == 0 || f[1] == f[2]) print "onednn: " $1 > "/dev/stderr"; next } { print > "/dev/stderr" }'
cmake --install "$work/build" >/dev/null
touch "$stamp"
echo "$prefix"
