"""rateopt.optimise gives the CLI's answer on every fixture book (tests/fixtures/peer), read by the CLI's
reader or handed over as in-memory columns."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import rateopt
from conftest import FIXTURES, case_options, peer_cases

TOLERANCE = 1e-12


def read_columns(path) -> dict:
    """The CSV as a dict of arrays, read by Python's csv module (no rateopt code)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = {}
    for name in rows[0]:
        values = [row[name] for row in rows]
        if name in ("policy_id", "group"):
            columns[name] = np.array(values, dtype=object)
        elif name == "renewal_flag":
            columns[name] = np.array([int(v) for v in values], dtype=np.int64)
        else:
            columns[name] = np.array([float(v) for v in values])
    return columns


def cli_answer(run_cli, tmp_path, book_path, options):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(options))
    out = tmp_path / "out"
    run_cli("optimise", "--book", book_path, "--config", config, "--out-dir", out)
    document = json.loads((out / "result.json").read_text())
    with open(out / "policies.csv", newline="") as f:
        policies = list(csv.DictReader(f))
    return document, policies


def close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), 1e-300) or a == b


@pytest.mark.parametrize("case", peer_cases(), ids=lambda c: c["file"].removesuffix(".json"))
def test_same_answer_as_the_cli(case, run_cli, tmp_path):
    book_path = FIXTURES / case["book"]
    options = case_options(case)
    document, policies = cli_answer(run_cli, tmp_path, book_path, options)
    cli_multipliers = np.array([float(p["multiplier"]) for p in policies])

    for book in (rateopt.read_book(book_path), read_columns(book_path)):
        result = rateopt.optimise(book, **options)
        np.testing.assert_allclose(result.multipliers, cli_multipliers, rtol=TOLERANCE, atol=0)
        np.testing.assert_array_equal(result.lower_bound, [float(p["lower_bound"]) for p in policies])
        np.testing.assert_array_equal(result.upper_bound, [float(p["upper_bound"]) for p in policies])
        assert result.policy_ids == [p["policy_id"] for p in policies]
        assert result.status == document["status"]
        assert result.converged == document["converged"]
        for key in ("expected_profit", "expected_gwp", "expected_claims", "expected_loss_ratio", "dual_bound"):
            assert close(getattr(result, key), document[key]), key
        assert close(result.expected_retention, document["expected_retention"])
        for name, price in document["shadow_prices"].items():
            assert close(result.shadow_prices[name], price), name
        assert result.audit_trail["configuration"] == document["audit"]["configuration"]
        assert result.audit_trail["portfolio"] == document["audit"]["portfolio"]


def test_written_outputs_match_the_cli(run_cli, tmp_path):
    """write_outputs() writes what `rateopt optimise --out-dir` writes (apart from timings and the clock)."""
    case = peer_cases()[0]
    book_path = FIXTURES / case["book"]
    options = case_options(case)
    document, _ = cli_answer(run_cli, tmp_path, book_path, options)
    result = rateopt.optimise(rateopt.read_book(book_path), **options)
    result.write_outputs(tmp_path / "py")
    assert (tmp_path / "py" / "policies.csv").read_text() == (tmp_path / "out" / "policies.csv").read_text()
    mine = json.loads((tmp_path / "py" / "result.json").read_text())

    def timeless(d):
        d = json.loads(json.dumps(d))
        for key in ("seconds", "seconds_by_phase"):
            d.pop(key, None)
        audit = d.pop("audit")
        for key in ("timestamp_utc", "solver", "iterations"):
            audit.pop(key, None)
        audit["rateopt"].pop("git_revision")  # the CLI and the module may be built at different commits
        return d, audit

    assert timeless(mine) == timeless(document)
    assert timeless(json.loads(result.to_json())) == timeless(mine)
    with pytest.raises(rateopt.InputError):
        result.write_outputs(tmp_path / "py")  # an existing output is never overwritten without force
    result.write_outputs(tmp_path / "py", force=True)
