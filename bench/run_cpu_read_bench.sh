#!/usr/bin/env bash
# Reading books and writing policies.csv against the build before them, side by side in one run.
#
#   1. bench_csv (1e6-row book, 145 MB): parse from memory on one thread (BM_ParseBookCsv), read the file with
#      its SHA-256 (BM_ReadBookCsv; the new build on 1 and on 2 threads), write a book (BM_WriteBookCsv);
#      BASE and NEW in turn, ROUNDS times.
#   2. `rateopt optimise` on generated books at 1e5, 1e6 (1e7 with BIG=1): BASE and NEW in turn, ROUNDS times;
#      wall, user and sys seconds (/usr/bin/time), the solve's own seconds (result.json), and whether the two
#      policies.csv are the same bytes.
#
# Usage: bench/run_cpu_read_bench.sh BASE_DIR NEW_BUILD_DIR OUT_DIR
#   BASE_DIR holds the previous build's `rateopt` and `bench_csv`; NEW_BUILD_DIR is a Release build of this
#   tree.  Raw outputs go to OUT_DIR; the script prints median tables.
# Environment: ROUNDS (default 3), BOOK_DIR (default /tmp/rateopt_read_books), BIG=1 adds 1e7, SUMMARY_ONLY=1
# (only print the tables of an earlier run's OUT_DIR).
set -euo pipefail
BASE=$1 NEW=$2 OUT=$3
ROUNDS=${ROUNDS:-3}
BOOK_DIR=${BOOK_DIR:-/tmp/rateopt_read_books}
SIZES="100000 1000000"
[ -n "${BIG:-}" ] && SIZES="$SIZES 10000000"
mkdir -p "$OUT" "$BOOK_DIR"
if [ -z "${SUMMARY_ONLY:-}" ]; then
echo "== machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== 1. bench_csv, base and new in turn, $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
  "$BASE/bench_csv" --benchmark_filter='BookCsv' --benchmark_out="$OUT/csv_base_$r.json" \
    --benchmark_out_format=json >/dev/null
  OMP_NUM_THREADS=1 "$NEW/bench/bench_csv" --benchmark_filter='BookCsv' --benchmark_out="$OUT/csv_new1_$r.json" \
    --benchmark_out_format=json >/dev/null
  "$NEW/bench/bench_csv" --benchmark_filter='ReadBookCsv' --benchmark_out="$OUT/csv_new_$r.json" \
    --benchmark_out_format=json >/dev/null
done

echo "== 2. rateopt optimise, base and new in turn, $ROUNDS rounds"
for n in $SIZES; do
  book="$BOOK_DIR/book_$n.csv"
  [ -f "$book" ] || "$NEW/rateopt" generate --out "$book" --policies "$n" --seed 2026 >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    for which in base new; do
      bin="$BASE/rateopt"
      [ "$which" = new ] && bin="$NEW/rateopt"
      dir="$OUT/cli_${which}_${n}_$r"
      rm -rf "$dir"
      /usr/bin/time -f "$which $n $r %e %U %S" -a -o "$OUT/cli_time.txt" "$bin" optimise --book "$book" \
        --out-dir "$dir" --device cpu --lr-max 0.68 --retention-min 0.78 --max-rate-change 0.25 \
        --enbp-buffer 0.01 >/dev/null 2>&1
    done
    if cmp -s "$OUT/cli_base_${n}_$r/policies.csv" "$OUT/cli_new_${n}_$r/policies.csv"; then same=same; else same=DIFFERENT; fi
    echo "$n $r $same" >>"$OUT/cli_policies_cmp.txt"
    # Only the last round's outputs are kept (policies.csv at 1e7 is about 1 GB).
    [ "$r" -lt "$ROUNDS" ] && rm -f "$OUT"/cli_*_"${n}"_"$r"/policies.csv
  done
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

python3 - "$OUT" <<'PY'
import json, statistics as st, sys, glob
out = sys.argv[1]
def med(xs): return st.median(xs) if xs else float("nan")
def bench(pattern):
    rows = {}
    for f in glob.glob(f"{out}/{pattern}"):
        for b in json.load(open(f))["benchmarks"]:
            rows.setdefault(b["name"].split("/")[0], []).append(b)
    return rows
base, new1, new2 = bench("csv_base_*.json"), bench("csv_new1_*.json"), bench("csv_new_*.json")
print("\n### bench_csv, 1e6-row book (median over rounds; wall ms, MB/s of the CSV text from wall, and the main")
print("thread's CPU ms, which on a loaded machine is the steadier figure but leaves out the other threads)\n")
print("| benchmark | base ms | base MB/s | base cpu ms | new 1 thread ms | MB/s | cpu ms | new 2 threads ms | MB/s | cpu ms (main thread) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name in ("BM_ParseBookCsv", "BM_ReadBookCsv", "BM_WriteBookCsv"):
    def pick(rows):
        bs = rows.get(name, [])
        if not bs: return ("",) * 3
        return (f'{med([b["real_time"] for b in bs]):.0f}', f'{med([b["bytes_per_second"] / 1e6 for b in bs]):.0f}',
                f'{med([b["cpu_time"] for b in bs]):.0f}')
    print("| " + " | ".join([name, *pick(base), *pick(new1), *pick(new2)]) + " |")
print("\n### rateopt optimise (medians over rounds): whole command wall, user+sys CPU, the solve's own seconds\n")
print("| N | wall base | wall new | ratio | cpu base | cpu new | ratio | solve base | solve new | policies.csv |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
times = {}
for line in open(f"{out}/cli_time.txt"):
    parts = line.split()
    if len(parts) != 6: continue
    which, n, r, wall, user, sys_ = parts
    times.setdefault((which, int(n)), []).append((float(wall), float(user) + float(sys_)))
cmp = {}
for line in open(f"{out}/cli_policies_cmp.txt"):
    n, r, same = line.split()
    cmp.setdefault(int(n), set()).add(same)
for n in sorted({k[1] for k in times}):
    b, w = times[("base", n)], times[("new", n)]
    solve = {}
    for which in ("base", "new"):
        solve[which] = med([json.load(open(f"{d}/result.json"))["seconds"] for d in glob.glob(f"{out}/cli_{which}_{n}_*")])
    wb, wn = med([x[0] for x in b]), med([x[0] for x in w])
    cb, cn = med([x[1] for x in b]), med([x[1] for x in w])
    print(f"| {n:.0e} | {wb:.3g} | {wn:.3g} | {wb / wn:.2f}x | {cb:.3g} | {cn:.3g} | {cb / cn:.2f}x | "
          f"{solve['base']:.3g} | {solve['new']:.3g} | {', '.join(sorted(cmp.get(n, {'?'})))} |")
PY
