#!/usr/bin/env bash
# The one-shot device check, for a lent GPU machine that has nvcc, g++ and OpenMP but none of the
# project's other libraries.  From the repository root:   bash scripts/gpu_check.sh [out-dir]
# Builds tools/gpu_check with nvcc (sm_90, the register report kept), runs it (CPU against GPU field by
# field, pass timings at 1e6 and 1e7 against a device copy, the annealers, the reinsurance risk evaluator;
# then the price grid's argmax
# the same way, timed at 1e6 x 41 and 1e7 x 11), compute-sanitizer memcheck
# and racecheck on a small case, and Nsight Compute on the passes.  Each step has its own time limit
# and its log in out-dir ($OUT on the device machine, else /tmp/gpu_check_out); a failing step does not
# stop the next.  About 7 minutes in all; the exit status is 1 when any step failed.
set -u
cd "$(dirname "$0")/.."
out=${1:-${OUT:-/tmp/gpu_check_out}}
build=${GPU_CHECK_BUILD:-/tmp/gpu_check_build}
rm -f "$build"/*.o
mkdir -p "$out" "$build"
export build
export PATH="$PATH:/usr/local/cuda/bin"
failed=0

# step NAME LIMIT_SECONDS COMMAND...: runs COMMAND with its output in $out/NAME.log, and notes the result.
step() {
  local name=$1 limit=$2 start rc
  shift 2
  start=$(date +%s)
  timeout -k 10 "$limit" "$@" >"$out/$name.log" 2>&1
  rc=$?
  printf '%-12s rc=%-3s %4ss (limit %ss)\n' "$name" "$rc" "$(($(date +%s) - start))" "$limit" | tee -a "$out/summary.txt"
  tail -n 30 "$out/$name.log"
  [ "$rc" -eq 0 ] || failed=1
  return "$rc"
}

build_check() {
  # no_json: a stand-in for nlohmann/json_fwd.hpp, which the grid's headers name and this machine lacks
  local nv=(nvcc -std=c++17 -O3 -arch=sm_90 -Itools/gpu_check/no_json -Iinclude -Ihost -Itools/gpu_check
    -Xcompiler=-fopenmp -DGPU_CHECK_CUDA)
  local pids=() pid rc=0
  # -Xptxas -v: registers, stack frame and spills of every kernel (the register report)
  "${nv[@]}" -Xptxas -v -c kernels/backend_cuda.cu -o "$build/backend_cuda.o" & pids+=($!)
  "${nv[@]}" -Xptxas -v --fmad=false -c kernels/anneal_cuda.cu -o "$build/anneal_cuda.o" & pids+=($!)
  "${nv[@]}" -Xptxas -v --fmad=false -c kernels/grid_cuda.cu -o "$build/grid_cuda.o" & pids+=($!)
  "${nv[@]}" -Xptxas -v -c kernels/reinsure_cuda.cu -o "$build/reinsure_cuda.o" & pids+=($!)
  "${nv[@]}" -c host/reinsure/risk_cpu.cpp -o "$build/risk_cpu.o" & pids+=($!)
  "${nv[@]}" -c host/grid/grid_cpu.cpp -o "$build/grid_cpu.o" & pids+=($!)
  "${nv[@]}" -c tools/gpu_check/device_timing.cu -o "$build/device_timing.o" & pids+=($!)
  "${nv[@]}" -c tools/gpu_check/gpu_check.cpp -o "$build/gpu_check.o" & pids+=($!)
  "${nv[@]}" -c host/optimise/backend/cpu.cpp -o "$build/cpu.o" & pids+=($!)
  "${nv[@]}" -c host/clusters/anneal_cpu.cpp -o "$build/anneal_cpu.o" & pids+=($!)
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  [ "$rc" -eq 0 ] && "${nv[@]}" "$build"/*.o -lgomp -o "$build/gpu_check"
}
export -f build_check

{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv 2>&1
  nvcc --version | tail -n 2
} >"$out/device.txt" 2>&1
cat "$out/device.txt"
if step build 240 bash -c build_check; then
  grep -E "Compiling entry function|stack frame|Used [0-9]+ registers" "$out/build.log" | c++filt >"$out/registers.txt"
  step check 240 "$build/gpu_check" gpu
  step grid 90 "$build/gpu_check" grid
  step memcheck 120 compute-sanitizer --tool memcheck --error-exitcode 1 "$build/gpu_check" small
  step racecheck 150 compute-sanitizer --tool racecheck --error-exitcode 1 "$build/gpu_check" small
  # --clock-control none: the card's clocks are left as found
  step ncu 120 ncu --clock-control none --kernel-name regex:pass_kernel --launch-skip 1 --launch-count 3 \
    --section SpeedOfLight \
    --section MemoryWorkloadAnalysis --section LaunchStats --section Occupancy "$build/gpu_check" pass 1000000
fi
echo "== summary (logs in $out)"
cat "$out/summary.txt"
exit "$failed"
