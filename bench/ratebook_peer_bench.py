#!/usr/bin/env python3
"""`rateopt ratebook` against price-contour's RatebookOptimiser on the same generated books, in one run.

Run it through bench/run_ratebook_peer_bench.sh, which makes price-contour's virtual environment (exact pins in
tools/peer/grid_requirements.txt) and builds rateopt.  What it does, per book size N:

* draws a book (seeded): F rating factors with 5–50 levels each, every policy's level of each, a technical
  price and loss cost shaped by its levels, a renewal flag, demand at the technical price and an elasticity
  that also depends on the levels (so that levels want different changes), and the current ratebook (the
  levels' cost effects seen through noise); a policy's current price is its technical price × its prior
  multiplier, the current ratebook's product over the cost effects' product.  Demand is rateopt's logistic
  model, x(m) = 1/(1 + exp(α + β·m)) at multiplier m = price/technical price, α and β from the demand at m = 1
  and the elasticity there;
* sets limits that bind: from the best ratebook without limits (an untimed rateopt run), loss ratio half a
  point lower and retention 1 point lower (both tools must lower the loss ratio while keeping customers);
* gives both tools the same search space: every level's new/current relativity within [0.7, 1.4] (the peer's
  candidate range), the base rate held, no per-policy box that binds (rateopt: multiplier 0.01 … 100, no
  technical floor);
* runs, each in its own process, alternating the order from run to run: `rateopt ratebook` (reads the book CSV
  and the ratebook CSV, solves, writes ratebook.csv, policies.csv and result.json; without the per-policy solve
  for the structure cost, which a separate run measures) and price-contour's RatebookOptimiser (loads the book's
  arrays, builds its scored quote grid, K price steps per policy with the profit and the constraints' linear
  columns from the same demand model, then solves by coordinate descent; LR ≤ L as Σ (c − L·p)·x ≤ 0,
  retention ≥ R as Σ_renewals x ≥ R·renewals, the sums price-contour's RatebookOptimiser takes);
* records wall time and peak memory (the command's peak RSS, from /usr/bin/time %M), and recomputes here, from
  each tool's new relativities, every policy's price (current price × the product of its levels' changes),
  then profit, loss ratio, retention and the relative violations with the same demand model in float64.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from bench_machine import machine_line  # bench/, next to this file
from grid_peer_bench import fmt_s, load_line, mem_available, run_child

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SEED = 2027
REL_LOW, REL_HIGH = 0.7, 1.4     # the peer's default candidate range, and rateopt's --level-bounds
LR_GAIN, RETENTION_GIVE = 0.005, 0.01  # the limits: LR and retention below the best ratebook's without limits
FEASIBLE = 1e-6                  # relative violation below which an answer counts as meeting a limit
PEER_BYTES_PER_QUOTE_STEP = 96   # the peer's frame and grid while it builds (for the memory check)


# ------------------------------------------------------------------------------------------ the book
def logistic(x0: np.ndarray, elasticity: np.ndarray, m: np.ndarray) -> np.ndarray:
    """rateopt's logistic demand at multiplier m (math/policy_math.hpp logistic_parameters)."""
    beta = -elasticity / (1.0 - x0)
    alpha = np.log(1.0 / x0 - 1.0) - beta
    return 1.0 / (1.0 + np.exp(alpha + beta * m))


def draw_book(n: int, n_factors: int, seed: int) -> dict:
    rng = np.random.default_rng(seed + n)
    n_levels = rng.integers(5, 51, n_factors)
    cost_effect = [rng.normal(0.0, 0.12, k) for k in n_levels]            # log effect of each level on cost
    current = [np.round(np.exp(e + rng.normal(0.0, 0.06, e.size)), 4) for e in cost_effect]
    sensitivity = [rng.normal(0.0, 0.35, k) for k in n_levels]            # effect on the elasticity
    level = np.empty((n_factors, n), dtype=np.int32)
    for f, k in enumerate(n_levels):
        p = rng.dirichlet(np.full(k, 2.0))                                # uneven level sizes
        level[f] = rng.choice(k, n, p=p)
    log_cost_effect = sum(cost_effect[f][level[f]] for f in range(n_factors))
    log_current = sum(np.log(current[f][level[f]]) for f in range(n_factors))
    tc = np.round(500.0 * np.exp(log_cost_effect + rng.normal(0.0, 0.15, n)), 2)
    cost = np.round(tc * rng.uniform(0.55, 0.75, n), 2)
    # current price = 1.05 × the current ratebook's product × tc's base; as a multiplier of tc:
    prior = np.round(1.05 * np.exp(log_current) * 500.0 / tc * np.exp(rng.normal(0.0, 0.03, n)), 6)
    renewal = rng.random(n) < 0.6
    x0 = np.round(np.where(renewal, rng.uniform(0.6, 0.92, n), rng.uniform(0.12, 0.4, n)), 6)
    elasticity = np.round(-np.clip(2.5 + sum(sensitivity[f][level[f]] for f in range(n_factors))
                                   + rng.normal(0.0, 0.3, n), 0.8, 6.0), 6)
    return dict(n=n, n_factors=n_factors, n_levels=n_levels, level=level, current=current, tc=tc, cost=cost,
                prior=prior, renewal=renewal, x0=x0, elasticity=elasticity, n_renewals=int(renewal.sum()))


