#!/usr/bin/env bash
# make bench, training part: images per second of a full training step (forward, backward,
# momentum update) and each process's peak resident memory, for ResNet-50
# (resnet50_imagenet_partial) at batch 8 and 32 and ShuffleNetV2 (shufflenet_v2_imagenet) at
# batch 32, on 1 and 2 threads, measured in this one run:
#   gohub    scripts/bench/trainbench (Go → C API → native library), the program gohub's
#            fine-tuning builds: module cut at its feature map + classifier head, AppendBackward,
#            momentum ops;
#   Paddle   scripts/bench/paddle_train.py: real paddlepaddle 3.3.1 (build/oracle-venv), static
#            graph, the same program built by scripts/oracle/train_golden.py's code, Paddle's
#            own append_backward and Momentum; with oneDNN kernels and without, the ratio
#            against the faster;
#   PyTorch  scripts/bench/torch_train.py: torch from PyPI (build/torch-venv,
#            scripts/bench/torch_setup.sh), torchvision's resnet50 / shufflenet_v2_x1_0,
#            channels-last, SGD momentum 0.9.
# Every measurement is its own process; the sides alternate within each round and the best of
# the rounds is kept.
#
# Rewrites the "## Training step" section of BENCHMARKS.md (appended when absent), leaving the
# other sections as they are. scripts/bench/run.sh calls it after the other parts;
# `BENCH_ONLY=train bash scripts/bench/run.sh` runs only this part.
#
#   BENCH_ROUNDS    alternating runs per side and row, the best kept (default 3)
#   BENCH_STEPS     timed steps per measurement, at least (default 3)
#   BENCH_SECONDS   timed seconds per measurement, at least (default 10)
#   BENCH_WARMUP    untimed steps first (default 2)
#   BENCH_THREADS   thread counts (default "1 2")
#   BENCH_TRAIN_ROWS  model:batch pairs (default "resnet50:8 resnet50:32 shufflenet_v2:32")
#   BENCH_QUICK=1   a smoke test of the whole section in a few minutes: batch 2, one timed step,
#                   one round, both thread counts; the section goes to
#                   build/bench/training_step_quick.md and BENCHMARKS.md is left alone
#   BENCH_TIMEOUT   seconds after which one measurement is abandoned (default 1800)
#   BENCH_TRAINBENCH  a trainbench binary to use instead of building build/trainbench
#   BENCH_SECTION_FILE  write the section's markdown to this file instead of BENCHMARKS.md
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
  rounds=${BENCH_ROUNDS:-1} steps=${BENCH_STEPS:-1} seconds=${BENCH_SECONDS:-0} warmup=${BENCH_WARMUP:-1}
  rows_spec=${BENCH_TRAIN_ROWS:-resnet50:2 shufflenet_v2:2}
else
  rounds=${BENCH_ROUNDS:-3} steps=${BENCH_STEPS:-3} seconds=${BENCH_SECONDS:-10} warmup=${BENCH_WARMUP:-2}
  rows_spec=${BENCH_TRAIN_ROWS:-resnet50:8 resnet50:32 shufflenet_v2:32}
