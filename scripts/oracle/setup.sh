#!/usr/bin/env bash
# Creates the oracle's virtual environment, build/oracle-venv, with real PaddlePaddle from PyPI.
# Idempotent: an existing venv that already has the pinned version is reused untouched.
#
#   ORACLE_PYTHON=python3.11   interpreter for the venv (default python3; Paddle 3.3.1 has
#                              wheels for CPython 3.9-3.13)
#   ORACLE_VENV=DIR            where the venv lives (default build/oracle-venv)
#   ORACLE_WHEELS=DIR          a wheelhouse to install from without the network
#                              (pip download -d DIR paddlepaddle==3.3.1 fills it)
#
# Prints the venv's python path on stdout as its last line.
set -euo pipefail

# The newest release that runs the LAC seg model (Fluid 1.6: gru, crf_decoding) on CPU with
# Python 3.11; see scripts/oracle/README.md for the versions tried.
PADDLE_VERSION=3.3.1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${ORACLE_VENV:-$root/build/oracle-venv}"
python="$(bash "$root/scripts/find_python.sh" "${ORACLE_PYTHON:-}")"
py="$venv/bin/python"

installed_version() {
  "$py" - <<'EOF' 2>/dev/null
import importlib.metadata as m
print(m.version("paddlepaddle"))
EOF
}

if [ -x "$py" ] && [ "$(installed_version || true)" = "$PADDLE_VERSION" ]; then
  echo "oracle: reusing $venv (paddlepaddle $PADDLE_VERSION)" >&2
  echo "$py"
  exit 0
fi

if [ -e "$venv" ] && ! "$py" -c 'import sys' >/dev/null 2>&1; then
  echo "oracle: $venv is broken; recreating it" >&2
  rm -rf "$venv"
fi
if [ ! -x "$py" ]; then
  echo "oracle: creating $venv with $("$python" --version 2>&1)" >&2
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
fi

pip_args=(install --disable-pip-version-check --progress-bar off)
if [ -n "${ORACLE_WHEELS:-}" ]; then
  pip_args+=(--no-index --find-links "$ORACLE_WHEELS")
fi
echo "oracle: installing paddlepaddle==$PADDLE_VERSION into $venv" >&2
"$py" -m pip "${pip_args[@]}" "paddlepaddle==$PADDLE_VERSION" >&2

got="$(installed_version || true)"
if [ "$got" != "$PADDLE_VERSION" ]; then
  echo "oracle: expected paddlepaddle $PADDLE_VERSION in $venv, found '${got:-none}'" >&2
  exit 1
fi
echo "$py"