def factor_name(f: int) -> str:
    return f"f{f}"


def level_label(f: int, l: int) -> str:
    return f"L{l:02d}"


def write_inputs(book: dict, work: str) -> tuple[str, str, str]:
    """The book CSV and ratebook CSV for rateopt, and an .npz of the same arrays for the peer."""
    import polars as pl

    n, F = book["n"], book["n_factors"]
    cols = {"policy_id": [f"P{i:08d}" for i in range(n)], "technical_price": book["tc"],
            "expected_loss_cost": book["cost"], "p_demand": book["x0"], "elasticity": book["elasticity"],
            "renewal_flag": book["renewal"].astype(np.int8), "prior_multiplier": book["prior"]}
    for f in range(F):
        labels = np.array([level_label(f, l) for l in range(book["n_levels"][f])])
        cols["factor." + factor_name(f)] = labels[book["level"][f]]
    book_csv = os.path.join(work, "book.csv")
    pl.DataFrame(cols).write_csv(book_csv, float_precision=6)
    ratebook_csv = os.path.join(work, "ratebook.csv")
    with open(ratebook_csv, "w") as out:
        out.write("factor,level,relativity\n")
        for f in range(F):
            for l, r in enumerate(book["current"][f]):
                out.write(f"{factor_name(f)},{level_label(f, l)},{float(r)!r}\n")
    npz = os.path.join(work, "book.npz")
    np.savez(npz, tc=book["tc"], cost=book["cost"], prior=book["prior"], renewal=book["renewal"], x0=book["x0"],
             elasticity=book["elasticity"], level=book["level"], n_levels=book["n_levels"])
    return book_csv, ratebook_csv, npz


# ------------------------------------------------------------------------------------------ metrics
def evaluate(book: dict, change: list[np.ndarray], limits: dict) -> dict:
    """The book priced at current price × Π its levels' new/current relativity, in float64."""
    log_change = sum(np.log(change[f][book["level"][f]]) for f in range(book["n_factors"]))
    m = book["prior"] * np.exp(log_change)
    x = logistic(book["x0"], book["elasticity"], m)
    premium = m * book["tc"]
    profit = float(np.sum((premium - book["cost"]) * x))
    lr = float(np.sum(book["cost"] * x) / np.sum(premium * x))
    ret = float(np.sum(x[book["renewal"]]) / book["n_renewals"])
    viol = {"lr_max": max(0.0, lr - limits["lr_max"]) / limits["lr_max"],
            "retention_min": max(0.0, limits["retention_min"] - ret) / limits["retention_min"]}
    out_of_range = max(max(float(np.max(c)) / REL_HIGH - 1.0, 1.0 - float(np.min(c)) / REL_LOW, 0.0) for c in change)
    return dict(profit=profit, loss_ratio=lr, retention=ret, worst_violation=max(viol.values()),
                violations=viol, relativity_outside_range=out_of_range)


NO_LIMITS = {"lr_max": 1e9, "retention_min": 1e-9}


def set_limits(a, book: dict, paths: tuple, work: str) -> dict:
    """Limits that bind: from the best ratebook without any (an untimed rateopt run), the loss ratio
    LR_GAIN lower and retention RETENTION_GIVE lower."""
    free = run_rateopt(a, book, paths, NO_LIMITS, work, structure_cost=False)
    if "check" not in free:
        raise RuntimeError(f"the run without limits failed: {free}")
    return dict(lr_max=round(free["check"]["loss_ratio"] - LR_GAIN, 6),
                retention_min=round(free["check"]["retention"] - RETENTION_GIVE, 6), _free=free["check"])


