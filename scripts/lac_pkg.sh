#!/usr/bin/env bash
# Fetches Baidu's LAC package (LAC-2.1.2.tar.gz, from PyPI) into build/lac-pkg/ and extracts
# it: its LAC/lac_model (full lexical analysis) and LAC/seg_model are what the lac module and
# its tests run. Idempotent: nothing is fetched when the checked archive is already there.
#   LAC_SDIST=FILE   use this copy of LAC-2.1.2.tar.gz instead of downloading
#   PYTHON=python3   the interpreter whose pip downloads it (it needs setuptools and wheel)
# Prints the extracted LAC/ folder on stdout.
set -euo pipefail

LAC_VERSION=2.1.2
LAC_SHA256=22fcde0d5082d2044205ea6f6a7a9cd1f0d63e7b21b2dd5c9c73f27e7c0a3ef1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkg_dir="$root/build/lac-pkg"
sdist="$pkg_dir/LAC-$LAC_VERSION.tar.gz"
mkdir -p "$pkg_dir"

if [ -n "${LAC_SDIST:-}" ]; then
  cp "$LAC_SDIST" "$sdist.tmp" && mv "$sdist.tmp" "$sdist"
elif [ ! -f "$sdist" ]; then
  echo "lac-pkg: downloading LAC==$LAC_VERSION from PyPI" >&2
  "${PYTHON:-python3}" -m pip download --disable-pip-version-check --no-deps --progress-bar off \
    -d "$pkg_dir" "lac==$LAC_VERSION" >&2
fi
got="$(sha256sum "$sdist" | cut -d' ' -f1)"
if [ "$got" != "$LAC_SHA256" ]; then
  echo "lac-pkg: $sdist has sha256 $got, want $LAC_SHA256; delete it and rerun" >&2
  exit 1
fi

lac_dir="$pkg_dir/LAC-$LAC_VERSION/LAC"
if [ ! -f "$lac_dir/lac_model/model/__model__" ]; then
  rm -rf "$pkg_dir/LAC-$LAC_VERSION"
  tar -xzf "$sdist" -C "$pkg_dir"
fi
echo "$lac_dir"
