#!/usr/bin/env bash
# Regenerates finetune/testdata/strategy/{golden.json,depth_net.pb} from PaddleHub 1.8.3's own
# strategy.py on PaddlePaddle 1.8.5 (scripts/oracle/strategy_golden.py). Not part of
# `make test`: the Go tests read the committed files.
#
#   1. the venv build/oracle-venv-hub with Python 3.8 and the pins of lac_pkg_requirements.txt
#      (paddlepaddle 1.8.5, the newest release with paddle.fluid, and the numpy and protobuf it
#      was built for);
#   2. paddlehub 1.8.3 from PyPI with --no-deps: the strategies need only paddle, and its other
#      requirements (visualdl, flask, gunicorn, sentencepiece, ...) serve the CLI and serving,
#      which the golden script does not import (it bypasses the package's __init__).
#
# Idempotent: a venv that already has both versions is reused without touching the network.
#
#   ORACLE_HUB_PYTHON=python3.8   interpreter for the venv (default: a Python 3.8 that runs)
#   ORACLE_HUB_VENV=DIR           where the venv lives (default build/oracle-venv-hub)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${ORACLE_HUB_VENV:-$root/build/oracle-venv-hub}"
py="$venv/bin/python"
pip=("$py" -m pip --disable-pip-version-check)

has() { "$py" -c 'import importlib.metadata as m, sys; sys.exit(m.version("'$1'") != "'$2'")' 2>/dev/null; }

if ! has paddlepaddle 1.8.5; then
  python="$(bash "$root/scripts/find_python.sh" --version 3.8 "${ORACLE_HUB_PYTHON:-}")" || {
    echo "oracle-hub: paddlepaddle 1.8.5 has wheels for Python 3.5-3.8 only;" \
      "set ORACLE_HUB_PYTHON or install one, e.g. 'pyenv install 3.8'" >&2
    exit 1
  }
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "${pip[@]}" install --progress-bar off -r "$root/scripts/oracle/lac_pkg_requirements.txt" >&2
fi
if ! has paddlehub 1.8.3; then
  "${pip[@]}" install --progress-bar off --no-deps paddlehub==1.8.3 >&2
fi

"$py" "$root/scripts/oracle/strategy_golden.py" "$root/finetune/testdata/strategy"