# ------------------------------------------------------------------------------------------ rateopt
def rateopt_command(a, book_csv: str, ratebook_csv: str, limits: dict, out_dir: str, structure_cost: bool,
                    n_factors: int) -> list[str]:
    cmd = [a.rateopt, "ratebook", "--book", book_csv, "--ratebook", ratebook_csv]
    if limits is not NO_LIMITS:
        cmd += ["--lr-max", repr(limits["lr_max"]), "--retention-min", repr(limits["retention_min"])]
    cmd += ["--demand-model", "logistic", "--no-technical-floor", "--min-multiplier", "0.01",
           "--max-multiplier", "100", "--fix", "base", "--device", "cpu",
           "--structure-cost" if structure_cost else "--no-structure-cost", "--out-dir", out_dir, "--force", "--json"]
    cmd += ["--level-bounds", ",".join(f"{factor_name(f)}={REL_LOW}:{REL_HIGH}" for f in range(n_factors))]
    return cmd


def run_rateopt(a, book: dict, paths: tuple, limits: dict, work: str, structure_cost: bool) -> dict:
    import polars as pl

    book_csv, ratebook_csv, _ = paths
    out_dir = os.path.join(work, "rateopt_out")
    cmd = rateopt_command(a, book_csv, ratebook_csv, limits, out_dir, structure_cost, book["n_factors"])
    r = run_child(cmd, a.timeout, os.path.join(work, "rateopt.json"))
    r["command"] = shlex.join(["rateopt"] + cmd[1:]).replace(work + "/", "")
    if r["timeout"] or r["rc"] not in (0, 3):
        return r
    with open(os.path.join(work, "rateopt.json")) as f:
        res = json.load(f)
    r.update(status=res["status"], reported_profit=res["expected_profit"], kkt=res["kkt"],
             newton_iterations=res["newton_iterations"], n_cells=res["n_cells"], passes=res["passes"],
             structure_cost=res.get("structure_cost"), per_policy_bound=res.get("per_policy_bound"),
             binding={k: v["binding"] for k, v in res["constraint_evaluation"].items()})
    table = pl.read_csv(os.path.join(out_dir, "ratebook.csv"), schema_overrides={"level": pl.String})
    change = [np.ones(k) for k in book["n_levels"]]
    for row in table.iter_rows(named=True):
        if row["factor"] == "base":
            assert row["new_relativity"] == row["old_relativity"], "the base rate is held"
            continue
        f, l = int(row["factor"][1:]), int(row["level"][1:])
        change[f][l] = row["new_relativity"] / row["old_relativity"]
    r["check"] = evaluate(book, change, limits)
    shutil.rmtree(out_dir, ignore_errors=True)
    return r


# ------------------------------------------------------------------------------------------ the peer
def run_peer(a, book: dict, paths: tuple, limits: dict, work: str) -> dict:
    tables = os.path.join(work, "peer_tables.json")
    spec = dict(npz=paths[2], limits=limits, n_renewals=book["n_renewals"], k=a.k, tables=tables,
                max_cd_iterations=a.peer_cd_iterations, candidate_steps=a.peer_candidate_steps)
    cmd = [sys.executable, os.path.abspath(__file__), "--peer-child", json.dumps(spec)]
    r = run_child(cmd, a.timeout, os.path.join(work, "peer.json"))
    if r["timeout"] or r["rc"] != 0:
        return r
    with open(os.path.join(work, "peer.json")) as f:
        r.update(json.load(f))
    with open(tables) as f:
        factor_tables = json.load(f)
    change = [np.array([factor_tables[factor_name(f)][level_label(f, l)] for l in range(k)])
              for f, k in enumerate(book["n_levels"])]
    r["check"] = evaluate(book, change, limits)
    os.remove(tables)
    return r


