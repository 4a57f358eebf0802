"""rateopt.GridPricingRule: a grid solve deployed to new quotes — each quote's choice the argmax of its
Lagrangian term (recomputed here from the rule's term prices), the same choices and batch summary as
`rateopt price --grid`, the rule file round-tripped, and its errors."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import rateopt
from test_grid import QUOTES, read_csv_columns, tiny_grid


def lagrangian_argmax(columns: dict[str, np.ndarray], rule: rateopt.GridPricingRule) -> tuple[np.ndarray, np.ndarray]:
    """Per policy, the row maximising ω·φ with ω the rule's term prices (no caps), and the margin over the
    runner-up (to leave out ties)."""
    layout = rule.document["terms"]["layout"]
    omega = dict(zip(layout, rule.document["terms"]["prices"]))
    ids = columns["policy_id"]
    starts = np.concatenate(([0], np.flatnonzero(ids[1:] != ids[:-1]) + 1, [len(ids)]))
    per_policy = lambda name, default: np.repeat(  # noqa: E731  (given once per policy in the file)
        [np.nanmax(np.r_[columns[name][a:b], -np.inf]) if name in columns else default
         for a, b in zip(starts[:-1], starts[1:])], np.diff(starts))
    w = np.where(np.isfinite(per_policy("weight", 1.0)), per_policy("weight", 1.0), 1.0)
    renewal = np.where(np.isfinite(per_policy("renewal_flag", 0.0)), per_policy("renewal_flag", 0.0), 0.0)
    p, x, c = columns["premium"], columns["demand"], per_policy("expected_loss_cost", 0.0)
    score = w * x * (p * (omega["profit"] + omega["gwp"]) + c * (omega["claims"] - omega["profit"])
                     + renewal * omega["retained"] + omega["volume"])
    for name in layout[5:]:
        score = score + omega[name] * w * x * columns[name]
    best, margin = [], []
    for a, b in zip(starts[:-1], starts[1:]):
        order = np.argsort(score[a:b])[::-1]
        best.append(a + order[0])
        margin.append(score[a + order[0]] - score[a + order[1]] if b - a > 1 else np.inf)
    return np.array(best), np.array(margin)


@pytest.mark.parametrize("options", [{"lr_max": 0.7, "retention_min": 0.85}, {"lr_max": 0.72}])
def test_each_quote_gets_the_argmax_of_its_lagrangian_term(options):
    columns = read_csv_columns(QUOTES)
    result = rateopt.optimise_grid(columns, **options)
    rule = result.pricing_rule()
    priced = rule.price(columns)
    best, margin = lagrangian_argmax(columns, rule)
    clear = margin > 1e-9 * np.abs(columns["premium"][best])
    assert clear.sum() >= len(best) - len(rule.document["constraints"])  # a tie is a policy the solve split
    np.testing.assert_array_equal(priced.choice[clear], best[clear])
    np.testing.assert_array_equal(priced.premium, columns["premium"][priced.choice])
    # On the solved grid the rule gives back the solve's choice where the solve kept the Lagrangian's answer.
    split = result.policy_table()["split"]
    reproduced = int(np.sum((priced.step == result.step) & ~split))
    assert reproduced == rule.document["reproduction"]["reproduced"]
    assert priced.n_policies == result.n_policies
    assert priced.expected_profit == pytest.approx(float(np.sum(priced.contribution)), rel=1e-12)


def test_the_choices_and_summary_are_the_clis(run_cli, tmp_path):
    columns = read_csv_columns(QUOTES)
    result = rateopt.optimise_grid(columns, lr_max=0.7, max_rate_change=0.06)
    rule = result.pricing_rule()
    rule.save(tmp_path / "rule.json")
    run_cli("price", "--rule", tmp_path / "rule.json", "--grid", QUOTES, "--out-dir", tmp_path / "cli")
    priced = rateopt.GridPricingRule.load(tmp_path / "rule.json").price(columns)
    with open(tmp_path / "cli" / "priced.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == priced.step.tolist()
    assert [int(r["candidates"]) for r in rows] == priced.candidates.tolist()
    _, rows_per_policy = np.unique(columns["policy_id"], return_counts=True)
    assert (priced.candidates < rows_per_policy).any()  # the rate-change cap removed candidates
    summary = json.loads((tmp_path / "cli" / "price_summary.json").read_text())
    assert summary == priced.summary
    assert rule.to_json() == (tmp_path / "rule.json").read_text()
    assert rateopt.GridPricingRule.from_json(rule.to_json()).to_json() == rule.to_json()
    result.write_outputs(tmp_path / "py")
    assert (tmp_path / "py" / "pricing_rule.json").read_text() == rule.to_json()


def test_a_constrained_column_is_required_and_errors_name_it(tmp_path):
    g = tiny_grid(3, n=8, k=4)
    result = rateopt.optimise_grid(g, sum_max=["score=60"])
    rule = result.pricing_rule()
    assert rule.constrained_columns == ["score"]
    priced = rule.price(g)
    best, margin = lagrangian_argmax(g, rule)
    np.testing.assert_array_equal(priced.choice[margin > 1e-9], best[margin > 1e-9])
    without = {k: v for k, v in g.items() if k != "score"}
    with pytest.raises(rateopt.InputError, match="score"):
        rule.price(without)
    bad = dict(g, demand=np.r_[g["demand"][:-1], 1.5])
    with pytest.raises(rateopt.InputError, match=r"demand\[31\]"):
        rule.price(bad)
    (tmp_path / "optimise_rule.json").write_text("{}")
    with pytest.raises(rateopt.InputError, match="optimise_rule.json"):
        rateopt.GridPricingRule.load(tmp_path / "optimise_rule.json")


def test_an_infeasible_solve_has_no_rule():
    result = rateopt.optimise_grid(read_csv_columns(QUOTES), lr_max=0.5)
    assert result.status == "infeasible"
    with pytest.raises(rateopt.InputError):
        result.pricing_rule()
