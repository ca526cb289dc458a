#!/usr/bin/env bash
# Fuzzes the program, parameter and Paddle-Lite (.nb) loaders through the C API with libFuzzer
# (clang, ASan, UBSan). FUZZ_SECONDS per target (default 300: fifteen minutes for the three).
# Any crashing input is copied to native/tests/fuzz_corpus/<target>/, where the C++ tests replay
# it forever; after a clean run the kept corpus there is refreshed with a coverage-minimised
# merge of small inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-300}
shared=${GOHUB_SHARED:-../shared}
export GOHUB_SHARED=$(cd "$shared" && pwd)

for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
    break
  }
done

build=build/native-fuzz
onednn=$(bash scripts/onednn.sh | tail -n 1)
CC=clang CXX=clang++ cmake -S native -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPD_FUZZ=ON -DPD_BUILD_TESTS=OFF -Ddnnl_DIR="$onednn/lib/cmake/dnnl" >/dev/null
cmake --build "$build" -j "$(nproc)"

# Seeds: every real program we have, and the LAC parameters as one combined file (the per-
# parameter files concatenated in byte-wise sorted name order is exactly that format).
corpus=build/fuzz
mkdir -p "$corpus/program" "$corpus/params" "$corpus/nb"
for f in "$GOHUB_SHARED"/models/*/__model__ "$GOHUB_SHARED"/models/*/model/__model__ \
  "$GOHUB_SHARED"/models/*/*.pdmodel; do
  [ -f "$f" ] && cp "$f" "$corpus/program/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
done
for f in "$GOHUB_SHARED"/models/*/model.nb "$GOHUB_SHARED"/models/*/*/model.nb \
  "$GOHUB_SHARED"/models/*/__model__.nb; do
  [ -f "$f" ] && cp "$f" "$corpus/nb/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
done
lac="$GOHUB_SHARED/models/lac_seg/model"
(cd "$lac" && LC_ALL=C ls | grep -v '^__model__$' | LC_ALL=C sort | xargs cat) > "$corpus/params/seed-lac"

for target in program_fuzzer params_fuzzer nb_fuzzer; do
  kind=${target%_fuzzer}
  kept=native/tests/fuzz_corpus/$kind
  mkdir -p "$kept" build/fuzz/artifacts
  echo "fuzz: $target for ${seconds}s" >&2
  set +e
  ASAN_OPTIONS=detect_leaks=1 "$build/$target" -max_total_time="$seconds" -max_len=4194304 \
    -rss_limit_mb=4096 -artifact_prefix=build/fuzz/artifacts/ -print_final_stats=1 \
    "$corpus/$kind" "$kept" 2>&1 | tail -n 25
  status=${PIPESTATUS[0]}
  set -e
  for crash in build/fuzz/artifacts/*; do
    [ -f "$crash" ] && mv "$crash" "$kept/"
  done
  [ "$status" -eq 0 ] || { echo "fuzz: $target found a failure; input saved under $kept" >&2; exit 1; }
  # Keep the small inputs that add coverage (the replay test stays fast and the tree small).
  "$build/$target" -merge=1 -max_len=4096 "$kept" "$corpus/$kind" 2>&1 | tail -n 1
done
