#!/usr/bin/env bash
# Runs every CLI example of the README (at small sizes) and every peer test fixture through one rateopt
# binary and keeps all it wrote (files, stdout, stderr, exit code) under OUT, with timings, timestamps
# and the git revision masked.  Two snapshots taken with two builds are compared with `diff -r`:
#   tools/refactor/snapshot_outputs.sh build-before/rateopt /tmp/before
#   tools/refactor/snapshot_outputs.sh build/rateopt /tmp/after && diff -r /tmp/before /tmp/after
set -uo pipefail
bin=$(realpath "$1")
out=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$out"
mkdir -p "$out/work"
cd "$out/work"
n=0
# run NAME ARGS...: the command's exit code, stdout and stderr go to $out/NAME.{rc,out,err}
run() {
  local name=$1
  shift
  n=$((n + 1))
  "$bin" "$@" >"$out/$name.out" 2>"$out/$name.err" </dev/null
  echo $? >"$out/$name.rc"
}
ex=$src/examples
run gen_book generate --policies 3000 --seed 1 --out book.csv
run gen_quick generate --policies 500 --seed 3 --profile quickstart --out quick.csv
run opt_flags optimise --book book.csv --lr-max 0.68 --retention-min 0.78 --max-rate-change 0.25 --enbp-buffer 0.01 \
  --device cpu --out-dir o_flags
run opt_config optimise --book book.csv --config "$ex/benchmark_constraints.json" --device cpu --out-dir o_config
run opt_json optimise --book book.csv --config "$ex/benchmark_constraints.json" --device cpu --json --out-dir o_json
run opt_logistic optimise --book quick.csv --demand-model logistic --gwp-min 1 --device cpu --out-dir o_logistic
run opt_fair optimise --book book.csv --retention-min 0.75 --fairness-max 1.2 --device cpu --out-dir o_fair
run opt_lossratio optimise --book book.csv --objective loss_ratio --retention-min 0.8 --device cpu --out-dir o_lr
run opt_infeasible optimise --book book.csv --retention-min 0.999 --max-rate-change 0.05 --device cpu --out-dir o_inf
run opt_exists optimise --book book.csv --lr-max 0.7 --device cpu --out-dir o_flags
run opt_badopt optimise --book book.csv --lr-min 0.8 --lr-max 0.7 --out-dir o_bad
run opt_badkey optimise --book book.csv --config book.csv --out-dir o_bad
printf 'technical_price,expected_loss_cost,p_demand,elasticity\n100,50,1.3,-1\n' >bad.csv
run opt_badbook optimise --book bad.csv --out-dir o_bad
run opt_nobook optimise --book missing.csv --out-dir o_bad
run frontier frontier --book book.csv --sweep retention_min --from 0.70 --to 0.84 --points 6 --lr-max 0.68 \
  --device cpu --out-dir f
run frontier_json frontier --book book.csv --sweep lr_max --from 0.6 --to 0.7 --points 4 --device cpu --json --out-dir fj
run scenarios scenarios --book book.csv --elasticity-scale 0.75,1,1.25 --lr-max 0.68 --retention-min 0.78 \
  --device cpu --out-dir s
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("book.csv")))
with open("elast.csv", "w") as f:
    f.write("policy_id,elasticity\n")
    for i, r in enumerate(rows):
        f.write(f"{r['policy_id']},{float(r['elasticity']) * (1.1 if i % 2 else 0.9)!r}\n")
PY
run scenarios_files scenarios --book book.csv --elasticity-files elast.csv --elasticity-scale 1 --lr-max 0.68 \
  --device cpu --json --out-dir s2
run pareto pareto --book book.csv --sweep-x retention_min --x-range 0.70:0.80 --fairness-range 1.05:1.30 \
  --points-x 3 --points-y 3 --device cpu --out-dir p
run pareto_bad pareto --book book.csv --sweep-x retention_min --x-range 0.70-0.80 --fairness-range 1.05:1.30 \
  --out-dir pb
run clusters_gen clusters generate --clusters 15 --rates 5,7,9,11,13,15,17,25,30 --seed 1 --out-dir inst
run clusters clusters --clusters inst/clusters.csv --premiums inst/premiums.csv --target-termination 12 \
  --device cpu --write-qubo --out-dir cl
run clusters_json clusters --clusters inst/clusters.csv --premiums inst/premiums.csv --target-termination 12 \
  --device cpu --moves flip --replicas 32 --sweeps 200 --json --out-dir cl2
run qubo qubo --qubo cl/qubo.csv --replicas 64 --sweeps 200 --device cpu
run qubo_json qubo --qubo cl/qubo.csv --replicas 64 --sweeps 200 --device cpu --json
run cover cover --quotes "$ex/life_quotes.csv" --min-coverage 2000000 --min-avg-term 20 --max-policies 2
run cover_grid cover --quotes "$ex/life_quotes.csv" --grid-min-avg-term 15,20,23,25,27 \
  --grid-min-coverage 500000,1000000,2000000 --out-dir cv
