#!/usr/bin/env bash
# The GPU check's correctness half (scripts/device/check.sh) on the host CUDA backend: the CUDA
# backend's own code, built for the CPU against CUDA's headers and run over host implementations
# of the CUDA runtime, cuBLAS and cuDNN (native/tests/host_cuda). Every model against the CPU
# path, plain, channels-last and with runs recorded as graphs (gpu_check), and Paddle's training
# programs op by op against the CPU, plain, channels-last and with bfloat16 AMP
# (gpu_train_check), each launched step after the first waiting for nothing on the host. It
# shows the backend's kernels, descriptors, copies and graphs compute what the CPU does; a GPU's own behaviour (its cuDNN's algorithms, its timings) stays for check.sh.
#
#   OUT   where the results go (default build/host-cuda-check)
#
# Needs `make build` with the CUDA toolchain's headers present (scripts/cuda.sh), which builds
# build/native/libgohub_host_cuda.so, and the seeded models and training goldens (make test
# makes them). Exit status 1 when a check failed.
set -uo pipefail
cd "$(dirname "$0")/.."
shared=${GOHUB_SHARED:-../shared}
out=${OUT:-build/host-cuda-check}
bin=build/native
export GOHUB_CUDA_BACKEND=$PWD/$bin/libgohub_host_cuda.so
[ -f "$GOHUB_CUDA_BACKEND" ] || { echo "host_cuda_check: $GOHUB_CUDA_BACKEND not built" >&2; exit 1; }
mkdir -p "$out"
status=0

m=$shared/models
models=(
  "resnet50:build/models/resnet50_seeded/model.pdmodel:3x224x224"
  "shufflenet_v2:$m/shufflenet_v2_imagenet/__model__:3x224x224"
  "ssd_mobilenet_v1:build/models/ssd_mobilenet_v1_pascal_seeded/__model__:3x300x300"
  "gesture_rec:$m/gesture_rec/__model__:3x224x224:$m/gesture_rec/params"
  "ppocrv3_det:$m/ppocrv3_det/model.pdmodel:3x640x640:$m/ppocrv3_det/model.pdiparams"
  "pyramidbox_lite:$m/pyramidbox_lite/nb_v2/model.nb:3x480x640"
)
echo "host CUDA: models against the CPU" >&2
"$bin/gpu_check" "${models[@]}" > "$out/gpu_check.jsonl" 2> "$out/gpu_check.stderr" || status=1
"$bin/gpu_check" --graph "${models[0]}" "${models[1]}" >> "$out/gpu_check.jsonl" \
  2>> "$out/gpu_check.stderr" || status=1
GOHUB_CUDA_CHANNELS_LAST=1 "$bin/gpu_check" "resnet50_cl:${models[0]#resnet50:}" \
  "ssd_mobilenet_v1_cl:${models[2]#ssd_mobilenet_v1:}" >> "$out/gpu_check.jsonl" \
  2>> "$out/gpu_check.stderr" || status=1

g=build/train-goldens
train=()
for opt in momentum adam; do
  train+=("cifar_resnet_$opt:$g/cifar_resnet/train_$opt.pdmodel:3x32x32"
          "gesture_rec_$opt:$g/gesture_rec/train_$opt.pdmodel:3x64x64"
          "shufflenet_v2_$opt:$g/shufflenet_v2_imagenet/train_$opt.pdmodel:3x64x64")
done
resnet="$g/resnet50_imagenet_partial/train_momentum.pdmodel:3x64x64"
cifar="$g/cifar_resnet/train_adam.pdmodel:3x32x32"
echo "host CUDA: training programs against the CPU, op by op" >&2
"$bin/gpu_train_check" --batch 8 --op-steps 1 --steps 3 "${train[@]}" \
  "resnet50_momentum:$resnet" > "$out/train_check.jsonl" 2> "$out/train_check.stderr" || status=1
GOHUB_CUDA_CHANNELS_LAST=1 "$bin/gpu_train_check" --batch 8 --op-steps 1 --steps 3 \
  "resnet50_momentum_cl:$resnet" "cifar_resnet_adam_cl:$cifar" >> "$out/train_check.jsonl" \
  2>> "$out/train_check.stderr" || status=1
"$bin/gpu_train_check" --amp --batch 8 --op-steps 1 --steps 3 "resnet50_momentum_amp:$resnet" \
  "cifar_resnet_adam_amp:$cifar" \
  "shufflenet_v2_momentum_amp:$g/shufflenet_v2_imagenet/train_momentum.pdmodel:3x64x64" \
  >> "$out/train_check.jsonl" 2>> "$out/train_check.stderr" || status=1
# bfloat16 activations (on by default) in channels-last too.
GOHUB_CUDA_CHANNELS_LAST=1 "$bin/gpu_train_check" --amp --batch 8 --op-steps 1 --steps 3 \
  "cifar_resnet_adam_amp_cl:$cifar" >> "$out/train_check.jsonl" 2>> "$out/train_check.stderr" ||
  status=1

# The checks that failed, else a count.
grep -h '"ok": false\|"error"' "$out/gpu_check.jsonl" "$out/train_check.jsonl" && status=1
echo "host CUDA: $(grep -ch '"ok": true' "$out/gpu_check.jsonl" "$out/train_check.jsonl" |
  awk "{s += \$1} END {print s}") checks passed, status $status (results in $out)"
exit $status
