#!/usr/bin/env python3
"""Generate rateopt's peer-comparison fixtures from the reference peer.

Peer: PyPI ``insurance-optimise`` **0.7.0** (scipy SLSQP), run with scipy 1.17.1 / numpy 2.4.6 on
CPython 3.11 (exact pins: tools/peer/requirements.txt).  See tools/peer/NOTES.md for the peer's
formulas and every difference from SPEC.md §1.

Regenerate (from the repository root):

    python3 -m venv /work/peer-venv
    /work/peer-venv/bin/pip install -r tools/peer/requirements.txt
    /work/peer-venv/bin/python tools/peer/make_peer_fixtures.py            # ~3-5 minutes (2 cores)
    /work/peer-venv/bin/python tools/peer/make_peer_fixtures.py --no-500   # skip the N=500 book

What it writes (into tests/fixtures/peer/ unless --out is given):

* ``<book>.book.csv``  one per synthetic book, rateopt's CSV format (SPEC §1.1), every number written
  with Python's repr (shortest string that round-trips to the same double), so the C++ reader sees
  bit-identical inputs.  ``*_var.book.csv`` are the same rows plus a ``claims_variance`` column (for
  the stochastic-LR cases).
* ``<book>__<case>.json``  one per peer run: the options passed (SPEC key names), the peer's own answer
  (profit, GWP, LR, retention, converged, iterations, wall seconds, multipliers, scipy's KKT
  multipliers) and a ``recomputed`` block evaluated independently here from SPEC §1 formulas.
* ``manifest.json``  one line per case (book, options, peer profit, converged, worst violation).

Books use the peer's benchmark distributions (the peer package does not ship a generator for its
portfolio benchmark; its ``demand.datasets`` module generates quote panels for elasticity estimation,
a different thing):

    tc    = exp(Normal(6.3, 0.35))
    c     = tc * clip(Normal(0.65, 0.05), 0.40, 0.90)
    pcw   = choice(["pcw","direct"], p=[0.55, 0.45])   (also the fairness group label)
    eps   = clip((pcw ? -2.0 : -1.2) + Normal(0, 0.3), -4, -0.3)
    x0    = clip(Beta(8, 2), 0.55, 0.95)
    enbp  = tc * LogNormal(0.08, 0.06)
    prior = clip(LogNormal(0, 0.03), 0.9, 1.2)
    renewal_flag = 1 (all renewals), except book "mix50": Uniform(0,1) < 0.7 drawn last

drawn in exactly that order, vector by vector, from numpy.random.default_rng(seed), with the same
numpy calls as the peer's own benchmark script (benchmarks/benchmark_optimise.py and
notebooks/databricks_validation.py in github.com/burning-cost/insurance-optimise; not shipped in the
wheel): generate_book(2000, 42, "all") is that script's 2,000-policy book, bit for bit.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
import os
import platform
import sys
import time
import warnings
from functools import partial

import numpy as np
import scipy

import insurance_optimise
from insurance_optimise import ConstraintConfig, PortfolioOptimiser
from insurance_optimise.pareto import ParetoFrontier, loss_ratio_disparity, premium_disparity_ratio
from insurance_optimise.stochastic import ClaimsVarianceModel
from insurance_optimise.model_quality import _estimate_cv, loss_ratio_error

PEER_PACKAGE = "insurance-optimise"
PEER_VERSION_PINNED = "0.7.0"

# (name, n, seed, renewal mode, also write a claims_variance variant)
BOOKS = [
    ("n20", 20, 20250020, "all", False),
    ("n50", 50, 20250050, "all", True),
    ("mix50", 50, 20250150, "mixed", False),
    ("n200", 200, 20250200, "all", True),
    ("n500", 500, 20250500, "all", False),
]
CASES_N500 = ("bench", "gwp_min")  # SLSQP is O(N^2..N^3): keep the big book to two log-linear cases
TWEEDIE_DISPERSION = 20.0  # claims_variance = 20 * c^1.5 (ClaimsVarianceModel.from_tweedie)
TWEEDIE_POWER = 1.5

BENCH = dict(lr_max=0.68, retention_min=0.78, max_rate_change=0.25, enbp_buffer=0.01)
BOUNDS = dict(max_rate_change=0.25, enbp_buffer=0.01)

# --------------------------------------------------------------------------------------------------
# Book generation and CSV
# --------------------------------------------------------------------------------------------------


def generate_book(n: int, seed: int, renewal_mode: str) -> dict:
    rng = np.random.default_rng(seed)
    tc = np.exp(rng.normal(6.3, 0.35, n))
    c = tc * np.clip(rng.normal(0.65, 0.05, n), 0.40, 0.90)
    pcw = rng.choice(["pcw", "direct"], n, p=[0.55, 0.45]) == "pcw"  # as the peer's script
    eps = np.clip(np.where(pcw, -2.0, -1.2) + rng.normal(0.0, 0.3, n), -4.0, -0.3)
    x0 = np.clip(rng.beta(8.0, 2.0, n), 0.55, 0.95)
    enbp = tc * rng.lognormal(0.08, 0.06, n)
    prior = np.clip(rng.lognormal(0.0, 0.03, n), 0.9, 1.2)
    if renewal_mode == "all":
        renewal = np.ones(n, dtype=bool)
    else:
        renewal = rng.random(n) < 0.7
    var = ClaimsVarianceModel.from_tweedie(c, dispersion=TWEEDIE_DISPERSION, power=TWEEDIE_POWER)
    return dict(
        policy_id=np.array([f"P{i + 1:04d}" for i in range(n)]),
        tc=tc, c=c, x0=x0, eps=eps, renewal=renewal, enbp=enbp, prior=prior,
        group=np.where(pcw, "pcw", "direct"),
        claims_variance=np.asarray(var.variance_claims, dtype=float),
        seed=seed, renewal_mode=renewal_mode,
    )


def write_book_csv(path: str, b: dict, with_variance: bool) -> None:
    header = ["policy_id", "technical_price", "expected_loss_cost", "p_demand", "elasticity",
              "renewal_flag", "enbp", "prior_multiplier", "group"]
    if with_variance:
        header.append("claims_variance")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for i in range(len(b["tc"])):
            row = [b["policy_id"][i], repr(float(b["tc"][i])), repr(float(b["c"][i])),
                   repr(float(b["x0"][i])), repr(float(b["eps"][i])), "1" if b["renewal"][i] else "0",
                   repr(float(b["enbp"][i])), repr(float(b["prior"][i])), b["group"][i]]
            if with_variance:
                row.append(repr(float(b["claims_variance"][i])))
            w.writerow(row)
    # Round-trip check: what we wrote parses back to the identical doubles.
    with open(path) as f:
        rows = list(csv.DictReader(f))
    back = np.array([float(r["technical_price"]) for r in rows])
    assert np.array_equal(back, b["tc"]), "CSV round trip changed technical_price"


# --------------------------------------------------------------------------------------------------
# Independent SPEC §1 model (numpy, weights 1, expenses 0)
# --------------------------------------------------------------------------------------------------


def spec_demand(m, b, model):
    """x(m) and dx/dm, SPEC §1.2."""
    tc, x0, eps = b["tc"], b["x0"], b["eps"]
    if model == "log_linear":
        x = x0 * np.power(m, eps)
        return x, x * eps / m
    bb = -eps / (tc * (1.0 - x0))
    a = np.log(1.0 / x0 - 1.0) - bb * tc
    x = 1.0 / (1.0 + np.exp(a + bb * m * tc))
    return x, -bb * tc * x * (1.0 - x)


def spec_bounds(b, cfg):
    """SPEC §1.4, in its order; returns lb, ub, n_conflicts."""
    n = len(b["tc"])
    lb = np.full(n, float(cfg.get("min_multiplier", 0.5)))
    ub = np.full(n, float(cfg.get("max_multiplier", 3.0)))
    if cfg.get("technical_floor", True):
        lb = np.maximum(lb, 1.0)
    d = cfg.get("max_rate_change")
    if d is not None:
        lb = np.maximum(lb, b["prior"] * (1.0 - d))
        ub = np.minimum(ub, b["prior"] * (1.0 + d))
    buf = cfg.get("enbp_buffer") or 0.0
    ub = np.where(b["renewal"], np.minimum(ub, b["enbp"] / b["tc"] * (1.0 - buf)), ub)
    conflict = lb > ub
    lb = np.where(conflict, ub, lb)
    return lb, ub, int(conflict.sum())


def z_alpha(alpha):
    return math.sqrt(alpha / (1.0 - alpha))


def spec_model_quality_lr_error(rho, cv):
    """SPEC §4.3 with eta = 1, M = 1: E = LR(rho, cv, 1, 1) - 1; 0 when rho >= 0.999."""
    if rho >= 0.999:
        return 0.0
    ratio = (1.0 + rho * rho / (cv * cv)) / (rho * rho * (1.0 + 1.0 / (cv * cv)))
    return ratio ** ((2.0 * 1.0 - 1.0) / 2.0) - 1.0


def spec_default_cv(c):
    return max(float(np.std(c)) / float(np.mean(c)), 0.1)  # population std (ddof = 0), as the peer


def effective_lr_max(b, cfg):
    L = cfg.get("lr_max")
    if L is None or not cfg.get("model_quality_adjusted_lr"):
        return L
    cv = cfg.get("model_cv_lambda") or spec_default_cv(b["c"])
    return L * (1.0 + spec_model_quality_lr_error(cfg["model_rho"], cv))


def groups_of(b):
    return sorted(set(b["group"].tolist()))


def premium_disparity(m, b):
    p = m * b["tc"]
    means = [p[b["group"] == g].mean() for g in groups_of(b)]
    return max(means) / min(means)


def lr_disparity(m, b, model):
    x, _ = spec_demand(m, b, model)
    p = m * b["tc"]
    lrs = [np.dot(b["c"][b["group"] == g], x[b["group"] == g]) / np.dot(p[b["group"] == g], x[b["group"] == g])
           for g in groups_of(b)]
    return max(lrs) / min(lrs)


def spec_metrics(m, b, model, cfg=None):
    x, _ = spec_demand(m, b, model)
    p = m * b["tc"]
    G = float(np.dot(p, x))
    C = float(np.dot(b["c"], x))
    R = b["renewal"]
    out = dict(
        profit=float(np.dot(p - b["c"], x)),
        gwp=G,
        claims=C,
        loss_ratio=C / G,
        retention=float(x[R].sum() / R.sum()) if R.any() else None,
        n_policies=int(len(m)),
        n_renewals=int(R.sum()),
        n_demand_above_1=int((x > 1.0).sum()),
    )
    if cfg is not None and cfg.get("stochastic_lr"):
        out["stochastic_lr_value"] = C / G + z_alpha(cfg.get("stochastic_alpha", 0.9)) * math.sqrt(
            float(np.dot(b["claims_variance"], x))) / G
    out["premium_disparity"] = premium_disparity(m, b)
    out["loss_ratio_disparity"] = lr_disparity(m, b, model)
    return out


def constraint_list(cfg):
    """Constraint names in the peer's order (lr_max, lr_min, gwp_min, gwp_max, retention_min, fairness_max)."""
    names = [k for k in ("lr_max", "lr_min", "gwp_min", "gwp_max", "retention_min") if cfg.get(k) is not None]
    if cfg.get("fairness_max") is not None:
        names.append("fairness_max")
    return names


