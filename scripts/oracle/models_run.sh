#!/usr/bin/env bash
# `make oracle-models`: has real PaddlePaddle write the seeded models under build/models
# (scripts/oracle/seeded_models.sh: resnet50_seeded.py, ~100 MB; ssd_seeded.py, ~23 MB; not
# committed) and regenerates every whole-model golden case in testdata/models
# (scripts/oracle/model_golden.py; the real models are read in place from $GOHUB_SHARED).
# Needs Go on PATH: the image cases take their input tensor from gohub's own reader
# (scripts/oracle/imageprep). Arguments go to model_golden.py, e.g.
# `models_run.sh --only gesture_rec`; with arguments a seeded model is only rewritten when absent
# or stale (its stamp), without them always. `make seeded-models` (run by `make test`) writes
# the seeded models alone and leaves testdata/models as it is.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="$(bash scripts/oracle/setup.sh | tail -n 1)"
if [ "$#" -eq 0 ]; then
  bash scripts/oracle/seeded_models.sh --force
else
  bash scripts/oracle/seeded_models.sh
fi
"$py" scripts/oracle/model_golden.py "$@"
