#!/usr/bin/env bash
# CPU solve and pass-throughput benchmark (DESIGN.md, Benchmarks).
#
# Builds bench_solve (Release), runs it with JSON output, and writes
#   bench/results/cpu_solve_<date>.json   the raw Google Benchmark output
#   bench/results/cpu_solve_<date>.md     machine, command, solve table, pass-throughput table, targets
#
# Usage: bench/run_cpu_bench.sh [extra bench_solve flags, e.g. --benchmark_filter=BM_Solve]
# Environment: BUILD_DIR (default <repo>/build-bench), JOBS (default nproc); OMP_NUM_THREADS=k runs the
# backend on k threads and adds _ompk to the file names; OMP_WAIT_POLICY=passive|active likewise adds
# _passive / _active.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
JOBS="${JOBS:-$(nproc)}"
RESULTS="$ROOT/bench/results"
STAMP="$(date +%Y-%m-%d)${OMP_NUM_THREADS:+_omp$OMP_NUM_THREADS}${OMP_WAIT_POLICY:+_$OMP_WAIT_POLICY}"
JSON="$RESULTS/cpu_solve_$STAMP.json"
MD="$RESULTS/cpu_solve_$STAMP.md"
mkdir -p "$RESULTS"

echo "== configure + build (Release) in $BUILD_DIR"
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DRATEOPT_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target bench_solve

BIN="$BUILD_DIR/bench/bench_solve"
CMD=("$BIN" "--benchmark_out=$JSON" "--benchmark_out_format=json" "$@")

# --- the machine, captured before the run
export RB_CPU="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
export RB_CPUS="$(nproc) logical CPUs usable ($(lscpu | sed -n 's/^Core(s) per socket:[[:space:]]*//p' | head -1) cores/socket, $(lscpu | sed -n 's/^Thread(s) per core:[[:space:]]*//p' | head -1) thread(s)/core)"
export RB_MEM="$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
export RB_GXX="$(g++ --version | head -1)"
export RB_KERNEL="$(uname -sr)"
export RB_GIT="$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (working tree has uncommitted changes)')"
export RB_DIRTY="$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | awk '{print $2}' | grep -v '^bench/' | tr '\n' ' ')"
export RB_BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD_DIR/CMakeCache.txt")"
export RB_LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
export RB_OMP="OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset}, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}"
export RB_CMD="${CMD[*]}"
export RB_JSON="$JSON"
export RB_MD="$MD"

echo "== run: ${CMD[*]}"
echo "   load average before: $RB_LOAD_BEFORE"
# CPU time of the whole machine (/proc/stat, clock ticks) and of this run, to tell how much of the
# machine other processes took while it ran.
busy_ticks() { awk '/^cpu /{printf "%d\n", $2+$3+$4+$7+$8+$9}' /proc/stat; }
TIMES="$(mktemp)"
trap 'rm -f "$TIMES"' EXIT
# `times` must run in this shell (not a $(...) subshell) to see this shell's children
child_cpu_s() { awk 'END{n=0; for(i=1;i<=NF;i++){split($i,a,/[ms]/); n+=a[1]*60+a[2]} printf "%.3f\n", n}' "$TIMES"; }
times >"$TIMES"; C0=$(child_cpu_s); B0=$(busy_ticks); START=$(date +%s.%N)
"${CMD[@]}"
END=$(date +%s.%N); B1=$(busy_ticks); times >"$TIMES"; C1=$(child_cpu_s)
export RB_WALL_S="$(awk -v a="$START" -v b="$END" 'BEGIN{printf "%.1f", b-a}')"
export RB_OWN_CPU_S="$(awk -v a="$C0" -v b="$C1" 'BEGIN{printf "%.2f", b-a}')"
export RB_ALL_CPU_S="$(awk -v a="$B0" -v b="$B1" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", (b-a)/hz}')"
export RB_NCPU="$(nproc)"
export RB_LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - <<'PY'
import json, math, os, re

env = os.environ
with open(env["RB_JSON"]) as f:
    doc = json.load(f)
ctx, rows = doc["context"], [b for b in doc["benchmarks"] if b.get("run_type", "iteration") == "iteration"]

def parse(b):
    m = re.match(r"([A-Za-z_]+)/(\d+)", b["name"])
    return m.group(1), int(m.group(2))

def secs(b):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    return b["real_time"] * scale

def fmt_n(n):
    e = round(math.log10(n))
    return f"1e{e}" if 10 ** e == n else str(n)

