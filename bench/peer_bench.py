#!/usr/bin/env python3
"""rateopt against the peer (insurance-optimise, scipy SLSQP) on the same books, in one run.

Run it through bench/run_peer_bench.sh, which makes the peer's virtual environment (exact pins in
tools/peer/requirements.txt) and builds rateopt.  What it does, per book size N:

* draws the book with the peer's benchmark distributions (tools/peer/make_peer_fixtures.py
  generate_book; seed 42, so N = 2,000 is the peer's own benchmark book bit for bit) and writes it as
  rateopt's CSV with every double round-tripping exactly;
* runs the peer: PortfolioOptimiser with its defaults (SLSQP, ftol 1e-9, maxiter 1000), the benchmark
  constraints, in a child process with a wall-clock limit (a run past it is recorded as a timeout);
  the time is the optimise() call alone;
* runs `rateopt optimise --device cpu` on the CSV (median of 3 runs), timing the whole process:
  reading the CSV, solving, writing result.json and policies.csv;
* recomputes, from each tool's multipliers and the SPEC §1 formulas (numpy, not either tool's own
  figures), the profit, loss ratio, retention and the worst relative violation of every bound and
  constraint.

Then rateopt alone on larger books (its own generator, the same distributions), where the peer's
dense SLSQP workspace (about 8.5·N² doubles) no longer fits in memory, and a 15-point retention
frontier on one book for both tools.  Writes a markdown table (and the raw figures as JSON).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing as mp
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools", "peer"))
import make_peer_fixtures as peer_fx  # noqa: E402  (the peer's generator and the independent SPEC model)
from bench_machine import machine_line  # noqa: E402  (bench/, next to this file)

CONSTRAINTS = {"lr_max": 0.68, "retention_min": 0.78, "max_rate_change": 0.25, "enbp_buffer": 0.01}
BOOK_SEED = 42
SLSQP_DOUBLES_PER_N2 = 8.5  # the peer's dense SLSQP workspace, doubles per N²


# ------------------------------------------------------------------------------------------ checks
def recomputed(m: np.ndarray, book: dict, cfg: dict) -> dict:
    """Profit, LR, retention and the worst relative violation, from SPEC §1 (weights 1, no expenses)."""
    met = peer_fx.spec_metrics(m, book, "log_linear")
    lb, ub, _ = peer_fx.spec_bounds(book, cfg)
    bound = float(np.max(np.maximum(np.maximum(lb - m, m - ub), 0.0) / ub))
    worst = {"bounds": bound}
    if cfg.get("lr_max") is not None:
        worst["lr_max"] = max(0.0, met["loss_ratio"] - cfg["lr_max"]) / cfg["lr_max"]
    if cfg.get("retention_min") is not None:
        worst["retention_min"] = max(0.0, cfg["retention_min"] - met["retention"]) / cfg["retention_min"]
    name = max(worst, key=worst.get)
    return dict(profit=met["profit"], loss_ratio=met["loss_ratio"], retention=met["retention"],
                worst_violation=worst[name], worst_violated=name if worst[name] > 0 else None)


# ------------------------------------------------------------------------------------------ the peer
def _peer_optimiser(book: dict, cfg: dict):
    from insurance_optimise import ConstraintConfig, PortfolioOptimiser

    return PortfolioOptimiser(
        technical_price=book["tc"], expected_loss_cost=book["c"], p_demand=book["x0"],
        elasticity=book["eps"], renewal_flag=book["renewal"], enbp=book["enbp"],
        prior_multiplier=book["prior"], constraints=ConstraintConfig(**cfg))


def _peer_child(kind: str, book: dict, cfg: dict, frontier: dict | None, queue) -> None:
    warnings.simplefilter("ignore")  # lb > ub clipping notices: the same conflicts rateopt reports
    try:
        opt = _peer_optimiser(book, cfg)
        if kind == "solve":
            t0 = time.perf_counter()
            r = opt.optimise()
            seconds = time.perf_counter() - t0
            queue.put(dict(seconds=seconds, multipliers=np.asarray(r.multipliers).tolist(),
                           converged=bool(r.converged), iterations=int(r.n_iter)))
        else:
            from insurance_optimise.frontier import EfficientFrontier

            ef = EfficientFrontier(opt, "volume_retention", (frontier["from"], frontier["to"]), frontier["points"])
            t0 = time.perf_counter()
            res = ef.run()
            seconds = time.perf_counter() - t0
            queue.put(dict(seconds=seconds, points=[
                dict(epsilon=float(p.epsilon), converged=bool(p.result.converged),
                     multipliers=np.asarray(p.result.multipliers).tolist()) for p in res.points]))
    except Exception as e:  # reported, not raised: one failing run must not stop the benchmark
        queue.put(dict(error=f"{type(e).__name__}: {e}"))


def run_peer(kind: str, book: dict, cfg: dict, timeout: float, frontier: dict | None = None) -> dict:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_peer_child, args=(kind, book, cfg, frontier, queue))
    t0 = time.perf_counter()
    child.start()
    try:
        out = queue.get(timeout=timeout)
    except Exception:
        out = dict(timeout=True, seconds=time.perf_counter() - t0)
    child.join(5)
    if child.is_alive():
        child.kill()
        child.join()
    return out


# ------------------------------------------------------------------------------------------ rateopt
def run_rateopt(binary: str, args: list[str], repeats: int) -> tuple[list[float], dict]:
    walls, summary = [], {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        p = subprocess.run([binary] + args + ["--force", "--json"], capture_output=True, text=True)
        walls.append(time.perf_counter() - t0)
        if p.returncode != 0:
            raise RuntimeError(f"rateopt {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
        summary = json.loads(p.stdout)
    return walls, summary


def read_multipliers(path: str, ids: np.ndarray) -> np.ndarray:
    with open(path) as f:
        by_id = {r["policy_id"]: float(r["multiplier"]) for r in csv.DictReader(f)}
    return np.array([by_id[i] for i in ids])


# ------------------------------------------------------------------------------------------ report
def shown_arguments() -> str:
    """This run's arguments as the wrapper script takes them (it supplies --rateopt itself)."""
    args, skip = [], False
    for a in sys.argv[1:]:
        if skip or a == "--rateopt":
            skip = not skip
            continue
        args.append(a)
    return shlex.join(args)


def fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rateopt", default=os.path.join(ROOT, "build", "rateopt"))
    ap.add_argument("--sizes", default="500,1000,2000,5000", help="book sizes run by both tools")
    ap.add_argument("--timeout", type=float, default=900.0, help="wall-clock limit of one peer run, seconds")
    ap.add_argument("--big", default="100000,1000000,10000000", help="book sizes run by rateopt alone")
    ap.add_argument("--frontier-size", type=int, default=500, help="book size of the frontier comparison (0: skip)")
    ap.add_argument("--frontier-timeout", type=float, default=1800.0)
    ap.add_argument("--repeats", type=int, default=3, help="rateopt runs per book (median reported)")
    ap.add_argument("--out", default=None, help="markdown file (default bench/results/peer_<date>.md)")
    a = ap.parse_args()

    import insurance_optimise
    import scipy

    today = dt.date.today().isoformat()
    out_md = a.out or os.path.join(HERE, "results", f"peer_{today}.md")
    work = tempfile.mkdtemp(prefix="rateopt-peer-bench-")
    git = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    cfg_path = os.path.join(work, "constraints.json")
    with open(cfg_path, "w") as f:
        json.dump(CONSTRAINTS, f)
    raw = dict(date=today, machine=machine_line(), revision=git.stdout.strip(), constraints=CONSTRAINTS,
               peer=f"insurance-optimise {insurance_optimise.__version__}, scipy {scipy.__version__}",
               timeout_s=a.timeout, solves=[], big=[], frontier=None)
    print(raw["machine"], flush=True)

    for n in [int(s) for s in a.sizes.split(",") if s]:
        book = peer_fx.generate_book(n, BOOK_SEED, "all")
        book_csv = os.path.join(work, f"book_{n}.csv")
        peer_fx.write_book_csv(book_csv, book, with_variance=False)
        out_dir = os.path.join(work, f"out_{n}")
        walls, summary = run_rateopt(a.rateopt, ["optimise", "--book", book_csv, "--config", cfg_path,
                                                 "--device", "cpu", "--out-dir", out_dir], a.repeats)
        ours = recomputed(read_multipliers(os.path.join(out_dir, "policies.csv"), book["policy_id"]), book,
                          CONSTRAINTS)
        row = dict(n=n, rateopt_seconds=statistics.median(walls), rateopt_solve_seconds=summary["seconds"],
                   rateopt_passes=summary["passes"], rateopt_status=summary["status"], rateopt=ours)
        print(f"N={n}: rateopt {row['rateopt_seconds']:.4f} s; running the peer (limit {a.timeout:.0f} s)", flush=True)
        peer = run_peer("solve", book, CONSTRAINTS, a.timeout)
        row["peer_seconds"] = peer.get("seconds")
        row["peer_timeout"] = bool(peer.get("timeout"))
        row["peer_error"] = peer.get("error")
        if "multipliers" in peer:
            row["peer"] = recomputed(np.array(peer["multipliers"]), book, CONSTRAINTS)
            row["peer_converged"] = peer["converged"]
            row["peer_iterations"] = peer["iterations"]
        raw["solves"].append(row)
        print(f"  peer {fmt_s(row['peer_seconds'])} s{' (timeout)' if row['peer_timeout'] else ''}", flush=True)

    for n in [int(s) for s in a.big.split(",") if s]:
        book_csv = os.path.join(work, f"big_{n}.csv")
        subprocess.run([a.rateopt, "generate", "--policies", str(n), "--seed", "2026", "--out", book_csv, "--force"],
                       check=True, capture_output=True)
        out_dir = os.path.join(work, f"big_out_{n}")
        walls, summary = run_rateopt(a.rateopt, ["optimise", "--book", book_csv, "--config", cfg_path,
                                                 "--device", "cpu", "--out-dir", out_dir], 1)
        raw["big"].append(dict(n=n, seconds=walls[0], solve_seconds=summary["seconds"], passes=summary["passes"],
                               status=summary["status"], optimality_gap=summary["optimality_gap"],
                               peer_workspace_gib=SLSQP_DOUBLES_PER_N2 * n * n * 8 / 2**30))
        os.remove(book_csv)
        shutil.rmtree(out_dir, ignore_errors=True)
        print(f"N={n}: rateopt {walls[0]:.3f} s (solve {summary['seconds']:.3f} s)", flush=True)

    if a.frontier_size > 0:
        n = a.frontier_size
        fr = dict(sweep="retention_min", **{"from": 0.70, "to": 0.80}, points=15)
        book = peer_fx.generate_book(n, BOOK_SEED, "all")
        book_csv = os.path.join(work, f"frontier_{n}.csv")
        peer_fx.write_book_csv(book_csv, book, with_variance=False)
        out_dir = os.path.join(work, "frontier_out")
        walls, _ = run_rateopt(a.rateopt, ["frontier", "--book", book_csv, "--config", cfg_path, "--device", "cpu",
                                           "--sweep", "retention_min", "--from", "0.70", "--to", "0.80",
                                           "--points", "15", "--out-dir", out_dir], a.repeats)
        with open(os.path.join(out_dir, "frontier.csv")) as f:
            ours = [dict(epsilon=float(r["epsilon"]), status=r["status"], profit=float(r["profit"]),
                         retention=float(r["retention"]), loss_ratio=float(r["loss_ratio"]))
                    for r in csv.DictReader(f)]
        print(f"frontier N={n}: rateopt {statistics.median(walls):.3f} s; running the peer", flush=True)
        peer = run_peer("frontier", book, CONSTRAINTS, a.frontier_timeout, fr)
        result = dict(n=n, rateopt_seconds=statistics.median(walls), peer_seconds=peer.get("seconds"),
                      peer_timeout=bool(peer.get("timeout")), peer_error=peer.get("error"), points=[])
        for k, p in enumerate(peer.get("points", [])):
            cfg = dict(CONSTRAINTS, retention_min=p["epsilon"])
            theirs = recomputed(np.array(p["multipliers"]), book, cfg)
            mine = ours[k]
            mine_viol = max(0.0, mine["loss_ratio"] - cfg["lr_max"]) / cfg["lr_max"]
            mine_viol = max(mine_viol, max(0.0, p["epsilon"] - mine["retention"]) / p["epsilon"])
            result["points"].append(dict(epsilon=p["epsilon"], peer_converged=p["converged"],
                                         peer_profit=theirs["profit"], peer_violation=theirs["worst_violation"],
                                         rateopt_status=mine["status"], rateopt_profit=mine["profit"],
                                         rateopt_violation=mine_viol))
        raw["frontier"] = result

    write_report(out_md, raw, a)
    with open(os.path.splitext(out_md)[0] + ".json", "w") as f:
        json.dump(raw, f, indent=1)
    shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {out_md}", flush=True)
    return 0


