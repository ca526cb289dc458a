#!/usr/bin/env bash
# make bench, bfloat16 part: what bfloat16 convolutions buy on this CPU, measured in one run and
# written to BENCHMARKS.md as the section "bfloat16 on the CPU".
#   inference  gohub (scripts/bench/imgbench) in float32 and with EnableMkldnnBfloat16, against
#              OpenVINO in bfloat16 (scripts/bench/peer_image.py --precision bf16, on the ONNX
#              file images.sh converts), ResNet-50 (seeded) and ShuffleNetV2, batch 1 and 8;
#   training   gohub's training step (scripts/bench/trainbench) in float32 and with -bf16
#              (gohub finetune --amp), against PyTorch's with torch.autocast to bfloat16
#              (scripts/bench/torch_train.py --amp bf16), ResNet-50 and ShuffleNetV2 at batch 32.
# Each measurement is its own process; the sides alternate within each round and the best of
# the rounds is kept. Needs a CPU where oneDNN runs bfloat16 (AVX-512); elsewhere it says so and
# writes nothing.
#
#   BENCH_ROUNDS         alternating runs per side and row (default 2)
#   BENCH_SECONDS        seconds per inference measurement (default 5)
#   BENCH_TRAIN_SECONDS  seconds per training measurement, at least 3 steps (default 10)
#   BENCH_THREADS        inference thread counts (default "1 2")
#   BENCH_TRAIN_THREADS  training thread counts (default 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
rounds=${BENCH_ROUNDS:-2} seconds=${BENCH_SECONDS:-5} train_seconds=${BENCH_TRAIN_SECONDS:-10}
threads_list=${BENCH_THREADS:-1 2} train_threads=${BENCH_TRAIN_THREADS:-2}
shared=${GOHUB_SHARED:-$root/../shared}
logs=build/bench/bf16-logs
mkdir -p "$logs"
rm -f "$logs"/*.log

go build -o build/imgbench ./scripts/bench/imgbench
go build -o build/trainbench ./scripts/bench/trainbench
if ! build/imgbench -model "$shared/models/shufflenet_v2_imagenet" -seconds 0.1 -warmup 1 -bf16 default >/dev/null 2>"$logs/probe.log"; then
  echo "bench: bfloat16 skipped: $(tail -n 1 "$logs/probe.log")" >&2
  exit 0
fi
py=$(bash scripts/oracle/setup.sh | tail -n 1)
torch_py=$(bash scripts/bench/torch_setup.sh | tail -n 1)
peers=1
bash scripts/bench/peers_setup.sh >/dev/null || peers=0
make -s seeded-models >/dev/null

# measure LOG CMD...: one measurement in its own process; its JSON line, or nothing on failure.
measure() {
  local log=$1
  shift
  if "$@" >"$log.out" 2>"$log"; then
    tail -n 1 "$log.out"
  else
    echo "bench: failed (see $log): $*" >&2
  fi
  cat "$log.out" >>"$log"
  rm -f "$log.out"
}

# row LABEL BATCH THREADS FP32 BF16 PEER: a table row from the sides' JSON lines (best of each).
row() {
  python3 - "$@" <<'EOF'
import json, sys
label, batch, threads = sys.argv[1:4]
best = []
for text in sys.argv[4:7]:
    v = [json.loads(l)["images_per_sec"] for l in text.splitlines() if l.strip()]
    best.append(max(v) if v else None)
fp32, bf16, peer = best
num = lambda x: "failed" if x is None else "{:.2f}".format(x)
ratio = lambda a, b: "n/a" if a is None or b is None else "**{:.2f}×**".format(a / b)
# A peer without a number failed or was refused by its check (the notes under the table say).
print("| " + " | ".join([label, batch, threads, num(fp32), num(bf16), "none" if peer is None else num(peer),
                         ratio(bf16, fp32), ratio(bf16, peer)]) + " |")
EOF
}

infer_rows=() notes=()
for spec in "resnet50_seeded|ResNet-50 (\`resnet50_seeded\`)|$root/build/models/resnet50_seeded" \
  "shufflenet_v2_imagenet|ShuffleNetV2 (\`shufflenet_v2_imagenet\`)|$shared/models/shufflenet_v2_imagenet"; do
  IFS='|' read -r name label dir <<<"$spec"
  onnx=$root/build/peer-models/$name/model.onnx
  for batch in 1 8; do
    for threads in $threads_list; do
      fp32="" bf16="" peer=""
      for ((round = 1; round <= rounds; round++)); do
        tag="$logs/${name}_b${batch}_t${threads}_r${round}"
        base=(build/imgbench -model "$dir" -batch "$batch" -threads "$threads" -seconds "$seconds")
        fp32+=$(measure "$tag.fp32.log" env OMP_NUM_THREADS="$threads" "${base[@]}")$'\n'
        bf16+=$(measure "$tag.bf16.log" env OMP_NUM_THREADS="$threads" "${base[@]}" -bf16 default)$'\n'
        if [ "$peers" = 1 ] && [ -f "$onnx" ]; then
          # bfloat16 moves the outputs by about 1e-2 of their largest: the check's bound is 5e-2.
          peer+=$(measure "$tag.openvino.log" "$py" scripts/bench/peer_image.py --engine openvino --onnx "$onnx" \
            --batch "$batch" --threads "$threads" --seconds "$seconds" --precision bf16 \
            --reference "$root/build/peer-models/$name/paddle_b$batch.npz" --rtol 5e-2)$'\n'
        fi
      done
      infer_rows+=("$(row "$label" "$batch" "$threads" "$fp32" "$bf16" "$peer")")
      # A peer refused by its check gets no number; the note says by how much it was off.
      check=$(tail -n 1 "$logs/${name}_b${batch}_t${threads}_r1.openvino.log" 2>/dev/null |
        python3 -c 'import json,sys
try: d = json.loads(sys.stdin.read())
except ValueError: sys.exit()
if d.get("agree") is False: print(d.get("check", ""))')
      [ -z "$check" ] || notes+=("$label, batch $batch, $threads threads: OpenVINO bf16 not timed, its outputs are off Paddle's float32 ones ($check).")
      echo "bench: bf16 ${infer_rows[-1]}" >&2
    done
  done
done

train_rows=()
for spec in "resnet50_imagenet_partial|resnet50|ResNet-50 (\`resnet50_imagenet_partial\`)" \
  "shufflenet_v2_imagenet|shufflenet_v2_x1_0|ShuffleNetV2 (\`shufflenet_v2_imagenet\`)"; do
  IFS='|' read -r name tv label <<<"$spec"
  for threads in $train_threads; do
    fp32="" bf16="" peer=""
    common=(-model "$shared/models/$name" -batch 32 -threads "$threads" -steps 3 -seconds "$train_seconds" -warmup 2)
    for ((round = 1; round <= rounds; round++)); do
      tag="$logs/train_${name}_t${threads}_r${round}"
      fp32+=$(measure "$tag.fp32.log" env OMP_NUM_THREADS="$threads" build/trainbench "${common[@]}")$'\n'
      bf16+=$(measure "$tag.bf16.log" env OMP_NUM_THREADS="$threads" build/trainbench "${common[@]}" -bf16)$'\n'
      peer+=$(measure "$tag.torch.log" "$torch_py" scripts/bench/torch_train.py --model "$tv" --batch 32 \
        --threads "$threads" --steps 3 --seconds "$train_seconds" --warmup 2 --amp bf16)$'\n'
    done
    train_rows+=("$(row "$label" 32 "$threads" "$fp32" "$bf16" "$peer")")
    echo "bench: bf16 ${train_rows[-1]}" >&2
  done
done

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
flags=$(grep -o -w -E 'avx512_bf16|avx512f' /proc/cpuinfo | sort -u | paste -sd, -)
ov=$("$py" -c 'import openvino; print(openvino.get_version().split("-")[0])' 2>/dev/null || echo "?")
tv=$("$torch_py" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo "?")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
{
  echo "## bfloat16 on the CPU"
  echo
  echo "Command: \`BENCH_ONLY=bf16 bash scripts/bench/run.sh\` (\`scripts/bench/bf16.sh\`). gohub's"
  echo "bfloat16 convolutions (\`PD_ConfigEnableMkldnnBfloat16\`; \`gohub finetune --amp\`): conv2d"
  echo "and its gradients read activations, weights and output gradients as bfloat16 and add in"
  echo "float32, every other op and the tensors between ops stay float32. Best of $rounds alternating"
  echo "runs per side; ratios within each row's run."
  echo
  echo "Machine: $cpu, $(nproc) cores, flags: ${flags:-none}. Measured $(date -u +%Y-%m-%d)."
  echo
  echo "Inference, images per second ($seconds s per measurement; each batch is copy in + run + copy"
  echo "out, as in the image section). Peer: OpenVINO $ov with INFERENCE_PRECISION_HINT bf16 (its"
  echo "own default on such a CPU), on the ONNX file paddle2onnx makes, its outputs checked against"
  echo "Paddle's float32 ones within 5e-2 of their largest."
  echo
  echo "| model | batch | threads | gohub fp32 | gohub bf16 | OpenVINO bf16 | bf16 / fp32 | gohub bf16 / OpenVINO bf16 |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${infer_rows[@]}"
  echo
  for n in "${notes[@]}"; do
    echo "$n"
    echo
  done
  echo "Training step, images per second (forward, backward, momentum; the training section's"
  echo "program; at least 3 steps and $train_seconds s per measurement). Peer: PyTorch $tv, the training"
  echo "section's torchvision model, channels-last, its forward pass and loss under"
  echo "\`torch.autocast(\"cpu\", torch.bfloat16)\`, which also keeps the activations between ops"
  echo "in bfloat16."
  echo
  echo "| model | batch | threads | gohub fp32 | gohub bf16 | PyTorch bf16 | bf16 / fp32 | gohub bf16 / PyTorch bf16 |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${train_rows[@]}"
  echo
  echo "Where the training step gains less than inference: gohub reorders each convolution's input"
  echo "and output gradient from float32 to bfloat16 on the way in, and batch norm and the"
  echo "element-wise ops still move float32; PyTorch's autocast keeps the activations in bfloat16"
  echo "between ops and has neither cost. Whether the faster products outweigh the reorders depends"
  echo "on the convolutions' size and on the memory traffic of the moment: on this shared 2-core"
  echo "machine the training rows' bf16 / fp32 ratio moves more between sittings than the inference"
  echo "rows' do, so read it from the run above."
} >"$out"
python3 scripts/bench/section.py "bfloat16 on the CPU" "$out"
echo "bench: wrote the bfloat16 section of BENCHMARKS.md" >&2