def constraint_g_and_grad(name, m, b, model, cfg):
    """Constraint in the peer's 'g(m) >= 0' form (same scaling as the peer) and its gradient, from SPEC."""
    x, dx = spec_demand(m, b, model)
    tc, c = b["tc"], b["c"]
    p = m * tc
    G, C = float(np.dot(p, x)), float(np.dot(c, x))
    dG = tc * x + p * dx
    dC = c * dx
    LR = C / G
    dLR = (dC * G - C * dG) / G ** 2
    if name == "lr_max":
        val, dval = LR, dLR
        if cfg.get("stochastic_lr"):
            z = z_alpha(cfg.get("stochastic_alpha", 0.9))
            v = b["claims_variance"]
            s = math.sqrt(float(np.dot(v, x)))
            ds = v * dx / (2.0 * s)
            val = LR + z * s / G
            dval = dLR + z * (ds * G - s * dG) / G ** 2
        L = effective_lr_max(b, cfg)
        return L - val, -dval, val, L, "max"
    if name == "lr_min":
        return LR - cfg["lr_min"], dLR, LR, cfg["lr_min"], "min"
    if name == "gwp_min":
        return G - cfg["gwp_min"], dG, G, cfg["gwp_min"], "min"
    if name == "gwp_max":
        return cfg["gwp_max"] - G, -dG, G, cfg["gwp_max"], "max"
    if name == "retention_min":
        R = b["renewal"]
        nR = R.sum()
        return (x[R].sum() / nR - cfg["retention_min"], np.where(R, dx, 0.0) / nR, x[R].sum() / nR,
                cfg["retention_min"], "min")
    if name == "fairness_max":
        F = cfg["fairness_max"]
        gs = groups_of(b)
        masks = [b["group"] == g for g in gs]
        if cfg.get("fairness_metric", "premium_disparity") == "premium_disparity":
            vals = [p[k].mean() for k in masks]
            grads = [np.where(k, tc / k.sum(), 0.0) for k in masks]
        else:
            vals, grads = [], []
            for k in masks:
                Gg, Cg = float(np.dot(p[k], x[k])), float(np.dot(c[k], x[k]))
                vals.append(Cg / Gg)
                grads.append(np.where(k, (dC * Gg - Cg * dG) / Gg ** 2, 0.0))
        i_hi, i_lo = int(np.argmax(vals)), int(np.argmin(vals))
        D = vals[i_hi] / vals[i_lo]
        dD = grads[i_hi] / vals[i_lo] - vals[i_hi] / vals[i_lo] ** 2 * grads[i_lo]
        return F - D, -dD, D, F, "max"
    raise KeyError(name)