def write_report(path: str, raw: dict, a) -> None:
    L = [f"# rateopt against insurance-optimise (SLSQP), {raw['date']}", "",
         f"Machine: {raw['machine']}.  rateopt revision {raw['revision']}, CPU backend.  "
         f"Peer: {raw['peer']} (SLSQP, its defaults), one process, its optimise() call timed; "
         f"rateopt: the whole `rateopt optimise` process (read CSV, solve, write outputs), median of {a.repeats}.",
         "", "Command:", "", "```", "bash bench/run_peer_bench.sh " + shown_arguments(), "```", "",
         "Books: the peer's benchmark distributions, seed 42 (N = 2,000 is the peer's own benchmark book).  "
         "Constraints: " + ", ".join(f"{k} {v}" for k, v in CONSTRAINTS.items()) + ".  "
         "Profit and violations are recomputed here from each tool's multipliers with the SPEC §1 formulas; "
         "violation = worst relative excess over every bound, lr_max and retention_min (0 = all hold).", "",
         "| N | peer s | rateopt s | ratio | peer profit | rateopt profit | rel. diff | peer worst viol. "
         "| rateopt worst viol. | peer converged |",
         "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|"]
    for r in raw["solves"]:
        ours = r["rateopt"]
        if r.get("peer_timeout"):
            L.append(f"| {r['n']:,} | > {fmt_s(r['peer_seconds'])} (timeout) | {r['rateopt_seconds']:.4f} | "
                     f"> {r['peer_seconds'] / r['rateopt_seconds']:,.0f}× | — | {ours['profit']:,.2f} | — | — | "
                     f"{ours['worst_violation']:.1e} | timeout |")
        elif r.get("peer_error"):
            L.append(f"| {r['n']:,} | error: {r['peer_error']} | {r['rateopt_seconds']:.4f} | — | — | "
                     f"{ours['profit']:,.2f} | — | — | {ours['worst_violation']:.1e} | — |")
        else:
            p = r["peer"]
            rel = (ours["profit"] - p["profit"]) / abs(p["profit"])
            L.append(f"| {r['n']:,} | {fmt_s(r['peer_seconds'])} | {r['rateopt_seconds']:.4f} | "
                     f"{r['peer_seconds'] / r['rateopt_seconds']:,.0f}× | {p['profit']:,.2f} | {ours['profit']:,.2f} | "
                     f"{rel:+.2e} | {p['worst_violation']:.1e} | {ours['worst_violation']:.1e} | "
                     f"{'yes' if r['peer_converged'] else 'no'} ({r['peer_iterations']} it.) |")
    L += ["", "rateopt's own solve time (inside the process) and passes over the book: " + "; ".join(
        f"N = {r['n']:,}: {r['rateopt_solve_seconds'] * 1e3:.2f} ms, {r['rateopt_passes']} passes, {r['rateopt_status']}"
        for r in raw["solves"]) + "."]
    if raw["big"]:
        L += ["", "## rateopt alone, where the peer cannot run", "",
              "The peer's SLSQP keeps a dense workspace of about 8.5·N² doubles: the column gives its size.  "
              "Books from `rateopt generate --seed 2026` (the same distributions).", "",
              "| N | peer workspace | rateopt s (process) | solve s | passes | status | optimality gap |",
              "|---:|---:|---:|---:|---:|:---|---:|"]
        for r in raw["big"]:
            gap = r["optimality_gap"]
            L.append(f"| {r['n']:,} | {r['peer_workspace_gib']:,.0f} GiB | {r['seconds']:.2f} | {r['solve_seconds']:.3f} | "
                     f"{r['passes']} | {r['status']} | {'—' if gap is None else f'{gap:.1e}'} |")
    fr = raw["frontier"]
    if fr:
        L += ["", f"## Efficient frontier, 15 points, retention_min 0.70 … 0.80, N = {fr['n']:,}", ""]
        if fr["points"]:
            both = [q for q in fr["points"] if q["rateopt_status"] == "converged" and q["peer_violation"] <= 1e-9]
            worst_rel = min(((q["rateopt_profit"] - q["peer_profit"]) / abs(q["peer_profit"]) for q in both),
                            default=float("nan"))
            L += [f"peer {fmt_s(fr['peer_seconds'])} s, rateopt {fr['rateopt_seconds']:.4f} s (process, median), "
                  f"ratio {fr['peer_seconds'] / fr['rateopt_seconds']:,.0f}×; smallest relative profit difference "
                  f"(rateopt − peer) over the points where rateopt converged and the peer's answer holds every "
                  f"constraint to 1e-9: {worst_rel:+.2e}.", "",
                  "rateopt's profit and violations here come from its frontier.csv (the frontier writes no multipliers); "
                  "the peer's are recomputed from its multipliers.", "",
                  "| retention_min | peer profit | rateopt profit | peer worst viol. | rateopt worst viol. | peer converged "
                  "| rateopt status |",
                  "|---:|---:|---:|---:|---:|:---|:---|"]
            for q in fr["points"]:
                L.append(f"| {q['epsilon']:.4f} | {q['peer_profit']:,.2f} | {q['rateopt_profit']:,.2f} | "
                         f"{q['peer_violation']:.1e} | {q['rateopt_violation']:.1e} | "
                         f"{'yes' if q['peer_converged'] else 'no'} | {q['rateopt_status']} |")
        else:
            L.append(f"peer: {'timeout after ' + fmt_s(fr['peer_seconds']) + ' s' if fr['peer_timeout'] else fr['peer_error']}; "
                     f"rateopt {fr['rateopt_seconds']:.4f} s.")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


if __name__ == "__main__":
    sys.exit(main())
