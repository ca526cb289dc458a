#!/usr/bin/env bash
# Builds what scripts/device/check.sh needs on a GPU machine and packs it into .device/ (ignored
# by git; the device runner carries it): the CUDA backend, the gpu_check and gpu_train_check
# tools and the C++ test binary (its gradient golden cases run on the GPU), the native libraries
# they load (oneDNN, protobuf, OpenBLAS and their runtimes, compressed: a GPU machine has none
# of them), and the model programs the check runs. Model parameters travel only where they are
# small and real (gesture_rec, PP-OCRv3 det, PyramidBox-Lite's Paddle-Lite file); the others get
# seeded random weights on the device (native/tools/seeded_params.h). The training programs are
# real Paddle's, from the training goldens (make train-goldens). Prints the size of what travels.
#
# Needs `make build-cuda` to have run (or runs it).
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${GOHUB_SHARED:-../shared}
out=.device
lib=third_party/paddle_inference_c/paddle/lib

[ -f "$lib/libpaddle_inference_cuda.so" ] || make build-cuda
cmake --build build/native --target gpu_check gpu_train_check native_tests -j "${JOBS:-2}" >/dev/null
goldens=build/train-goldens
[ -f "$goldens/resnet50_imagenet_partial/train_momentum.pdmodel" ] || make train-goldens

rm -rf "$out"
mkdir -p "$out/models" "$out/train" "$out/stage"
# The shared objects the tools and the backend load, found the way the loader finds them here.
cp build/native/gpu_check build/native/gpu_train_check build/native/native_tests "$out/stage/"
go test -c -o "$out/stage/finetune.test" ./finetune
go build -o "$out/stage/trainbench" ./scripts/bench/trainbench
cp "$lib/libpaddle_inference_cuda.so" "$lib/libpaddle_inference_c.so" "$out/stage/"
for so in $(ldd build/native/gpu_check "$lib/libpaddle_inference_c.so" | awk '/=>/ {print $3}' |
            grep -E 'libdnnl|libprotobuf|libopenblas|libgfortran|libquadmath|libgomp' | sort -u); do
  cp -L "$so" "$out/stage/"
done
strip --strip-unneeded "$out/stage/gpu_check" "$out/stage/gpu_train_check" "$out/stage/native_tests" \
  "$out/stage/finetune.test" "$out/stage/trainbench" \
  "$out/stage/libpaddle_inference_cuda.so" 2>/dev/null || true
tar -C "$out/stage" -cJf "$out/native.tar.xz" .
rm -rf "$out/stage"

# Model programs (and the small real parameter files).
cp build/models/resnet50_seeded/model.pdmodel "$out/models/resnet50.pdmodel"
cp build/models/ssd_mobilenet_v1_pascal_seeded/__model__ "$out/models/ssd_mobilenet_v1.pdmodel"
cp "$shared/models/shufflenet_v2_imagenet/__model__" "$out/models/shufflenet_v2.pdmodel"
cp "$shared/models/gesture_rec/__model__" "$out/models/gesture_rec.pdmodel"
cp "$shared/models/gesture_rec/params" "$out/models/gesture_rec.pdiparams"
cp "$shared/models/ppocrv3_det/model.pdmodel" "$out/models/ppocrv3_det.pdmodel"
cp "$shared/models/ppocrv3_det/model.pdiparams" "$out/models/ppocrv3_det.pdiparams"
cp "$shared/models/pyramidbox_lite/nb_v2/model.nb" "$out/models/pyramidbox_lite.nb"  # weights inside
for m in cifar_resnet gesture_rec shufflenet_v2_imagenet resnet50_imagenet_partial; do
  for opt in momentum adam; do
    cp "$goldens/$m/train_$opt.pdmodel" "$out/train/${m}_$opt.pdmodel"
  done
done
# What the Go fine-tune test reads (GOHUB_SHARED there): ShuffleNetV2, and the images its
# cat/dog subset takes (the first lines of each list); the fine-tune loop's rate reads
# ResNet-50's topology (its weights drawn on the device) and the same images.
mkdir -p "$out/shared/models" "$out/shared/data/catdog"
cp -r "$shared/models/shufflenet_v2_imagenet" "$shared/models/resnet50_topology" "$out/shared/models/"
cp "$shared/data/catdog/label_list.txt" "$out/shared/data/catdog/"
for list in train_list.txt:32 validate_list.txt:16 test_list.txt:16; do
  head -n "${list#*:}" "$shared/data/catdog/${list%:*}" > "$out/shared/data/catdog/${list%:*}"
  while read -r path _; do
    mkdir -p "$out/shared/data/catdog/$(dirname "$path")"
    cp "$shared/data/catdog/$path" "$out/shared/data/catdog/$path"
  done < "$out/shared/data/catdog/${list%:*}"
done
du -sh "$out"
