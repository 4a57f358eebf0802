#!/usr/bin/env python3
"""`rateopt grid` against price-contour on the same scored price grids, in one run.

Run it through bench/run_grid_peer_bench.sh, which makes price-contour's virtual environment (exact pins in
tools/peer/grid_requirements.txt) and builds rateopt.  What it does, per book size N and candidates K:

* draws a book (seeded): a baseline premium, a loss cost and a renewal flag per policy, and K candidate
  premiums on the multiplier range 0.8 … 1.2 of the baseline.  Demand at each candidate is a logistic curve
  in log price, snapped to steps in the logit as a GBM's scores are (monotone, piecewise constant), rounded to
  6 decimals; premiums and costs to cents.  One long CSV holds it for both tools (price-contour also reads the
  `multiplier` column, rateopt ignores it), in a temporary folder outside the repository, deleted afterwards;
* sets the limits of each case from the book: `slack` (LR cap and retention floor both met by the
  unconstrained optimum), `binding` (both violated by the unconstrained optimum, both met by a reference
  choice), `lr` and `ret` (one constraint, binding);
* runs, each in its own process with a wall-clock limit, alternating the order from run to run:
  `rateopt grid --device cpu` (reads the CSV, solves, writes result.json and policies.csv), and
  price-contour from the same CSV (polars scan → profit and the constraints' linear columns → QuoteGrid →
  solve): its general solve (`OnlineOptimiser.solve`, subgradient over every constraint) and its
  one-constraint path (`OnlineOptimiser.frontier` on one threshold, the bisection over λ, then
  `apply_from_grid` at that λ for the per-quote choice), once per constraint of the case;
* records wall time and peak memory (the command's peak RSS, from /usr/bin/time), and recomputes here, from each tool's chosen
  steps and the book's float64 values, the profit, LR, retention and the worst relative violation.

Constraints as price-contour sums: LR ≤ L is Σ (c − L·p)·x ≤ 0, retention ≥ R is Σ_renewals x ≥ R·n_renewals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from bench_machine import machine_line  # bench/, next to this file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SEED = 2026
M_LOW, M_HIGH = 0.8, 1.2
RENEWAL_SHARE = 0.6
LOGIT_STEP = 0.05          # the demand score's resolution in the logit: a GBM's piecewise-constant look
FEASIBLE = 1e-6            # a peer answer counts as feasible when no constraint is violated by more (relative)
CSV_BYTES_PER_ROW = 60     # the long CSV, bytes per candidate row (measured: 52–58)
PEER_BYTES_PER_CANDIDATE = 64  # price-contour's frame + grid while it builds (for the memory check)
CASES = ("binding", "slack", "lr", "ret")


# ------------------------------------------------------------------------------------------ the book
def multipliers(k: int) -> np.ndarray:
    return np.round(np.linspace(M_LOW, M_HIGH, k), 6)


def draw_book(n: int, k: int, seed: int) -> dict:
    """Per-policy draws and the N×K premium and demand tables (float64, values as written to the CSV)."""
    rng = np.random.default_rng(seed + 7919 * k + n)
    base = np.round(np.exp(rng.normal(np.log(600.0), 0.5, n)), 2)
    cost = np.round(base * rng.uniform(0.5, 0.85, n), 2)
    renewal = rng.random(n) < RENEWAL_SHARE
    x0 = np.where(renewal, rng.uniform(0.55, 0.95, n), rng.uniform(0.08, 0.45, n))
    slope = rng.uniform(1.5, 9.0, n)  # −d logit / d ln p
    m = multipliers(k)
    premium = np.empty((n, k))
    demand = np.empty((n, k))
    logm = np.log(m)
    for s in range(0, n, max(1, 2_000_000 // k)):
        e = min(n, s + max(1, 2_000_000 // k))
        z = np.log(x0[s:e] / (1 - x0[s:e]))[:, None] - slope[s:e, None] * logm[None, :]
        z = np.floor(z / LOGIT_STEP) * LOGIT_STEP
        demand[s:e] = np.round(1.0 / (1.0 + np.exp(-z)), 6)
        premium[s:e] = np.round(base[s:e, None] * m[None, :], 2)
    return dict(n=n, k=k, m=m, cost=cost, renewal=renewal, premium=premium, demand=demand,
                n_renewals=int(renewal.sum()))


def write_book_csv(path: str, book: dict) -> None:
    import polars as pl

    n, k, m = book["n"], book["k"], book["m"]
    baseline_step = int(np.argmin(np.abs(m - 1.0)))
    chunk = max(1, 2_000_000 // k)
    with open(path, "wb") as f:
        for s in range(0, n, chunk):
            e = min(n, s + chunk)
            rows = (e - s) * k
            df = pl.DataFrame({
                "policy_id": np.repeat(np.arange(s, e, dtype=np.int64), k),
                "step": np.tile(np.arange(k, dtype=np.int32), e - s),
                "premium": book["premium"][s:e].ravel(),
                "demand": book["demand"][s:e].ravel(),
                "expected_loss_cost": np.repeat(book["cost"][s:e], k),
                "renewal_flag": np.repeat(book["renewal"][s:e].astype(np.int8), k),
                "baseline": np.tile((np.arange(k) == baseline_step).astype(np.int8), e - s),
                "multiplier": np.tile(m, e - s),
            }).with_columns(pl.format("P{}", pl.col("policy_id").cast(pl.String).str.zfill(8)).alias("policy_id"))
            assert df.height == rows
            df.write_csv(f, include_header=(s == 0), float_precision=6)


# ------------------------------------------------------------------------------------------ metrics
def choice_sums(book: dict, steps: np.ndarray) -> tuple[float, float, float, float]:
    """Profit, GWP, claims and retained renewals of one candidate per policy (float64, here)."""
    rows = np.arange(book["n"])
    p = book["premium"][rows, steps]
    x = book["demand"][rows, steps]
    c = book["cost"]
    return (float(np.sum((p - c) * x)), float(np.sum(p * x)), float(np.sum(c * x)),
            float(np.sum(x[book["renewal"]])))


def evaluate(book: dict, steps: np.ndarray, limits: dict) -> dict:
    profit, gwp, claims, kept = choice_sums(book, steps)
    lr, ret = claims / gwp, kept / book["n_renewals"]
    viol = {}
    if limits.get("lr_max") is not None:
        viol["lr_max"] = max(0.0, lr - limits["lr_max"]) / limits["lr_max"]
    if limits.get("retention_min") is not None:
        viol["retention_min"] = max(0.0, limits["retention_min"] - ret) / limits["retention_min"]
    worst = max(viol.values(), default=0.0)
    return dict(profit=profit, loss_ratio=lr, retention=ret, worst_violation=worst,
                worst_violated=max(viol, key=viol.get) if worst > 0 else None)


def argmax_steps(book: dict, reward_retained: float = 0.0, penalty_claims: float = 0.0) -> np.ndarray:
    """Per policy, the candidate maximising (p − c)·x + reward·[renewal]·x − penalty·c·x."""
    c = book["cost"][:, None]
    score = (book["premium"] - c * (1 + penalty_claims)) * book["demand"]
    score += reward_retained * book["renewal"][:, None] * book["demand"]
    return np.argmax(score, axis=1)


def case_limits(book: dict) -> dict:
    """The limits of each case, from the unconstrained optimum and a reference choice meeting both."""
    free = evaluate(book, argmax_steps(book), {})
    lo = evaluate(book, np.zeros(book["n"], dtype=np.int64), {})          # every policy at its lowest price
    hi = evaluate(book, np.full(book["n"], book["k"] - 1), {})            # … at its highest
    mean_premium = float(np.mean(book["premium"][:, book["k"] // 2]))
    ref = evaluate(book, argmax_steps(book, 0.3 * mean_premium, 0.3), {})
    if not (ref["loss_ratio"] < free["loss_ratio"] and ref["retention"] > free["retention"]):
        raise RuntimeError(f"reference choice does not improve both LR and retention: {ref} vs {free}")
    return {
        "slack": dict(lr_max=round(free["loss_ratio"] + 0.02, 6), retention_min=round(free["retention"] - 0.02, 6)),
        "binding": dict(lr_max=round(ref["loss_ratio"] + 0.3 * (free["loss_ratio"] - ref["loss_ratio"]), 6),
                        retention_min=round(ref["retention"] - 0.3 * (ref["retention"] - free["retention"]), 6)),
        "lr": dict(lr_max=round(free["loss_ratio"] - 0.3 * (free["loss_ratio"] - hi["loss_ratio"]), 6)),
        "ret": dict(retention_min=round(free["retention"] + 0.3 * (lo["retention"] - free["retention"]), 6)),
        "_reference": dict(free=free, lowest=lo, highest=hi, reference=ref),
    }


# ------------------------------------------------------------------------------------------ children
def run_child(cmd: list[str], timeout: float, stdout_path: str) -> dict:
    """Runs cmd under /usr/bin/time: wall seconds, the command's own peak RSS (MiB) and exit code; kills it
    past timeout.  (ru_maxrss from wait4 would count the forked copy of this process, book arrays and all.)"""
    rss_path = stdout_path + ".rss"
    t0 = time.perf_counter()
    with open(stdout_path, "wb") as out, open(stdout_path + ".err", "wb") as err:
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_path] + cmd, stdout=out, stderr=err,
                                start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return dict(timeout=True, seconds=time.perf_counter() - t0, peak_mib=None)
        except BaseException:  # interrupted: the child is in its own session and would outlive this process
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    wall = time.perf_counter() - t0
    with open(stdout_path + ".err", "rb") as f:
        err_text = f.read().decode(errors="replace").strip()
    with open(rss_path) as f:
        lines = f.read().strip().splitlines()  # empty when the command was killed
    peak_mib = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else None
    return dict(timeout=False, seconds=wall, peak_mib=peak_mib, rc=proc.returncode, stderr=err_text[-600:])


def rateopt_flags(limits: dict) -> list[str]:
    flags = []
    if "lr_max" in limits:
        flags += ["--lr-max", repr(limits["lr_max"])]
    if "retention_min" in limits:
        flags += ["--retention-min", repr(limits["retention_min"])]
    return flags


def run_rateopt(a, book: dict, csv_path: str, limits: dict, work: str) -> dict:
    import polars as pl

    out_dir = os.path.join(work, "rateopt_out")
    cmd = [a.rateopt, "grid", "--grid", csv_path, "--device", "cpu", "--out-dir", out_dir, "--force", "--json"]
    r = run_child(cmd + rateopt_flags(limits), a.timeout, os.path.join(work, "rateopt.json"))
    r["command"] = "rateopt grid --grid G.csv --device cpu --out-dir D --force --json " + shlex.join(rateopt_flags(limits))
    if r["timeout"] or r["rc"] not in (0, 3):
        return r
    with open(os.path.join(work, "rateopt.json")) as f:
        res = json.load(f)
    solver = res["audit"]["solver"]
    r.update(status=res["status"], dual_bound=res.get("dual_bound"), gap=res.get("optimality_gap"),
             reported_profit=res["portfolio"]["expected_profit"], iterations=solver["iterations"],
             passes=solver["passes"], seconds_solve=solver["seconds"],
             seconds_dual=solver["seconds_by_phase"]["dual"], seconds_primal=solver["seconds_by_phase"]["primal"],
             seconds_read=res["audit"]["solver"].get("seconds_read"),
             bytes_per_candidate=res["audit"]["inputs"]["bytes_per_candidate"],
             bytes_per_policy=res["audit"]["inputs"]["bytes_per_policy"], n_split=res.get("n_split"),
             held_per_policy=res["audit"]["inputs"]["candidates_solved"] / res["audit"]["inputs"]["policies"],
             pruned_reads=solver.get("pruned_reads"),
             binding={k: v["binding"] for k, v in res["constraint_evaluation"].items()})
    r["seconds_outside_solve"] = r["seconds"] - r["seconds_solve"]
    pol = pl.read_csv(os.path.join(out_dir, "policies.csv"), columns=["policy_id", "step"])
    steps = np.empty(book["n"], dtype=np.int64)
    steps[pol["policy_id"].str.slice(1).cast(pl.Int64).to_numpy()] = pol["step"].to_numpy()
    r["check"] = evaluate(book, steps, limits)
    shutil.rmtree(out_dir, ignore_errors=True)
    return r


def peer_paths(limits: dict, wanted: list[str]) -> list[str]:
    paths = ["general"] if "general" in wanted else []
    if "bisect" in wanted:
        paths += [f"bisect-{name}" for name in ("lr_max", "retention_min") if name in limits]
    return paths


def run_peer(a, book: dict, csv_path: str, limits: dict, path: str, work: str) -> dict:
    steps_path = os.path.join(work, "peer_steps.npy")
    spec = dict(csv=csv_path, path=path, limits=limits, n_renewals=book["n_renewals"], max_iter=a.peer_max_iter,
                tolerance=a.peer_tolerance, steps=steps_path)
    cmd = [sys.executable, os.path.abspath(__file__), "--peer-child", json.dumps(spec)]
    r = run_child(cmd, a.general_timeout if path == "general" else a.timeout, os.path.join(work, "peer.json"))
    if r["timeout"] or r["rc"] != 0:
        return r
    with open(os.path.join(work, "peer.json")) as f:
        r.update(json.load(f))
    r["check"] = evaluate(book, np.load(steps_path), limits)
    os.remove(steps_path)
    return r


def peer_child(spec: dict) -> int:
    """One price-contour run, in its own process: read the CSV, build the grid, solve, save the steps."""
    import polars as pl
    import price_contour as pc

    t0 = time.perf_counter()
    limits, path = spec["limits"], spec["path"]
    names = [n for n in ("lr_max", "retention_min") if n in limits and (path == "general" or path == "bisect-" + n)]
    cols = {"lr_max": ((pl.col("expected_loss_cost") - limits.get("lr_max", 0) * pl.col("premium")) * pl.col("demand")),
            "retention_min": pl.col("renewal_flag") * pl.col("demand")}
    specs = {"lr_max": {"max": 0.0}, "retention_min": {"min": limits.get("retention_min", 0) * spec["n_renewals"]}}
    frame = (pl.scan_csv(spec["csv"])
             .select(pl.col("policy_id").alias("quote_id"), pl.col("step").cast(pl.Int32).alias("scenario_index"),
                     pl.col("multiplier").cast(pl.Float32).alias("scenario_value"),
                     ((pl.col("premium") - pl.col("expected_loss_cost")) * pl.col("demand")).cast(pl.Float32)
                     .alias("profit"), *[cols[n].cast(pl.Float32).alias(n) for n in names])
             .collect())
    t1 = time.perf_counter()
    builder = pc.QuoteGridBuilder(names, objective="profit")
    builder.append(frame)
    grid = builder.build()
    del frame, builder
    gc.collect()
    t2 = time.perf_counter()
    constraints = {n: specs[n] for n in names}
    opt = pc.OnlineOptimiser(objective="profit", constraints=constraints, max_iter=spec["max_iter"],
                             tolerance=spec["tolerance"])
    if path == "general":
        res = opt.solve(grid)
        converged, iterations, lambdas = bool(res.converged), int(res.iterations), dict(res.lambdas)
        reported = float(res.total_objective)
    else:
        (name,) = names
        t = specs[name].get("max", specs[name].get("min"))
        point = opt.frontier(grid, threshold_ranges={name: (t, t)}, n_points_per_dim=1).points.row(0, named=True)
        lambdas = {name: float(point[f"lambda_{name}"])}
        converged, iterations = bool(point["converged"]), int(point["iterations"])
        res = pc.apply_from_grid(grid, lambdas, constraints)
        reported = float(res.total_objective)
    table = res.dataframe
    t3 = time.perf_counter()
    steps = np.empty(grid.n_quotes, dtype=np.int64)
    steps[table["quote_id"].str.slice(1).cast(pl.Int64).to_numpy()] = table["optimal_step"].to_numpy()
    np.save(spec["steps"], steps)
    json.dump(dict(seconds_read=t1 - t0, seconds_build=t2 - t1, seconds_solve=t3 - t2, converged=converged,
                   iterations=iterations, lambdas=lambdas, reported_profit=reported,
                   version=pc.__version__), sys.stdout)
    return 0


# ------------------------------------------------------------------------------------------ report
def summarise(entry: dict) -> dict:
    """Per tool of one case: the medians over its runs and the first run's recomputed answer."""
    out = {}
    for r in entry["runs"]:
        out.setdefault(r["tool"], []).append(r)
    summary = {}
    for tool, runs in out.items():
        ok = [r for r in runs if not r["timeout"] and r.get("rc") in (0, 3) and "check" in r]
        s = dict(runs=len(runs), timeouts=sum(r["timeout"] for r in runs), errors=len(runs) - len(ok)
                 - sum(r["timeout"] for r in runs), seconds=statistics.median(r["seconds"] for r in runs),
                 peak_mib=statistics.median(r["peak_mib"] or 0 for r in runs))
        if ok:
            s.update(first=ok[0], check=ok[0]["check"])
            for key in ("seconds_read", "seconds_build", "seconds_solve", "seconds_dual", "seconds_primal",
                        "seconds_outside_solve"):
                vals = [r[key] for r in ok if r.get(key) is not None]
                s[key] = statistics.median(vals) if vals else None
        summary[tool] = s
    return summary