run cover_json cover --quotes "$ex/life_quotes.csv" --min-coverage 1000000 --min-avg-term 15 --json
run reinsure reinsure --lines "$ex/reinsurance_lines.csv" --simulate 20000 --seed 7 \
  --correlation "$ex/reinsurance_correlation.csv" --alpha 0.99 --budget 2.5e6 --frontier 5 --device cpu --out-dir r
run reinsure_var reinsure --lines "$ex/reinsurance_lines.csv" --simulate 20000 --seed 7 --measure variance \
  --budget 1e12 --device cpu --json --out-dir rv
run mq model-quality --rho 0.8 --cv 1.5 --eta 1 --margin 1.25 --lr-target 0.9
run mq_cal model-quality --calibrate-eta --rho 0.8 --cv 1.5 --margin 1.25 --lr-observed 0.95
run mq_fs model-quality --rho-f 0.85 --cv-f 0.6 --rho-s 0.7 --cv-s 1.4 --eta 1 --margin 1.25 --json
cat >jobs.json <<'JSON'
{"jobs": [
 {"name": "base", "command": "optimise", "book": "book.csv", "out_dir": "b1", "options": {"lr_max": 0.68, "device": "cpu"}},
 {"name": "front", "command": "frontier", "book": "book.csv", "out_dir": "b2", "options": {"device": "cpu"},
  "args": ["--sweep", "lr_max", "--from", "0.6", "--to", "0.7", "--points", "3"]},
 {"name": "broken", "command": "optimise", "book": "missing.csv", "out_dir": "b3"}
]}
JSON
run batch batch --manifest jobs.json --summary batch_summary.csv
if command -v mpiexec >/dev/null; then
  mpi="mpiexec --allow-run-as-root --oversubscribe -n 2"
  $mpi "$bin" optimise --book book.csv --config "$ex/benchmark_constraints.json" --device cpu --out-dir mpi_o \
    >"$out/mpi_opt.out" 2>"$out/mpi_opt.err" </dev/null
  echo $? >"$out/mpi_opt.rc"
  $mpi "$bin" frontier --book book.csv --sweep retention_min --from 0.7 --to 0.8 --points 4 --device cpu \
    --out-dir mpi_f >"$out/mpi_frontier.out" 2>"$out/mpi_frontier.err" </dev/null
  echo $? >"$out/mpi_frontier.rc"
fi
# every peer fixture case: its book and config, solved on the CPU
fx=$src/tests/fixtures/peer
python3 - "$fx/manifest.json" <<'PY' >cases.txt
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    cfg = dict(c["config"]); cfg["demand_model"] = c["demand_model"]; cfg["device"] = "cpu"
    name = c["file"][:-5]
    json.dump(cfg, open(name + ".config.json", "w"))
    print(name, c["book"])
PY
while read -r name book; do
  run "peer_$name" optimise --book "$fx/$book" --config "$name.config.json" --out-dir "peer_$name"
done <cases.txt
# mask what may differ run to run: timings, timestamps, the build's git revision, temp names
python3 - "$out" <<'PY'
import json, os, re, sys
root = sys.argv[1]
masked_keys = re.compile(r"(second|timestamp|git_revision|wall|elapsed|phase)", re.I)
def mask(v):
    if isinstance(v, dict):
        return {k: ("<masked>" if masked_keys.search(k) else mask(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [mask(x) for x in v]
    return v
text_masks = [(re.compile(r"\d+(\.\d+)?(e[-+]?\d+)? ?(s|ms)\b"), "<time>"),
              (re.compile(r"^Time .*$", re.M), "Time <masked>"),
              (re.compile(r"git [0-9a-f]{7,40}(-dirty)?"), "git <rev>"),
              (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"), "<timestamp>")]
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        data = open(p, "rb").read()
        try:
            text = data.decode()
        except UnicodeDecodeError:
            continue
        if f.endswith(".json") or f.endswith(".out"):
            try:
                j = json.loads(text)
                open(p, "w").write(json.dumps(mask(j), indent=1) + "\n")
                continue
            except ValueError:
                pass
        if f.endswith(".csv"):  # columns of timings
            import csv, io
            rows = list(csv.reader(io.StringIO(text)))
            if rows:
                cols = [i for i, h in enumerate(rows[0]) if masked_keys.search(h)]
                for r in rows[1:]:
                    for i in cols:
                        if i < len(r):
                            r[i] = "<masked>"
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerows(rows)
                text = buf.getvalue()
        for rx, rep in text_masks:
            text = rx.sub(rep, text)
        open(p, "w").write(text)
PY
echo "snapshot of $n commands in $out"