def recompute(m, b, model, cfg, peer, scipy_multipliers):
    """Independent evaluation of the peer's multipliers against SPEC §1."""
    lb, ub, n_conf = spec_bounds(b, cfg)
    met = spec_metrics(m, b, model, cfg)
    bound_viol = float(np.max(np.maximum(0.0, np.maximum(lb - m, m - ub))))
    cons = {}
    worst_rel = 0.0
    worst_name = None
    for name in constraint_list(cfg):
        g, _, val, lim, kind = constraint_g_and_grad(name, m, b, model, cfg)
        viol = max(0.0, -g)
        rel = viol / abs(lim)
        cons[name] = dict(value=val, limit=lim, kind=kind, slack=g, violation=viol, violation_rel=rel)
        if worst_name is None or rel > worst_rel:
            worst_rel, worst_name = rel, name
    # KKT (first-order) check of the peer's point with scipy's multipliers: L = profit + sum(l_j g_j);
    # projected gradient of L on the box must vanish.
    x, dx = spec_demand(m, b, model)
    grad_profit = b["tc"] * x + (m * b["tc"] - b["c"]) * dx
    gL = grad_profit.copy()
    names = constraint_list(cfg)
    comp = 0.0
    if scipy_multipliers is not None and len(scipy_multipliers) == len(names):
        for lam, name in zip(scipy_multipliers, names):
            g, dg, _, lim, _ = constraint_g_and_grad(name, m, b, model, cfg)
            gL += lam * dg
            comp = max(comp, abs(lam * g))
        tol = 1e-6 * np.maximum(1.0, np.abs(ub))  # SLSQP stops ~1e-8..1e-6 inside a bound
        at_lb = m <= lb + tol
        at_ub = m >= ub - tol
        r = np.where(at_lb & at_ub, 0.0,
                     np.where(at_lb, np.maximum(gL, 0.0), np.where(at_ub, np.minimum(gL, 0.0), gL)))
        S = float(np.max(np.abs(grad_profit)))
        step = np.clip(m + gL / S, lb, ub) - m  # gradient mapping, gradient scaled to max 1
        kkt = dict(gradient_mapping_inf=float(np.max(np.abs(step))),
                   first_order_gain=float(np.dot(gL, step)),
                   rel_projected_grad_tol1e6=float(np.max(np.abs(r)) / S),
                   max_abs_grad_profit=S,
                   max_abs_complementarity=comp,
                   note="L = profit + sum(lambda_j*g_j), lambda = scipy SLSQP multipliers for the peer's g_j >= 0 "
                        "(ratio forms). gradient_mapping_inf = max_i |clip(m_i + dL/dm_i / max|dprofit/dm|, lb, ub) - m_i| "
                        "(multiplier units; 0 at an exact KKT point). first_order_gain = sum_i dL/dm_i * that step (GBP, "
                        "first-order Lagrangian gain of the step). rel_projected_grad_tol1e6 = max |projected dL/dm| / "
                        "max|dprofit/dm|, a policy within 1e-6*ub of a bound counting as on it.")
    else:
        kkt = None
    mism = {}
    for k_peer, k_me in (("profit", "profit"), ("gwp", "gwp"), ("loss_ratio", "loss_ratio"),
                         ("retention", "retention")):
        a, bme = peer.get(k_peer), met.get(k_me)
        if a is None or bme is None or (isinstance(a, float) and math.isnan(a)):
            mism[k_me] = None
        else:
            mism[k_me] = abs(a - bme) / max(abs(bme), 1e-300)
    # Shadow prices in SPEC units from scipy's multipliers (profit per unit relaxation of g_j):
    shadow = None
    if scipy_multipliers is not None and len(scipy_multipliers) == len(names):
        shadow = {}
        for lam, name in zip(scipy_multipliers, names):
            if name in ("lr_max", "lr_min", "retention_min"):
                shadow[name] = dict(value=float(lam) / 100.0, unit="GBP per percentage point")
            elif name in ("gwp_min", "gwp_max"):
                shadow[name] = dict(value=float(lam), unit="GBP per GBP")
            else:
                shadow[name] = dict(value=float(lam), unit="GBP per unit of disparity ratio")
    return dict(
        definitions="SPEC.md section 1 with weight 1 and expense 0 for every row",
        metrics=met,
        bounds=dict(n_bound_conflicts=n_conf,
                    max_abs_diff_lb_vs_peer=float(np.max(np.abs(lb - peer["_lb"]))),
                    max_abs_diff_ub_vs_peer=float(np.max(np.abs(ub - peer["_ub"]))),
                    max_bound_violation=bound_viol,
                    n_at_lower=int(np.sum(m <= lb + 1e-9)), n_at_upper=int(np.sum(m >= ub - 1e-9)),
                    n_enbp_binding=int(np.sum(b["renewal"] & (m >= b["enbp"] / b["tc"] * (1 - (cfg.get("enbp_buffer") or 0.0)) - 1e-9)))),
        constraints=cons,
        worst_violation_rel=worst_rel,
        worst_violation_constraint=worst_name if worst_rel > 0.0 else None,
        feasible_at_spec_tolerance=bool(worst_rel <= 1e-9 and bound_viol == 0.0),
        relative_mismatch_vs_peer=mism,
        shadow_prices_from_scipy_multipliers=shadow,
        kkt=kkt,
    )