def fastest_feasible(summary: dict) -> str | None:
    feasible = [t for t, s in summary.items()
                if t != "rateopt" and "check" in s and s["check"]["worst_violation"] <= FEASIBLE]
    return min(feasible, key=lambda t: summary[t]["seconds"], default=None)


def fmt_s(x) -> str:
    return "—" if x is None else (f"{x:.3g}" if x < 100 else f"{x:.0f}")


def write_report(path: str, raw: dict) -> None:
    cmd = "bash bench/run_grid_peer_bench.sh " + shlex.join(
        [x for i, x in enumerate(raw["argv"]) if x != "--rateopt" and (i == 0 or raw["argv"][i - 1] != "--rateopt")])
    L = [f"# `rateopt grid` against price-contour, {raw['date']}", "",
         f"Machine: {raw['machine']}; shared with other builds: load average {raw['load_start']} at the start, "
         f"{raw.get('load_end', '?')} at the end (each run's load is in the JSON).  rateopt revision {raw['revision']}, "
         f"CPU backend, every core.  Peer: {raw['peer']} (Rust core, rayon on every core), general solve with "
         f"max_iter {raw['peer_max_iter']}, tolerance {raw['peer_tolerance']}, run {raw['general_runs']}× per case "
         f"with a limit of {raw['general_timeout_s']:.0f} s; other runs limited to {raw['timeout_s']:.0f} s.", "",
         "Command:", "", "```", cmd, "```", "",
         "Each run is its own process timed from start to exit (reading the same CSV, solving, and for rateopt "
         "writing result.json and policies.csv); memory is the command's peak resident set (/usr/bin/time %M).  Medians over "
         "the runs, the tools' order alternating.  Profit, LR, retention and violations are recomputed here from "
         "each tool's chosen steps in float64; a peer answer is feasible when no constraint is violated by more "
         f"than {raw['feasible_tolerance']:g} (relative).  Peer paths: `general` = OnlineOptimiser.solve over every "
         "constraint; `bisect-<c>` = its one-constraint path (frontier bisection on c alone, then apply_from_grid).",
         "", "## Time and memory against price-contour's fastest feasible path", "",
         "| N | K | case | rateopt s | rateopt MiB | peer path | peer s | peer MiB | speed-up | memory ratio |",
         "|---:|---:|:---|---:|---:|:---|---:|---:|---:|---:|"]
    for e in raw["cases"]:
        s = summarise(e)
        ro, best = s.get("rateopt", {}), fastest_feasible(s)
        if best:
            p = s[best]
            L.append(f"| {e['n']:,} | {e['k']} | {e['case']} | {fmt_s(ro.get('seconds'))} | {ro.get('peak_mib', 0):,.0f} | "
                     f"{best} | {fmt_s(p['seconds'])} | {p['peak_mib']:,.0f} | {p['seconds'] / ro['seconds']:.1f}× | "
                     f"{ro['peak_mib'] / p['peak_mib']:.2f} |")
        else:
            L.append(f"| {e['n']:,} | {e['k']} | {e['case']} | {fmt_s(ro.get('seconds'))} | {ro.get('peak_mib', 0):,.0f} | "
                     "no feasible answer | — | — | — | — |")
    L += ["", "## Answers (recomputed)", "",
          "| N | K | case | limits | tool | status / converged | profit | LR | retention | worst viol. | s | MiB |",
          "|---:|---:|:---|:---|:---|:---|---:|---:|---:|---:|---:|---:|"]
    for e in raw["cases"]:
        lim = ", ".join(f"{k} {v}" for k, v in e["limits"].items())
        for tool, t in summarise(e).items():
            if "check" not in t:
                L.append(f"| {e['n']:,} | {e['k']} | {e['case']} | {lim} | {tool} | "
                         f"{'timeout' if t['timeouts'] else 'error'} | — | — | — | — | {fmt_s(t['seconds'])} | — |")
                continue
            c, f = t["check"], t["first"]
            if tool == "rateopt":
                state = f"{f['status']}, gap {f['gap']:.1e}" if f.get("gap") is not None else f["status"]
            else:
                state = f"{'yes' if f['converged'] else 'no'} ({f['iterations']} it.)"
            L.append(f"| {e['n']:,} | {e['k']} | {e['case']} | {lim} | {tool} | {state} | {c['profit']:,.2f} | "
                     f"{c['loss_ratio']:.6f} | {c['retention']:.6f} | {c['worst_violation']:.1e} | "
                     f"{fmt_s(t['seconds'])} | {t['peak_mib']:,.0f} |")
    L += ["", "## Where the time goes", "",
          "rateopt: read = result.json's seconds_read (the sample of policies, the read keeping each policy's "
          "candidates able to win near the multipliers, and any re-read); solve = dual + primal; held = candidates "
          "held per policy after the read (of K), each of bytes/cand. bytes.  "
          "price-contour: read = polars scan of the CSV with the profit and constraint columns, build = QuoteGrid, "
          "solve = the path's calls.", "",
          "| N | K | case | rateopt wall | read | dual | primal | it. / passes | held | bytes/cand. | peer path | read | build | solve |",
          "|---:|---:|:---|---:|---:|---:|---:|:---|---:|---:|:---|---:|---:|---:|"]
    for e in raw["cases"]:
        s = summarise(e)
        ro = s.get("rateopt", {})
        f = ro.get("first", {})
        held = f"{f['held_per_policy']:.2f}" if f.get("held_per_policy") is not None else "—"
        for tool, t in s.items():
            if tool == "rateopt":
                continue
            L.append(f"| {e['n']:,} | {e['k']} | {e['case']} | {fmt_s(ro.get('seconds'))} | "
                     f"{fmt_s(ro.get('seconds_read'))} | {fmt_s(ro.get('seconds_dual'))} | "
                     f"{fmt_s(ro.get('seconds_primal'))} | {f.get('iterations', '—')} / {f.get('passes', '—')} | "
                     f"{held} | {f.get('bytes_per_candidate', '—')} | {tool} | {fmt_s(t.get('seconds_read'))} | "
                     f"{fmt_s(t.get('seconds_build'))} | {fmt_s(t.get('seconds_solve'))} |")
    for sk in raw["skipped"]:
        L += ["", f"Skipped N = {sk['n']:,}, K = {sk['k']}: {sk['reason']}."]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


