"""Shared fixtures: the repository's peer fixture books and the built CLI (for parity checks)."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "peer"


def peer_cases() -> list[dict]:
    """tests/fixtures/peer/manifest.json's cases: book, options (`config`), insurance-optimise's answer."""
    return json.loads((FIXTURES / "manifest.json").read_text())["cases"]


def case_options(case: dict) -> dict:
    """The rateopt options of a fixture case (its config plus its demand model)."""
    return dict(case["config"], demand_model=case["demand_model"])


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    """The rateopt program built next to the package (RATEOPT_CLI, else build/rateopt)."""
    path = pathlib.Path(os.environ.get("RATEOPT_CLI", ROOT / "build" / "rateopt"))
    if not path.is_file():
        pytest.skip(f"the CLI is not built at {path} (run scripts/setup.sh)")
    return path


@pytest.fixture
def run_cli(cli, tmp_path):
    """Run `rateopt <args>`; returns the completed process (stdout text)."""

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True, check=True, cwd=tmp_path)

    return run


def assert_constraints_hold(result, tolerance: float = 1e-9) -> None:
    """Every constraint within its relative tolerance and every multiplier within its bounds."""
    for name, c in result.constraint_evaluation.items():
        assert c["relative_violation"] <= tolerance, (name, c)
    assert (result.multipliers >= result.lower_bound).all()
    assert (result.multipliers <= result.upper_bound).all()


def random_book_arrays(n: int, seed: int) -> dict:
    """A random book of n policies as a dict of numpy arrays (about 70% renewals, each with an ENBP)."""
    rng = np.random.default_rng(seed)
    tc = rng.uniform(300, 1200, n)
    return {
        "technical_price": tc,
        "expected_loss_cost": tc * rng.uniform(0.55, 0.75, n),
        "p_demand": rng.uniform(0.70, 0.95, n),
        "elasticity": rng.uniform(-2.5, -0.8, n),
        "renewal_flag": rng.random(n) < 0.7,
        "enbp": tc * rng.uniform(1.05, 1.25, n),
    }
