#!/usr/bin/env bash
# Adds the image section's peer engines to the oracle venv (scripts/oracle/setup.sh makes it):
# ONNX Runtime and OpenVINO, both timed by scripts/bench/peer_image.py, and paddle2onnx, which
# converts the Paddle model files to ONNX for them. Pinned versions from PyPI, by package name.
# Idempotent: a venv that already has the pinned versions is left untouched. The pip dry run
# against paddlepaddle 3.3.1's venv adds packages only (onnx 1.17, onnxoptimizer, polygraphy,
# flatbuffers, openvino-telemetry, packaging, mpmath); numpy and protobuf stay as Paddle has them.
#
#   PEERS_WHEELS=DIR   a wheelhouse to install from without the network
#                      (pip download -d DIR onnxruntime==... openvino==... paddle2onnx==...)
#   (ORACLE_PYTHON, ORACLE_VENV, ORACLE_WHEELS: as scripts/oracle/setup.sh)
#
# Prints the venv's python path on stdout as its last line. Exits 1, saying why, when the
# peers cannot be installed; scripts/bench/images.sh then skips them and says so.
set -euo pipefail

ONNXRUNTIME_VERSION=1.31.1
OPENVINO_VERSION=2026.4.1
PADDLE2ONNX_VERSION=2.1.0  # the release that reads paddlepaddle 3.x programs
# paddle2onnx folds constants with Polygraphy, which pip-installs what it misses at run time
# (from a second package index): pinned here so that converting installs nothing.
GRAPHSURGEON_VERSION=0.6.1
SYMPY_VERSION=1.14.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py=$(bash "$root/scripts/oracle/setup.sh" | tail -n 1)

versions() {
  "$py" - <<'EOF' 2>/dev/null
import importlib.metadata as m
print(m.version("onnxruntime"), m.version("openvino"), m.version("paddle2onnx"),
      m.version("onnx_graphsurgeon"), m.version("sympy"))
EOF
}
importable() { "$py" -c 'import onnxruntime, openvino, paddle2onnx, onnx_graphsurgeon, sympy' >/dev/null 2>&1; }
want="$ONNXRUNTIME_VERSION $OPENVINO_VERSION $PADDLE2ONNX_VERSION $GRAPHSURGEON_VERSION $SYMPY_VERSION"

if [ "$(versions || true)" = "$want" ] && importable; then
  echo "peers: reusing $(dirname "$(dirname "$py")") (onnxruntime $ONNXRUNTIME_VERSION," \
    "openvino $OPENVINO_VERSION, paddle2onnx $PADDLE2ONNX_VERSION)" >&2
  echo "$py"
  exit 0
fi

pip_args=(install --disable-pip-version-check --progress-bar off)
if [ -n "${PEERS_WHEELS:-}" ]; then
  pip_args+=(--no-index --find-links "$PEERS_WHEELS")
fi
echo "peers: installing onnxruntime==$ONNXRUNTIME_VERSION openvino==$OPENVINO_VERSION" \
  "paddle2onnx==$PADDLE2ONNX_VERSION into $(dirname "$(dirname "$py")")" >&2
if ! "$py" -m pip "${pip_args[@]}" "onnxruntime==$ONNXRUNTIME_VERSION" \
  "openvino==$OPENVINO_VERSION" "paddle2onnx==$PADDLE2ONNX_VERSION" \
  "onnx-graphsurgeon==$GRAPHSURGEON_VERSION" "sympy==$SYMPY_VERSION" >&2; then
  echo "peers: pip could not install them" >&2
  exit 1
fi

got="$(versions || true)"
if [ "$got" != "$want" ] || ! importable; then
  echo "peers: expected onnxruntime/openvino/paddle2onnx/onnx-graphsurgeon/sympy $want," \
    "found '${got:-none}'" >&2
  exit 1
fi
echo "$py"