# --------------------------------------------------------------------------------------------------
# Running the peer
# --------------------------------------------------------------------------------------------------

_CAPTURED = []
_orig_solve_once = PortfolioOptimiser._solve_once


def _recording_solve_once(self, x0):  # keeps scipy's OptimizeResult (the peer discards .multipliers)
    r = _orig_solve_once(self, x0)
    _CAPTURED.append(r)
    return r


PortfolioOptimiser._solve_once = _recording_solve_once

PEER_KEYS = ("lr_max", "lr_min", "gwp_min", "gwp_max", "retention_min", "max_rate_change", "enbp_buffer",
             "technical_floor", "min_multiplier", "max_multiplier", "stochastic_lr", "stochastic_alpha",
             "model_quality_adjusted_lr", "model_rho", "model_cv_lambda")


def run_peer(b, cfg, model, use_variance=False):
    """Solve with the peer. cfg uses SPEC key names; fairness goes through the peer's ParetoFrontier."""
    ccfg = ConstraintConfig(**{k: cfg[k] for k in PEER_KEYS if k in cfg})
    kw = dict(technical_price=b["tc"], expected_loss_cost=b["c"], p_demand=b["x0"], elasticity=b["eps"],
              renewal_flag=b["renewal"], enbp=b["enbp"], prior_multiplier=b["prior"],
              claims_variance=b["claims_variance"] if use_variance else None,
              demand_model=model)  # solver, n_restarts, seed, ftol, maxiter: peer defaults
    _CAPTURED.clear()
    with warnings.catch_warnings(record=True) as wlist:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        opt = PortfolioOptimiser(constraints=ccfg, **kw)
        if cfg.get("fairness_max") is None:
            t1, c1 = time.perf_counter(), time.process_time()
            res = opt.optimise()
            t2, c2 = time.perf_counter(), time.process_time()
            m = np.asarray(res.multipliers, dtype=float)
            peer = dict(profit=res.expected_profit, gwp=res.expected_gwp, loss_ratio=res.expected_loss_ratio,
                        retention=res.expected_retention, converged=bool(res.converged),
                        solver_message=res.solver_message, n_iter=int(res.n_iter),
                        shadow_prices_reported=res.shadow_prices,
                        constraint_values_reported=res.audit_trail.get("constraint_evaluation"))
            lb, ub = opt._bounds.lb, opt._bounds.ub
        else:
            # The peer has no fairness option in ConstraintConfig: fairness_max only exists in
            # ParetoFrontier, which appends {'type':'ineq','fun': cap - metric(m)} (no jacobian -> scipy
            # finite differences). A 1x1 grid is exactly one such solve.
            if cfg.get("fairness_metric", "premium_disparity") == "premium_disparity":
                metric = partial(premium_disparity_ratio, technical_price=b["tc"], group_labels=b["group"])
            else:
                metric = partial(loss_ratio_disparity, technical_price=b["tc"], expected_loss_cost=b["c"],
                                 demand_model=opt._demand, group_labels=b["group"])
            r = cfg["retention_min"]
            base = dataclasses.replace(ccfg)
            opt = PortfolioOptimiser(constraints=base, **kw)
            pf = ParetoFrontier(optimiser=opt, fairness_metric=metric, sweep_x="volume_retention",
                                sweep_x_range=(r, r), n_points_x=1, sweep_y="fairness_max",
                                sweep_y_range=(cfg["fairness_max"], cfg["fairness_max"]), n_points_y=1)
            t1, c1 = time.perf_counter(), time.process_time()
            pres = pf.run()
            t2, c2 = time.perf_counter(), time.process_time()
            row = pres.surface.row(0, named=True)
            m = np.asarray(pres._grid_multipliers[(0, 0)], dtype=float)
            peer = dict(profit=row["profit"], gwp=row["gwp"], loss_ratio=row["loss_ratio"],
                        retention=row["retention"], converged=bool(row["converged"]),
                        solver_message=row["solver_message"], n_iter=int(row["n_iter"]),
                        fairness_reported=row["fairness"], via="ParetoFrontier 1x1 grid")
            lb, ub = opt._bounds.lb, opt._bounds.ub
    sres = _CAPTURED[-1] if _CAPTURED else None
    mult = None
    if sres is not None and getattr(sres, "multipliers", None) is not None:
        mult = [float(v) for v in np.atleast_1d(sres.multipliers)]
    peer.update(
        wall_seconds_optimise=t2 - t1,
        wall_seconds_total=t2 - t0,
        cpu_seconds_optimise=c2 - c1,
        load_average_1min=os.getloadavg()[0],
        n_function_evaluations=int(getattr(sres, "nfev", -1)) if sres is not None else None,
        scipy_status=int(getattr(sres, "status", -1)) if sres is not None else None,
        scipy_multipliers=mult,
        scipy_multipliers_order=constraint_list(cfg),
        warnings=sorted({str(w.message).split("\n")[0][:200] for w in wlist}),
        multipliers=[float(v) for v in m],
        _lb=np.asarray(lb, dtype=float), _ub=np.asarray(ub, dtype=float),
    )
    return m, peer


