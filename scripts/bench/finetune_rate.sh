#!/usr/bin/env bash
# The fine-tune loop's training rate against the raw training step's, like for like, in one
# process (scripts/bench/trainbench -loop):
#   raw   trainbench's step (make bench's "Training step" figure): the program gohub's
#         fine-tuning builds for the module with momentum (lr 1e-3, mu 0.9, no decay), fixed
#         pseudo-random images fed from memory;
#   loop  finetune.ImageClassifierTask.Finetune, what `gohub finetune` runs, with the same
#         model, batch, threads and momentum strategy, on the data set's training pictures,
#         decoded into the reader's cache before the timed steps (so the loop is compared
#         with the step, not the JPEG decoder with it), no evaluation, no checkpoint and no
#         log line in the timed steps.
# Prints both rates (mean images per second and median step time: the median moves less
# when other jobs take the cores for a while) and their ratios; the two JSON lines go to build/bench/finetune_rate.jsonl.
#
#   GOHUB_SHARED           the shared folder (default ../shared)
#   BENCH_MODEL            a model under $GOHUB_SHARED/models (default shufflenet_v2_imagenet)
#   BENCH_DATA             the data set folder (default $GOHUB_SHARED/data/catdog)
#   BENCH_LOOP_EXAMPLES    train on the first N training examples (default 0: all)
#   BENCH_BATCH            images per step (default 32)
#   BENCH_THREADS          CPU threads of a step (default 2)
#   BENCH_STEPS            timed steps of each, at least (default 20)
#   BENCH_SECONDS          timed seconds of each, at least (default 30)
#   BENCH_WARMUP           untimed steps first, each (default 2)
#   BENCH_TRAINBENCH       a trainbench binary to use instead of building one
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
shared=${GOHUB_SHARED:-$root/../shared}
model=$shared/models/${BENCH_MODEL:-shufflenet_v2_imagenet}
data=${BENCH_DATA:-$shared/data/catdog}
threads=${BENCH_THREADS:-2}
out=build/bench/finetune_rate.jsonl
mkdir -p build/bench
# A binary of its own: build/trainbench may be in use by make bench.
trainbench=${BENCH_TRAINBENCH:-build/bench/finetune_rate_trainbench}
[ -n "${BENCH_TRAINBENCH:-}" ] || go build -o "$trainbench" ./scripts/bench/trainbench

env OMP_NUM_THREADS="$threads" "$trainbench" -model "$model" -batch "${BENCH_BATCH:-32}" -threads "$threads" \
  -steps "${BENCH_STEPS:-20}" -seconds "${BENCH_SECONDS:-30}" -warmup "${BENCH_WARMUP:-2}" \
  -loop "$data" -loop-examples "${BENCH_LOOP_EXAMPLES:-0}" >"$out"

python3 - "$out" <<'EOF'
import json, sys
raw, loop = (json.loads(l) for l in open(sys.argv[1]) if l.strip())
def rate(r):
    return (f"{r['images_per_sec']:7.2f} images/s  {r['images_per_sec'] / r['batch']:6.3f} steps/s  "
            f"median step {r['median_ms_per_step']:7.1f} ms  ({r['steps']} steps in {r['seconds']:.1f} s)")
print(f"{raw['model']}, batch {raw['batch']}, {raw['threads']} threads")
print(f"raw step       {rate(raw)}")
print(f"fine-tune loop {rate(loop)}  data wait {100 * loop['data_wait_share']:.1f}%")
print(f"loop / raw     {loop['ratio']:.3f} (images/s), {loop['median_ratio']:.3f} (median step times)")
EOF
