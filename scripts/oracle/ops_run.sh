#!/usr/bin/env bash
# `make oracle-ops`: regenerates the single-op golden cases in testdata/ops from real
# PaddlePaddle (scripts/oracle/op_golden.py over the case files scripts/oracle/ops/*.py).
# Arguments go to op_golden.py, e.g. `ops_run.sh --only relu_basic,softmax_axis1`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="$(bash scripts/oracle/setup.sh | tail -n 1)"
"$py" scripts/oracle/op_golden.py "$@"