# --------------------------------------------------------------------------------------------------
# Derived limits (so each "binding" case binds and is feasible by construction)
# --------------------------------------------------------------------------------------------------


def box_argmax(fun, lb, ub, iters=200):
    """Per-policy argmax of a unimodal (or monotone) vectorised function on [lb, ub]."""
    a, c = lb.copy(), ub.copy()
    gr = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(iters):
        x1 = c - gr * (c - a)
        x2 = a + gr * (c - a)
        f1, f2 = fun(x1), fun(x2)
        left = f1 >= f2
        c = np.where(left, x2, c)
        a = np.where(left, a, x1)
    cand = [0.5 * (a + c), lb, ub]
    vals = np.stack([fun(z) for z in cand])
    return np.choose(np.argmax(vals, axis=0), cand)


def box_reference_points(b, cfg, model):
    lb, ub, _ = spec_bounds(b, cfg)
    prof = lambda m: (m * b["tc"] - b["c"]) * spec_demand(m, b, model)[0]
    prem = lambda m: m * b["tc"] * spec_demand(m, b, model)[0]
    m_box = box_argmax(prof, lb, ub)
    g_max = float(np.sum(prem(box_argmax(prem, lb, ub))))
    g_min = float(np.sum(np.minimum(prem(lb), prem(ub))))
    return dict(lb=lb, ub=ub, m_box=m_box, met_box=spec_metrics(m_box, b, model),
                met_lb=spec_metrics(lb, b, model), gwp_max_reachable=g_max, gwp_min_reachable=g_min)


