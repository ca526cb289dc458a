#!/usr/bin/env bash
# Prints the path of a Python interpreter that runs, for the set-up scripts.
#
#   find_python.sh [--version X.Y] [CHOICE]
#
# CHOICE (e.g. from ORACLE_LAC_PYTHON) wins when given. Otherwise, for --version X.Y: pythonX.Y
# on PATH, then pyenv's newest X.Y.*, then /usr/bin/pythonX.Y; without --version: python3.
# Every candidate is run before it is chosen: a pyenv shim for a version that is installed but
# not selected is found by `command -v` and yet fails when started, so finding is not enough.
set -euo pipefail

want=""
if [ "${1:-}" = --version ]; then
  want=$2
  shift 2
fi
choice=${1:-}

# Runs candidate and checks its version; prints its real path (not a shim's) on success.
try() {
  local got
  got=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2]); print(sys.executable)' 2>/dev/null) || return 1
  if [ -n "$want" ] && [ "$(sed -n 1p <<<"$got")" != "$want" ]; then return 1; fi
  sed -n 2p <<<"$got"
}

if [ -n "$choice" ]; then
  try "$choice" && exit 0
  echo "find_python: $choice does not run${want:+ as Python $want}" >&2
  exit 1
fi

candidates=()
if [ -n "$want" ]; then
  candidates+=("python$want")
  if command -v pyenv >/dev/null 2>&1; then
    while IFS= read -r dir; do candidates+=("$dir/bin/python"); done < <(
      ls -d "$(pyenv root)/versions/$want".* 2>/dev/null | sort -Vr)
  fi
  candidates+=("/usr/bin/python$want")
else
  candidates+=(python3 /usr/bin/python3)
fi
for c in "${candidates[@]}"; do
  try "$c" && exit 0
done
echo "find_python: no working Python${want:+ $want} (tried: ${candidates[*]});" \
  "install one (e.g. 'pyenv install $want') or name it explicitly" >&2
exit 1