fi
threads_list=${BENCH_THREADS:-1 2}
limit=${BENCH_TIMEOUT:-1800}
shared=${GOHUB_SHARED:-$root/../shared}
logs=build/bench/train-logs
mkdir -p "$logs"
rm -f "$logs"/*.log

paddle_py=$(bash scripts/oracle/setup.sh | tail -n 1)
torch_py=$(bash scripts/bench/torch_setup.sh | tail -n 1)
trainbench=${BENCH_TRAINBENCH:-build/trainbench}
[ -n "${BENCH_TRAINBENCH:-}" ] || go build -o build/trainbench ./scripts/bench/trainbench

# name|label|model directory|torchvision model
catalogue=(
  "resnet50|ResNet-50 (\`resnet50_imagenet_partial\`)|$shared/models/resnet50_imagenet_partial|resnet50"
  "shufflenet_v2|ShuffleNetV2 (\`shufflenet_v2_imagenet\`)|$shared/models/shufflenet_v2_imagenet|shufflenet_v2_x1_0"
)
lookup() {
  local e
  for e in "${catalogue[@]}"; do
    [ "${e%%|*}" = "$1" ] && { echo "$e"; return 0; }
  done
  echo "bench: unknown model $1 in BENCH_TRAIN_ROWS (want resnet50 or shufflenet_v2)" >&2
  return 1
}

# measure LOG CMD...: runs one measurement in its own process; prints its JSON line, or
# nothing when it failed (its output stays in LOG).
measure() {
  local log=$1
  shift
  if timeout "$limit" "$@" >"$log.out" 2>"$log"; then
    tail -n 1 "$log.out"
  else
    echo "bench: failed (exit $?, see $log): $*" >&2
  fi
  cat "$log.out" >>"$log"
  rm -f "$log.out"
}

# best FIELD: the largest FIELD of the JSON lines on stdin ("" when none); peak FIELD: the
# largest too, named for what it is used for.
best() {
  python3 -c '
import json, sys
v = [json.loads(l)[sys.argv[1]] for l in sys.stdin if l.strip()]
print(max(v) if v else "")' "$1"
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2"; }

load_before=$(cut -d' ' -f1 /proc/loadavg)
start_time=$(date +%s)
rows=() failed=0 below_paddle=0 below_torch=0 above_memory=0 nrows=0
paddle_version="" torch_version="" native_ops=""
for spec in $rows_spec; do
  name=${spec%%:*} batch=${spec##*:}
  IFS='|' read -r _ label dir tv_model <<<"$(lookup "$name")"
  if [ ! -f "$dir/__model__" ]; then
    echo "bench: $dir missing; skipping $name" >&2
    rows+=("| $label | $batch | – | model missing | | | | | | | | |")
    continue
  fi
  for threads in $threads_list; do
    common=(--batch "$batch" --threads "$threads" --steps "$steps" --seconds "$seconds" --warmup "$warmup")
    ours="" on="" off="" torch=""
    skip_on=0
    for ((round = 1; round <= rounds; round++)); do
      tag="$logs/${name}_b${batch}_t${threads}_r${round}"
      ours+=$(measure "$tag.gohub.log" env OMP_NUM_THREADS="$threads" "$trainbench" -model "$dir" -batch "$batch" -threads "$threads" \
        -steps "$steps" -seconds "$seconds" -warmup "$warmup")$'\n'
      line=$(measure "$tag.paddle_off.log" "$paddle_py" scripts/bench/paddle_train.py --model "$dir" "${common[@]}" --onednn off)
      off+=$line$'\n'
      [ -n "$line" ] && paddle_version=$(field "$line" paddle_version)
      # Paddle with oneDNN: measured in every round unless its first run was under two thirds
      # of the speed without it (then it cannot be the faster, and it is the slowest run).
      if [ "$skip_on" = 0 ]; then
        line=$(measure "$tag.paddle_on.log" "$paddle_py" scripts/bench/paddle_train.py --model "$dir" "${common[@]}" --onednn on)
        on+=$line$'\n'
        [ -n "$line" ] && native_ops=$(python3 -c 'import json,sys; print(", ".join(json.loads(sys.argv[1])["native_ops"]))' "$line")
        if [ "$round" = 1 ]; then
          skip_on=$(python3 -c "
a, b = '$(printf '%s' "$on" | best images_per_sec)', '$(printf '%s' "$off" | best images_per_sec)'
print(1 if not a or (b and float(a) < float(b) * 2 / 3) else 0)")
        fi
      fi
      line=$(measure "$tag.torch.log" "$torch_py" scripts/bench/torch_train.py --model "$tv_model" "${common[@]}")
      torch+=$line$'\n'
      [ -n "$line" ] && torch_version="$(field "$line" torch_version), torchvision $(field "$line" torchvision_version)"
    done
    row=$(python3 - "$label" "$batch" "$threads" "$ours" "$on" "$off" "$torch" <<'EOF'
import json, sys
label, batch, threads = sys.argv[1:4]

def runs(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]

sides = {k: runs(t) for k, t in zip(("ours", "on", "off", "torch"), sys.argv[4:8])}
ips = {k: max((r["images_per_sec"] for r in v), default=None) for k, v in sides.items()}
rss = {k: max((r["peak_rss_mib"] for r in v), default=None) for k, v in sides.items()}
paddle = max((k for k in ("on", "off") if ips[k] is not None), key=lambda k: ips[k], default=None)

def num(x, fmt="{:.2f}"):
    return "failed" if x is None else fmt.format(x)

def ratio(a, b):
    return "n/a" if a is None or b is None else "**{:.2f}×**".format(a / b)

o = ips["ours"]
cells = [label, batch, threads, num(o), num(ips["on"]), num(ips["off"]), num(ips["torch"]),
         ratio(o, ips[paddle] if paddle else None), ratio(o, ips["torch"]),
         num(rss["ours"], "{:.0f}"), num(rss[paddle] if paddle else None, "{:.0f}"),
         num(rss["torch"], "{:.0f}")]
print("| " + " | ".join(cells) + " |")
status = {"failed": sum(v is None for v in ips.values()),
          "below_paddle": int(o is not None and paddle is not None and o < 1.2 * ips[paddle]),
          "below_torch": int(o is not None and ips["torch"] is not None and o < ips["torch"]),
          "above_memory": int(rss["ours"] is not None and paddle is not None
                              and rss["ours"] > rss[paddle])}
print(json.dumps(status))
EOF
)
    rows+=("$(sed -n 1p <<<"$row")")
    st=$(sed -n 2p <<<"$row")
    failed=$((failed + $(field "$st" failed)))
    below_paddle=$((below_paddle + $(field "$st" below_paddle)))
    below_torch=$((below_torch + $(field "$st" below_torch)))
    above_memory=$((above_memory + $(field "$st" above_memory)))
    nrows=$((nrows + 1))
    echo "bench: train $(sed -n 1p <<<"$row")" >&2
  done
done
load_after=$(cut -d' ' -f1 /proc/loadavg)
minutes=$(( ($(date +%s) - start_time + 59) / 60 ))

source scripts/bench/machine.sh
if [ "$quick" = 1 ]; then
  out=build/bench/training_step_quick.md
else
  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
fi
{
  echo "## Training step, images per second"
  echo
  echo "Command: \`make bench\` (or \`BENCH_ONLY=train bash scripts/bench/run.sh\` for this section"
  echo "alone; \`scripts/bench/train.sh\`). One training step: forward, backward and momentum update"
  echo "(momentum 0.9, learning rate 1e-3, no weight decay) of a batch of 224×224 images, in training"
  echo "mode (batch norm on the batch's statistics), the classifier head a 2-class fc with softmax"
  echo "cross-entropy on the feature map."
  echo
  echo "- gohub: \`scripts/bench/trainbench\`, Go → C API → our native library, the program gohub's"
  echo "  fine-tuning builds (the module cut at its feature map, PaddleHub's head, the library's"
  echo "  AppendBackward, momentum ops), run by \`paddle.Executor\`."
  echo "- Paddle: paddlepaddle ${paddle_version:-?} from PyPI, static graph (\`scripts/bench/paddle_train.py\`):"
  echo "  the same program built by \`scripts/oracle/train_golden.py\`'s code, Paddle's own"
  echo "  \`append_backward\` and \`Momentum\`, on \`paddle.static.Executor\`; once with oneDNN kernels"
  echo "  (\`use_mkldnn\` on every op that has one, except ${native_ops:-none}, whose oneDNN kernels fail"
  echo "  in Paddle 3.3.1 on these programs, as they do under \`FLAGS_use_mkldnn\`) and once without"
  echo "  oneDNN. The ratio and the memory are against the faster of the two."
  echo "- PyTorch: torch ${torch_version:-?} from PyPI (\`scripts/bench/torch_train.py\`, set up by"
  echo "  \`scripts/bench/torch_setup.sh\`), torchvision's \`resnet50\` and \`shufflenet_v2_x1_0\`, the"
  echo "  Paddle models' architectures (ResNet-50 with the stride on the 3×3 convolutions; with the 2-class"
  echo "  fc the same 161 and 170 parameter tensors, 23,512,130 and 1,255,654 values), random weights,"
  echo "  channels-last model and input, \`CrossEntropyLoss\`, \`SGD(momentum=0.9)\`."
  echo
  echo "Each measurement is its own process with its thread count pinned (our executor's threads;"
  echo "\`core.set_num_threads\`; \`torch.set_num_threads\`; and \`OMP_NUM_THREADS\` for all), the same"
  echo "fixed pseudo-random images and labels, $warmup untimed warm-up steps, then at least $steps timed"
  echo "steps and ${seconds} s. Best of $rounds rounds; in each round the sides run one after the"
  echo "other (Paddle with oneDNN only in the first round when it was under two thirds of Paddle's"
  echo "speed without it). Peak memory: the process's peak resident set (\`VmHWM\` in"
  echo "\`/proc/self/status\`, MiB) at the end of the run, the largest over the rounds; it includes each"
  echo "runtime's own footprint (Python and the Paddle or torch libraries on the reference sides)."
  echo
  echo "Machine: $(bench_machine). Measured $(date -u +%Y-%m-%d) in $minutes minutes; load average"
  echo "(1 min) when this section started and ended: $load_before and $load_after."
  if [ "$quick" = 1 ]; then
    echo
    echo "**BENCH_QUICK=1: a smoke test (batch, steps and rounds cut down), not a measurement.**"
  fi
  echo
  echo "| model | batch | threads | gohub | Paddle (oneDNN) | Paddle (no oneDNN) | PyTorch | gohub / Paddle | gohub / PyTorch | peak MiB gohub | peak MiB Paddle | peak MiB PyTorch |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Rows under 1.2× Paddle: $below_paddle of $nrows; under 1.0× PyTorch: $below_torch of $nrows; with a higher"
  echo "peak memory than Paddle's: $above_memory of $nrows (targets: no row under either speed ratio, and"
  echo "ResNet-50 at batch 32 at most Paddle's peak memory)."
  echo "Failed measurements: $failed (their logs: \`build/bench/train-logs/\`)."
} >"$out"

if [ "$quick" = 1 ]; then
  cat "$out" >&2
  echo "bench: BENCH_QUICK=1: wrote $out; BENCHMARKS.md left alone" >&2
elif [ -n "${BENCH_SECTION_FILE:-}" ]; then
  cp "$out" "$BENCH_SECTION_FILE"
  echo "bench: wrote the training section to $BENCH_SECTION_FILE (BENCHMARKS.md untouched)" >&2
else
  python3 scripts/bench/section.py "Training step" "$out"
  echo "bench: wrote the training section of BENCHMARKS.md" >&2
fi
