"""rateopt and insurance-optimise side by side on books of 200–500 policies, where insurance-optimise is
installed (a test-only dependency: `pip install -r tools/peer/requirements.txt` into the environment).
rateopt's profit must be at least insurance-optimise's less 1e-7 relative and the first-order value of any
constraint insurance-optimise's answer breaks, with every constraint of rateopt's answer held."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import rateopt
from conftest import FIXTURES, assert_constraints_hold, random_book_arrays

io = pytest.importorskip("insurance_optimise")

CONFIGS = {
    "bench": dict(lr_max=0.68, retention_min=0.78, max_rate_change=0.25, enbp_buffer=0.01),
    "gwp_floor": dict(lr_max=0.70, retention_min=0.75, max_rate_change=0.25, enbp_buffer=0.01),
}


def book_arrays(name: str) -> dict:
    book = rateopt.read_book(FIXTURES / f"{name}.book.csv")
    return {
        "technical_price": np.array(book["technical_price"]),
        "expected_loss_cost": np.array(book["expected_loss_cost"]),
        "p_demand": np.array(book["p_demand"]),
        "elasticity": np.array(book["elasticity"]),
        "renewal_flag": np.array(book["renewal_flag"]),
        "enbp": np.array(book["enbp"]),
        "prior_multiplier": np.array(book["prior_multiplier"]),
    }


def allowance(result, peer, config: dict) -> float:
    a = 1e-7 * abs(peer.expected_profit)
    prices = result.shadow_prices
    if "lr_max" in config:
        a += 1.5 * prices.get("lr_max", 0.0) * 100 * max(0.0, peer.expected_loss_ratio - config["lr_max"])
    if "retention_min" in config and peer.expected_retention is not None:
        a += 1.5 * prices.get("retention_min", 0.0) * 100 * max(0.0, config["retention_min"] - peer.expected_retention)
    if "gwp_min" in config:
        a += 1.5 * prices.get("gwp_min", 0.0) * max(0.0, config["gwp_min"] - peer.expected_gwp)
    return a


@pytest.mark.parametrize(
    "arrays, config",
    [
        pytest.param(lambda: book_arrays("n200"), CONFIGS["bench"], id="n200-bench"),
        pytest.param(lambda: random_book_arrays(300, 5), CONFIGS["gwp_floor"], id="random300"),
        pytest.param(lambda: book_arrays("n500"), CONFIGS["bench"], id="n500-bench"),
    ],
)
def test_profit_at_least_insurance_optimise(arrays, config):
    a = arrays()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = io.PortfolioOptimiser(**a, constraints=io.ConstraintConfig(**config)).optimise()
    mine = rateopt.PortfolioOptimiser(**a, constraints=rateopt.ConstraintConfig(**config)).optimise()
    assert mine.converged
    assert_constraints_hold(mine)
    assert mine.expected_profit >= peer.expected_profit - allowance(mine, peer, config)
    assert mine.dual_bound >= mine.expected_profit
