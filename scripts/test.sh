#!/usr/bin/env bash
# Set up, build, and run the whole test suite: ctest, then pytest (GPU tests skip cleanly without a device).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure -j"$jobs"
# The Python package's tests (they compare with the program just built, build/rateopt).
.venv/bin/python -m pytest -q python/tests
