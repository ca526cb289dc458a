#!/usr/bin/env bash
# `make oracle-faces`: regenerates testdata/faces/faces.json from real Paddle-Lite
# (paddlelite 2.12 from PyPI, in build/oracle-venv-lite; scripts/oracle/lite_setup.sh makes
# it) running PaddleHub's face-detection and mask pipelines, re-implemented in
# scripts/oracle/face_golden.py, on pictures of $GOHUB_SHARED/data/images.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="$(bash scripts/oracle/lite_setup.sh | tail -n 1)"
GLOG_minloglevel=1 "$py" scripts/oracle/face_golden.py "$@"
