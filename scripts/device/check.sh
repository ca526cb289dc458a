#!/usr/bin/env bash
# The GPU check, run on a GPU machine (NVIDIA driver for CUDA 13, cuDNN 9 and cuBLAS 13, Python
# with PyTorch) from the repository root, with .device/ made by scripts/device/pack.sh:
#   check.sh [inference|training|train-bench|train-check|all]   (default all)
# training is train-bench (the timings, first) then train-check (the correctness checks); a
# draw short of device time runs the one it needs most.
# Inference:
#   1. what the machine has (nvidia-smi, the backend's view of driver, cuDNN, cuBLAS, GPUs);
#   2. gpu_check: every model on the GPU against the CPU path (fp32 within 1e-4 relative,
#      detections equal), a clone's outputs, TF32 within a loose bound; then the timings, also
#      with runs recorded as CUDA graphs;
#   3. scripts/device/torch_bench.py: PyTorch eager on the same GPU, same models and batches;
#   4. summary.md: the rows, ours against PyTorch;
#   5. profile_1.txt / profile_sync.txt: per-op host and device time at batch 1.
#   ResNet-50 runs again with channels-last convolutions (GOHUB_CUDA_CHANNELS_LAST=1, model
#   name "resnet50_cl"), checked and timed; in training too ("_cl" models), and
#   with bfloat16 AMP ("_amp" models, the amp_bf16 rows; "resnet50_f32act" once more with the
#   activations between ops in float32, GOHUB_CUDA_BF16_ACTIVATIONS=0, for the comparison).
# Training timings (train-bench; train_summary.md):
#   6. train_bench.jsonl / torch_train.jsonl: the ResNet-50 training step, ours and PyTorch's,
#      fp32, TF32 and bfloat16 AMP (ours also channels-last), each row's last loss finite;
#   7. finetune_rate.jsonl: the cat/dog fine-tune's images per second on the GPU
#      (scripts/bench/trainbench -gpu -loop), the loop against the raw training step;
#   8. train_profile_sync.txt: the step's device time per op type at batch 64.
# Training checks (train-check):
#   9. grad_cases.txt: real Paddle's gradient golden cases (testdata/grads) on the GPU;
#  10. train_check.jsonl: Paddle's training programs (four models, Momentum and Adam) on the GPU
#      against the CPU: each op alone for two steps, then ten steps run freely (gpu_train_check);
#      AMP and channels-last programs likewise;
#  11. finetune_gpu.txt: the Go fine-tune test on the GPU (ShuffleNetV2 on cat/dog images,
#      against the same run on the CPU).
# Results go to $OUT (default ./device-results). Exit status: 1 when a check failed, 3 when none
# failed but some were skipped for want of time, else 0.
#
# CHECK_BUDGET_S (default 560): the seconds this run may take in all. A draw's device time is
# short and a command is cut off at its limit, so each step runs under the smaller of its own
# timeout and what is left of the budget (less a reserve for the summaries), and a step that
# would start with under 20 s left is skipped and named in skipped.txt: a run that runs out of
# time still writes its summaries.
#
# A dry run on a machine without a GPU tries the script's whole flow (not a GPU's numbers):
#   CHECK_BACKEND=build/native/libgohub_emulated_gpu.so CHECK_INFER_BATCHES=1,2 \
#   CHECK_TRAIN_BATCHES=2 ITERS=2 scripts/device/check.sh
# CHECK_BACKEND: the backend to load instead of the packed CUDA one (the tests' emulated GPU);
# CHECK_INFER_BATCHES, CHECK_TRAIN_BATCHES: the timed batch sizes (1,64 and 64,128);
# CHECK_LOOP_BATCH, CHECK_LOOP_STEPS, CHECK_LOOP_SECONDS: the fine-tune loop's (64, 20, 10).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-device-results}
mkdir -p "$out"
work=$(mktemp -d)
tar -C "$work" -xJf .device/native.tar.xz
export LD_LIBRARY_PATH="$work${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export GOHUB_CUDA_BACKEND="${CHECK_BACKEND:+$(realpath "$CHECK_BACKEND")}"
: "${GOHUB_CUDA_BACKEND:=$work/libpaddle_inference_cuda.so}"
infer_batches=${CHECK_INFER_BATCHES:-1,64}
train_batches=${CHECK_TRAIN_BATCHES:-64,128}
python=${PYTHON:-python3}

