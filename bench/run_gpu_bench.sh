#!/usr/bin/env bash
# GPU tests and benchmarks, for a GPU machine that has the project's libraries (CBC, LAPACK, OpenSSL,
# benchmark...).  A lent GPU machine has none of them: run scripts/gpu_check.sh there instead.
# Build first (bash scripts/setup.sh); then, from the repository root with the build folder present:
#   bash bench/run_gpu_bench.sh [out-dir]
# It runs the gpu-labelled tests with RATEOPT_REQUIRE_GPU=1 (a missing GPU fails them), then bench_cuda
# and the annealer benchmarks, and leaves the raw JSON and the logs in out-dir ($OUT where set, else
# bench/results), named with the date and the device.  A failing step does not stop the next; the
# exit status is 1 when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-bench/results}}
mkdir -p "$out"
device=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n1 | tr ' ' '_')
device=${device:-unknown}
stamp=$(date -u +%Y-%m-%d)
failed=0
RATEOPT_REQUIRE_GPU=1 ctest --test-dir build -L gpu --output-on-failure 2>&1 |
  tee "$out/gpu_tests_${stamp}_${device}.log" || failed=1
# the 1e8-policy points take minutes: only 1e6 and 1e7 here
./build/bench/bench_cuda --benchmark_filter='/(1000000|10000000)(/|$)' \
  --benchmark_out="$out/gpu_bench_${stamp}_${device}.json" --benchmark_out_format=json \
  2>&1 | tee "$out/gpu_bench_${stamp}_${device}.log" || failed=1
# The annealer (cluster QUBO): BM_ClusterAnnealCuda/1000/1000 is the < 50 ms target.
./build/bench/bench_anneal --benchmark_filter=Cuda \
  --benchmark_out="$out/gpu_anneal_${stamp}_${device}.json" --benchmark_out_format=json \
  2>&1 | tee "$out/gpu_anneal_${stamp}_${device}.log" || failed=1
exit "$failed"
