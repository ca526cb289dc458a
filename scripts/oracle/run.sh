#!/usr/bin/env bash
# `make oracle`: regenerates the golden outputs in testdata/ from real PaddlePaddle.
#   1. scripts/oracle/setup.sh      the venv build/oracle-venv with the pinned paddlepaddle
#   2. scripts/oracle/sentences.py  testdata/lac/sentences.txt (first 1,000) and
#                                   testdata/lac/bench_sentences.txt (first 10,000) from the
#                                   Debian package manpages-zh; skipped, with a warning, where
#                                   it is not installed (the committed files are used as they are)
#   3. scripts/oracle/lac_golden.py testdata/lac/oracle_{tags.jsonl,emission.f32,meta.json}
# The model is read in place from $GOHUB_SHARED/models/lac_seg (default ../shared).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export GOHUB_SHARED="${GOHUB_SHARED:-$(cd "$root/.." && pwd)/shared}"

py="$(bash scripts/oracle/setup.sh | tail -n 1)"

man_dir="${MANPAGES_ZH_DIR:-/usr/share/man/zh_CN}"
if [ -d "$man_dir" ]; then
  "$py" scripts/oracle/sentences.py --man-dir "$man_dir" -n 1000 -o testdata/lac/sentences.txt
  "$py" scripts/oracle/sentences.py --man-dir "$man_dir" -n 10000 -o testdata/lac/bench_sentences.txt
else
  echo "oracle: $man_dir not found (Debian package manpages-zh); keeping the committed sentences" >&2
fi

"$py" scripts/oracle/lac_golden.py