def peer_child(spec: dict) -> int:
    """One RatebookOptimiser run in its own process: load the book, build the scored grid, solve."""
    import polars as pl
    import price_contour as pc

    t0 = time.perf_counter()
    z = np.load(spec["npz"])
    tc, cost, prior, renewal = z["tc"], z["cost"], z["prior"], z["renewal"]
    x0, elasticity, level, n_levels = z["x0"], z["elasticity"], z["level"], z["n_levels"]
    n, k, limits = tc.size, spec["k"], spec["limits"]
    # price steps as multiples of the current price: the candidate range's products and a margin, with 1.0
    steps = np.round(np.linspace(0.5, 2.0, k), 6)
    steps[np.argmin(np.abs(steps - 1.0))] = 1.0
    m = prior[:, None] * steps[None, :]
    x = logistic(x0[:, None], elasticity[:, None], m)
    premium = m * tc[:, None]
    frame = pl.DataFrame({
        "quote_id": np.repeat(np.arange(n, dtype=np.int64), k),
        "scenario_index": np.tile(np.arange(k, dtype=np.int32), n),
        "scenario_value": np.tile(steps.astype(np.float32), n),
        "profit": ((premium - cost[:, None]) * x).astype(np.float32).ravel(),
        "lr_max": ((cost[:, None] - limits["lr_max"] * premium) * x).astype(np.float32).ravel(),
        "retention_min": (renewal[:, None] * x).astype(np.float32).ravel(),
    }).with_columns(pl.format("P{}", pl.col("quote_id").cast(pl.String).str.zfill(8)).alias("quote_id"))
    del m, x, premium
    factors = pl.DataFrame({"quote_id": [f"P{i:08d}" for i in range(n)],
                            **{factor_name(f): np.array([level_label(f, l) for l in range(n_levels[f])])[level[f]]
                               for f in range(level.shape[0])}})
    t1 = time.perf_counter()
    builder = pc.QuoteGridBuilder(["lr_max", "retention_min"], objective="profit")
    builder.append(frame)
    grid = builder.build()
    del frame, builder
    t2 = time.perf_counter()
    constraints = {"lr_max": {"max": 0.0}, "retention_min": {"min": limits["retention_min"] * spec["n_renewals"]}}
    opt = pc.RatebookOptimiser(objective="profit", constraints=constraints,
                               factor_columns=[[factor_name(f)] for f in range(level.shape[0])],
                               candidate_min=REL_LOW, candidate_max=REL_HIGH,
                               candidate_steps=spec["candidate_steps"], max_cd_iterations=spec["max_cd_iterations"])
    res = opt.solve(grid, factors)
    t3 = time.perf_counter()
    with open(spec["tables"], "w") as f:
        json.dump(res.factor_tables, f)
    json.dump(dict(seconds_prepare=t1 - t0, seconds_build=t2 - t1, seconds_solve=t3 - t2,
                   converged=bool(res.converged), cd_iterations=int(res.cd_iterations),
                   reported_profit=float(res.total_objective), clamp_rate=float(res.clamp_rate),
                   clamped=int(res.n_quotes_clamped_low) + int(res.n_quotes_clamped_high),
                   version=pc.__version__), sys.stdout)
    return 0


# ------------------------------------------------------------------------------------------ report
def summarise(entry: dict) -> dict:
    runs: dict[str, list] = {}
    for r in entry["runs"]:
        runs.setdefault(r["tool"], []).append(r)
    out = {}
    for tool, rs in runs.items():
        ok = [r for r in rs if not r["timeout"] and r.get("rc") in (0, 3) and "check" in r]
        out[tool] = dict(runs=len(rs), ok=len(ok), seconds=statistics.median(r["seconds"] for r in rs),
                         peak_mib=statistics.median(r["peak_mib"] or 0 for r in rs),
                         first=ok[0] if ok else None)
    return out


