#!/usr/bin/env bash
# make bench, image part: images per second of ResNet-50, ShuffleNetV2 and SSD-MobileNetV1 at
# batch 1 and 8 with 1 and 2 threads, gohub (scripts/bench/imgbench: Go → C API → native
# library) against Paddle Inference (scripts/bench/paddle_image.py: PyPI paddlepaddle in the
# oracle venv, oneDNN on), same model files, same input values, measured in this one run; the
# peers ONNX Runtime and OpenVINO (scripts/bench/peer_image.py, installed by
# scripts/bench/peers_setup.sh) on the same models converted once by paddle2onnx
# (scripts/bench/peer_convert.py, cached in build/peer-models), their outputs checked against
# Paddle's before they are timed; and ResNet-50's achieved GFLOP/s against this machine's fp32 peak.
#
# Rewrites the "## Image models" section of BENCHMARKS.md (appended when absent), leaving the
# other sections as they are. scripts/bench/run.sh calls it after the LAC part;
# `BENCH_ONLY=images bash scripts/bench/run.sh` runs only this part.
#
#   BENCH_SECONDS  timed seconds per measurement (default 10)
#   BENCH_ROUNDS   alternating runs per side and row, the best kept (default 3)
#   BENCH_MODELS   models to run, space-separated (default "resnet50 shufflenet_v2 ssd_mobilenet_v1")
#   BENCH_BATCHES / BENCH_THREADS  default "1 8" / "1 2"
#   BENCH_PEERS    peers to time, space-separated (default "onnxruntime openvino"; "" for none)
#   BENCH_SECTION_FILE  write the section's markdown to this file instead of BENCHMARKS.md
#   GOHUB_BUILD_MODELS  where the seeded models live (default build/models)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-3}
batches=${BENCH_BATCHES:-1 8}
threads_list=${BENCH_THREADS:-1 2}
wanted=${BENCH_MODELS:-resnet50 shufflenet_v2 ssd_mobilenet_v1}
shared=${GOHUB_SHARED:-$root/../shared}
built=${GOHUB_BUILD_MODELS:-$root/build/models}
py=$(bash scripts/oracle/setup.sh | tail -n 1)
go build -o build/imgbench ./scripts/bench/imgbench

# The peers. Where they cannot be installed the section says so and their columns read n/a.
peers=${BENCH_PEERS-onnxruntime openvino}
peer_cache=$root/build/peer-models
peer_notes=()
if [ -n "$peers" ] && ! bash scripts/bench/peers_setup.sh >/dev/null; then
  echo "bench: ONNX Runtime and OpenVINO skipped: scripts/bench/peers_setup.sh could not install them" >&2
  peer_notes+=("ONNX Runtime and OpenVINO: not measured, \`scripts/bench/peers_setup.sh\` could not install them on this machine.")
  peers=""
fi
mkdir -p "$peer_cache"

# name|label|directory. ResNet-50 and SSD are seeded copies that real Paddle writes
# (scripts/oracle/*_seeded.py, `make oracle-models`); ShuffleNetV2 is read in place.
catalogue=(
  "resnet50|ResNet-50 (\`resnet50_seeded\`, 3×224×224)|$built/resnet50_seeded"
  "shufflenet_v2|ShuffleNetV2 (\`shufflenet_v2_imagenet\`, 3×224×224)|$shared/models/shufflenet_v2_imagenet"
  "ssd_mobilenet_v1|SSD-MobileNetV1 (\`ssd_mobilenet_v1_pascal_seeded\`, 3×300×300, with NMS)|$built/ssd_mobilenet_v1_pascal_seeded"
)

has_model() { [ -f "$1/model.pdmodel" ] || [ -f "$1/__model__" ]; }
field() { python3 -c 'import json,sys; print(max(json.loads(l)[sys.argv[1]] for l in sys.stdin if l.strip()))' "$1"; }
# One JSON field of one line, or the default when the line lacks it or is no JSON.
get() { python3 -c 'import json,sys
try: print(json.loads(sys.argv[1]).get(sys.argv[2], sys.argv[3]))
except Exception: print(sys.argv[3])' "$1" "$2" "$3"; }
ratio_of() { python3 -c "print(f'{$1/$2:.2f}')"; }
peer_label() { case "$1" in onnxruntime) echo "ONNX Runtime" ;; openvino) echo "OpenVINO" ;; esac; }

