#!/usr/bin/env bash
# `make oracle-lite`: regenerates testdata/lite from real Paddle-Lite (paddlelite 2.12 from
# PyPI, in build/oracle-venv-lite) running the .nb models in $GOHUB_SHARED/models.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="$(bash scripts/oracle/lite_setup.sh | tail -n 1)"
# Lite logs every kernel it picks at INFO; keep its warnings and errors.
GLOG_minloglevel=1 "$py" scripts/oracle/lite_golden.py "$@"