def write_report(path: str, raw: dict) -> None:
    cmd = "nice -n 19 bash bench/run_ratebook_peer_bench.sh " + shlex.join(
        [x for i, x in enumerate(raw["argv"]) if x != "--rateopt" and (i == 0 or raw["argv"][i - 1] != "--rateopt")])
    L = [f"# `rateopt ratebook` against price-contour's RatebookOptimiser, {raw['date']}", "",
         f"Machine: {raw['machine']}; shared with other builds and benchmarks: load average {raw['load_start']} at "
         f"the start, {raw.get('load_end', '?')} at the end (each run's load is in the JSON); every run under "
         f"nice -n 19.  rateopt revision {raw['revision']}, CPU, every core.  Peer: {raw['peer']} "
         f"RatebookOptimiser (coordinate descent over the factors, a grouped Lagrangian solve per factor; "
         f"max_cd_iterations {raw['peer_cd_iterations']}, candidate_steps {raw['peer_candidate_steps']} on "
         f"[{REL_LOW}, {REL_HIGH}], its other defaults), on a grid of {raw['k']} price steps per policy "
         f"(0.5 … 2.0 × the current price).", "", "Command:", "", "```", cmd, "```", "",
         "Each run is its own process timed from start to exit; memory is its peak resident set (/usr/bin/time "
         "%M).  rateopt: reads the book and ratebook CSVs, solves, writes its three files (the timed runs without "
         "the per-policy solve; `rateopt+bound` is one more run with it, for the structure cost).  price-contour: "
         "loads the same book's arrays, scores its grid (demand, profit and the two constraint columns at every "
         "step, from the same model), builds the QuoteGrid and solves; `build` and `solve` are its phases.  "
         "Profit, LR, retention and violations are recomputed here from each tool's new relativities (price = "
         "current price × Π new/current), float64, the same logistic demand; a limit is met when its relative "
         f"violation is at most {raw['feasible_tolerance']:g}.  Medians over the runs, order alternating.", "",
         "| N | factors / levels / cells | tool | s (median) | MiB | profit | LR | retention | worst viol. | "
         "notes |", "|---:|:---|:---|---:|---:|---:|---:|---:|---:|:---|"]
    for e in raw["cases"]:
        s = summarise(e)
        shape = f"{e['n_factors']} / {e['levels']} / {e.get('cells', '?')}"
        for tool, t in s.items():
            f = t["first"]
            if f is None:
                L.append(f"| {e['n']:,} | {shape} | {tool} | {fmt_s(t['seconds'])} | — | — | — | — | — | "
                         f"{'timeout' if any(r['timeout'] for r in e['runs'] if r['tool'] == tool) else 'error'} |")
                continue
            c = f["check"]
            if tool.startswith("rateopt"):
                note = (f"{f['status']}, {f['newton_iterations']} Newton steps, {f['passes']} passes, "
                        f"KKT stat. {f['kkt']['stationarity']:.1e}")
                if f.get("structure_cost") is not None:
                    note += (f"; structure cost {f['structure_cost']:,.0f} "
                             f"({100 * f['structure_cost'] / f['per_policy_bound']:.2f}% of the bound "
                             f"{f['per_policy_bound']:,.0f})")
            else:
                note = (f"converged {'yes' if f['converged'] else 'no'} ({f['cd_iterations']} CD it.), build "
                        f"{fmt_s(f['seconds_build'])} s + solve {fmt_s(f['seconds_solve'])} s, its own profit "
                        f"{f['reported_profit']:,.0f}, {f['clamped']:,} quotes clamped to the grid")
            L.append(f"| {e['n']:,} | {shape} | {tool} | {fmt_s(t['seconds'])} | {t['peak_mib']:,.0f} | "
                     f"{c['profit']:,.2f} | {c['loss_ratio']:.6f} | {c['retention']:.6f} | "
                     f"{c['worst_violation']:.1e} | {note} |")
    L += ["", f"Limits: from the best ratebook without limits (an untimed rateopt run), the loss ratio {LR_GAIN:g} "
          f"lower and the retention {RETENTION_GIVE:g} lower.  Per size: " + "; ".join(
              f"N {e['n']:,}: lr_max {e['limits']['lr_max']}, retention_min {e['limits']['retention_min']} "
              f"(current ratebook: LR {e['current']['loss_ratio']:.4f}, retention {e['current']['retention']:.4f}, "
              f"profit {e['current']['profit']:,.0f}; without limits: LR {e['free']['loss_ratio']:.4f}, retention "
              f"{e['free']['retention']:.4f}, profit {e['free']['profit']:,.0f})" for e in raw["cases"]) + "."]
    L += ["", "## Speed-up and profit", ""]
    for e in raw["cases"]:
        s = summarise(e)
        ro, pe = s.get("rateopt"), s.get("price-contour")
        if ro and pe and ro["first"] and pe["first"]:
            L.append(f"- N {e['n']:,}: rateopt {fmt_s(ro['seconds'])} s against {fmt_s(pe['seconds'])} s "
                     f"({pe['seconds'] / ro['seconds']:.1f}× faster; {pe['first']['seconds_solve'] / ro['seconds']:.1f}× "
                     f"against the peer's solve alone), {ro['peak_mib']:,.0f} against {pe['peak_mib']:,.0f} MiB; "
                     f"profit {ro['first']['check']['profit'] - pe['first']['check']['profit']:+,.2f} against the "
                     f"peer's; worst violation {ro['first']['check']['worst_violation']:.1e} against "
                     f"{pe['first']['check']['worst_violation']:.1e}.")
    for sk in raw["skipped"]:
        L += ["", f"Skipped N = {sk['n']:,}: {sk['reason']}."]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


