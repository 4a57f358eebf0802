#!/usr/bin/env bash
# Set up, build, and optimise the bundled example book of 100,000 policies (made on first run with a
# fixed seed) under the peer's benchmark constraints.  Prints the summary; outputs go to out/quickstart.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
book=examples/generated/book_100k.csv
if [ ! -f "$book" ]; then
  mkdir -p examples/generated
  ./build/rateopt generate --policies 100000 --seed 2026 --profile benchmark --out "$book"
fi
./build/rateopt optimise --book "$book" --config examples/benchmark_constraints.json --out-dir out/quickstart --force
