#!/usr/bin/env bash
# The cluster QUBO against the peer annealer (SPEC §3): qubovert's anneal_qubo and rateopt anneal the
# same 15×9 QUBO (exported by `rateopt clusters --write-qubo`), 1,000 anneals each, in one run.
#
# Writes bench/results/qubo_peer_<date>.md: machine, commands, and per run the anneal seconds, the
# ratio to qubovert, the best energy of the CSV terms (the QUBO's constant added separately), and the
# best state decoded and scored independently (bench/qubo_peer_bench.py score) against the exact optimum.
#
# Usage: bench/run_qubo_peer_bench.sh
# Environment: BUILD_DIR (default <repo>/build, built if needed), VENV (default <BUILD_DIR>/qubo-peer-venv),
#              SEED (instance and anneal seed, default 1), THREADS (rateopt CPU threads, default 0 = all).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
VENV="${VENV:-$BUILD_DIR/qubo-peer-venv}"
SEED="${SEED:-1}"
THREADS="${THREADS:-0}"
RESULTS="$ROOT/bench/results"
MD="$RESULTS/qubo_peer_$(date +%Y-%m-%d).md"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$RESULTS"

echo "== build rateopt in $BUILD_DIR"
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j2 --target rateopt
BIN="$BUILD_DIR/rateopt"

echo "== python venv with qubovert 1.2.5 in $VENV"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q qubovert==1.2.5
PY="$VENV/bin/python"
HELPER="$ROOT/bench/qubo_peer_bench.py"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" clusters generate --clusters 15 --seed "$SEED" --out-dir "$WORK/instance" >/dev/null
C="$WORK/instance/clusters.csv"
P="$WORK/instance/premiums.csv"
clusters_run() {  # out-dir, extra flags...
  local out="$1"
  shift
  "$BIN" clusters --clusters "$C" --premiums "$P" --target-termination 11 --device cpu --threads "$THREADS" \
    --exact on --out-dir "$out" --json "$@"
}
echo "== rateopt clusters (defaults) exports the QUBO"
clusters_run "$WORK/default" --write-qubo >"$WORK/default.json"
Q="$WORK/default/qubo.csv"
echo "== rateopt clusters, 1000 replicas x 1000 sweeps"
clusters_run "$WORK/onehot" --replicas 1000 --sweeps 1000 >"$WORK/onehot.json"
echo "== rateopt qubo (single flips on the CSV), 1000 replicas x 1000 sweeps"
"$BIN" qubo --qubo "$Q" --replicas 1000 --sweeps 1000 --seed "$SEED" --device cpu --threads "$THREADS" --json \
  >"$WORK/flip.json"
echo "== qubovert anneal_qubo, 1000 anneals x 1000 sweeps (this takes a while)"
"$PY" "$HELPER" anneal "$Q" 1000 1000 "$SEED" >"$WORK/qubovert.json"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

export WORK C P PY HELPER MD LOAD_BEFORE LOAD_AFTER SEED THREADS
export RB_CPU="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
export RB_CPUS="$(nproc)"
export RB_MEM="$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
export RB_GIT="$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
export RB_GXX="$(g++ --version | head -1)"
"$PY" - <<'PYEOF'
import json, os, subprocess
W = os.environ["WORK"]
load = lambda name: json.load(open(os.path.join(W, name)))
default, onehot, flip, peer = load("default.json"), load("onehot.json"), load("flip.json"), load("qubovert.json")
offset = default["qubo"]["offset"]
exact = default["exact"]["revenue"]
n_choice = default["qubo"]["choice_variables"]

def score(state):
    out = subprocess.run([os.environ["PY"], os.environ["HELPER"], "score", os.environ["C"], os.environ["P"], "11", state],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)

def choice_state(choice, n_options=9):
    bits = ["0"] * n_choice
    for i, c in enumerate(choice):
        bits[i * n_options + c] = "1"
    return "".join(bits)

rows = []
peer_s = peer["seconds"]
def row(tool, size, seconds, energy, scored):
    gap = (exact - scored["revenue"]) / exact if scored["valid"] else None
    rows.append((tool, size, seconds, peer_s / seconds, energy, energy + offset, scored, gap))