load_before=$(cut -d' ' -f1 /proc/loadavg)
rows=() skipped=() resnet_b8=()
below_ort=0 below_ov=0 ort_rows=0 ov_rows=0 ort_version="" ov_version="" ov_sources="" ov_fe=""
paddle_version=""
flops=""
for entry in "${catalogue[@]}"; do
  IFS='|' read -r name label dir <<<"$entry"
  case " $wanted " in *" $name "*) ;; *) continue ;; esac
  if ! has_model "$dir"; then
    if [ "$name" = resnet50 ]; then
      echo "bench: $dir missing; writing it (scripts/oracle/resnet50_seeded.py)" >&2
      "$py" scripts/oracle/resnet50_seeded.py --model-only
    fi
  fi
  if ! has_model "$dir"; then
    echo "bench: $name skipped: model missing, run make oracle-models ($dir)" >&2
    skipped+=("$label: skipped, model missing (run \`make oracle-models\`).")
    continue
  fi
  # Convert for the peers once (cached); a model paddle2onnx cannot convert leaves ONNX Runtime
  # out and OpenVINO to its Paddle front end.
  cache=$peer_cache/$(basename "$dir")
  onnx="" model_peers=$peers
  if [ -n "$model_peers" ]; then
    # paddle2onnx logs to stdout; the converter's JSON line is the log's last line.
    if "$py" scripts/bench/peer_convert.py --model "$dir" --out "$cache" >"$cache.log" 2>&1 &&
      onnx=$(get "$(tail -n 1 "$cache.log")" onnx "") && [ -n "$onnx" ]; then
      :
    else
      why=$(grep -a -m1 -o 'Failed to convert PaddlePaddle model: .*' "$cache.log" | sed 's/\x1b\[[0-9;]*m//g' | cut -c1-160 || true)
      echo "bench: $name: paddle2onnx could not convert it (${why:-see $cache.log}); ONNX Runtime skipped" >&2
      peer_notes+=("$label: ONNX Runtime not measured, paddle2onnx 2.1.0 does not convert it (\`${why:-see build/peer-models/$(basename "$cache").log}\`).")
      model_peers=${model_peers//onnxruntime/}
    fi
  fi
  # OpenVINO's Paddle front end reads model.pdmodel, or the directory of a __model__ model.
  if [ -f "$dir/model.pdmodel" ]; then pmodel=$dir/model.pdmodel; else pmodel=$dir; fi
  if [ "$name" = resnet50 ]; then
    flops=$("$py" scripts/bench/paddle_image.py --model "$dir" --flops 2>/dev/null | tail -n 1 | field flops_per_image)
  fi
  for batch in $batches; do
    for threads in $threads_list; do
      ours="" theirs="" ort="" ov=""
      ref=$cache/paddle_b$batch.npz
      row_peers=$model_peers
      # Best of $rounds alternating runs per side: a burst of other load on this shared machine
      # then costs a side one run, not its row.
      for ((round = 1; round <= rounds; round++)); do
        ours+=$(build/imgbench -model "$dir" -batch "$batch" -threads "$threads" -seconds "$seconds")$'\n'
        # Paddle's outputs of the first round are the reference the peers must match.
        dump=()
        [ -n "$row_peers" ] && [ "$round" = 1 ] && mkdir -p "$cache" && dump=(--dump "$ref")
        line=$("$py" scripts/bench/paddle_image.py --model "$dir" --batch "$batch" --threads "$threads" --seconds "$seconds" "${dump[@]}" 2>/dev/null | tail -n 1)
        theirs+=$line$'\n'
        paddle_version=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["paddle_version"])' "$line")
        for peer in $row_peers; do
          args=(--engine "$peer" --batch "$batch" --threads "$threads" --seconds "$seconds" --reference "$ref")
          [ -n "$onnx" ] && args+=(--onnx "$onnx")
          [ "$peer" = openvino ] && args+=(--paddle-model "$pmodel")
          pline=$("$py" scripts/bench/peer_image.py "${args[@]}" 2>"$cache/$peer.log" | tail -n 1) || {
            # A wrong conversion, or a peer that does not run the model: no number for it.
            row_peers=${row_peers//$peer/}
            if [ "$(get "$pline" agree "")" = False ]; then
              why="outputs disagree with Paddle's: $(get "$pline" check "")"
            else
              why=$(get "$pline" error "")
              [ -n "$why" ] || why="failed (build/peer-models/$(basename "$dir")/$peer.log): $(tail -n 1 "$cache/$peer.log" | cut -c1-160)"
              if [ "$(get "$pline" error "")" != "" ]; then
                # It cannot read the model at all: no use trying the other rows.
                echo "bench: $name: $peer not measured: $why" >&2
                peer_notes+=("$label: $(peer_label "$peer") not measured, ${why%.}.")
                model_peers=${model_peers//$peer/}
                continue
              fi
            fi
            echo "bench: $name batch $batch, $threads thread(s): $peer not measured: $why" >&2
            peer_notes+=("$label, batch $batch, $threads thread(s): $(peer_label "$peer") not measured, ${why%.}.")
            continue
          }
          case $peer in
            onnxruntime) ort+=$pline$'\n'; ort_version=$(get "$pline" engine_version "") ;;
            openvino)
              ov+=$pline$'\n'; ov_version=$(get "$pline" engine_version "" | cut -d- -f1)
              src="\`$(basename "$dir")\`: $(get "$pline" source "?" | sed 's/^onnx$/ONNX/;s/^paddle$/Paddle/')"
              case "$ov_sources" in *"$src"*) ;; *) ov_sources+="${ov_sources:+, }$src" ;; esac
              fe=$(get "$pline" paddle_front_end "")
              [ -n "$fe" ] && case "$ov_fe" in *"$fe"*) ;; *) ov_fe+="${ov_fe:+; }\`$fe\`" ;; esac ;;
          esac
        done
      done
      o=$(printf '%s' "$ours" | field images_per_sec)
      p=$(printf '%s' "$theirs" | field images_per_sec)
      ratio=$(ratio_of "$o" "$p")
      [ "${ratio:0:2}" = "0." ] && below=$((${below:-0} + 1))
      ort_cell=n/a ov_cell=n/a ort_ratio=n/a ov_ratio=n/a
      if [ -n "$ort" ] && [[ " $row_peers " == *" onnxruntime "* ]]; then
        r=$(printf '%s' "$ort" | field images_per_sec)
        ort_cell=$(printf '%.2f' "$r") ort_ratio="**$(ratio_of "$o" "$r")×**"
        ort_rows=$((ort_rows + 1))
        [[ "$ort_ratio" == "**0."* ]] && below_ort=$((below_ort + 1))
      fi
      if [ -n "$ov" ] && [[ " $row_peers " == *" openvino "* ]]; then
        r=$(printf '%s' "$ov" | field images_per_sec)
        ov_cell=$(printf '%.2f' "$r") ov_ratio="**$(ratio_of "$o" "$r")×**"
        ov_rows=$((ov_rows + 1))
        [[ "$ov_ratio" == "**0."* ]] && below_ov=$((below_ov + 1))
      fi
      echo "bench: $name batch $batch, $threads thread(s): gohub $o, Paddle $p images/s (×$ratio), ONNX Runtime $ort_cell ($ort_ratio), OpenVINO $ov_cell ($ov_ratio)" >&2
      rows+=("| $label | $batch | $threads | $(printf '%.2f' "$o") | $(printf '%.2f' "$p") | $ort_cell | $ov_cell | **$ratio×** | $ort_ratio | $ov_ratio |")
      [ "$name" = resnet50 ] && [ "$batch" = 8 ] && resnet_b8+=("$threads|$o|$p")
    done
  done
