#!/usr/bin/env bash
# Prints the version of the oneDNN that scripts/onednn.sh installed (e.g. 3.2.0).
set -euo pipefail
cd "$(dirname "$0")/.."
h=$(bash scripts/onednn.sh --print-prefix)/include/oneapi/dnnl/dnnl_version.h
awk '/define DNNL_VERSION_(MAJOR|MINOR|PATCH)/ { v = v (v == "" ? "" : ".") $3 } END { print v }' "$h"