def sig(x, d=3):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{d}g}"

by = {}
for b in rows:
    name, n = parse(b)
    by.setdefault(name, {})[n] = b

out = []
w = out.append
w(f"# CPU solve benchmark, {doc['context']['date'][:10]}\n")
w("## Machine\n")
w("| | |\n|---|---|")
w(f"| CPU | {env['RB_CPU']} |")
w(f"| cores | {env['RB_CPUS']}; {env['RB_OMP']}; backend threads = {ctx.get('omp_max_threads', '?')} |")
w("| caches | " + ", ".join(f"L{c['level']} {c['type']} {c['size']//1024} KiB" for c in ctx.get("caches", [])) + " |")
w(f"| memory | {env['RB_MEM']} |")
w(f"| compiler | {env['RB_GXX']} (CMAKE_BUILD_TYPE={env['RB_BUILD_TYPE']}) |")
w(f"| kernel | {env['RB_KERNEL']} |")
w(f"| git revision | {env['RB_GIT']} |")
if env.get("RB_DIRTY", "").strip():
    w(f"| modified outside bench/ | {env['RB_DIRTY'].strip()} |")
w(f"| load average (1/5/15 min) | before {env['RB_LOAD_BEFORE']}, after {env['RB_LOAD_AFTER']} |")
others = max(0.0, float(env["RB_ALL_CPU_S"]) - float(env["RB_OWN_CPU_S"]))
share = others / (float(env["RB_WALL_S"]) * int(env["RB_NCPU"]))
w(f"| run wall time | {env['RB_WALL_S']} s; CPU time: this run {env['RB_OWN_CPU_S']} s, whole machine {env['RB_ALL_CPU_S']} s |")
w(f"| other processes during the run | {others:.1f} CPU s = {100*share:.1f}% of the machine's {env['RB_NCPU']} CPUs |")
w(f"| Google Benchmark | library_build_type={ctx.get('library_build_type','?')} (the Debian libbenchmark package; rateopt itself is Release) |")
w("")
if share >= 0.05:
    w(f"**Contended run:** other processes used {100*share:.0f}% of the CPUs while the benchmark ran. The "
      "backend's OpenMP threads then lose whole scheduler slices (libgomp's default spin-wait makes this "
      "worse), so means and medians are upper bounds; the `min` columns are the closest to the machine's "
      "uncontended capability.\n")
else:
    w(f"Other processes used {100*share:.1f}% of the CPUs during the run: the benchmark had the machine "
      "essentially to itself.\n")
w("## Command\n")
w("```\nbench/run_cpu_bench.sh\n# which runs:\n" + env["RB_CMD"] + "\n```\n")
w(f"Book: {ctx.get('book','')}; options: {ctx.get('options','')}.\n")

solve = by.get("BM_Solve", {})
if solve:
    w("## Whole solves\n")
    w("`optimise` timed as a whole (validation, problem preparation, solver, per-policy outputs); the book "
      "is generated outside the timed loop. Mean is Google Benchmark's figure; median and min are over the "
      "timed iterations of the solver's own `seconds_total` (same span). policies/s uses the median.\n")
    w("| N | iterations | passes | s / solve (mean) | median | min | optimality gap | converged | max rel. violation | policies/s | status |")
    w("|---:|---:|---:|---:|---:|---:|---:|:---:|---:|---:|---|")
    for n in sorted(solve):
        b = solve[n]
        w(f"| {fmt_n(n)} | {b['iterations']} | {int(b['passes'])} | {b['seconds_per_solve']:.4g} | "
          f"{b['solve_seconds_median']:.4g} | {b['solve_seconds_min']:.4g} | {sig(b.get('optimality_gap'))} | "
          f"{'yes' if b['converged'] == 1 else 'NO'} | {sig(b.get('max_relative_violation'))} | "
          f"{n / b['solve_seconds_median']:.3g} | {b.get('label','')} |")
    w("")
    w("Where the time of the last solve went (SolveResult's split; `rest` is validation and per-policy "
      "outputs after the solver):\n")
    w("| N | total s | prepare | dual | al | certify | rest |")
    w("|---:|---:|---:|---:|---:|---:|---:|")
    for n in sorted(solve):
        b = solve[n]
        parts = [b.get(k, float("nan")) for k in ("seconds_prepare", "seconds_dual", "seconds_al", "seconds_certify")]
        total = b.get("seconds_total_last", float("nan"))
        w(f"| {fmt_n(n)} | {total:.3g} | " + " | ".join(f"{x:.3g}" for x in parts) +
          f" | {max(0.0, total - sum(parts)):.3g} |")
    w("")

