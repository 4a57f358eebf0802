#!/usr/bin/env bash
# Scaling of `rateopt optimise` from 1 to 2 MPI ranks (issue 9) on one book, against one process with
# 1 and with 2 OpenMP threads.  Each configuration runs REPS times; the table has the median wall time
# of the whole command (read, solve, write), of the preparation (result.json seconds_by_phase.prepare:
# book-wide sums, upload) and of the solver's passes (dual + al + certify phases), with the passes and
# profit as a check that every run solved the same problem.
#   usage: bench/run_mpi_bench.sh [POLICIES=1000000] [REPS=3]   (writes bench/results/mpi_scaling_<date>.md)
set -euo pipefail
cd "$(dirname "$0")/.."
policies=${1:-1000000}
reps=${2:-3}
bin=./build/rateopt
book=${BOOK:-/tmp/rateopt_mpi_bench_${policies}.csv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
[ -f "$book" ] || $bin generate --policies "$policies" --seed 2026 --profile benchmark --out "$book" >/dev/null
config=examples/benchmark_constraints.json
mpiexec=${MPIEXEC:-mpiexec}

declare -A commands=(
  ["1 process, 1 thread"]="env OMP_NUM_THREADS=1 $bin optimise --threads 1 --device cpu"
  ["1 process, 2 threads"]="env OMP_NUM_THREADS=2 $bin optimise --threads 2 --device cpu"
  ["2 MPI ranks, 1 thread each"]="$mpiexec -n 2 --bind-to none -x OMP_NUM_THREADS=1 $bin optimise --threads 1 --device cpu"
)
order=("1 process, 1 thread" "1 process, 2 threads" "2 MPI ranks, 1 thread each")

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
rows=""
for name in "${order[@]}"; do
  walls=() preps=() solves=()
  for ((r = 0; r < reps; ++r)); do
    out="$work/out"
    t0=$(date +%s.%N)
    ${commands[$name]} --book "$book" --config "$config" --out-dir "$out" --force >/dev/null
    t1=$(date +%s.%N)
    walls+=("$(echo "$t1 - $t0" | bc -l)")
    preps+=("$(python3 -c "import json;print(json.load(open('$out/result.json'))['seconds_by_phase']['prepare'])")")
    solves+=("$(python3 -c "import json;p=json.load(open('$out/result.json'))['seconds_by_phase'];print(p['dual']+p['al']+p['certify'])")")
    facts=$(python3 -c "import json;d=json.load(open('$out/result.json'));print(d['passes'], '%.6f' % d['expected_profit'], d['device_name'])")
  done
  wall=$(printf '%s\n' "${walls[@]}" | median)
  solve=$(printf '%s\n' "${solves[@]}" | median)
  prep=$(printf '%s\n' "${preps[@]}" | median)
  read -r passes profit device <<<"$facts"
  rows+="| $name | $(printf '%.2f' "$wall") | $(printf '%.3f' "$prep") | $(printf '%.3f' "$solve") | $passes | $profit | $device |"$'\n'
  echo "$name: wall $wall s, prepare $prep s, solver $solve s, passes $passes, profit $profit" >&2
done

date_tag=$(date -u +%Y-%m-%d)
result=bench/results/mpi_scaling_${date_tag}.md
{
  echo "# Scaling from 1 to 2 MPI ranks, CPU, ${date_tag}"
  echo
  echo "Machine: $(nproc) logical CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), shared;"
  echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg). OpenMPI $($mpiexec --version | head -1 | awk '{print $NF}'), Release build."
  echo "Book: ${policies} policies (\`rateopt generate --profile benchmark --seed 2026\`), constraints ${config}."
  echo "Median of ${reps} runs. Wall = the whole command (read, solve, write); prepare and solver = result.json"
  echo "seconds_by_phase (prepare; dual + al + certify)."
  echo
  echo "| configuration | wall s | prepare s | solver s | passes | profit | device |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  printf '%s' "$rows"
  echo
  echo "Reproduce: \`bench/run_mpi_bench.sh ${policies} ${reps}\`"
} >"$result"
cat "$result"
