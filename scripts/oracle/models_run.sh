#!/usr/bin/env bash
# `make oracle-models`: has real PaddlePaddle write the seeded models under build/models
# (scripts/oracle/resnet50_seeded.py, ~100 MB; scripts/oracle/ssd_seeded.py, ~23 MB; not
# committed) and regenerates every whole-model golden case in testdata/models
# (scripts/oracle/model_golden.py; the real models are read in place from $GOHUB_SHARED).
# Needs Go on PATH: the image cases take their input tensor from gohub's own reader
# (scripts/oracle/imageprep). Arguments go to model_golden.py, e.g.
# `models_run.sh --only gesture_rec`; with arguments a seeded model is only rewritten when absent.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="$(bash scripts/oracle/setup.sh | tail -n 1)"
models="${GOHUB_BUILD_MODELS:-$root/build/models}"
if [ "$#" -eq 0 ] || [ ! -f "$models/resnet50_seeded/model.pdiparams" ]; then
  "$py" scripts/oracle/resnet50_seeded.py --model-only
fi
if [ "$#" -eq 0 ] || [ ! -f "$models/ssd_mobilenet_v1_pascal_seeded/__model__" ]; then
  "$py" scripts/oracle/ssd_seeded.py --model-only
fi
"$py" scripts/oracle/model_golden.py "$@"
