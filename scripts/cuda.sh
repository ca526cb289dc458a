#!/usr/bin/env bash
# Installs the CUDA 13 toolchain that `make build-cuda` compiles the CUDA backend with, once,
# into a per-user cache, and prints its prefix (the last line of stdout). No GPU is needed to
# compile; the backend runs on any machine with an NVIDIA driver for CUDA 13.
#
# What and why: NVIDIA's PyPI wheels of nvcc, its NVVM and C-runtime headers, the CUDA runtime,
# CCCL, cuBLAS and cuDNN 9, unpacked side by side under one prefix (nvidia/cu13 for the toolkit,
# nvidia/cudnn for cuDNN). nvcc finds its parts relative to itself. cuDNN is pinned at 9.14, the
# version the GPU machines we check on carry, so headers and run-time library agree; cuBLAS and
# cuDNN are linked by soname and loaded from the machine's own libraries at run time.
#
#   GOHUB_CUDA_DIR   install prefix to use or create
#                    (default ${XDG_CACHE_HOME:-$HOME/.cache}/gohub/cuda-13.5)
#   GOHUB_PYTHON     the Python whose pip fetches the wheels (default: python3)
#
#   --print-prefix   print the prefix and exit, installing nothing
#   --if-present     print the prefix if the toolchain is installed, else nothing; exit 0
#
# Idempotent: a complete install (its stamp file present) is reused as it is. About 900 MB of
# wheels (cuBLAS and cuDNN are most of it), 1.4 GB unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements="nvidia-cuda-nvcc==13.5.37 --hash=sha256:f5c4f7ead5d964fb4af42bbf1e6d3ec3c1e6e9d83b53749f691d387e7fcaa3a7
nvidia-nvvm==13.5.37 --hash=sha256:c41bfa362e407405163f103c2229f0765f8cc2ed7d148b754dc77f228bf7e070
nvidia-cuda-crt==13.5.37 --hash=sha256:e898b7f73d3035fa89915a3f7bf3b54a73e90249746111aed295822c4729bb29
nvidia-cuda-runtime==13.5.37 --hash=sha256:df2b79a8852f10d1fef8c848489c49eebb5754051bf870202a862831412b179d
nvidia-cuda-cccl==13.3.5.0.6 --hash=sha256:d5230098fa2df5021e1a00c0c4eee41797671a91119d31e892463e5ccf3ee326
nvidia-cublas==13.10.0.20 --hash=sha256:dcc6d63884c53d07e267ce7e6feac17b2538cebaafec5db865736c3e28e4dc84
nvidia-cudnn-cu13==9.14.0.64 --hash=sha256:024ce8f7571d322991ecadbe82907df2e89b5f36597d03436413ec6dd7c9fe54"

prefix=${GOHUB_CUDA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gohub/cuda-13.5}
stamp=$prefix/.gohub-complete

case "${1:-}" in
  --print-prefix) echo "$prefix"; exit 0 ;;
  --if-present) [ -f "$stamp" ] && echo "$prefix"; exit 0 ;;
esac
if [ -f "$stamp" ]; then
  echo "$prefix"
  exit 0
fi

python=$(bash scripts/find_python.sh "${GOHUB_PYTHON:-}")
work=$(mktemp -d "${TMPDIR:-/tmp}/gohub-cuda.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf '%s\n' "$requirements" > "$work/requirements.txt"

echo "cuda: fetching the CUDA 13 toolchain, cuBLAS and cuDNN (about 900 MB) with pip" >&2
"$python" -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
  --only-binary :all: -r "$work/requirements.txt" -d "$work/wheels" >&2

staging=$prefix.partial
rm -rf "$staging"
mkdir -p "$staging"
"$python" - "$work/wheels" "$staging" <<'PY'
import os, sys, zipfile
wheels, dest = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(wheels)):
    with zipfile.ZipFile(os.path.join(wheels, name)) as z:
        for info in z.infolist():
            if not info.filename.startswith("nvidia/") or info.is_dir():
                continue
            rel = os.path.normpath(info.filename)
            if rel.startswith(".."):
                sys.exit(f"cuda: {name}: unsafe path {info.filename}")
            out = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with z.open(info) as src, open(out, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            os.chmod(out, (info.external_attr >> 16) & 0o777 or 0o644)
PY
# The wheels ship versioned sonames only; the linker looks for the plain names.
for lib in cu13/lib/libcublas cu13/lib/libcublasLt cudnn/lib/libcudnn; do
  so=$(ls "$staging/nvidia/$lib".so.* | head -1)
  ln -sf "$(basename "$so")" "$staging/nvidia/$lib.so"
done
for f in nvidia/cu13/bin/nvcc nvidia/cu13/include/cuda_runtime.h nvidia/cu13/lib/libcudart_static.a \
         nvidia/cu13/include/cublas_v2.h nvidia/cudnn/include/cudnn.h; do
  [ -e "$staging/$f" ] || { echo "cuda: the wheels lack $f" >&2; exit 1; }
done
rm -rf "$prefix"
mv "$staging" "$prefix"
touch "$stamp"
echo "cuda: installed into $prefix" >&2
echo "$prefix"
