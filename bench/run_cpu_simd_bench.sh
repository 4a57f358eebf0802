#!/usr/bin/env bash
# The CPU backend's vector passes against the build before them, side by side in one run.
#
#   1. Pass throughput, every pass kind, vector and scalar passes of the NEW build in the same program
#      (bench_solve's BM_Pass_*), with the memcpy baseline, at N = 1e5, 1e6, 1e7.
#   2. Whole solves (BM_Solve, optimise() on an in-memory book) at 1e5 and 1e6: the BASE and the NEW
#      bench_solve run in turn, ROUNDS times.
#   3. The command `rateopt optimise` on generated books at 1e5, 1e6, 1e7: BASE and NEW in turn, ROUNDS
#      times; the solve's own seconds (result.json "seconds") and the whole command's wall time.
#
# Usage: bench/run_cpu_simd_bench.sh BASE_DIR NEW_BUILD_DIR OUT_DIR
#   BASE_DIR holds the previous build's `rateopt` and `bench_solve`; NEW_BUILD_DIR is a Release build of
#   this tree (rateopt, bench/bench_solve).  Raw outputs go to OUT_DIR; the script prints median tables.
# Environment: ROUNDS (default 3), BOOK_DIR (default /tmp/rateopt_simd_books), SUMMARY_ONLY=1 (only print
# the tables of an earlier run's OUT_DIR).
set -euo pipefail
BASE=$1 NEW=$2 OUT=$3
ROUNDS=${ROUNDS:-3}
BOOK_DIR=${BOOK_DIR:-/tmp/rateopt_simd_books}
mkdir -p "$OUT" "$BOOK_DIR"

if [ -z "${SUMMARY_ONLY:-}" ]; then
echo "== machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== 1. pass throughput (new build, vector and scalar passes)"
"$NEW/bench/bench_solve" --benchmark_filter='^(BM_Pass_|BM_MemoryCopy)[a-z_]*/(100000|1000000|10000000)/' \
  --benchmark_out="$OUT/passes.json" --benchmark_out_format=json >/dev/null

echo "== 2. BM_Solve at 1e5 and 1e6, base and new in turn, $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
  for which in base new; do
    bin="$BASE/bench_solve"
    [ "$which" = new ] && bin="$NEW/bench/bench_solve"
    "$bin" --benchmark_filter='^BM_Solve/(100000|1000000)/' --benchmark_out="$OUT/solve_${which}_$r.json" \
      --benchmark_out_format=json >/dev/null
  done
done

echo "== 3. rateopt optimise at 1e5, 1e6, 1e7, base and new in turn, $ROUNDS rounds"
for n in 100000 1000000 10000000; do
  book="$BOOK_DIR/book_$n.csv"
  [ -f "$book" ] || "$NEW/rateopt" generate --out "$book" --policies "$n" --seed 2026 >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    for which in base new; do
      bin="$BASE/rateopt"
      [ "$which" = new ] && bin="$NEW/rateopt"
      dir="$OUT/cli_${which}_${n}_$r"
      rm -rf "$dir"
      start=$(date +%s.%N)
      "$bin" optimise --book "$book" --out-dir "$dir" --device cpu --lr-max 0.68 --retention-min 0.78 \
        --max-rate-change 0.25 --enbp-buffer 0.01 >/dev/null
      end=$(date +%s.%N)
      echo "$which $n $r $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.3f", b-a}')" >>"$OUT/cli_wall.txt"
    done
  done
done

fi

python3 - "$OUT" <<'PY'
import json, statistics as st, sys, glob, os
out = sys.argv[1]
def med(xs): return st.median(xs) if xs else float("nan")
doc = json.load(open(f"{out}/passes.json"))
rows = {}
for b in doc["benchmarks"]:
    name, n = b["name"].split("/")[:2]
    rows[(name, int(n))] = b
