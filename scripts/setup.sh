#!/usr/bin/env bash
# Install what is missing (Debian packages only), then configure and build rateopt in ./build, and the
# Python package into the virtual environment .venv.
# Safe to run again: installed packages are skipped and the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make git libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libeigen3-dev
          libcli11-dev libssl-dev libfast-float-dev libhwy-dev librsvg2-bin coinor-libcbc-dev python3-venv libopenmpi-dev openmpi-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${RATEOPT_CMAKE_ARGS:-} >/dev/null
cmake --build build -j"$jobs"

# The Python package: a virtual environment in .venv (Debian's own Python is externally managed), the
# pinned build tools, pytest and the DataFrame libraries, then rateopt itself, built in build/python
# (incremental on a second run).
python=/usr/bin/python3
[ -x "$python" ] || python=python3
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/pip --quiet --disable-pip-version-check)
"${pip[@]}" install -r python/requirements-dev.txt
CMAKE_BUILD_PARALLEL_LEVEL="$jobs" "${pip[@]}" install --no-build-isolation .