done

# Nominal fp32 peak: cores × clock × FLOPs per cycle per core. Two FMA pipes per core, each an 8-float
# (AVX2) or 16-float (AVX-512) fused multiply-add = 2 FLOPs per lane.
cores=$(nproc)
mhz=$(sed -n 's/^cpu MHz[[:space:]]*: *//p' /proc/cpuinfo | head -n 1 | cut -d. -f1)
if grep -qw avx512f /proc/cpuinfo; then lanes=16 isa=AVX-512; else lanes=8 isa=AVX2; fi
per_cycle=$((2 * lanes * 2))
peak_core=$(python3 -c "print(f'{$mhz / 1000 * $per_cycle:.1f}')")
# Measured peak: the FMA rate the cores reach (native/bench/fma_peak.cc, best of two), which a
# boost clock above the nominal one lifts over the figure above.
fma_peak=${GOHUB_NATIVE_BUILD:-build/native}/fma_peak
gflops_rows=()
for r in "${resnet_b8[@]}"; do
  IFS='|' read -r t o p <<<"$r"
  measured=0
  if [ -x "$fma_peak" ]; then
    measured=$(for round in 1 2; do "$fma_peak" -threads "$t" -seconds 2; done | field gflops)
  fi
  gflops_rows+=("$(python3 - "$flops" "$t" "$o" "$p" "$peak_core" "$measured" <<'EOF'
import sys
flops, t, o, p, peak_core, measured = (float(a) for a in sys.argv[1:])
ours, theirs = flops * o / 1e9, flops * p / 1e9
nominal = peak_core * t
of_measured = f"**{100 * ours / measured:.0f} %**" if measured else "n/a"
measured_cell = f"{measured:.1f}" if measured else "n/a (no fma_peak)"
print(f"| {t:.0f} | {ours:.1f} | {theirs:.1f} | {nominal:.1f} | {100 * ours / nominal:.0f} % | "
      f"{measured_cell} | {of_measured} |")
EOF
)")
done