{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
  ldconfig -p | grep -E 'libcudnn.so.9|libcublas.so.13' || echo "no system cuDNN/cuBLAS in ldconfig"
} > "$out/machine.txt" 2>&1
# cuDNN and cuBLAS from PyTorch's wheels where the system has none.
if ! ldconfig -p | grep -q 'libcudnn.so.9' || ! ldconfig -p | grep -q 'libcublas.so.13'; then
  extra=$("$python" - <<'PY' 2>/dev/null
import os, importlib
dirs = []
for m in ("nvidia.cudnn", "nvidia.cublas", "nvidia.cu13"):
    try:
        mod = importlib.import_module(m)
        for p in mod.__path__:
            d = os.path.join(p, "lib")
            if os.path.isdir(d): dirs.append(d)
    except Exception:
        pass
print(":".join(dirs))
PY
)
  [ -n "$extra" ] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$extra"
  echo "cuDNN/cuBLAS from: $extra" >> "$out/machine.txt"
fi
cat "$out/machine.txt"

mode=${1:-all}
status=0
budget=${CHECK_BUDGET_S:-560}
reserve=15
# within SECONDS WHAT: prints the timeout for the step WHAT: SECONDS, or what is left of the
# budget less the reserve; fails, naming the step in skipped.txt, when under 20 s are left.
within() {
  local left=$((budget - SECONDS - reserve))
  if ((left < 20)); then
    echo "skipped, out of time at ${SECONDS}s: $2" | tee -a "$out/skipped.txt" >&2
    return 1
  fi
  echo $(($1 < left ? $1 : left))
}
# step SECONDS WHAT COMMAND...: runs COMMAND under the timeout within gives it; returns 0
# without running it when the budget is spent (skipped.txt says so, and the exit status).
step() {
  local t
  t=$(within "$1" "$2") || return 0
  shift 2
  timeout "$t" "$@"
}
if [ "$mode" = all ] || [ "$mode" = inference ]; then
m=.device/models
models=(
  "resnet50:$m/resnet50.pdmodel:3x224x224"
  "shufflenet_v2:$m/shufflenet_v2.pdmodel:3x224x224"
  "ssd_mobilenet_v1:$m/ssd_mobilenet_v1.pdmodel:3x300x300"
  "gesture_rec:$m/gesture_rec.pdmodel:3x224x224:$m/gesture_rec.pdiparams"
  "ppocrv3_det:$m/ppocrv3_det.pdmodel:3x640x640:$m/ppocrv3_det.pdiparams"
  "pyramidbox_lite:$m/pyramidbox_lite.nb:3x480x640"
)
# Checks for all, timings for the benchmark's three models.
step 300 "checks" "$work/gpu_check" "${models[@]:3}" \
  > "$out/gpu_check.jsonl" 2> "$out/gpu_check.stderr" || status=1
step 300 "timings" "$work/gpu_check" --bench --batches "$infer_batches" --iters "${ITERS:-100}" \
  "${models[@]:0:3}" \
  >> "$out/gpu_check.jsonl" 2>> "$out/gpu_check.stderr" || status=1
# The same two classifiers with their runs recorded as CUDA graphs (PD_ConfigSetGpuGraph).
step 120 "recorded timings" \
  "$work/gpu_check" --graph --bench --batches "$infer_batches" --iters "${ITERS:-100}" \
  "${models[0]}" "${models[1]}" \
  >> "$out/gpu_check.jsonl" 2>> "$out/gpu_check.stderr" || status=1
# Where the time goes at batch 1: per op type, the host time to queue it (PD_OP_PROFILE=1) and
# its time with the device waited for after each op (PD_OP_PROFILE=sync).
for profile in 1 sync; do
  PD_OP_PROFILE=$profile step 120 "profile $profile" \
    "$work/gpu_check" --bench --iters 50 --batches 1 \
    "${models[0]}" "${models[2]}" > /dev/null 2> "$out/profile_$profile.txt"
done
cat "$out/gpu_check.jsonl"
tail -20 "$out/gpu_check.stderr"

step 180 "PyTorch inference" "$python" scripts/device/torch_bench.py \
  > "$out/torch.jsonl" 2> "$out/torch.stderr" || true
tail -5 "$out/torch.stderr"
# The experiments last, so that a run cut short has the rows above. Channels-last convolutions
# (GOHUB_CUDA_CHANNELS_LAST=1, off by default until measured): ResNet-50 checked against the CPU
# and timed, plainly and recorded.
for flag in "" --graph; do
  GOHUB_CUDA_CHANNELS_LAST=1 step 200 "channels-last inference $flag" \
    "$work/gpu_check" $flag --bench --batches "$infer_batches" --iters "${ITERS:-100}" \
    "resnet50_cl:${models[0]#resnet50:}" >> "$out/gpu_check.jsonl" 2>> "$out/gpu_check.stderr" \
    || status=1
done
"$python" scripts/device/summary.py "$out/gpu_check.jsonl" "$out/torch.jsonl" \
  > "$out/summary.md" || true