def minimise_subject_to_retention(fun, m_start, b, cfg, model):
    """Smallest value of fun(m) found within the bounds subject to cfg's retention_min (scipy SLSQP,
    finite-difference gradient of fun, analytic retention gradient), started from a feasible m.
    Only used to place a derived limit strictly between this value and the peer's value, so that
    limit is both feasible (this point meets it with slack) and binding."""
    from scipy.optimize import Bounds, minimize
    lb, ub, _ = spec_bounds(b, cfg)
    con = dict(type="ineq",
               fun=lambda m: constraint_g_and_grad("retention_min", m, b, model, cfg)[0],
               jac=lambda m: constraint_g_and_grad("retention_min", m, b, model, cfg)[1])
    f0 = fun(m_start)
    res = minimize(lambda m: fun(m) / f0, np.clip(m_start, lb, ub), method="SLSQP", bounds=Bounds(lb, ub),
                   constraints=[con], options=dict(maxiter=500, ftol=1e-13))
    m = np.clip(res.x, lb, ub)
    g = constraint_g_and_grad("retention_min", m, b, model, cfg)[0]
    if g < -1e-12 or fun(m) > f0:
        return f0, m_start, f"fallback to start ({res.message})"
    return float(fun(m)), m, str(res.message)


def LR_lo_msg(v, msg):
    return dict(value=v, solver_message=msg)


def r4(v):
    return float(round(v, 4))


def r2(v):
    return float(round(v, 2))


# --------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------


def _json_clean(o):
    """Strict JSON: NaN/inf -> null, numpy scalars -> Python."""
    if isinstance(o, dict):
        return {k: _json_clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_json_clean(v) for v in o]
    if isinstance(o, (np.bool_,)):
        return bool(o)
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (float, np.floating)):
        return float(o) if math.isfinite(o) else None
    return o


def base_cfg(model="log_linear"):
    return dict(demand_model=model, objective="profit", min_multiplier=0.5, max_multiplier=3.0,
                technical_floor=True)