# ------------------------------------------------------------------------------------------ driver
def run_size(a, n: int, work: str, raw: dict, turn: list[int]) -> None:
    need = PEER_BYTES_PER_QUOTE_STEP * n * a.k
    if need > 0.7 * mem_available():
        raw["skipped"].append(dict(n=n, reason=f"price-contour's grid (about {need / 2**30:.1f} GiB) does not fit "
                                             f"the available memory ({mem_available() / 2**30:.1f} GiB)"))
        return
    t0 = time.perf_counter()
    book = draw_book(n, a.factors, a.seed)
    paths = write_inputs(book, work)
    current = evaluate(book, [np.ones(k) for k in book["n_levels"]], NO_LIMITS)
    limits = set_limits(a, book, paths, work)
    free = limits.pop("_free")
    cells = int(np.unique(book["level"], axis=1).shape[1])
    entry = dict(n=n, n_factors=a.factors, levels=" ".join(str(k) for k in book["n_levels"]), cells=cells,
                 limits=limits, current=current, free=free, runs=[])
    raw["cases"].append(entry)
    print(f"N={n}: book ({a.factors} factors, levels {entry['levels']}, {cells} cells) and limits in "
          f"{time.perf_counter() - t0:.1f} s; limits {limits}; current {current}; free {free}", flush=True)
    for rep in range(a.repeats):
        order = ["rateopt", "price-contour"] if turn[0] % 2 == 0 else ["price-contour", "rateopt"]
        turn[0] += 1
        if rep == 0 and a.structure_cost:
            order.append("rateopt+bound")
        for tool in order:
            if tool == "price-contour":
                r = run_peer(a, book, paths, limits, work)
            else:
                r = run_rateopt(a, book, paths, limits, work, structure_cost=tool == "rateopt+bound")
            r.update(tool=tool, rep=rep, load=load_line())
            entry["runs"].append(r)
            chk = r.get("check", {})
            print(f"  rep {rep} {tool:14s} {r['seconds']:8.2f} s {r['peak_mib'] or 0:8.0f} MiB "
                  f"profit {chk.get('profit', float('nan')):,.2f} viol {chk.get('worst_violation', float('nan')):.1e}"
                  + (" TIMEOUT" if r["timeout"] else "") + (f" rc {r['rc']} {r.get('stderr', '')}"
                                                            if r.get("rc") not in (0, 3, None) else ""), flush=True)
    for p in paths:
        os.remove(p)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--peer-child":
        return peer_child(json.loads(sys.argv[2]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rateopt", default=os.path.join(ROOT, "build", "rateopt"))
    ap.add_argument("--sizes", default="100000,1000000", help="book sizes N, comma separated")
    ap.add_argument("--factors", type=int, default=8, help="rating factors (5–50 levels each)")
    ap.add_argument("--k", type=int, default=41, help="price steps per policy on the peer's grid")
    ap.add_argument("--repeats", type=int, default=2, help="runs of each tool per size (medians reported)")
    ap.add_argument("--structure-cost", action=argparse.BooleanOptionalAction, default=True,
                    help="one more rateopt run with the per-policy solve, for the cost of the structure")
    ap.add_argument("--peer-cd-iterations", type=int, default=3, help="price-contour's max_cd_iterations (default 3)")
    ap.add_argument("--peer-candidate-steps", type=int, default=50, help="price-contour's candidate_steps (default 50)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="wall-clock limit of one run, seconds")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--workdir", default=None, help="folder for the inputs (default: a new temporary folder)")
    ap.add_argument("--out", default=None, help="markdown file (default bench/results/ratebook_peer_<date>.md)")
    a = ap.parse_args()

    import price_contour

    today = dt.date.today().isoformat()
    out_md = a.out or os.path.join(HERE, "results", f"ratebook_peer_{today}.md")
    work = tempfile.mkdtemp(prefix="rateopt-ratebook-bench-", dir=a.workdir)
    git = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    raw = dict(date=today, machine=machine_line(with_load=False), load_start=load_line(), revision=git.stdout.strip(),
               peer=f"price-contour {price_contour.__version__}", argv=sys.argv[1:], k=a.k,
               peer_cd_iterations=a.peer_cd_iterations, peer_candidate_steps=a.peer_candidate_steps,
               feasible_tolerance=FEASIBLE, cases=[], skipped=[])
    print(raw["machine"], "load", raw["load_start"], flush=True)
    turn = [0]
    try:
        for n in (int(v) for v in a.sizes.split(",")):
            run_size(a, n, work, raw, turn)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        raw["load_end"] = load_line()
        write_report(out_md, raw)
        with open(os.path.splitext(out_md)[0] + ".json", "w") as f:
            json.dump(raw, f, indent=1, default=str)
        print(f"wrote {out_md}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