cat "$out/summary.md"
fi

t=.device/train
bench_model="resnet50:$t/resnet50_imagenet_partial_momentum.pdmodel:3x224x224"
# Training, timings first (train-bench alone with that mode): what the rows need, so that a run
# cut short has them; a row whose last loss is not finite fails the run.
if [ "$mode" = all ] || [ "$mode" = training ] || [ "$mode" = train-bench ]; then
step 300 "training step" "$work/gpu_train_check" --bench --batches "$train_batches" "$bench_model" \
  > "$out/train_bench.jsonl" 2>> "$out/train_check.stderr" || status=1
# PyTorch's side right after ours, so that a run cut short still has both.
step 240 "PyTorch training step" "$python" scripts/device/torch_train_bench.py \
  > "$out/torch_train.jsonl" 2> "$out/torch_train.stderr" || true
tail -5 "$out/torch_train.stderr"
# bfloat16 AMP (the convolutions and their gradients in bfloat16, as --amp marks them, the
# activations between them too), beside PyTorch's autocast rows; channels-last as those run.
step 200 "AMP training step" "$work/gpu_train_check" --amp --bench --batches "$train_batches" \
  "$bench_model" >> "$out/train_bench.jsonl" 2>> "$out/train_check.stderr" || status=1
# The AMP step recorded (a CUDA graph launched per step): what the host's time to queue a step
# costs, against the row above.
step 150 "AMP training step, recorded" "$work/gpu_train_check" --amp --record --bench \
  --batches "${train_batches%%,*}" "$bench_model" >> "$out/train_bench.jsonl" \
  2>> "$out/train_check.stderr" || status=1
GOHUB_CUDA_CHANNELS_LAST=1 step 200 "AMP channels-last training step" \
  "$work/gpu_train_check" --amp --bench --batches "$train_batches" "${bench_model/resnet50:/resnet50_cl:}" \
  >> "$out/train_bench.jsonl" 2>> "$out/train_check.stderr" || status=1
# Channels-last (GOHUB_CUDA_CHANNELS_LAST=1) in fp32 and TF32.
GOHUB_CUDA_CHANNELS_LAST=1 step 200 "channels-last training step" \
  "$work/gpu_train_check" --bench --batches "$train_batches" "${bench_model/resnet50:/resnet50_cl:}" \
  >> "$out/train_bench.jsonl" 2>> "$out/train_check.stderr" || status=1
# The cat/dog fine-tune's images per second: ResNet-50 (the topology travels, its weights are
# drawn here), TF32, the packed pictures 16 times over; the fine-tune loop (each step launched,
# the next batch fed while the GPU computes) against the raw step (feed, run, read the loss,
# one after another), in one process.
step 150 "fine-tune loop rate" "$work/trainbench" -gpu -tf32 -threads "$(( $(nproc) < 4 ? $(nproc) : 4 ))" \
  -model .device/shared/models/resnet50_topology -batch "${CHECK_LOOP_BATCH:-64}" \
  -steps "${CHECK_LOOP_STEPS:-20}" -seconds "${CHECK_LOOP_SECONDS:-10}" -warmup 3 \
  -loop .device/shared/data/catdog -loop-repeat 16 \
  > "$out/finetune_rate.jsonl" 2>> "$out/train_check.stderr" || status=1
# The same with the steps recorded as CUDA graphs (gohub finetune --cuda_graph).
step 150 "fine-tune loop rate, CUDA graphs" "$work/trainbench" -gpu -tf32 -cuda-graph \
  -threads "$(( $(nproc) < 4 ? $(nproc) : 4 ))" \
  -model .device/shared/models/resnet50_topology -batch "${CHECK_LOOP_BATCH:-64}" \
  -steps "${CHECK_LOOP_STEPS:-20}" -seconds "${CHECK_LOOP_SECONDS:-10}" -warmup 3 \
  -loop .device/shared/data/catdog -loop-repeat 16 \
  >> "$out/finetune_rate.jsonl" 2>> "$out/train_check.stderr" || status=1
# What keeping the activations in bfloat16 gains: the AMP step with them in float32.
GOHUB_CUDA_BF16_ACTIVATIONS=0 step 200 "AMP training step, float32 activations" \
  "$work/gpu_train_check" --amp --bench --batches "${train_batches%%,*}" \
  "${bench_model/resnet50:/resnet50_f32act:}" \
  >> "$out/train_bench.jsonl" 2>> "$out/train_check.stderr" || status=1
# Where a batch-64 training step's device time goes, per op type (each op waited for).
PD_OP_PROFILE=sync step 120 "training profile" \
  "$work/gpu_train_check" --bench --batches "${train_batches%%,*}" "$bench_model" \
  > /dev/null 2> "$out/train_profile_sync.txt"
