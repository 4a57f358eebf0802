"""insurance-optimise's documented examples (python/tests/examples/, its README with only the import lines
changed) run on rateopt: every constraint holds, checked here from the arrays with numpy, and every
answer is at least as good as insurance-optimise's own (insurance_optimise_answers.json, recorded by
tools/peer/python_examples.py) less 1e-7 relative and the first-order value of any constraint its answer
breaks."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import rateopt

EXAMPLES = pathlib.Path(__file__).parent / "examples"
ANSWERS = EXAMPLES / "insurance_optimise_answers.json"
pl = pytest.importorskip("polars")  # the README's quick start imports polars


def run_example(name: str, tmp_path, monkeypatch) -> dict:
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    path = EXAMPLES / f"{name}.py"
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def insurance_optimise_answer(name: str):
    if not ANSWERS.is_file():
        return None
    return json.loads(ANSWERS.read_text())[name]


def check_answer(ns: dict, result, config) -> None:
    """The constraints and bounds of `config` at result.multipliers, from the arrays (log-linear demand)."""
    m = np.asarray(result.multipliers)
    tc, c = ns["technical_price"], ns["expected_loss_cost"]
    x = ns["p_renewal"] * m ** ns["price_elasticity"]
    renewal = ns["is_renewal"]
    gwp, claims = float(tc * m @ x), float(c @ x)
    assert abs(gwp - result.expected_gwp) <= 1e-9 * gwp
    assert abs((gwp - claims) - result.expected_profit) <= 1e-9 * gwp
    tol = 1e-9
    if config.lr_max is not None:
        assert claims / gwp <= config.lr_max * (1 + tol)
    if config.gwp_min is not None:
        assert gwp >= config.gwp_min * (1 - tol)
    if config.retention_min is not None:
        assert x[renewal].mean() >= config.retention_min * (1 - tol)
    if config.technical_floor:
        assert (m >= 1.0).all()
    if config.max_rate_change is not None:
        assert (np.abs(m - 1.0) <= config.max_rate_change + 1e-15).all()  # prior multiplier 1
    cap = ns["enbp"] * (1 - config.enbp_buffer)
    assert (m[renewal] * tc[renewal] <= cap[renewal]).all()
    for name, ev in result.constraint_evaluation.items():
        assert ev["relative_violation"] <= tol, name


def test_recorded_answers_are_there():
    """The comparisons below need the recorded answers: a missing file fails here, not silently."""
    answers = json.loads(ANSWERS.read_text())
    assert answers["insurance_optimise"] == "0.7.0"
    assert {"quickstart", "blog", "scenarios", "frontier"} <= set(answers)
    assert len(answers["frontier"]["points"]) == 15 and len(answers["scenarios"]["scenarios"]) == 3


def allowance(result, peer: dict, config) -> float:
    """How far insurance-optimise's profit may exceed rateopt's: 1e-7 relative, plus the first-order
    value (rateopt's shadow prices, 1.5×) of each constraint insurance-optimise's own answer breaks
    (nothing more where it holds them all)."""
    a = 1e-7 * abs(peer["profit"])
    prices = result.shadow_prices
    if config.lr_max is not None:
        a += 1.5 * prices.get("lr_max", 0.0) * 100 * max(0.0, peer["loss_ratio"] - config.lr_max)
    if config.retention_min is not None and peer["retention"] is not None:
        a += 1.5 * prices.get("retention_min", 0.0) * 100 * max(0.0, config.retention_min - peer["retention"])
    if config.gwp_min is not None:
        a += 1.5 * prices.get("gwp_min", 0.0) * max(0.0, config.gwp_min - peer["gwp"])
    return a


def test_quick_start(tmp_path, monkeypatch):
    ns = run_example("quickstart", tmp_path, monkeypatch)
    result, config = ns["result"], ns["config"]
    assert result.converged and result.status == "converged"
    check_answer(ns, result, config)
    assert result.profit == result.expected_profit
    assert result.optimality_gap < 1e-9
    assert ns["df"].shape == (500, 3)
    audit = json.loads((tmp_path / "renewal_run_2025_q1_audit.json").read_text())
    assert audit["audit"]["configuration"]["retention_min"] == 0.80
    assert set(result.shadow_prices) == {"lr_max", "retention_min"}
    assert result.shadow_prices["retention_min"] > 0  # binding, and priced exactly (insurance-optimise: 0.0)
    peer = insurance_optimise_answer("quickstart")
    if peer is not None:
        assert peer["converged"]
        assert result.expected_profit >= peer["profit"] - allowance(result, peer, config)


def test_blog_configuration(tmp_path, monkeypatch):
    ns = run_example("blog", tmp_path, monkeypatch)
    result, config = ns["result"], ns["config"]
    assert result.converged
    check_answer(ns, result, config)
    assert result.shadow_prices["gwp_min"] > 0 and result.shadow_prices["retention_min"] > 0
    peer = insurance_optimise_answer("blog")
    if peer is not None:
        assert result.expected_profit >= peer["profit"] - allowance(result, peer, config)


def test_efficient_frontier(tmp_path, monkeypatch):
    ns = run_example("frontier", tmp_path, monkeypatch)
    frontier, opt = ns["result"], ns["opt"]
    reachable = ns["p_renewal"][ns["is_renewal"]].mean()  # every renewal at m = 1, its lowest price
    data = frontier.data
    assert data.columns[:6] == ["epsilon", "converged", "profit", "gwp", "loss_ratio", "retention"]
    assert len(data) == 15 and frontier.sweep_param == "volume_retention"
    assert ns["pareto_points"]["converged"].all() and len(ns["pareto_points"]) == int(data["converged"].sum())
    peer = insurance_optimise_answer("frontier")
    profits, compared = [], 0
    for k, point in enumerate(frontier.points):
        r = point.result
        if point.epsilon <= reachable - 1e-6:
            assert r.converged, (point.epsilon, r.status)
            profits.append(r.expected_profit)
            assert r.expected_retention >= point.epsilon * (1 - 1e-9)
            assert r.expected_loss_ratio <= 0.72 * (1 + 1e-9)
        elif point.epsilon > reachable:
            assert r.status == "infeasible"  # proven: insurance-optimise cannot do better
        if peer is not None and r.converged:
            config = rateopt.ConstraintConfig(**dict(opt.config.__dict__, retention_min=point.epsilon))
            assert r.expected_profit >= peer["points"][k]["profit"] - allowance(r, peer["points"][k], config)
            compared += peer["points"][k]["converged"]
    assert profits == sorted(profits, reverse=True)  # a higher retention floor never earns more
    if peer is not None:
        assert compared >= 2  # the points where insurance-optimise converged were compared
    # a point's per-policy arrays come from one solve at its limit
    first = frontier.points[0].result
    assert len(first.multipliers) == 500 and abs(first.expected_profit - profits[0]) <= 1e-9 * profits[0]


def test_scenarios(tmp_path, monkeypatch):
    ns = run_example("scenarios", tmp_path, monkeypatch)
    s = ns["result_scenarios"]
    assert s.scenario_names == ["pessimistic", "central", "optimistic"]
    summary = s.summary()
    assert summary.columns == ["scenario", "converged", "profit", "gwp", "loss_ratio", "retention"]
    assert summary["converged"].all()
    profits = [r.expected_profit for r in s.results]
    assert abs(profits[1] - ns["opt"].optimise().expected_profit) <= 1e-12 * profits[1]  # central = the plain solve
    assert s.profit_p10 <= s.profit_mean <= s.profit_p90
    assert np.all(s.multiplier_p10 <= s.multiplier_p90)
    stack = np.stack([r.multipliers for r in s.results])
    np.testing.assert_allclose(s.multiplier_mean, stack.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(s.multiplier_p10, np.percentile(stack, 10, axis=0), rtol=1e-12)
    peer = insurance_optimise_answer("scenarios")
    if peer is not None:
        for name, r in zip(s.scenario_names, s.results):
            p = peer["scenarios"][name]
            assert r.expected_profit >= p["profit"] - allowance(r, p, ns["config"])
        assert sum(p["converged"] for p in peer["scenarios"].values()) >= 2


def test_pareto_surface(tmp_path, monkeypatch):
    """The README's grid asks for retention up to 0.96 on a book that reaches at most 0.8213 (every
    renewal at the technical price): rateopt proves every point above that infeasible, solves the row at
    0.82 (each point with its own pass budget, though the sweep shares one backend), and select() picks
    a converged point that meets both of its limits."""
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": "__main__"}
    path = EXAMPLES / "pareto.py"
    exec(compile(path.read_text(), str(path), "exec"), ns)
    reachable = ns["p_renewal"][ns["is_renewal"]].mean()
    result = ns["result"]
    rows = list(result.surface.iter_rows(named=True))
    assert len(rows) == 100
    converged = [row for row in rows if row["converged"]]
    for row in rows:
        if row["eps_x"] > reachable:
            assert row["status"] == "infeasible", row
    assert len(converged) >= 9 and all(row["eps_x"] == pytest.approx(0.82) for row in converged)
    selected = result.selected
    choice = result.selection
    assert selected.converged
    disparity = rateopt.premium_disparity_ratio(selected.multipliers, ns["technical_price"], ns["deprivation"])
    assert disparity <= choice["eps_y"] * (1 + 1e-9)
    assert selected.expected_retention >= choice["eps_x"] * (1 - 1e-9)


def test_pareto_surface_on_a_reachable_grid(tmp_path, monkeypatch):
    """The README's Pareto example on the part of its grid the book can reach."""
    text = (EXAMPLES / "pareto.py").read_text().replace("(0.82, 0.96)", "(0.76, 0.815)").replace(
        "n_points_x=10", "n_points_x=4").replace("n_points_y=10", "n_points_y=4")
    script = tmp_path / "pareto_reachable.py"
    script.write_text(text)
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": "__main__"}
    exec(compile(text, str(script), "exec"), ns)
    result = ns["result"]
    surface = result.surface
    assert len(surface) == 16 and surface["converged"].all()
    front = result.pareto_df
    assert 1 <= len(front) <= 16 and front["converged"].all()
    selected = result.selected
    assert selected.converged
    choice = result.selection
    groups = ns["deprivation"]
    disparity = rateopt.premium_disparity_ratio(selected.multipliers, ns["technical_price"], groups)
    assert disparity <= choice["eps_y"] * (1 + 1e-9)
    assert selected.expected_retention >= choice["eps_x"] * (1 - 1e-9)
    assert abs(disparity - choice["fairness"]) <= 1e-6 * disparity
    audit = json.loads((tmp_path / "pareto_run_2025_q1_audit.json").read_text())
    assert len(audit["surface"]) == 16 and audit["selected"]["selected_by"] == "topsis"


def test_n_constraints_counts_as_insurance_optimise():
    """lr_max, lr_min, gwp_min, gwp_max and retention_min (only where the book has renewals)."""
    from rateopt import ConstraintConfig, PortfolioOptimiser

    book = rateopt.generate_book(300, seed=3)
    columns = {c: book[c] for c in ("technical_price", "expected_loss_cost", "p_demand", "elasticity")}
    config = ConstraintConfig(lr_max=0.7, gwp_min=1.0, retention_min=0.8, max_rate_change=0.2)
    renewals = PortfolioOptimiser(**columns, renewal_flag=np.ones(300, dtype=bool), constraints=config)
    assert renewals.n_constraints == 3
    assert PortfolioOptimiser(**columns, constraints=config).n_constraints == 2
    assert PortfolioOptimiser(**columns).n_constraints == 0
