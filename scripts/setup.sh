#!/usr/bin/env bash
# Install what is missing (Debian packages only), then configure and build rateopt in ./build.
# Safe to run again: installed packages are skipped and the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make git libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libeigen3-dev
          libcli11-dev libssl-dev librsvg2-bin coinor-libcbc-dev python3-venv libopenmpi-dev openmpi-bin)
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
