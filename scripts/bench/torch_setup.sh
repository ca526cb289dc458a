#!/usr/bin/env bash
# Creates build/torch-venv: PyTorch and torchvision from PyPI, pinned, for the training section
# of `make bench` (scripts/bench/torch_train.py runs in it). Idempotent: a venv that already has
# the pinned versions is reused untouched.
#
# PyPI's Linux x86_64 torch wheel is the CUDA build; its CPU code is the same as the CPU-only
# wheel's (oneDNN, the same OpenMP), but it will not import without the NVIDIA runtime packages
# it depends on, so they are installed too (about 4 GB); nothing here touches a GPU.
#
#   TORCH_PYTHON=python3.11   interpreter for the venv (default: python3)
#   TORCH_VENV=DIR            where the venv lives (default build/torch-venv)
#   TORCH_WHEELS=DIR          a wheelhouse to install from without the network
#                             (pip download -d DIR torch==... torchvision==... fills it)
#
# Prints the venv's python path on stdout as its last line.
set -euo pipefail

TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.2  # the torchvision release built against that torch

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${TORCH_VENV:-$root/build/torch-venv}"
python="$(bash "$root/scripts/find_python.sh" "${TORCH_PYTHON:-}")"
py="$venv/bin/python"

versions() {
  "$py" - <<'PYEOF' 2>/dev/null
import importlib.metadata as m
print(m.version("torch"), m.version("torchvision"))
PYEOF
}
want="$TORCH_VERSION $TORCHVISION_VERSION"

if [ -x "$py" ] && [ "$(versions || true)" = "$want" ] && "$py" -c 'import torch, torchvision' >/dev/null 2>&1; then
  echo "torch_setup: reusing $venv (torch $TORCH_VERSION, torchvision $TORCHVISION_VERSION)" >&2
  echo "$py"
  exit 0
fi

if [ -e "$venv" ] && ! "$py" -c 'import sys' >/dev/null 2>&1; then
  echo "torch_setup: $venv is broken; recreating it" >&2
  rm -rf "$venv"
fi
if [ ! -x "$py" ]; then
  echo "torch_setup: creating $venv with $("$python" --version 2>&1)" >&2
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
fi

pip_args=(install --disable-pip-version-check --progress-bar off)
if [ -n "${TORCH_WHEELS:-}" ]; then
  pip_args+=(--no-index --find-links "$TORCH_WHEELS")
fi
echo "torch_setup: installing torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION into $venv" >&2
"$py" -m pip "${pip_args[@]}" "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" >&2

got="$(versions || true)"
if [ "$got" != "$want" ] || ! "$py" -c 'import torch, torchvision' >&2; then
  echo "torch_setup: expected torch/torchvision $want in $venv, found '${got:-none}'" >&2
  exit 1
fi
echo "$py"
