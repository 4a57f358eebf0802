#!/bin/bash
# `rateopt price` throughput and peak memory on a 1e7-quote book (GNU time -v), and the one-quote C++
# benchmark.  Usage: bench/run_price_bench.sh [build dir] [quotes]   (default build, 10000000)
# The rule is solved on a 1e5-policy benchmark book; the quotes are a fresh benchmark book (seed 7).
set -euo pipefail
build=${1:-build}
n=${2:-10000000}
work=$(mktemp -d /tmp/rateopt_price_bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
rateopt="$build/rateopt"
"$rateopt" generate --policies 100000 --seed 42 --out "$work/solved.csv" > /dev/null
"$rateopt" optimise --book "$work/solved.csv" --out-dir "$work/solve" --lr-max 0.68 --retention-min 0.78 \
  --max-rate-change 0.25 --enbp-buffer 0.01 --device cpu > /dev/null
"$rateopt" generate --policies "$n" --seed 7 --out "$work/quotes.csv" > /dev/null
echo "quotes file: $(du -h "$work/quotes.csv" | cut -f1), $n rows; $(nproc) cores"
for rows in ${CHUNKS:-100000 1000000}; do
  /usr/bin/time -v "$rateopt" price --rule "$work/solve/pricing_rule.json" --book "$work/quotes.csv" \
    --out-dir "$work/priced_$rows" --chunk-rows "$rows" > "$work/out.txt" 2> "$work/time.txt"
  wall=$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')
  user=$(grep 'User time' "$work/time.txt" | awk '{print $NF}')
  sys=$(grep 'System time' "$work/time.txt" | awk '{print $NF}')
  share=$(grep 'Percent of CPU' "$work/time.txt" | awk '{print $NF}')
  echo "chunk_rows $rows: wall $wall, CPU user $user s + system $sys s ($share of a core), peak RSS $((rss / 1024)) MiB"
done
if [ -x "$build/bench/bench_pricing_rule" ]; then
  "$build/bench/bench_pricing_rule" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
fi
