#!/usr/bin/env bash
# `gohub serving` under load, against the LAC engine's batch-32 throughput measured in the same
# run: scripts/bench/servebench serves lac's seg model (the LAC rows' model) with this tree's gohub
# and sends 10,000 one-sentence requests (testdata/lac/bench_sentences.txt) at 1, 16 and 64
# concurrent clients with the vegeta load-testing library; scripts/bench/lacbench gives the
# engine's figure. Replaces the "## `gohub serving`" section of BENCHMARKS.md (section.py);
# scripts/bench/run.sh calls it after the other parts, `BENCH_ONLY=serving bash
# scripts/bench/run.sh` runs it alone.
#
#   SERVE_CLIENTS   the client counts (default 1,16,64)
#   SERVE_REQUESTS  requests per count (default 10000)
#   SERVE_REPEATS   further runs at the last count, for the server's memory under repeated
#                   load (default 6)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/machine.sh
go build -o build/servebench-gohub ./cmd/gohub # this tree's gohub, whatever build/gohub is
go build -o build/servebench ./scripts/bench/servebench
go build -o build/lacbench ./scripts/bench/lacbench

engine=$(build/lacbench -batch 32 -threads 1 -seconds 10 |
  python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["sentences_per_sec"])')
clients=${SERVE_CLIENTS:-1,16,64}
repeats=${SERVE_REPEATS:-6}
all_clients=$clients
for _ in $(seq "$repeats"); do all_clients+=",${clients##*,}"; done
rows=$(build/servebench -gohub build/servebench-gohub -model seg -workers 2 -max_batch_size 32 \
  -clients "$all_clients" -requests "${SERVE_REQUESTS:-10000}" -seconds 120)

section=$(mktemp)
trap 'rm -f "$section"' EXIT
python3 - "$engine" "$rows" "$(bench_machine); measured $(date -u +%Y-%m-%d)" "$repeats" > "$section" <<'PY'
import json, sys
engine = float(sys.argv[1])
rows = [json.loads(line) for line in sys.argv[2].splitlines()]
repeats = int(sys.argv[4])
levels, again = rows[:len(rows) - repeats], rows[len(rows) - repeats:]
print("## `gohub serving`: LAC requests over HTTP\n")
print("`scripts/bench/serving.sh`: one process serving lac's seg model (2 workers, dynamic batching up")
print("to 32), loaded by vegeta on the same machine with one sentence per request; the engine figure")
print(f"is `lacbench` at batch 32, 1 thread, in the same run: {engine:.0f} sentences/s.")
print(f"Machine: {sys.argv[3]}.\n")
print("| clients | requests | requests/s | of engine batch 32 | p50 | p99 | errors | mean batch | RSS before → after |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for r in levels:
    print(f"| {r['clients']} | {r['requests']} | {r['requests_per_sec']:.0f} | {r['requests_per_sec']/engine:.0%} "
          f"| {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['errors']} | {r['mean_batch']:.1f} "
          f"| {r['rss_before_mb']:.0f} → {r['rss_after_mb']:.0f} MB |")
if again:
    last = levels[-1]
    after = [r["rss_after_mb"] for r in again]
    # From the second repeat on: the first may still be warming up (new sentence lengths).
    growth = (after[-1] - after[0]) / max(sum(r["requests"] for r in again[1:]), 1) * 10000
    print(f"\nMemory under repeated load: {len(again)} more runs of {last['requests']} requests at "
          f"{last['clients']} clients, one after another. RSS after each: "
          + ", ".join(f"{a:.1f}" for a in after)
          + f" MB; from the first of them to the last, {growth:+.2f} MB per 10,000 requests. "
          f"Throughput {min(r['requests_per_sec'] for r in again):.0f}–"
          f"{max(r['requests_per_sec'] for r in again):.0f} requests/s, "
          f"{sum(r['errors'] for r in again)} errors.")
PY
python3 scripts/bench/section.py "\`gohub serving\`" "$section"
echo "bench: wrote the serving section of BENCHMARKS.md" >&2