row("qubovert 1.2.5 `anneal_qubo` (single flips, its default schedule)", "1,000 × 1,000", peer_s, peer["best_energy"],
    score(peer["best_state"]))
row("rateopt `qubo` (single flips, incremental local fields)", "1,000 × 1,000", flip["seconds"],
    flip["best_energy"], score(flip["best_state"]))
row("rateopt `clusters` (one-hot pair moves)", "1,000 × 1,000", onehot["sa"]["seconds"],
    onehot["sa"]["best_energy"] - offset, score(choice_state(onehot["sa"]["choice"])))
row("rateopt `clusters` defaults", "%d × %d" % (default["sa"]["replicas"], default["sa"]["sweeps"]),
    default["sa"]["seconds"], default["sa"]["best_energy"] - offset, score(choice_state(default["sa"]["choice"])))

with open(os.environ["MD"], "w") as f:
    f.write("# Cluster QUBO: rateopt vs qubovert (%s)\n\n" % os.environ["MD"].split("_")[-1][:-3])
    f.write("One 15-cluster × 9-rate instance (`rateopt clusters generate --clusters 15 --seed %s`), target "
            "termination 11%%; the QUBO (%d variables: %d choices + %d slack bits) exported once by `rateopt "
            "clusters --write-qubo` and annealed by both tools from the same `i,j,weight` file, one after the "
            "other in one run.  Seconds are the anneal only (qubovert: the `anneal_qubo` call; rateopt: the "
            "annealer's wall time, device cpu).  Energies are of the CSV terms; the QUBO's constant %.17g is added "
            "in the next column, where a one-hot state meeting the target has energy = −revenue.  States are "
            "decoded and scored by `bench/qubo_peer_bench.py score` from the instance files.\n\n"
            % (os.environ["SEED"], default["qubo"]["variables"], n_choice, default["qubo"]["slack_bits"], offset))
    f.write("Exact optimum (`rateopt clusters --exact on`): revenue %.2f, termination %.4f%%.\n\n"
            % (exact, default["exact"]["termination_rate"]))
    f.write("| annealer | anneals × sweeps | seconds | qubovert s / this s | best energy (CSV terms) | + constant | "
            "one-hot | meets 11% | revenue | gap to exact |\n|---|---|---:|---:|---:|---:|---|---|---:|---:|\n")
    for tool, size, s, ratio, e, eo, sc, gap in rows:
        f.write("| %s | %s | %.3f | %.1f× | %.17g | %.6g | %s | %s | %.2f | %s |\n" % (
            tool, size, s, ratio, e, eo, "yes" if sc["one_hot"] else "no",
            "yes" if sc["valid"] else "no", sc["revenue"], "%.3g%%" % (100 * gap) if gap is not None else "n/a"))
    f.write("\nMachine: %s, %s logical CPUs, %s; %s; rateopt git %s, CPU threads %s (0 = all); load average "
            "before %s, after %s (a shared machine: timings move with the load).\n\n"
            % (os.environ["RB_CPU"], os.environ["RB_CPUS"], os.environ["RB_MEM"], os.environ["RB_GXX"],
               os.environ["RB_GIT"], os.environ["THREADS"], os.environ["LOAD_BEFORE"], os.environ["LOAD_AFTER"]))
    f.write("Reproduce: `bench/run_qubo_peer_bench.sh` (SEED=%s).\n\n" % os.environ["SEED"])
    f.write("Schedules: rateopt `qubo`: %s (beta %.4g → %.4g).  rateopt `clusters`: %s (beta %.4g → %.4g).  "
            "qubovert: `anneal_temperature_range` of the QUBO, geometric.\n\n"
            % (flip["schedule_rule"], flip["beta_hot"], flip["beta_cold"], onehot["sa"]["schedule_rule"],
               onehot["sa"]["beta_hot"], onehot["sa"]["beta_cold"]))
    f.write("Penalty rule: %s.\n" % default["qubo"]["penalty_rule"])
print(open(os.environ["MD"]).read())
PYEOF
