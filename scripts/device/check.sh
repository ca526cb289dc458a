#!/usr/bin/env bash
# The GPU check, run on a GPU machine (NVIDIA driver for CUDA 13, cuDNN 9 and cuBLAS 13, Python
# with PyTorch) from the repository root, with .device/ made by scripts/device/pack.sh:
#   1. what the machine has (nvidia-smi, the backend's view of driver, cuDNN, cuBLAS, GPUs);
#   2. gpu_check: every model on the GPU against the CPU path (fp32 within 1e-4 relative,
#      detections equal), a clone's outputs, TF32 within a loose bound; then the timings, also
#      with runs recorded as CUDA graphs;
#   3. scripts/device/torch_bench.py: PyTorch eager on the same GPU, same models and batches;
#   4. summary.md: the rows, ours against PyTorch;
#   5. profile_1.txt / profile_sync.txt: per-op host and device time at batch 1.
# Results go to $OUT (default ./device-results). Exit status: non-zero when a check failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-device-results}
mkdir -p "$out"
work=$(mktemp -d)
tar -C "$work" -xJf .device/native.tar.xz
export LD_LIBRARY_PATH="$work${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export GOHUB_CUDA_BACKEND="$work/libpaddle_inference_cuda.so"
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

m=.device/models
models=(
  "resnet50:$m/resnet50.pdmodel:3x224x224"
  "shufflenet_v2:$m/shufflenet_v2.pdmodel:3x224x224"
  "ssd_mobilenet_v1:$m/ssd_mobilenet_v1.pdmodel:3x300x300"
  "gesture_rec:$m/gesture_rec.pdmodel:3x224x224:$m/gesture_rec.pdiparams"
  "ppocrv3_det:$m/ppocrv3_det.pdmodel:3x640x640:$m/ppocrv3_det.pdiparams"
)
status=0
# Checks for all, timings for the benchmark's three models.
timeout 300 "$work/gpu_check" "${models[@]:3}" > "$out/gpu_check.jsonl" 2> "$out/gpu_check.stderr" || status=1
timeout 300 "$work/gpu_check" --bench --iters "${ITERS:-100}" "${models[@]:0:3}" \
  >> "$out/gpu_check.jsonl" 2>> "$out/gpu_check.stderr" || status=1
# The same two classifiers with their runs recorded as CUDA graphs (PD_ConfigSetGpuGraph).
timeout 120 "$work/gpu_check" --graph --bench --iters "${ITERS:-100}" "${models[0]}" "${models[1]}" \
  >> "$out/gpu_check.jsonl" 2>> "$out/gpu_check.stderr" || status=1
# Where the time goes at batch 1: per op type, the host time to queue it (PD_OP_PROFILE=1) and
# its time with the device waited for after each op (PD_OP_PROFILE=sync).
for mode in 1 sync; do
  PD_OP_PROFILE=$mode timeout 120 "$work/gpu_check" --bench --iters 50 --batches 1 \
    "${models[0]}" "${models[2]}" > /dev/null 2> "$out/profile_$mode.txt"
done
cat "$out/gpu_check.jsonl"
tail -20 "$out/gpu_check.stderr"

timeout 180 "$python" scripts/device/torch_bench.py > "$out/torch.jsonl" 2> "$out/torch.stderr" || true
tail -5 "$out/torch.stderr"
"$python" scripts/device/summary.py "$out/gpu_check.jsonl" "$out/torch.jsonl" > "$out/summary.md" || true
cat "$out/summary.md"
rm -rf "$work"
exit $status