fi
# Training, correctness (train-check alone with that mode).
if [ "$mode" = all ] || [ "$mode" = training ] || [ "$mode" = train-check ]; then
# The next step's upload beside a step (Executor::Prefetch), a large training batch norm,
# matmul_v2's gradient over broadcast batches against a naive reference; with
# the CUDA backend, also its bfloat16 activations against its float32 path, its bfloat16 matrix
# products against the CPU's, and recorded training steps against steps run op by op (a dry
# run's emulated backend runs the CPU's kernels, which keep no bfloat16 and honour every mark,
# and records nothing).
cases='GradCases/*:*GpuPrefetch.*:GpuBatchNorm.*:GpuMatmulV2Grad.*'
[ -n "${CHECK_BACKEND:-}" ] || cases+=':GpuBf16Activations.*:GpuBf16Products.*:*GpuRecordedSteps.*'
GOHUB_TEST_GPU=0 GOHUB_TESTDATA="$PWD/testdata" step 300 "gradient cases" "$work/native_tests" \
  --gtest_filter="$cases" > "$out/grad_cases.txt" 2>&1 || status=1
grep -E '^\[  (PASSED|FAILED) |^\[==========\]' "$out/grad_cases.txt"
train=()
for opt in momentum adam; do
  train+=("cifar_resnet_$opt:$t/cifar_resnet_$opt.pdmodel:3x32x32"
          "gesture_rec_$opt:$t/gesture_rec_$opt.pdmodel:3x64x64"
          "shufflenet_v2_$opt:$t/shufflenet_v2_imagenet_$opt.pdmodel:3x64x64"
          "resnet50_$opt:$t/resnet50_imagenet_partial_$opt.pdmodel:3x64x64")
done
step 400 "training programs" \
  "$work/gpu_train_check" --batch 8 --op-steps 2 --steps 10 "${train[@]}" \
  >> "$out/train_check.jsonl" 2>> "$out/train_check.stderr" || status=1
# bfloat16 AMP against the CPU's AMP run op by op (within 2e-2).
step 200 "AMP training programs" "$work/gpu_train_check" --amp --batch 8 --op-steps 1 --steps 5 \
  "resnet50_momentum_amp:$t/resnet50_imagenet_partial_momentum.pdmodel:3x64x64" \
  "cifar_resnet_adam_amp:$t/cifar_resnet_adam.pdmodel:3x32x32" \
  "shufflenet_v2_momentum_amp:$t/shufflenet_v2_imagenet_momentum.pdmodel:3x64x64" \
  >> "$out/train_check.jsonl" 2>> "$out/train_check.stderr" || status=1
# The Fine-tune API on the GPU: the ShuffleNetV2 cat/dog fine-tune against the CPU run.
GOHUB_SHARED="$PWD/.device/shared" GOHUB_HOME="$(mktemp -d)" step 300 "GPU fine-tune" \
  "$work/finetune.test" \
  -test.run 'TestFinetuneOnGPUFollowsTheCPU' -test.v > "$out/finetune_gpu.txt" 2>&1 || status=1
grep -E '^(--- |ok|FAIL|PASS)|gpu_test.go' "$out/finetune_gpu.txt"
# Channels-last: ResNet-50's and CIFAR ResNet's programs against the CPU op by op.
GOHUB_CUDA_CHANNELS_LAST=1 step 200 "channels-last training programs" \
  "$work/gpu_train_check" --batch 8 --op-steps 1 --steps 5 \
  "resnet50_momentum_cl:$t/resnet50_imagenet_partial_momentum.pdmodel:3x64x64" \
  "cifar_resnet_adam_cl:$t/cifar_resnet_adam.pdmodel:3x32x32" \
  >> "$out/train_check.jsonl" 2>> "$out/train_check.stderr" || status=1
fi
case $mode in all | training | train-bench | train-check)
  tail -20 "$out/train_check.stderr"
  "$python" scripts/device/train_summary.py "$out/grad_cases.txt" "$out/train_check.jsonl" \
    "$out/train_bench.jsonl" "$out/torch_train.jsonl" "$out/finetune_rate.jsonl" \
    > "$out/train_summary.md" || true
  cat "$out/train_summary.md" ;;
esac
rm -rf "$work"
if [ -f "$out/skipped.txt" ]; then
  echo "incomplete: steps skipped for want of time (skipped.txt)" | tee -a "$out/machine.txt"
  ((status == 0)) && status=3
fi
# The device time a draw has is short: say what this run took, so the next can be planned.
echo "check.sh $mode took ${SECONDS}s" | tee -a "$out/machine.txt"
exit $status
