#!/usr/bin/env bash
# `make oracle-lac`: the LAC-package oracle. Sets up build/oracle-venv-lac and the extracted
# LAC 2.1.2 package (lac_pkg_setup.sh), then writes testdata/lac_full/oracle_*.jsonl and
# oracle_meta.json with LAC's own Python API (lac_pkg_golden.py). The Go tests of hub/lexical
# read the extracted package from build/lac-pkg/LAC-2.1.2/LAC (or $GOHUB_LAC_PKG).
# Arguments are passed to lac_pkg_golden.py.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
mapfile -t out < <(bash scripts/oracle/lac_pkg_setup.sh)
py="${out[${#out[@]}-2]}"
echo "oracle-lac: LAC package at ${out[${#out[@]}-1]}" >&2
"$py" scripts/oracle/lac_pkg_golden.py --sdist build/lac-pkg/LAC-2.1.2.tar.gz "$@"
