#!/usr/bin/env bash
# make bench, kernel part: for the convolution layers of the benchmarked models where
# native/src/kernels/conv_kernel_choice.h overrides oneDNN's first choice, both kernels' times on
# the same shapes and layouts, alternating executions (native/bench/conv_kernels.cc), at batch 1
# and 8 with 1 and 2 threads. Rewrites the "## oneDNN convolution kernels" section of
# BENCHMARKS.md. `BENCH_ONLY=convs bash scripts/bench/run.sh` runs only this part.
#
#   BENCH_BATCHES / BENCH_THREADS  default "1 8" / "1 2"
#   GOHUB_NATIVE_BUILD  the native build directory (default build/native)
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=${GOHUB_NATIVE_BUILD:-build/native}/conv_kernel_bench
if [ ! -x "$bench" ]; then
  echo "bench: $bench missing; run make build" >&2
  exit 1
fi
batches=${BENCH_BATCHES:-1 8}
threads_list=${BENCH_THREADS:-1 2}
lines=$(mktemp)
section=$(mktemp)
trap 'rm -f "$lines" "$section"' EXIT
for batch in $batches; do
  for threads in $threads_list; do
    echo "bench: convolution kernels, batch $batch, $threads thread(s)" >&2
    "$bench" -batch "$batch" -threads "$threads" >>"$lines"
  done
done

source scripts/bench/machine.sh
python3 - "$lines" "$(bench_machine)" "$(date -u +%Y-%m-%d)" >"$section" <<'EOF'
import collections, json, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
machine, day = sys.argv[2], sys.argv[3]
labels = {
    "resnet50_1x1": "ResNet-50, its 15 shapes of 1x1 conv (34 layers)",
    "resnet50_first": "ResNet-50, first layer (7x7 over RGB)",
    "mobilenet_dw": "SSD-MobileNetV1, its 9 depthwise shapes (13 layers)",
    "mobilenet_first": "SSD-MobileNetV1, first layer (3x3 over RGB)",
    "shufflenet_dw": "ShuffleNetV2, its 7 depthwise shapes (19 layers)",
    "shufflenet_first": "ShuffleNetV2, first layer (3x3 over RGB)",
}
groups = collections.OrderedDict()
for r in rows:
    groups.setdefault((r["group"], r["batch"], r["threads"]), []).append(r)
print("## oneDNN convolution kernels")
print()
print("Command: `make bench` (or `BENCH_ONLY=convs bash scripts/bench/run.sh`;")
print("`scripts/bench/conv_kernels.sh`, `native/bench/conv_kernels.cc`). On CPUs with AVX2 but not")
print("AVX-512, oneDNN 3 ranks its brgemm kernels first; `native/src/kernels/conv_kernel_choice.h`")
print("takes its older jit kernel instead for 1x1 and depthwise convolutions and for first layers")
print("over fewer than 8 channels, on the same channels-last layouts. Each row: the model's layers")
print("of that kind, each shape weighted by how many layers have it, milliseconds per pass")
print("(median of 40 executions per shape, the two kernels alternating), relu fused.")
print()
print(f"Machine: {machine}. Measured {day}.")
print()
print("| layers | batch | threads | oneDNN's choice | ms | ours | ms | speed-up | per shape |")
print("| --- | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |")
for (group, batch, threads), rs in groups.items():
    first = sum(r["count"] * r["onednn_ms"] for r in rs)
    chosen = sum(r["count"] * r["chosen_ms"] for r in rs)
    per = [r["onednn_ms"] / r["chosen_ms"] for r in rs]
    names = lambda key: "/".join(sorted({r[key] for r in rs}))
    spread = f"{min(per):.2f}–{max(per):.2f}×" if len(per) > 1 else f"{per[0]:.2f}×"
    print(f"| {labels.get(group, group)} | {batch} | {threads} | `{names('onednn')}` | {first:.2f} | "
          f"`{names('chosen')}` | {chosen:.2f} | **{first / chosen:.2f}×** | {spread} |")
EOF
python3 scripts/bench/section.py "oneDNN convolution kernels" "$section"
echo "bench: wrote the convolution kernel section of BENCHMARKS.md" >&2
