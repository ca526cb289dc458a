#!/usr/bin/env bash
# Installs the system packages and Go modules gohub builds and tests with. Idempotent: a
# package already present is not touched, and apt is not called at all when nothing is missing.
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config curl xz-utils libopenblas-dev libprotobuf-dev
  protobuf-compiler python3-venv googletest libgtest-dev manpages-zh)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# `gohub install lac` falls back to `pip download lac`, a source archive whose metadata pip
# can only prepare with the wheel package present.
if command -v python3 >/dev/null && ! python3 -c 'import wheel' 2>/dev/null; then
  echo "deps: installing the Python package wheel (for pip download lac)" >&2
  python3 -m pip install --quiet --disable-pip-version-check wheel
fi

if ! command -v go >/dev/null; then
  echo "deps: Go 1.26 or newer is required (https://go.dev/dl/)" >&2
  exit 1
fi
go mod download

# oneDNN 3.2 from PyPI wheels, unpacked once into a per-user cache (scripts/onednn.sh says why and where).
bash scripts/onednn.sh >/dev/null
