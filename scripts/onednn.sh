#!/usr/bin/env bash
# Installs the oneDNN that the native library runs its convolutions, pooling and (for training)
# their backward passes on, once, into a per-user cache, and prints its install prefix (the last
# line of stdout).
#
# Why this package: Intel's PyPI wheels onednn-cpu-gomp / onednn-devel-cpu-gomp 2023.2.0 are
# oneDNN 3.2 built on GNU OpenMP (the runtime our kernels already use), with every primitive and
# the training workload, for every x86-64 ISA oneDNN dispatches to at run time. Installing them
# takes seconds, where building oneDNN from source took about 40 minutes on 2 cores. The
# measured comparison with a 3.7 source build and Debian's 2.6 is in BENCHMARKS.md ("oneDNN
# builds"). Newer `onednn` wheels (2025+) are SYCL/TBB builds that need Intel's compiler
# runtime, so they do not fit.
#
# The wheels are fetched with pip (hash-pinned) and unpacked without installing them into any
# Python environment: only their lib/ and include/ trees are used.
#
#   GOHUB_ONEDNN_DIR  install prefix to use or create
#                     (default ${XDG_CACHE_HOME:-$HOME/.cache}/gohub/<package>-<version>)
#   GOHUB_PYTHON      the Python whose pip fetches the wheels (default: python3)
#
#   --print-prefix    print the prefix and exit, installing nothing
#
# Idempotent: a complete install (its stamp file present) is reused as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

package=onednn-cpu-gomp
version=2023.2.0
# sha256 of the two wheels (manylinux1_x86_64, py2.py3-none).
requirements="$package==$version --hash=sha256:2f22a54d6a890ed14bfa185d42a4be65d8b5b1df85dc1f0f3a9abe31620416fb
onednn-devel-cpu-gomp==$version --hash=sha256:9763c69e8c907e119056bd52ad918ca84ac9ba939d130a99dfa95ccca3e5e284"

prefix=${GOHUB_ONEDNN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gohub/$package-$version}
stamp=$prefix/.gohub-complete

if [ "${1:-}" = --print-prefix ]; then
  echo "$prefix"
  exit 0
fi
if [ -f "$stamp" ]; then
  echo "$prefix"
  exit 0
fi

python=$(bash scripts/find_python.sh "${GOHUB_PYTHON:-}")
work=$(mktemp -d "${TMPDIR:-/tmp}/gohub-onednn.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf '%s\n' "$requirements" > "$work/requirements.txt"

echo "onednn: fetching $package $version (oneDNN 3.2, about 40 MB) with pip" >&2
"$python" -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
  --only-binary :all: --platform manylinux1_x86_64 -r "$work/requirements.txt" -d "$work/wheels" >&2

# A wheel's *.data/data/ tree is what pip would install under a prefix: lib/ and include/.
staging=$prefix.partial
rm -rf "$staging"
mkdir -p "$staging"
"$python" - "$work/wheels" "$staging" <<'EOF'
import os, sys, zipfile
wheels, dest = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(wheels)):
    with zipfile.ZipFile(os.path.join(wheels, name)) as z:
        for info in z.infolist():
            parts = info.filename.split("/")
            if len(parts) < 4 or not parts[0].endswith(".data") or parts[1] != "data" or info.is_dir():
                continue
            rel = os.path.normpath(os.path.join(*parts[2:]))
            if rel.startswith(".."):
                sys.exit(f"onednn: {name}: unsafe path {info.filename}")
            out = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with z.open(info) as src, open(out, "wb") as dst:
                dst.write(src.read())
            os.chmod(out, (info.external_attr >> 16) & 0o777 or 0o644)
EOF
for f in lib/libdnnl.so.3 include/dnnl.hpp lib/cmake/dnnl/dnnl-config.cmake; do
  [ -e "$staging/$f" ] || { echo "onednn: the wheels lack $f" >&2; exit 1; }
done
rm -rf "$prefix"
mv "$staging" "$prefix"
touch "$stamp"
echo "onednn: installed into $prefix" >&2
echo "$prefix"
