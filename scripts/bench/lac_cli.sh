#!/usr/bin/env bash
# `gohub run lac --input_file` against Baidu's LAC package (its Python API on paddlepaddle
# 1.8.5, the LAC oracle venv) on the same 10,000 sentences, one thread each, measured in this
# run: throughput (model loaded; sentences per second) and start-up (whole process, one
# sentence; best of 5). Prints two Markdown table rows on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
sentences=testdata/lac/bench_sentences.txt
mapfile -t out < <(bash scripts/oracle/lac_pkg_setup.sh)
py="${out[${#out[@]}-2]}"

# A private store with lac installed from the same package the Python side runs.
export GOHUB_HOME="$PWD/build/bench-home"
build/gohub install build/lac-pkg/LAC-2.1.2.tar.gz >&2

wall() { # best wall time of 5 runs of the command, in seconds
  local best=999
  for _ in 1 2 3 4 5; do
    local t0 t1
    t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
    best=$(python3 -c "print(min($best, $t1 - $t0))")
  done
  echo "$best"
}

# Throughput: gohub's whole run minus its start-up is compared with LAC's timed loop.
n=$(wc -l < "$sentences")
go_start=$(wall build/gohub run lac --input_text "今天是个好日子")
t0=$(date +%s.%N)
build/gohub run lac --input_file "$sentences" --batch_size 32 --threads 1 --output json >/dev/null
t1=$(date +%s.%N)
go_rate=$(python3 -c "print($n / ($t1 - $t0 - $go_start))")
lac_rate=$("$py" scripts/bench/lac_pkg.py --sentences "$sentences" --batch 32 2>/dev/null |
  python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["sentences_per_sec"])')
lac_start=$(wall "$py" -c 'from LAC import LAC; print(LAC(mode="lac").run("今天是个好日子"))')

python3 - "$go_rate" "$lac_rate" "$go_start" "$lac_start" <<'PY'
import sys
g, l, gs, ls = map(float, sys.argv[1:])
print(f"| throughput, 10,000 sentences, batch 32, 1 thread | {g:.0f} sentences/s | {l:.0f} sentences/s | **{g/l:.2f}×** |")
print(f"| start-up, one sentence (whole process) | {gs:.2f} s | {ls:.2f} s | **{ls/gs:.2f}×** |")
PY