load_after=$(cut -d' ' -f1 /proc/loadavg)
below=${below:-0}

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
section=$(mktemp)
trap 'rm -f "$section"' EXIT
{
  echo "## Image models, images per second"
  echo
  echo "Command: \`make bench\` (or \`BENCH_ONLY=images bash scripts/bench/run.sh\` for this section"
  echo "alone; \`scripts/bench/images.sh\`). gohub: \`scripts/bench/imgbench\`, Go → C API → our native"
  echo "library. Reference: Paddle Inference from PyPI (paddlepaddle $paddle_version) through"
  echo "\`paddle.inference\` (\`scripts/bench/paddle_image.py\`). Both sides: the same model files,"
  echo "oneDNN (MKLDNN) on, IR optimisation on, memory optimisation on (activation buffers reused),"
  echo "the same number of CPU math threads, the same fixed pseudo-random input values; each timed"
  echo "batch is reshape + copy in + run + copy out of every output, after untimed warm-up batches. ${seconds} s per measurement, best of $rounds alternating runs per side."
  echo
  echo "Machine: $cpu, $cores cores, $mhz MHz, $isa. Measured $(date -u +%Y-%m-%d). Other"
  echo "engineers compile on this machine while it measures; the ratios come from runs interleaved"
  echo "in time, which keeps them fairer than the absolute numbers, but single rows can still move"
  echo "by ±10 %, most of all the 2-thread ones: with $cores cores, any other load stalls one of"
  echo "the two OpenMP threads and the other waits for it at every barrier. Load average (1 min)"
  echo "when this section started and ended: $load_before and $load_after."
  echo
  echo "Peers: ONNX Runtime ${ort_version:-(not measured)} and OpenVINO ${ov_version:-(not measured)} from PyPI"
  echo "(\`scripts/bench/peers_setup.sh\`, into the oracle venv), timed by \`scripts/bench/peer_image.py\`"
  echo "the same way (same inputs, batches, thread counts, warm-up and seconds, best of the same"
  echo "alternating rounds) on the ONNX file paddle2onnx 2.1.0 makes from the same Paddle model"
  echo "(opset 13, \`scripts/bench/peer_convert.py\`, converted once into \`build/peer-models\`)."
  echo "ONNX Runtime: CPU execution provider, sequential execution, intra-op threads = the row's"
  echo "threads, inter-op threads 1, all graph optimisations. OpenVINO: CPU device,"
  echo "INFERENCE_NUM_THREADS = the row's threads, latency hint with one stream, fp32 inference"
  echo "precision (it would otherwise use bfloat16 on an AVX-512 BF16 CPU), the input's batch fixed"
  echo "before compiling; it reads the Paddle model itself where its Paddle front end can, else the"
  echo "ONNX file (this run: ${ov_sources:-none}${ov_fe:+; its Paddle front end said $ov_fe})."
  echo "Before a peer is timed its outputs for the row's input are checked against Paddle's:"
  echo "max |peer − Paddle| ≤ 10⁻³ × max |Paddle| for every output, else it gets no number in that row."
  echo
  echo "| model | batch | threads | gohub | Paddle Inference | ONNX Runtime | OpenVINO | gohub / Paddle | gohub / ONNX Runtime | gohub / OpenVINO |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
  for s in "${skipped[@]}"; do echo; echo "$s"; done
  for s in "${peer_notes[@]}"; do echo; echo "$s"; done
  echo
  echo "Rows below 1.0× against Paddle: $below of ${#rows[@]} (target: none)."
  if [ -n "$peers" ]; then
    echo "Against ONNX Runtime: $below_ort of the $ort_rows rows it has a number in; against OpenVINO: $below_ov of $ov_rows."
  fi
  echo
  echo "Both sides run oneDNN 3 on channels-last data: ours is oneDNN $(bash scripts/onednn_version.sh), from"
  echo "\`scripts/onednn.sh\` (Intel's \`onednn-cpu-gomp\` wheels), on GNU OpenMP;"
  echo "the Paddle wheel bundles oneDNN 3.6.2 on Intel OpenMP. Paddle runs oneDNN's first-choice"
  echo "kernels, mostly the brgemm ones (\`brg_conv_fwd\`, \`brgconv_1x1\`, \`brdgmm_dw\`); ours do too,"
  echo "except on CPUs with AVX2 but not AVX-512, where they take the older jit kernels for 1x1,"
  echo "depthwise and first-layer convolutions, which measured faster there (section \"oneDNN"
  echo "convolution kernels\"). On AVX2 and AVX-512, ours run the 3x3 stride-1 convolutions (ResNet-50's) on"
  echo "our own Winograd kernel instead (section \"Winograd convolutions\"). Per-primitive times"
  echo "(\`ONEDNN_VERBOSE=1\`) and per-op times (\`PD_OP_PROFILE=1\`, ours) show where each side spends"
  echo "its time."
  if [ -n "$flops" ] && [ "${#gflops_rows[@]}" -gt 0 ]; then
    echo
    echo "### ResNet-50 arithmetic rate, batch 8"
    echo
    echo "Work per image: $(python3 -c "print(f'{$flops/1e9:.3f}')") GFLOP, counted by \`paddle_image.py --flops\` from the program"
    echo "itself: for every conv2d, 2 × out_c × out_h × out_w × (in_c / groups) × kh × kw from its"
    echo "filter's and output's declared shapes, plus 2 × K × N for the final fc (\`mul\`); batch"
    echo "norm, activations, pooling and additions are not counted. GFLOP/s = that × images/s."
    echo "Nominal peak fp32 = cores × clock × FLOPs per cycle: $isa with two FMA units per core gives"
    echo "2 × $lanes lanes × 2 (multiply and add) = $per_cycle FLOPs per cycle, so $peak_core GFLOP/s per core at"
    echo "the $mhz MHz that /proc/cpuinfo reports. The cores run above that clock when they boost,"
    echo "so the table also gives a measured peak: the rate of independent vector FMA chains with"
    echo "nothing to load, on as many threads (\`native/bench/fma_peak.cc\`, best of two 2-second runs),"
    echo "the ceiling no direct convolution can pass; the percentage of it is the meaningful one."
    echo "Where gohub runs Winograd its 3x3 layers do a quarter of the counted"
    echo "multiplications, so its rate is an effective one and can pass the ceiling."
    echo
    echo "| threads | gohub GFLOP/s | Paddle GFLOP/s | nominal peak | gohub % of nominal | measured peak | gohub % of measured |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${gflops_rows[@]}"
  fi
} > "$section"

if [ -n "${BENCH_SECTION_FILE:-}" ]; then
  cp "$section" "$BENCH_SECTION_FILE"
  echo "bench: wrote the image section to $BENCH_SECTION_FILE (BENCHMARKS.md untouched)" >&2
else
  python3 scripts/bench/section.py "Image models" "$section"
  echo "bench: wrote the image section of BENCHMARKS.md" >&2
fi