def cases_for_book(bname, b, has_var, out_dir, only=None):
    """Yields (case_name, cfg, model, use_variance, derivation) lazily; later cases use earlier answers."""
    results = {}

    def emit(case, cfg, derivation, use_var=False):
        if only is not None and case not in only:
            return None
        model = cfg["demand_model"]
        m, peer = run_peer(b, cfg, model, use_variance=use_var)
        rec = recompute(m, b, model, cfg, peer, peer["scipy_multipliers"])
        book_file = f"{bname}_var.book.csv" if use_var else f"{bname}.book.csv"
        lb, ub = peer.pop("_lb"), peer.pop("_ub")
        doc = dict(
            case=f"{bname}__{case}",
            peer=dict(package=PEER_PACKAGE, version=insurance_optimise.__version__, scipy=scipy.__version__,
                      numpy=np.__version__, python=platform.python_version(), machine=platform.machine(),
                      solver=dict(method="SLSQP", ftol=1e-9, maxiter=1000, n_restarts=1, seed=42,
                                  start="midpoint of [lb, ub]")),
            book=book_file,
            book_seed=b["seed"],
            demand_model=model,
            objective="profit",
            config={k: v for k, v in cfg.items()},
            derivation=derivation,
            peer_result={k: v for k, v in peer.items() if k != "multipliers"},
            peer_bounds=dict(lb=[float(v) for v in lb], ub=[float(v) for v in ub]),
            multipliers=peer["multipliers"],
            recomputed=rec,
        )
        path = os.path.join(out_dir, f"{bname}__{case}.json")
        with open(path, "w") as f:
            json.dump(_json_clean(doc), f, indent=1, allow_nan=False)
            f.write("\n")
        results[case] = (m, peer, rec)
        print(f"  {bname}__{case:16s} N={len(m):4d} profit={peer['profit']:.6f} conv={peer['converged']!s:5s} "
              f"nit={peer['n_iter']:4d} t={peer['wall_seconds_optimise']:.2f}s worst_rel={rec['worst_violation_rel']:.2e} "
              f"kkt_gm={rec['kkt']['gradient_mapping_inf'] if rec['kkt'] else float('nan'):.1e} "
              f"msg={peer['solver_message'][:40]!r}", flush=True)
        return m, peer, rec

    ll = "log_linear"
    # (a) the benchmark set, exactly as the peer's README benchmark
    emit("bench", {**base_cfg(), **BENCH}, "fixed: the peer's benchmark constraint set")

    # (c) lr_max only (peer defaults elsewhere; ENBP still applies because enbp is given, buffer 0)
    emit("lr_only", {**base_cfg(), "lr_max": 0.68, "enbp_buffer": 0.0},
         "fixed; with these books lr_max 0.68 is not binding (the answer is the per-policy box optimum)")

    ref = box_reference_points(b, {**base_cfg(), **BOUNDS}, ll)
    mb, ml = ref["met_box"], ref["met_lb"]

    # (b) gwp_min that binds: halfway between GWP at the box optimum and the most GWP the box allows
    gmin = r2(mb["gwp"] + 0.5 * (ref["gwp_max_reachable"] - mb["gwp"]))
    emit("gwp_min", {**base_cfg(), **BOUNDS, "gwp_min": gmin},
         dict(rule="gwp_min = round(G_box + 0.5*(G_max_reachable - G_box), 2)", G_box=mb["gwp"],
              G_max_reachable=ref["gwp_max_reachable"],
              note="G_box: GWP at the per-policy profit argmax within the bounds (no portfolio constraint)"))
    if bname == "n500":
        return results

    gmax = r2(mb["gwp"] - 0.5 * (mb["gwp"] - ref["gwp_min_reachable"]))
    emit("gwp_max", {**base_cfg(), **BOUNDS, "gwp_max": gmax},
         dict(rule="gwp_max = round(G_box - 0.5*(G_box - G_min_reachable), 2)", G_box=mb["gwp"],
              G_min_reachable=ref["gwp_min_reachable"]))

    lrmin = r4(mb["loss_ratio"] + 0.5 * (ml["loss_ratio"] - mb["loss_ratio"]))
    emit("lr_min", {**base_cfg(), **BOUNDS, "lr_min": lrmin},
         dict(rule="lr_min = round(LR_box + 0.5*(LR_at_lb - LR_box), 4)", LR_box=mb["loss_ratio"],
              LR_at_lb=ml["loss_ratio"]))

    if mb["retention"] is not None:
        rmin = r4(mb["retention"] + 0.5 * (ml["retention"] - mb["retention"]))
        rder = dict(rule="retention_min = round(ret_box + 0.5*(ret_at_lb - ret_box), 4)",
                    ret_box=mb["retention"], ret_at_lb=ml["retention"])
        got = emit("ret", {**base_cfg(), **BOUNDS, "retention_min": rmin}, rder)
        if got is not None:
            m_ret, p_ret, rec_ret = got
            cfg_r = {**base_cfg(), **BOUNDS, "retention_min": rmin}
            lr_fun = lambda m: spec_metrics(m, b, ll)["loss_ratio"]
            lr_ret = lr_fun(m_ret)
            lr_lo, _, msg = minimise_subject_to_retention(lr_fun, m_ret, b, cfg_r, ll)
            lrmax = lr_lo + 0.5 * (lr_ret - lr_lo)
            cfg_rl = {**cfg_r, "lr_max": lrmax}
            emit("ret_lr", cfg_rl,
                 dict(rule="retention_min as in case 'ret'; lr_max = LR_lo + 0.5*(LR_ret - LR_lo), LR_ret = LR of "
                           "the peer's answer to 'ret', LR_lo = smallest LR found subject to retention_min "
                           "(own SLSQP solve)", LR_ret=lr_ret, LR_lo=LR_lo_msg(lr_lo, msg), retention=rder))
            # model-quality version: nominal lr_max chosen so the relaxed limit equals ret_lr's lr_max
            rho = 0.9
            cv = spec_default_cv(b["c"])
            e_spec = spec_model_quality_lr_error(rho, cv)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                e_peer = loss_ratio_error(rho, _estimate_cv(b["c"]), 1.0)
            nominal = lrmax / (1.0 + e_spec)
            emit("mq_lr", {**cfg_r, "lr_max": nominal, "model_quality_adjusted_lr": True, "model_rho": rho},
                 dict(rule="as ret_lr, with lr_max = lr_max_of_ret_lr/(1+E), model_rho 0.9, "
                           "model_cv_lambda unset (default from c)",
                      cv_default=cv, E_spec=e_spec, E_peer=e_peer,
                      effective_lr_max_spec=nominal * (1.0 + e_spec),
                      effective_lr_max_peer=nominal * (1.0 + e_peer)))
            if has_var:
                cfg_s = {**cfg_r, "stochastic_lr": True, "stochastic_alpha": 0.9}
                s_fun = lambda m: spec_metrics(m, b, ll, cfg_s)["stochastic_lr_value"]
                s_ret = s_fun(m_ret)
                s_lo, _, msg = minimise_subject_to_retention(s_fun, m_ret, b, cfg_r, ll)
                emit("stoch_lr", {**cfg_s, "lr_max": s_lo + 0.5 * (s_ret - s_lo)},
                     dict(rule="retention_min as in 'ret'; lr_max = S_lo + 0.5*(S_ret - S_lo), S = LR + z*sigma, "
                               "S_ret at the peer's 'ret' answer, S_lo smallest S found subject to retention_min",
                          S_ret=s_ret, S_lo=LR_lo_msg(s_lo, msg),
                          claims_variance=f"{TWEEDIE_DISPERSION} * c^{TWEEDIE_POWER} (peer's ClaimsVarianceModel.from_tweedie)"),
                     use_var=True)
            for case, metric, fun in (
                    ("fair_prem", "premium_disparity", lambda m: premium_disparity(m, b)),
                    ("fair_lr", "loss_ratio_disparity", lambda m: lr_disparity(m, b, ll))):
                d_ret = fun(m_ret)
                # smooth surrogate: the ratio of the two groups that are max/min at the 'ret' answer
                d_lo, m_lo, msg = minimise_subject_to_retention(fun, m_ret, b, cfg_r, ll)
                emit(case, {**cfg_r, "fairness_max": d_lo + 0.5 * (d_ret - d_lo), "fairness_metric": metric},
                     dict(rule="retention_min as in 'ret'; fairness_max = D_lo + 0.5*(D_ret - D_lo), D_ret at the "
                               "peer's 'ret' answer, D_lo smallest disparity found subject to retention_min",
                          D_ret=d_ret, D_lo=LR_lo_msg(d_lo, msg), groups=groups_of(b)))

    # (d) logistic demand
    emit("logit_bench", {**base_cfg("logistic"), **BENCH}, "fixed: benchmark set, logistic demand")
    refl = box_reference_points(b, {**base_cfg("logistic"), **BOUNDS}, "logistic")
    gl = r2(refl["met_box"]["gwp"] + 0.5 * (refl["gwp_max_reachable"] - refl["met_box"]["gwp"]))
    emit("logit_gwp_min", {**base_cfg("logistic"), **BOUNDS, "gwp_min": gl},
         dict(rule="as gwp_min, logistic demand", G_box=refl["met_box"]["gwp"],
              G_max_reachable=refl["gwp_max_reachable"]))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "..", "tests", "fixtures", "peer")))
    ap.add_argument("--no-500", action="store_true", help="skip the N=500 book")
    ap.add_argument("--books", default=None, help="comma list of book names (default all)")
    args = ap.parse_args()

    if insurance_optimise.__version__ != PEER_VERSION_PINNED:
        print(f"warning: insurance-optimise {insurance_optimise.__version__} != pinned {PEER_VERSION_PINNED}",
              file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    want = set(args.books.split(",")) if args.books else None
    t_all = time.perf_counter()
    for bname, n, seed, mode, has_var in BOOKS:
        if want is not None and bname not in want:
            continue
        if args.no_500 and n == 500:
            continue
        b = generate_book(n, seed, mode)
        write_book_csv(os.path.join(args.out, f"{bname}.book.csv"), b, with_variance=False)
        if has_var:
            write_book_csv(os.path.join(args.out, f"{bname}_var.book.csv"), b, with_variance=True)
        print(f"book {bname}: N={n} seed={seed} renewals={int(b['renewal'].sum())}", flush=True)
        cases_for_book(bname, b, has_var, args.out, only=CASES_N500 if bname == "n500" else None)

    # manifest over every case file present
    rows = []
    for fn in sorted(os.listdir(args.out)):
        if not fn.endswith(".json") or fn == "manifest.json":
            continue
        with open(os.path.join(args.out, fn)) as f:
            d = json.load(f)
        rows.append(dict(file=fn, book=d["book"], demand_model=d["demand_model"],
                         config={k: v for k, v in d["config"].items()
                                 if k not in ("objective", "min_multiplier", "max_multiplier", "technical_floor",
                                              "demand_model")},
                         n=len(d["multipliers"]),
                         peer_profit=d["peer_result"]["profit"], peer_converged=d["peer_result"]["converged"],
                         peer_message=d["peer_result"]["solver_message"],
                         peer_wall_seconds=d["peer_result"]["wall_seconds_optimise"],
                         recomputed_profit=d["recomputed"]["metrics"]["profit"],
                         worst_violation_rel=d["recomputed"]["worst_violation_rel"],
                         worst_violation_constraint=d["recomputed"]["worst_violation_constraint"],
                         feasible_at_spec_tolerance=d["recomputed"]["feasible_at_spec_tolerance"],
                         kkt_gradient_mapping_inf=(d["recomputed"]["kkt"] or {}).get("gradient_mapping_inf")))
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(dict(peer=f"{PEER_PACKAGE}=={insurance_optimise.__version__}",
                       generator="tools/peer/make_peer_fixtures.py", cases=rows), f, indent=1)
        f.write("\n")
    print(f"done in {time.perf_counter() - t_all:.1f}s, {len(rows)} cases -> {args.out}")


if __name__ == "__main__":
    main()
