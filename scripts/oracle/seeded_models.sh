#!/usr/bin/env bash
# The seeded models that tests load, written by real PaddlePaddle into $GOHUB_BUILD_MODELS
# (default build/models; not committed, ~125 MB):
#
#   resnet50_seeded/                  scripts/oracle/resnet50_seeded.py --model-only
#   ssd_mobilenet_v1_pascal_seeded/   scripts/oracle/ssd_seeded.py --model-only
#
# Only those directories and a <name>.stamp beside each are written; testdata/ is never
# touched (`make oracle-models` is what regenerates the committed golden cases there).
# `make test` runs this first (`make seeded-models`). A model whose stamp matches is kept: the
# stamp holds the Paddle version, the hash of the scripts that write the model (and of the
# ResNet-50 topology it reads from $GOHUB_SHARED), and the name and size of every file written,
# so a cached run only lists the files (well under a second) and needs no venv. Otherwise the
# oracle venv is created when missing (scripts/oracle/setup.sh) and the model is regenerated,
# a few seconds each. The weights come from numpy streams seeded by each variable's name, so the
# files are the same bytes on every machine and the committed golden outputs stay valid; a
# digest of what was written is printed and kept as the stamp's last line, to compare machines.
#
#   seeded_models.sh           write what is missing or stale
#   seeded_models.sh --force   rewrite both models
#
# Exits non-zero when a model could not be written (no venv, no network, no shared data); the
# others are still written.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
force=0
case "${1:-}" in
  "") ;;
  --force) force=1 ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

models="${GOHUB_BUILD_MODELS:-$root/build/models}"
shared="${GOHUB_SHARED:-$(dirname "$root")/shared}"
paddle_version="$(sed -n 's/^PADDLE_VERSION=//p' scripts/oracle/setup.sh)"
here=scripts/oracle
common=("$here/seeded_models.sh" "$here/model_golden.py" "$here/op_golden.py" "$here/lac_common.py")

# The inputs of a model, into the array files: what writes it, and what it reads.
inputs() {
  case "$1" in
    resnet50_seeded)
      files=("$here/resnet50_seeded.py" "${common[@]}" "$shared/models/resnet50_topology/__model__") ;;
    ssd_mobilenet_v1_pascal_seeded)
      files=("$here/ssd_seeded.py" "${common[@]}") ;;
  esac
}

# The stamp's first lines: what the model is made from (relative names, so that the stamp
# does not depend on where the checkout or the shared folder lives).
recipe() {
  local f files
  inputs "$1"
  echo "seeded_models $1 paddle $paddle_version"
  for f in "${files[@]}"; do
    [ -f "$f" ] || { echo "missing ${f#"$shared"/}"; continue; }
    echo "$(sha256sum < "$f" | cut -d' ' -f1) ${f#"$shared"/}"
  done
}

# The files of a written model, one "name size" a line.
listing() {
  (cd "$models/$1" && find . -maxdepth 1 -type f -printf '%f %s\n' | LC_ALL=C sort)
}

py=""
failed=()
for name in resnet50_seeded ssd_mobilenet_v1_pascal_seeded; do
  stamp="$models/$name.stamp"
  want="$(recipe "$name")"$'\n'"files"
  # The stamp's last line, the digest of the files, is for people; it is not compared.
  if [ "$force" = 0 ] && [ -f "$stamp" ] && [ -d "$models/$name" ] &&
     [ "$(sed '$d' "$stamp")" = "$want"$'\n'"$(listing "$name")" ]; then
    echo "seeded_models: $name up to date" >&2
    continue
  fi
  if grep -q '^missing ' <<<"$want"; then
    echo "seeded_models: $name: $(grep '^missing ' <<<"$want" | head -n 1) (set GOHUB_SHARED)" >&2
    failed+=("$name")
    continue
  fi
  if [ -z "$py" ] && ! py="$(bash scripts/oracle/setup.sh | tail -n 1)"; then
    py=none
  fi
  if [ "$py" = none ]; then
    echo "seeded_models: $name: no oracle venv (scripts/oracle/setup.sh failed)" >&2
    failed+=("$name")
    continue
  fi
  mkdir -p "$models"
  rm -f "$stamp"
  script="$here/resnet50_seeded.py"
  [ "$name" = ssd_mobilenet_v1_pascal_seeded ] && script="$here/ssd_seeded.py"
  if ! GOHUB_SHARED="$shared" GOHUB_BUILD_MODELS="$models" "$py" -W ignore "$script" --model-only
  then
    echo "seeded_models: $name could not be written" >&2
    failed+=("$name")
    continue
  fi
  digest="$(cd "$models/$name" && find . -maxdepth 1 -type f -printf '%f\n' | LC_ALL=C sort |
    xargs sha256sum | sha256sum | cut -d' ' -f1)"
  printf '%s\n%s\nsha256 of the sha256sum listing %s\n' "$want" "$(listing "$name")" "$digest" \
    > "$stamp.tmp"
  mv "$stamp.tmp" "$stamp"
  echo "seeded_models: $name written (sha256 of its files' sha256sum listing $digest)" >&2
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "seeded_models: not written: ${failed[*]}" >&2
  exit 1
fi
