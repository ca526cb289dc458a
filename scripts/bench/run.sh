#!/usr/bin/env bash
# make bench: LAC segmentation throughput, gohub (Go → C API → native library) against Paddle
# Inference (real PaddlePaddle from PyPI, in the oracle venv) on the same model, sentences and
# thread counts, measured in this one run and written to BENCHMARKS.md as ratios.
# Paddle is measured twice per row: with its CPU default (oneDNN on in Paddle 3.x) and with
# oneDNN off, which is faster for this small GRU model; the ratio is against the faster one.
# BENCH_SECONDS per measurement (default 10); each side is measured twice, alternating, and
# the better run is kept, which damps this machine's noise.
# The image models (scripts/bench/images.sh), the convolution kernels
# (scripts/bench/conv_kernels.sh), Winograd (scripts/bench/winograd.sh), the training step
# (scripts/bench/train.sh), bfloat16 (scripts/bench/bf16.sh) and serving
# (scripts/bench/serving.sh) follow and add their own sections; BENCH_ONLY=lac, images, convs,
# winograd, train, bf16 or serving runs only that part. Each part replaces its own sections of
# BENCHMARKS.md (section.py); the others, the GPU sections that scripts/device/check.sh's runs
# fill included, stay as they are.
set -euo pipefail
cd "$(dirname "$0")/../.."
case "${BENCH_ONLY:-}" in
  images) exec bash scripts/bench/images.sh ;;
  convs) exec bash scripts/bench/conv_kernels.sh ;;
  winograd) exec bash scripts/bench/winograd.sh ;;
  train) exec bash scripts/bench/train.sh ;;
  bf16) exec bash scripts/bench/bf16.sh ;;
  serving) exec bash scripts/bench/serving.sh ;;
  lac | "") ;;
  *) echo "bench: BENCH_ONLY=$BENCH_ONLY: want lac, images, convs, winograd, train, bf16 or serving" >&2; exit 2 ;;
esac
seconds=${BENCH_SECONDS:-10}
py=$(bash scripts/oracle/setup.sh | tail -n 1)
go build -o build/lacbench ./scripts/bench/lacbench

best() { python3 -c 'import json,sys; print(max(json.loads(l)["sentences_per_sec"] for l in sys.stdin if l.strip()))'; }

rows=()
paddle_version=""
for batch in 1 32; do
  for threads in 1 2; do
    ours="" on="" off=""
    for round in 1 2; do
      ours+=$(build/lacbench -batch "$batch" -threads "$threads" -seconds "$seconds")$'\n'
      line=$("$py" scripts/bench/paddle_lac.py --batch "$batch" --threads "$threads" --seconds "$seconds")
      on+=$line$'\n'
      off+=$("$py" scripts/bench/paddle_lac.py --batch "$batch" --threads "$threads" --seconds "$seconds" --onednn off)$'\n'
      paddle_version=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["paddle_version"])' "$line")
    done
    o=$(printf '%s' "$ours" | best)
    p_on=$(printf '%s' "$on" | best)
    p_off=$(printf '%s' "$off" | best)
    ratio=$(python3 -c "print(f'{$o/max($p_on, $p_off):.2f}')")
    echo "bench: batch $batch, $threads thread(s): gohub $o, Paddle $p_on (oneDNN) / $p_off (no oneDNN) sentences/s (×$ratio)" >&2
    rows+=("| $batch | $threads | $(printf '%.0f' "$o") | $(printf '%.0f' "$p_on") | $(printf '%.0f' "$p_off") | **$ratio×** |")
  done
done

cli_rows=$(bash scripts/bench/lac_cli.sh)

source scripts/bench/machine.sh
[ -f BENCHMARKS.md ] || {
  echo "# Benchmarks"
  echo
  echo "Every figure is a ratio against the reference measured in the same run on the same machine."
  echo "Regenerate with \`make bench\` (\`BENCH_SECONDS\`, default 10, per measurement)."
} > BENCHMARKS.md
lac_section=$(mktemp)
cli_section=$(mktemp)
trap 'rm -f "$lac_section" "$cli_section"' EXIT
{
  echo "## LAC word segmentation (\`models/lac_seg\`), sentences per second"
  echo
  echo "gohub: Go → C API → our native library. Reference: Paddle Inference from PyPI"
  echo "(paddlepaddle $paddle_version, IR optimisation on) through \`paddle.inference\`, once with its CPU"
  echo "default (oneDNN on) and once with oneDNN off; the ratio is against the faster of the two."
  echo "Same model files, the same 10,000 manpages-zh sentences (\`testdata/lac/bench_sentences.txt\`),"
  echo "ids computed before timing; each timed batch is"
  echo "reshape + copy in + set LoD + run + copy out. Best of two alternating runs per side."
  echo
  echo "Machine: $(bench_machine). Measured $(date -u +%Y-%m-%d). On a 2-core machine the"
  echo "2-thread rows are the noisiest: any other load takes a core from both sides' BLAS threads."
  echo
  echo "| batch | threads | gohub | Paddle (oneDNN) | Paddle (no oneDNN) | gohub / best Paddle |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
} > "$lac_section"
{
  echo "## \`gohub run lac\` against Baidu's LAC package"
  echo
  echo "\`gohub run lac --input_file\` (full lexical analysis, JSON output) against the LAC package's"
  echo "own Python API (LAC 2.1.2 on paddlepaddle 1.8.5, the newest Paddle it runs on), both with"
  echo "one thread and batches of 32, on the same 10,000 sentences. Throughput excludes start-up"
  echo "(gohub: the whole run minus its one-sentence start-up; LAC: a timed loop after loading)."
  echo "Start-up: the whole process for one sentence, best of five (\`scripts/bench/lac_cli.sh\`)."
  echo
  echo "| measure | gohub | LAC package | gohub advantage |"
  echo "| --- | ---: | ---: | ---: |"
  echo "$cli_rows"
} > "$cli_section"
python3 scripts/bench/section.py "LAC word segmentation" "$lac_section"
python3 scripts/bench/section.py "\`gohub run lac\` against" "$cli_section"
echo "bench: wrote the LAC sections of BENCHMARKS.md" >&2
[ "${BENCH_ONLY:-}" = lac ] && exit 0
bash scripts/bench/images.sh
bash scripts/bench/conv_kernels.sh
bash scripts/bench/winograd.sh
bash scripts/bench/train.sh
bash scripts/bench/bf16.sh
bash scripts/bench/serving.sh