print("\n### Pass throughput (median and min time per pass; GB/s counts the arrays read and written, from the min)\n")
print("| N | pass | scalar ms median | vector ms median | speed-up | scalar ms min | vector ms min | speed-up (min) | vector GB/s (min) | vector / memcpy traffic (min) |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for n in (100000, 1000000, 10000000):
    cp = rows.get(("BM_MemoryCopy", n))
    copy_rate = 2 * cp["bytes_per_pass"] / cp["pass_seconds_min"] if cp else None
    for kind in ("evaluate", "argmax", "newton_system", "newton_trial"):
        v, s = rows.get((f"BM_Pass_{kind}_vector", n)), rows.get((f"BM_Pass_{kind}_scalar", n))
        if not v or not s: continue
        rate = v["bytes_per_pass"] / v["pass_seconds_min"]
        sm, vm, sn, vn = s["pass_seconds_median"], v["pass_seconds_median"], s["pass_seconds_min"], v["pass_seconds_min"]
        print(f"| {n:.0e} | {kind} | {sm*1e3:.3g} | {vm*1e3:.3g} | {sm/vm:.2f}x | {sn*1e3:.3g} | {vn*1e3:.3g} | "
              f"{sn/vn:.2f}x | {rate/1e9:.3g} | {rate/copy_rate if copy_rate else float('nan'):.2f} |")
    if cp:
        print(f"| {n:.0e} | memcpy (read+write) | | {cp['pass_seconds_median']*1e3:.3g} | | | "
              f"{cp['pass_seconds_min']*1e3:.3g} | | {copy_rate/1e9:.3g} | 1 |")
print("\n### BM_Solve (median over rounds of each round's median solve seconds)\n")
print("| N | base s median | new s median | base / new | base s min | new s min | base / new (min) | passes base, new | label (new) |")
print("|---:|---:|---:|---:|---:|---:|---:|---|---|")
for n in (100000, 1000000):
    vals = {}
    for which in ("base", "new"):
        xs, mins, passes, label = [], [], None, ""
        for f in sorted(glob.glob(f"{out}/solve_{which}_*.json")):
            for b in json.load(open(f))["benchmarks"]:
                if b["name"].startswith(f"BM_Solve/{n}/"):
                    xs.append(b["solve_seconds_median"]); mins.append(b["solve_seconds_min"])
                    passes = int(b["passes"]); label = b.get("label", "")
        vals[which] = (med(xs), min(mins) if mins else float("nan"), passes, label)
    b_, n_ = vals["base"], vals["new"]
    print(f"| {n:.0e} | {b_[0]:.4g} | {n_[0]:.4g} | {b_[0]/n_[0]:.2f}x | {b_[1]:.4g} | {n_[1]:.4g} | {b_[1]/n_[1]:.2f}x | "
          f"{b_[2]}, {n_[2]} | {n_[3]} |")
print("\n### rateopt optimise (medians over rounds): solve seconds from result.json, whole command wall seconds\n")
print("| N | solve base | solve new | ratio | wall base | wall new | ratio | profit rel. diff | device (new) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
walls = {}
for line in open(f"{out}/cli_wall.txt"):
    which, n, r, w = line.split()
    walls.setdefault((which, int(n)), []).append(float(w))
for n in (100000, 1000000, 10000000):
    solve, profit, dev = {}, {}, ""
    for which in ("base", "new"):
        xs = []
        for d in sorted(glob.glob(f"{out}/cli_{which}_{n}_*")):
            res = json.load(open(f"{d}/result.json"))
            xs.append(res["seconds"]); profit[which] = res["expected_profit"]
            if which == "new": dev = f"{res['backend_used']} ({res['device_name']})"
        solve[which] = med(xs)
    wb, wn = med(walls.get(("base", n), [])), med(walls.get(("new", n), []))
    diff = abs(profit["new"] - profit["base"]) / abs(profit["base"])
    print(f"| {n:.0e} | {solve['base']:.4g} | {solve['new']:.4g} | {solve['base']/solve['new']:.2f}x | "
          f"{wb:.3g} | {wn:.3g} | {wb/wn:.2f}x | {diff:.1e} | {dev} |")
PY
