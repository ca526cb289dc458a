#!/usr/bin/env bash
# `make oracle-grads`: regenerates the gradient golden cases in testdata/grads from real
# PaddlePaddle's append_backward (scripts/oracle/grad_golden.py over the case files
# scripts/oracle/grads/*.py). Arguments go to grad_golden.py, e.g.
# `grads_run.sh --only mul_grad,mlp_fanout` or `grads_run.sh --list`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="$(bash scripts/oracle/setup.sh | tail -n 1)"
"$py" scripts/oracle/grad_golden.py "$@"
