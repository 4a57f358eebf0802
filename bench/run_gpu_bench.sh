#!/usr/bin/env bash
# GPU tests and benchmarks, for a machine with a GPU.  Build first (bash scripts/setup.sh) on the
# build machine; on the GPU machine run this from the repository root with the build folder present:
#   bash bench/run_gpu_bench.sh [out-dir]
# It runs the gpu-labelled tests, then bench_cuda and the annealer benchmarks, and leaves the raw JSON and the log in out-dir
# (default bench/results), named with the date and the device.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results}
mkdir -p "$out"
device=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n1 | tr ' ' '_' || echo unknown)
stamp=$(date -u +%Y-%m-%d)
ctest --test-dir build -L gpu --output-on-failure 2>&1 | tee "$out/gpu_tests_${stamp}_${device}.log"
./build/bench/bench_cuda --benchmark_out="$out/gpu_bench_${stamp}_${device}.json" --benchmark_out_format=json \
  2>&1 | tee "$out/gpu_bench_${stamp}_${device}.log"
# The annealer (cluster QUBO, SPEC §3): BM_ClusterAnnealCuda/1000/1000 is the < 50 ms target.
./build/bench/bench_anneal --benchmark_filter=Cuda \
  --benchmark_out="$out/gpu_anneal_${stamp}_${device}.json" --benchmark_out_format=json \
  2>&1 | tee "$out/gpu_anneal_${stamp}_${device}.log"