ev, am, cp = by.get("BM_EvaluationPass", {}), by.get("BM_ArgmaxPass", {}), by.get("BM_MemoryCopy", {})
if ev or am or cp:
    w("## Pass throughput\n")
    w("Bytes per pass count the per-policy arrays a pass touches: evaluation reads 8 doubles "
      "(wtc wc we wr wv d0 d1 m); argmax reads 10 (+ lb ub) and writes 1 (the trial point) and is timed "
      "with the curvature sums, as the dual phase runs it. The copy baseline is `std::memcpy` of the "
      "evaluation pass's bytes, split over the same threads, measured in the same run; its traffic is "
      "read + write (2x the bytes copied). `fraction of copy` = pass traffic / copy traffic at the same N.\n")
    w("Times are the median and the minimum over the timed iterations; policies/s, GB/s and the fraction "
      "use the medians (pass and copy alike), `GB/s best` the minimum.\n")
    w("| N | pass | median time / pass | min | policies/s | GB/s | fraction of copy | GB/s best | fraction best |")
    w("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in sorted(set(ev) | set(am) | set(cp)):
        copy = cp.get(n)
        rate = lambda b, key, traffic: traffic / b[key]
        copy_med = rate(copy, "pass_seconds_median", 2 * copy["bytes_per_pass"]) if copy else None
        copy_min = rate(copy, "pass_seconds_min", 2 * copy["bytes_per_pass"]) if copy else None
        for label, tab in (("evaluate", ev), ("lagrangian_argmax", am)):
            b = tab.get(n)
            if not b:
                continue
            med = rate(b, "pass_seconds_median", b["bytes_per_pass"])
            best = rate(b, "pass_seconds_min", b["bytes_per_pass"])
            w(f"| {fmt_n(n)} | {label} | {b['pass_seconds_median']*1e3:.4g} ms | {b['pass_seconds_min']*1e3:.4g} ms | "
              f"{n / b['pass_seconds_median']:.3g} | {med/1e9:.3g} | {sig(med / copy_med if copy else None, 2)} | "
              f"{best/1e9:.3g} | {sig(best / copy_min if copy else None, 2)} |")
        if copy:
            w(f"| {fmt_n(n)} | memcpy, read+write ({copy.get('label','')}) | {copy['pass_seconds_median']*1e3:.4g} ms | "
              f"{copy['pass_seconds_min']*1e3:.4g} ms | {n / copy['pass_seconds_median']:.3g} | {copy_med/1e9:.3g} | 1 | "
              f"{copy_min/1e9:.3g} | 1 |")
    w("")

if solve:
    w("## Targets\n")
    w("| target | figure | met |")
    w("|---|---|:---:|")
    worst = max(int(b["passes"]) for b in solve.values())
    w(f"| at most 60 passes at every N | max passes = {worst} | {'yes' if worst <= 60 else 'NO'} |")
    if 1000000 in solve:
        b = solve[1000000]
        t = b["solve_seconds_median"]
        w(f"| N = 1e6 solved in under 3 s ({env['RB_CPUS'].split()[0]} CPUs, backend threads = {ctx.get('omp_max_threads', '?')}) | "
          f"median {t:.3g} s (mean {b['seconds_per_solve']:.3g}, min {b['solve_seconds_min']:.3g}) | {'yes' if t < 3 else 'NO'} |")
    big = {n: b for n, b in solve.items() if n >= 100000}
    if big:
        gaps = {n: b.get("optimality_gap") for n, b in big.items()}
        ok = all(g is not None and not math.isnan(g) and g < 1e-6 for g in gaps.values())
        w("| optimality gap below 1e-6 from N = 1e5 up | " +
          ", ".join(f"{fmt_n(n)}: {sig(g)}" for n, g in sorted(gaps.items())) + f" | {'yes' if ok else 'NO'} |")
    unconv = [fmt_n(n) for n, b in sorted(solve.items()) if b["converged"] != 1]
    w(f"| every solve converged | {'all' if not unconv else 'not at ' + ', '.join(unconv)} | {'yes' if not unconv else 'NO'} |")
    w("")

w(f"Raw output: `{os.path.relpath(env['RB_JSON'], os.path.dirname(env['RB_MD']))}`.")
with open(env["RB_MD"], "w") as f:
    f.write("\n".join(out) + "\n")
print("wrote", env["RB_MD"])
PY
