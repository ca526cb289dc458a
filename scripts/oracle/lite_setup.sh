#!/usr/bin/env bash
# Creates build/oracle-venv-lite with Paddle-Lite's Python package (paddlelite) from PyPI, the
# reference for our loader and kernels on Paddle-Lite .nb models. Idempotent: a venv that
# already has the pinned version is reused untouched.
#
#   LITE_PYTHON=python3.7   interpreter for the venv. paddlelite 2.12 has Linux x86_64 wheels
#                           only for CPython 3.6 and 3.7 on PyPI; by default the first of
#                           python3.7, python3.6 that runs (pyenv versions included)
#   LITE_VENV=DIR           where the venv lives (default build/oracle-venv-lite)
#   LITE_WHEELS=DIR         a wheelhouse to install from without the network
#
# Prints the venv's python path on stdout as its last line.
set -euo pipefail

LITE_VERSION=2.12
OPENCV_VERSION=4.8.1.78

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${LITE_VENV:-$root/build/oracle-venv-lite}"
py="$venv/bin/python"

installed_version() {
  # Python 3.7 has no importlib.metadata.
  "$py" -m pip show paddlelite 2>/dev/null | sed -n 's/^Version: //p'
}

if [ -x "$py" ] && [ "$(installed_version || true)" = "$LITE_VERSION" ] &&
  "$py" -c 'import cv2, numpy' >/dev/null 2>&1; then
  echo "oracle-lite: reusing $venv (paddlelite $LITE_VERSION)" >&2
  echo "$py"
  exit 0
fi

find_python() {
  if [ -n "${LITE_PYTHON:-}" ]; then bash "$root/scripts/find_python.sh" "$LITE_PYTHON"; return; fi
  bash "$root/scripts/find_python.sh" --version 3.7 2>/dev/null ||
    bash "$root/scripts/find_python.sh" --version 3.6 2>/dev/null || {
    echo "oracle-lite: no Python 3.7 or 3.6 found (paddlelite $LITE_VERSION has wheels only for" \
      "those); set LITE_PYTHON" >&2
    exit 1
  }
}

if [ -e "$venv" ] && ! "$py" -c 'import sys' >/dev/null 2>&1; then
  echo "oracle-lite: $venv is broken; recreating it" >&2
  rm -rf "$venv"
fi
if [ ! -x "$py" ]; then
  python="$(find_python)"
  echo "oracle-lite: creating $venv with $("$python" --version 2>&1)" >&2
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
fi

pip_args=(install --disable-pip-version-check --progress-bar off)
if [ -n "${LITE_WHEELS:-}" ]; then
  pip_args+=(--no-index --find-links "$LITE_WHEELS")
fi
# OpenCV decodes and resizes images exactly as PaddleHub's modules do (cv2.imread, resize,
# warpAffine); 4.8.1.78 is the last release with CPython 3.7 wheels.
echo "oracle-lite: installing paddlelite==$LITE_VERSION, numpy, opencv into $venv" >&2
"$py" -m pip "${pip_args[@]}" "paddlelite==$LITE_VERSION" numpy \
  "opencv-python-headless==$OPENCV_VERSION" >&2

got="$(installed_version || true)"
if [ "$got" != "$LITE_VERSION" ]; then
  echo "oracle-lite: expected paddlelite $LITE_VERSION in $venv, found '${got:-none}'" >&2
  exit 1
fi
echo "$py"
