#!/usr/bin/env bash
# The real VisualDL as the reference for internal/vdl's log files.
#
#   vdl_run.sh          creates (or reuses) the venv build/vdl-venv with visualdl 2.5.3
#   vdl_run.sh DIR      ... then prints what VisualDL reads from DIR (scripts/oracle/vdl_check.py)
#
# Idempotent: a venv that already has visualdl 2.5.3 is reused without touching the network.
# internal/vdl's tests run the check when the venv exists (and fail without it under CI=true).
#
#   ORACLE_VDL_PYTHON=python3   interpreter for the venv (default: scripts/find_python.sh)
#   ORACLE_VDL_VENV=DIR         where the venv lives (default build/vdl-venv)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${ORACLE_VDL_VENV:-$root/build/vdl-venv}"
py="$venv/bin/python"
version=2.5.3 # the newest visualdl release

has() { "$py" -c 'import importlib.metadata as m, sys; sys.exit(m.version("'$1'") != "'$2'")' 2>/dev/null; }

if ! has visualdl "$version"; then
  python="$(bash "$root/scripts/find_python.sh" "${ORACLE_VDL_PYTHON:-}")"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$py" -m pip --disable-pip-version-check install --progress-bar off "visualdl==$version" >&2
fi

if [ $# -gt 0 ]; then
  exec "$py" "$root/scripts/oracle/vdl_check.py" "$@"
fi
echo "$py"
