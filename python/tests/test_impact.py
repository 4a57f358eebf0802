"""Result.impact and RatebookResult.impact: the impact report's rows recomputed with numpy (weights expanded,
quantiles by inverted CDF), factor rows of a ratebook, bad labels naming the argument."""

from __future__ import annotations

import numpy as np
import pytest

import rateopt

REGIONS = np.array(["north", "south", "east"])


def _book(n: int = 200, seed: int = 9) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    tc = rng.uniform(100, 500, n)
    return {
        "technical_price": tc,
        "expected_loss_cost": tc * rng.uniform(0.5, 0.8, n),
        "p_demand": rng.uniform(0.3, 0.9, n),
        "elasticity": rng.uniform(-3.0, -1.0, n),
        "renewal_flag": (rng.uniform(size=n) < 0.6).astype(np.uint8),
        "prior_multiplier": rng.uniform(0.95, 1.1, n),
        "weight": rng.integers(1, 4, n).astype(np.float64),
    }


def _rows(frame) -> list[dict]:
    if isinstance(frame, dict):
        return [dict(zip(frame, values)) for values in zip(*frame.values())]
    if hasattr(frame, "to_dicts"):
        return frame.to_dicts()
    return frame.to_dict("records")


def test_impact_rows_match_numpy():
    book = _book()
    region = REGIONS[np.arange(200) % 3]
    result = rateopt.optimise(book, lr_max=0.62, max_rate_change=0.2)
    rows = _rows(result.impact({"region": region}))
    assert [(r["segment"], r["level"]) for r in rows] == [("all", "all")] + [("region", x) for x in sorted(REGIONS)]
    m, prior, tc = result.multipliers, book["prior_multiplier"], book["technical_price"]
    x0, eps, c = book["p_demand"], book["elasticity"], book["expected_loss_cost"]
    w = book["weight"].astype(int)
    renewal = book["renewal_flag"] == 1
    for r in rows:
        mask = np.ones(200, bool) if r["level"] == "all" else region == r["level"]
        idx = np.repeat(np.nonzero(mask)[0], w[mask])  # each policy as many times as its weight
        change = np.sort((m[idx] / prior[idx] - 1) * 100)
        n = len(change)
        assert r["policies"] == n
        for key, q in [("p5_change_pct", 5), ("p25_change_pct", 25), ("median_change_pct", 50), ("p95_change_pct", 95)]:
            assert r[key] == pytest.approx(change[(q * n + 99) // 100 - 1], rel=1e-12, abs=1e-12)
        assert r["mean_change_pct"] == pytest.approx(change.mean(), rel=1e-9, abs=1e-12)
        assert r["share_over_10pct"] == pytest.approx(np.mean(change > 10 + 1e-9), abs=1e-12)
        x_after, x_before = x0[idx] * m[idx] ** eps[idx], x0[idx] * prior[idx] ** eps[idx]
        ren = renewal[idx]
        assert r["retention_after"] == pytest.approx(x_after[ren].sum() / ren.sum(), rel=1e-9)
        assert r["retention_before"] == pytest.approx(x_before[ren].sum() / ren.sum(), rel=1e-9)
        lr_after = (c[idx] * x_after).sum() / (m[idx] * tc[idx] * x_after).sum()
        assert r["loss_ratio_after"] == pytest.approx(lr_after, rel=1e-9)
    assert rows[0]["loss_ratio_after"] == pytest.approx(result.expected_loss_ratio, rel=1e-9)


def test_ratebook_impact_has_every_factor_then_segments():
    book = _book()
    book["factor.age"] = np.array(["young", "mid", "old"])[np.arange(200) % 3]
    ratebook = {"factor": ["age"] * 3, "level": ["young", "mid", "old"], "relativity": [1.2, 1.0, 1.1]}
    result = rateopt.optimise_ratebook(book, ratebook, lr_max=0.62, structure_cost=False)
    rows = _rows(result.impact({"region": REGIONS[np.arange(200) % 2]}))
    assert [(r["segment"], r["level"]) for r in rows] == [
        ("all", "all"),
        ("factor.age", "young"),
        ("factor.age", "mid"),
        ("factor.age", "old"),
        ("region", "north"),
        ("region", "south"),
    ]


def test_labels_of_the_wrong_length_name_the_argument():
    result = rateopt.optimise(_book(), lr_max=0.62)
    with pytest.raises(rateopt.InputError, match=r"segments\[\"region\"\] has 3 labels"):
        result.impact({"region": ["a", "b", "c"]})
