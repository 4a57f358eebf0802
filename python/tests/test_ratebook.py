"""rateopt.optimise_ratebook: a ratebook built into a book is recovered with no structure cost, bounds and
orders hold on a constrained solve, the CLI's files come out, bad input names the column and index."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rateopt

AGES = ["young", "mid", "old"]
REGIONS = ["north", "south"]


def _book(n: int = 300, seed: int = 4) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    tc = rng.uniform(100, 500, n)
    return {
        "technical_price": tc,
        "expected_loss_cost": tc * rng.uniform(0.5, 0.8, n),
        "p_demand": rng.uniform(0.3, 0.9, n),
        "elasticity": rng.uniform(-3.0, -1.0, n),
        "renewal_flag": (rng.uniform(size=n) < 0.6).astype(np.uint8),
        "factor.age": np.array(AGES)[rng.integers(0, 3, n)],
        "factor.region": np.array(REGIONS)[rng.integers(0, 2, n)],
    }


RATEBOOK = {
    "factor": ["age", "age", "age", "region", "region"],
    "level": AGES + REGIONS,
    "relativity": [1.2, 1.0, 1.1, 1.0, 0.9],
}


def test_recovers_a_ratebook_built_into_the_book():
    book = _book()
    age = {"young": 1.0, "mid": 1.1, "old": 1.3}
    region = {"north": 1.0, "south": 1.15}
    best = 1.2 * np.array([age[a] * region[r] for a, r in zip(book["factor.age"], book["factor.region"])])
    eps = book["elasticity"]
    # log-linear demand: each policy's best multiplier is (c/tc)·ε/(ε+1)
    book["expected_loss_cost"] = best * book["technical_price"] * (eps + 1) / eps
    flat = dict(RATEBOOK, relativity=[1.0] * 5)
    result = rateopt.optimise_ratebook(book, flat)
    assert result.status == "converged", result.message
    np.testing.assert_allclose(result.multipliers, best, rtol=1e-7)
    assert abs(result.structure_cost) <= 1e-9 * result.expected_profit


def test_constrained_solve_holds_bounds_orders_and_the_per_policy_bound(tmp_path):
    book = _book(600)
    result = rateopt.optimise_ratebook(
        book, RATEBOOK, retention_min=0.45, level_bounds=["region=0.95:1.05"], monotone=["age:decreasing"], fix=["age=mid"]
    )
    assert result.status == "converged", result.message
    rows = {(r["factor"], r["level"]): r for r in result.ratebook}
    assert rows[("age", "mid")]["new_relativity"] == 1.0
    assert rows[("age", "young")]["new_relativity"] >= 1.0 >= rows[("age", "old")]["new_relativity"]
    for level, old in (("north", 1.0), ("south", 0.9)):
        assert old * 0.95 <= rows[("region", level)]["new_relativity"] <= old * 1.05
    assert result.constraint_evaluation["retention_min"]["value"] >= 0.45 * (1 - 1e-9)
    assert result.structure_cost >= 0
    assert result.kkt["stationarity"] <= 1e-6  # the test a converged solve passes
    assert len(result.multipliers) == 600
    result.write_outputs(tmp_path / "out")
    written = json.loads((tmp_path / "out" / "result.json").read_text())
    assert written["ratebook"] == result.ratebook
    assert (tmp_path / "out" / "ratebook.csv").read_text().startswith("factor,level,old_relativity")


def test_smoothness_and_caps_after_the_ratebook():
    book = _book(600)
    smooth = rateopt.optimise_ratebook(book, RATEBOOK, smooth=["age=0.01"], structure_cost=False)
    assert smooth.status == "converged", smooth.message
    change = [np.log(r["new_relativity"] / r["old_relativity"]) for r in smooth.ratebook if r["factor"] == "age"]
    assert max(abs(b - a) for a, b in zip(change, change[1:])) <= 0.01 + 1e-12
    assert any(r["binding"] == "smooth" for r in smooth.ratebook)

    book["prior_multiplier"] = np.full(600, 1.2)
    capped = rateopt.optimise_ratebook(book, RATEBOOK, max_rate_change=0.03, caps="after", structure_cost=False)
    assert capped.status == "converged", capped.message
    m, after = capped.multipliers, capped.capped_multipliers
    np.testing.assert_allclose(after, np.clip(m, 1.2 * (1 - 0.03), 1.2 * (1 + 0.03)), rtol=1e-15)
    assert capped.capping["policies_capped"] == int(np.sum(after != m)) > 0
    assert capped.capping["before"]["expected_profit"] == capped.expected_profit
    assert rateopt.optimise_ratebook(book, RATEBOOK, structure_cost=False).capped_multipliers is None


def test_bad_input_names_the_column_and_index():
    book = _book(20)
    book["factor.age"][3] = "ancient"
    with pytest.raises(rateopt.InputError, match=r"factor\.age\[3\].*not a level"):
        rateopt.optimise_ratebook(book, RATEBOOK)
    with pytest.raises(rateopt.InputError, match=r"ratebook\[1\].*relativity"):
        rateopt.optimise_ratebook(_book(20), dict(RATEBOOK, relativity=[1.2, 0.0, 1.1, 1.0, 0.9]))
    with pytest.raises(rateopt.InputError, match="monotone"):
        rateopt.optimise_ratebook(_book(20), RATEBOOK, monotone=["nofactor"])
    with pytest.raises(rateopt.InputError, match=r"smooth.*≥ 0"):
        rateopt.optimise_ratebook(_book(20), RATEBOOK, smooth=["age=-1"])