# ------------------------------------------------------------------------------------------ driver
def load_line() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def mem_available() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def why_skip(n: int, k: int, work: str) -> str | None:
    csv_bytes = CSV_BYTES_PER_ROW * n * k
    free = shutil.disk_usage(work).free
    if csv_bytes > 0.8 * free:
        return f"the CSV (about {csv_bytes / 2**30:.1f} GiB) does not fit the free disk ({free / 2**30:.1f} GiB)"
    need = (16 + PEER_BYTES_PER_CANDIDATE) * n * k
    avail = mem_available()
    if need > 0.8 * avail:
        return (f"the book here and price-contour's frame (about {need / 2**30:.1f} GiB) do not fit the available "
                f"memory ({avail / 2**30:.1f} GiB)")
    return None


def run_size(a, n: int, k: int, work: str, raw: dict, turn: list[int]) -> None:
    skip = why_skip(n, k, work)
    if skip:
        raw["skipped"].append(dict(n=n, k=k, reason=skip))
        print(f"N={n} K={k}: skipped, {skip}", flush=True)
        return
    t0 = time.perf_counter()
    book = draw_book(n, k, a.seed)
    csv_path = os.path.join(work, f"grid_{n}_{k}.csv")
    write_book_csv(csv_path, book)
    limits = case_limits(book)
    print(f"N={n} K={k}: book and CSV ({os.path.getsize(csv_path) / 2**30:.2f} GiB) in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    for case in a.cases:
        lim = limits[case]
        entry = dict(n=n, k=k, case=case, limits=lim, csv_gib=os.path.getsize(csv_path) / 2**30,
                     reference=limits["_reference"], runs=[])
        raw["cases"].append(entry)  # now, so that an interrupted run still reports the runs it finished
        tools = ["rateopt"] + peer_paths(lim, a.peer_paths)
        for rep in range(a.repeats):
            order = [t for t in tools if t != "general" or rep < a.general_runs]
            order = order if turn[0] % 2 == 0 else order[::-1]
            turn[0] += 1
            for tool in order:
                r = (run_rateopt(a, book, csv_path, lim, work) if tool == "rateopt"
                     else run_peer(a, book, csv_path, lim, tool, work))
                r.update(tool=tool, rep=rep, load=load_line())
                entry["runs"].append(r)
                chk = r.get("check", {})
                print(f"  {case:8s} rep {rep} {tool:22s} {r['seconds']:8.2f} s {r['peak_mib'] or 0:8.0f} MiB "
                      f"profit {chk.get('profit', float('nan')):,.2f} viol {chk.get('worst_violation', float('nan')):.1e}"
                      + (" TIMEOUT" if r["timeout"] else "") + (f" rc {r['rc']}" if r.get("rc") not in (0, None) else ""),
                      flush=True)
    os.remove(csv_path)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--peer-child":
        return peer_child(json.loads(sys.argv[2]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rateopt", default=os.path.join(ROOT, "build", "rateopt"))
    ap.add_argument("--sizes", default="100000,1000000", help="book sizes N, comma separated")
    ap.add_argument("--k", default="11,41,101", help="candidates per policy, comma separated")
    ap.add_argument("--pairs", default=None, help="instead of sizes × k: N×K pairs, e.g. 100000x41,1000000x41")
    ap.add_argument("--cases", default=",".join(CASES), help="of " + ", ".join(CASES))
    ap.add_argument("--peer-paths", default="general,bisect", help="price-contour paths: general, bisect")
    ap.add_argument("--repeats", type=int, default=2, help="runs of each tool per case (medians reported)")
    ap.add_argument("--timeout", type=float, default=900.0, help="wall-clock limit of one run, seconds")
    ap.add_argument("--general-runs", type=int, default=1,
                    help="runs of price-contour's general solve per case (its slowest path; at most --repeats)")
    ap.add_argument("--general-timeout", type=float, default=None,
                    help="wall-clock limit of one general solve, seconds (default: --timeout)")
    ap.add_argument("--peer-max-iter", type=int, default=1000, help="price-contour's max_iter (general solve)")
    ap.add_argument("--peer-tolerance", type=float, default=1e-5, help="price-contour's tolerance (its default)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--quick", action="store_true", help="N = 1e4, K = 11 and 41, one run each: a minute or two")
    ap.add_argument("--workdir", default=None, help="folder for the CSVs (default: a new temporary folder)")
    ap.add_argument("--out", default=None, help="markdown file (default bench/results/grid_peer_<date>.md)")
    a = ap.parse_args()
    if a.quick:
        a.sizes, a.k, a.repeats, a.pairs = "10000", "11,41", 1, None
    a.general_timeout = a.general_timeout or a.timeout
    a.cases = [c for c in a.cases.split(",") if c]
    a.peer_paths = [p for p in a.peer_paths.split(",") if p]
    pairs = ([tuple(int(v) for v in p.split("x")) for p in a.pairs.split(",")] if a.pairs else
             [(int(n), int(k)) for n in a.sizes.split(",") for k in a.k.split(",")])

    import price_contour

    today = dt.date.today().isoformat()
    out_md = a.out or os.path.join(HERE, "results", f"grid_peer_{today}{'_quick' if a.quick else ''}.md")
    work = tempfile.mkdtemp(prefix="rateopt-grid-bench-", dir=a.workdir)
    git = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    raw = dict(date=today, machine=machine_line(with_load=False), load_start=load_line(), revision=git.stdout.strip(),
               peer=f"price-contour {price_contour.__version__}", argv=sys.argv[1:], timeout_s=a.timeout,
               peer_max_iter=a.peer_max_iter, general_runs=a.general_runs,
               general_timeout_s=a.general_timeout, peer_tolerance=a.peer_tolerance, feasible_tolerance=FEASIBLE,
               cases=[], skipped=[])
    print(raw["machine"], "load", raw["load_start"], flush=True)
    turn = [0]
    try:
        for n, k in pairs:
            run_size(a, n, k, work, raw, turn)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        raw["load_end"] = load_line()
        write_report(out_md, raw)
        with open(os.path.splitext(out_md)[0] + ".json", "w") as f:
            json.dump(raw, f, indent=1)
        print(f"wrote {out_md}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
