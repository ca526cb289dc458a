#!/usr/bin/env bash
# make bench, Winograd part: native/src/kernels/winograd.h against oneDNN's direct kernel, per
# layer on ResNet-50's 3x3 stride-1 shapes (native/bench/winograd.cc, alternating executions),
# and on the whole ResNet-50 through gohub's Go API (scripts/bench/imgbench) with
# GOHUB_CONV_WINOGRAD=off and with the default choice, alternating runs, at batch 1 and 8 with 1
# and 2 threads; and the same for the ResNet-50 training step at batch 8
# (scripts/bench/trainbench, where the 3x3 convolutions' gradients run on Winograd too).
# Rewrites the "## Winograd convolutions" section of BENCHMARKS.md.
# `BENCH_ONLY=winograd bash scripts/bench/run.sh` runs only this part.
#
#   BENCH_SECONDS  per whole-model measurement (default 10); BENCH_ROUNDS (default 2)
#   GOHUB_NATIVE_BUILD  the native build directory (default build/native)
#   GOHUB_SHARED   the shared models (default ../shared): resnet50_imagenet_partial to train
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=${GOHUB_NATIVE_BUILD:-build/native}/winograd_bench
if [ ! -x "$bench" ]; then
  echo "bench: $bench missing; run make build" >&2
  exit 1
fi
if ! grep -q avx2 /proc/cpuinfo; then
  echo "bench: no AVX2 on this CPU, where the Winograd kernel does not run; section left as it is" >&2
  exit 0
fi
# On an AVX-512 CPU the layers are measured a second time on AVX2 alone (both sides), as a CPU
# without AVX-512 runs them.
isa_flags=("")
grep -q avx512f /proc/cpuinfo && isa_flags+=("-avx2")
seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-2}
model=${GOHUB_BUILD_MODELS:-build/models}/resnet50_seeded
[ -f "$model/model.pdmodel" ] || make oracle-models >&2
train_model=${GOHUB_SHARED:-../shared}/models/resnet50_imagenet_partial
go build -o build/imgbench ./scripts/bench/imgbench
go build -o build/trainbench ./scripts/bench/trainbench
layers=$(mktemp)
whole=$(mktemp)
train=$(mktemp)
section=$(mktemp)
trap 'rm -f "$layers" "$whole" "$train" "$section"' EXIT
for batch in 1 8; do
  for threads in 1 2; do
    echo "bench: Winograd layers, batch $batch, $threads thread(s)" >&2
    for flag in "${isa_flags[@]}"; do
      "$bench" -batch "$batch" -threads "$threads" $flag >>"$layers"
    done
    for round in $(seq "$rounds"); do
      for choice in off auto; do
        line=$(GOHUB_CONV_WINOGRAD=$choice build/imgbench -model "$model" -batch "$batch" \
          -threads "$threads" -seconds "$seconds")
        echo "{\"choice\":\"$choice\",\"run\":$line}" >>"$whole"
      done
    done
  done
done

for threads in 1 2; do
  echo "bench: Winograd, ResNet-50 training step, batch 8, $threads thread(s)" >&2
  for round in $(seq "$rounds"); do
    for choice in off auto; do
      line=$(GOHUB_CONV_WINOGRAD=$choice build/trainbench -model "$train_model" -batch 8 \
        -threads "$threads" -seconds "$seconds" 2>/dev/null | tail -n 1)
      echo "{\"choice\":\"$choice\",\"run\":$line}" >>"$train"
    done
  done
done

source scripts/bench/machine.sh
python3 - "$layers" "$whole" "$train" "$(bench_machine)" "$(date -u +%Y-%m-%d)" "$seconds" "$rounds" >"$section" <<'PY'
import collections, json, sys

layers = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
whole = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
train = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
machine, day, seconds, rounds = sys.argv[4:8]
print("## Winograd convolutions")
print()
print("Command: `make bench` (or `BENCH_ONLY=winograd bash scripts/bench/run.sh`;")
print("`scripts/bench/winograd.sh`, `native/bench/winograd.cc`). On CPUs with AVX2 or AVX-512 a")
print("3x3 stride-1 convolution runs on our Winograd F(4x4, 3x3) kernel (`native/src/kernels/winograd.h`)")
print("where each thread gets at least 8 tiles of 4x4 output pixels; elsewhere, and with")
print("`GOHUB_CONV_WINOGRAD=off`, on oneDNN's direct kernel.")
print()
print(f"Machine: {machine}. Measured {day}.")
print()
print("Per layer: ResNet-50's 3x3 stride-1 shapes, channels-last, bias and relu fused, milliseconds")
print("per execution (median of 40, the two kernels alternating); the largest difference between")
print("the two outputs, relative to the output's largest magnitude. Rows marked AVX2 on a CPU with")
print("AVX-512 cap oneDNN at AVX2 (`dnnl::set_max_cpu_isa`) and run Winograd's AVX2 copy: what a")
print("CPU without AVX-512 runs, though on this one the AVX2 and AVX-512 FMA rates may differ less.")
print()
print("| layer (layers in ResNet-50) | ISA | batch | threads | oneDNN direct | ms | Winograd ms | speed-up | chosen | max difference |")
print("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: |")
for r in sorted(layers, key=lambda r: (r["isa"] != "AVX-512", r["batch"], r["threads"])):
    print(f"| {r['shape']} ({r['count']}) | {r['isa']} | {r['batch']} | {r['threads']} | "
          f"`{r['direct']}` | {r['direct_ms']:.3f} | {r['winograd_ms']:.3f} | **{r['speedup']:.2f}×** | "
          f"{'yes' if r['chosen'] else 'no'} | {r['max_rel_diff']:.1e} |")
print()
print("Whole model, images per second, best of " + rounds + " alternating runs per side, at least " + seconds + " s each:")
print("inference of `resnet50_seeded` through `scripts/bench/imgbench` (as in \"Image models\"), and")
print("the training step of `resnet50_imagenet_partial` through `scripts/bench/trainbench` (as in")
print("\"Training step\"; forward, backward and momentum update, where Input@GRAD and Filter@GRAD")
print("of the 3x3 stride-1 convolutions run on Winograd too).")
print()
print("| model | batch | threads | direct only (`GOHUB_CONV_WINOGRAD=off`) | with Winograd | speed-up |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")


def rows(runs, label):
    best = collections.OrderedDict()
    for w in runs:
        r = w["run"]
        key = (r["batch"], r["threads"])
        best.setdefault(key, {}).setdefault(w["choice"], 0.0)
        best[key][w["choice"]] = max(best[key][w["choice"]], r["images_per_sec"])
    for (batch, threads), b in best.items():
        print(f"| {label} | {batch} | {threads} | {b['off']:.2f} | {b['auto']:.2f} | "
              f"**{b['auto'] / b['off']:.2f}×** |")


rows(whole, "ResNet-50 inference")
rows(train, "ResNet-50 training step (`resnet50_imagenet_partial`)")
PY
python3 scripts/bench/section.py "Winograd convolutions" "$section"
echo "bench: wrote the Winograd section of BENCHMARKS.md" >&2
