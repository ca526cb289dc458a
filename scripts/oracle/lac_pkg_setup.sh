#!/usr/bin/env bash
# Sets up the LAC-package oracle: Baidu's LAC 2.1.2 from PyPI, run by its own Python API.
#
#   1. the venv build/oracle-venv-lac with Python 3.8 and the pinned packages of
#      lac_pkg_requirements.txt (paddlepaddle 1.8.5: LAC 2.1.2 imports paddle.fluid, which
#      every newer release on PyPI lacks; see README.md "The LAC package oracle");
#   2. the sdist LAC-2.1.2.tar.gz in build/lac-pkg/ (pip download; sha256 checked);
#   3. LAC installed into the venv from that sdist (--no-deps: the pins above stand);
#   4. the sdist extracted to build/lac-pkg/LAC-2.1.2/, whose LAC/ folder (lac_model/,
#      seg_model/, each with model/ and conf/) is what the Go tests read through GOHUB_LAC_PKG.
#
# Idempotent: what is already in place is reused without touching the network.
#
#   ORACLE_LAC_PYTHON=python3.8   interpreter for the venv (default: a python3.8 that runs, else
#                                 pyenv's newest 3.8)
#   ORACLE_LAC_VENV=DIR           where the venv lives (default build/oracle-venv-lac)
#   LAC_SDIST=FILE                use this LAC-2.1.2.tar.gz instead of downloading it
#
# Prints two lines last on stdout: the venv's python, then the extracted LAC/ folder.
set -euo pipefail

LAC_VERSION=2.1.2
LAC_SHA256=22fcde0d5082d2044205ea6f6a7a9cd1f0d63e7b21b2dd5c9c73f27e7c0a3ef1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${ORACLE_LAC_VENV:-$root/build/oracle-venv-lac}"
pkg_dir="$root/build/lac-pkg"
sdist="$pkg_dir/LAC-$LAC_VERSION.tar.gz"
py="$venv/bin/python"
pip=("$py" -m pip --disable-pip-version-check)

find_python() {
  bash "$root/scripts/find_python.sh" --version 3.8 "${ORACLE_LAC_PYTHON:-}" || {
    echo "oracle-lac: paddlepaddle 1.8.5 has wheels for Python 3.5-3.8 only;" \
      "set ORACLE_LAC_PYTHON or install one, e.g. 'pyenv install 3.8'" >&2
    return 1
  }
}

# 1. The venv, checked by the versions that matter.
if ! "$py" -c 'import importlib.metadata as m, sys; sys.exit(m.version("paddlepaddle") != "1.8.5")' 2>/dev/null; then
  python="$(find_python)"
  echo "oracle-lac: creating $venv with $("$python" --version 2>&1)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "${pip[@]}" install --progress-bar off -r "$root/scripts/oracle/lac_pkg_requirements.txt" >&2
fi

# 2. The sdist, fetched (sha256 checked) and extracted by scripts/lac_pkg.sh with this venv's
# python: LAC's setup.py imports paddle and pkg_resources, which this venv has.
lac_dir="$(PYTHON="$py" bash "$root/scripts/lac_pkg.sh")"

# 3. LAC itself.
if ! "$py" -c 'import importlib.metadata as m, sys; sys.exit(m.version("LAC") != "'$LAC_VERSION'")' 2>/dev/null; then
  "${pip[@]}" install --no-deps --no-build-isolation --progress-bar off "$sdist" >&2
fi

echo "$py"
echo "$lac_dir"
