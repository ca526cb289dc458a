#!/usr/bin/env bash
# Whole-program training goldens from real PaddlePaddle in build/train-goldens/<model>/
# (scripts/oracle/train_golden.py; too large to commit, so generated on each machine).
# `make test` runs this first (via `make train-goldens`): a model whose stamp matches the
# script and the Paddle version is kept, so a cached run takes a second or two; the oracle venv
# is created when missing (scripts/oracle/setup.sh). `make oracle-train` passes --force to
# regenerate everything. Other arguments go to train_golden.py, e.g. `--only gesture_rec`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="$(bash scripts/oracle/setup.sh | tail -n 1)"
"$py" scripts/oracle/train_golden.py "$@"
