"""rateopt.optimise_grid: the CLI's answer on the bundled grid, brute force on tiny grids, every input kind
giving the same answer, float64 columns read without a copy, and every bad-input rule."""

from __future__ import annotations

import csv
import itertools
import json
import pathlib

import numpy as np
import pytest

import rateopt
from rateopt.grid import _grid
from conftest import ROOT

QUOTES = ROOT / "examples" / "grid_quotes.csv"


def read_csv_columns(path: pathlib.Path) -> dict[str, np.ndarray]:
    """The CSV as a dict of arrays: policy_id as text, the rest float64 with NaN for an empty cell."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    columns: dict[str, np.ndarray] = {"policy_id": np.array([r["policy_id"] for r in rows], dtype=object)}
    for name in rows[0]:
        if name != "policy_id":
            columns[name] = np.array([float(r[name]) if r[name] != "" else np.nan for r in rows])
    return columns


def read_policies_csv(path: pathlib.Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- the CLI's answer
@pytest.mark.parametrize(
    "options, flags",
    [
        ({"lr_max": 0.7, "retention_min": 0.85}, ["--lr-max", "0.7", "--retention-min", "0.85"]),
        ({"max_rate_change": 0.06, "sum_min": ["volume=95%"]}, ["--max-rate-change", "0.06", "--sum-min", "volume=95%"]),
        ({"lr_max": 0.5}, ["--lr-max", "0.5"]),  # infeasible: a proof, as the CLI
    ],
)
def test_the_answer_is_the_clis_on_the_bundled_grid(run_cli, tmp_path, options, flags):
    run_cli("grid", "--grid", QUOTES, *flags, "--out-dir", tmp_path / "cli")
    cli = json.loads((tmp_path / "cli" / "result.json").read_text())
    result = rateopt.optimise_grid(read_csv_columns(QUOTES), **options)
    assert result.status == cli["status"]
    assert result.expected_profit == cli["portfolio"]["expected_profit"]
    assert result.dual_bound == cli["dual_bound"]
    assert result.shadow_prices == cli["shadow_prices"]
    assert result.bytes_per_candidate == cli["audit"]["inputs"]["bytes_per_candidate"]
    result.write_outputs(tmp_path / "py")
    assert (tmp_path / "py" / "policies.csv").read_text() == (tmp_path / "cli" / "policies.csv").read_text()
    written = json.loads((tmp_path / "py" / "result.json").read_text())
    assert written["portfolio"] == cli["portfolio"] and written["constraint_evaluation"] == cli["constraint_evaluation"]
    rows = read_policies_csv(tmp_path / "cli" / "policies.csv")
    assert [str(s) for s in result.step] == [r["step"] or "-1" for r in rows]
    with pytest.raises(rateopt.Error):  # atomic writer: no silent replacement
        result.write_outputs(tmp_path / "py")


def test_choice_indexes_the_rows_given_even_when_caps_remove_candidates():
    columns = read_csv_columns(QUOTES)
    for options in ({"lr_max": 0.7}, {"max_rate_change": 0.06, "lr_max": 0.7}):
        result = rateopt.optimise_grid(columns, **options)
        chosen = result.choice
        assert (chosen >= 0).all()
        np.testing.assert_array_equal(columns["premium"][chosen], result.premium)
        np.testing.assert_array_equal(columns["step"][chosen], result.step)
    assert result.candidates_removed > 0


# ---------------------------------------------------------------- brute force
def tiny_grid(seed: int, n: int = 5, k: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = np.sort(rng.uniform(0.85, 1.2, (n, k)), axis=1)
    tc = rng.uniform(200, 800, n)[:, None]
    demand = np.minimum(1.0, rng.uniform(0.4, 0.9, n)[:, None] * m ** rng.uniform(-3, -0.5, n)[:, None])
    return {
        "policy_id": np.repeat([f"Q{i}" for i in range(n)], k),
        "step": np.tile(np.arange(k), n),
        "premium": (tc * m).ravel(),
        "demand": demand.ravel(),
        "expected_loss_cost": np.repeat(tc[:, 0] * rng.uniform(0.5, 0.8, n), k),
        "weight": np.repeat(rng.choice([1.0, 2.0], n), k),
        "renewal_flag": np.repeat(np.r_[1, rng.integers(0, 2, n - 1)], k).astype(np.uint8),
        "score": rng.uniform(0, 10, n * k),
    }


def brute_force(g: dict[str, np.ndarray], k: int, feasible) -> float:
    """The best profit over every choice meeting `feasible(sums)`, -inf when none does."""
    n = len(g["premium"]) // k
    best = -np.inf
    for choice in itertools.product(range(k), repeat=n):
        rows = np.arange(n) * k + np.array(choice)
        w, p, x, c = g["weight"][rows], g["premium"][rows], g["demand"][rows], g["expected_loss_cost"][rows]
        renew = g["renewal_flag"][rows] == 1
        sums = {
            "profit": np.sum(w * (p - c) * x),
            "gwp": np.sum(w * p * x),
            "claims": np.sum(w * c * x),
            "retention": np.sum((w * x)[renew]) / np.sum(w[renew]),
            "score": np.sum(w * g["score"][rows]),
        }
        if feasible(sums):
            best = max(best, sums["profit"])
    return best


CONSTRAINTS = [
    ("lr_max", lambda s: s["claims"] / s["gwp"], lambda v: {"lr_max": v}, lambda s, v: s["claims"] <= v * s["gwp"]),
    ("retention_min", lambda s: s["retention"], lambda v: {"retention_min": v}, lambda s, v: s["retention"] >= v),
    ("sum_max score", lambda s: s["score"], lambda v: {"sum_max": [f"score={v!r}"]}, lambda s, v: s["score"] <= v),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS])
def test_tiny_grids_against_every_choice(seed, constraint):
    _, quantity, options_of, holds = constraint
    g, k = tiny_grid(seed), 3
    # A limit between the quantity's values at the cheapest and the dearest choice: usually binding.
    low = quantity({**_sums_at(g, k, 0)})
    high = quantity({**_sums_at(g, k, k - 1)})
    limit = float(low + 0.5 * (high - low))
    best = brute_force(g, k, lambda s: holds(s, limit * (1 + 1e-12) if limit > 0 else limit))
    exact = rateopt.optimise_grid(g, exact=True, **options_of(limit))
    dual = rateopt.optimise_grid(g, **options_of(limit))
    if best == -np.inf:
        assert exact.status == "infeasible" and dual.status == "infeasible"
        return
    assert exact.status == "converged"
    assert exact.expected_profit == pytest.approx(best, rel=1e-9)
    assert dual.status == "converged"
    assert dual.expected_profit <= best * (1 + 1e-9)
    assert dual.dual_bound >= best * (1 - 1e-9)  # the bound is above every feasible choice
    assert dual.optimality_gap == pytest.approx((dual.dual_bound - dual.expected_profit) / abs(dual.dual_bound))


def _sums_at(g: dict[str, np.ndarray], k: int, step: int) -> dict[str, float]:
    n = len(g["premium"]) // k
    rows = np.arange(n) * k + step
    w, p, x, c = g["weight"][rows], g["premium"][rows], g["demand"][rows], g["expected_loss_cost"][rows]
    renew = g["renewal_flag"][rows] == 1
    return {"profit": np.sum(w * (p - c) * x), "gwp": np.sum(w * p * x), "claims": np.sum(w * c * x),
            "retention": np.sum((w * x)[renew]) / np.sum(w[renew]), "score": np.sum(w * g["score"][rows])}


# ---------------------------------------------------------------- every input kind
def flat_arrays() -> tuple[dict[str, np.ndarray], np.ndarray, list[str]]:
    """The bundled grid as flat per-row arrays, per-policy arrays and offsets."""
    c = read_csv_columns(QUOTES)
    starts = np.flatnonzero(np.r_[True, c["policy_id"][1:] != c["policy_id"][:-1]])
    offsets = np.append(starts, len(c["premium"]))
    flat = {
        "premium": c["premium"], "demand": c["demand"], "expected_loss_cost": c["expected_loss_cost"],
        "baseline": c["baseline"].astype(np.uint8),
        "weight": c["weight"][starts], "renewal_flag": c["renewal_flag"][starts].astype(np.uint8),
    }
    return flat, offsets, list(c["policy_id"][starts])


def answers(result) -> tuple:
    return (result.expected_profit, result.dual_bound, tuple(result.step), tuple(result.premium),
            json.dumps(result.constraint_evaluation, sort_keys=True))


@pytest.mark.parametrize("library", ["polars", "pandas", "pyarrow", "numpy"])
def test_every_input_kind_gives_the_same_answer(library):
    options = {"lr_max": 0.7, "retention_min": 0.85}
    expected = answers(rateopt.optimise_grid(read_csv_columns(QUOTES), **options))
    if library == "numpy":
        flat, offsets, ids = flat_arrays()
        result = rateopt.optimise_grid(flat, offsets=offsets, policy_id=ids, **options)
        assert result.policy_ids == ids
    else:
        module = pytest.importorskip(library)
        if library == "polars":
            data = module.read_csv(QUOTES)  # nulls where the CSV leaves a per-policy column empty
        elif library == "pandas":
            data = module.read_csv(QUOTES)
        else:
            import pyarrow.csv

            data = pyarrow.csv.read_csv(QUOTES)
        result = rateopt.optimise_grid(data, **options)
        assert result.policy_ids == [f"P00{i}" for i in range(1, 7)]
    assert answers(result) == expected


def test_frames_of_the_result():
    result = rateopt.optimise_grid(read_csv_columns(QUOTES), lr_max=0.7)
    table = result.policy_table()
    assert list(table) == ["policy_id", "step", "premium", "demand", "expected_loss_cost", "contribution",
                           "rate_change_pct", "candidates", "split"]
    assert np.sum(table["contribution"]) == pytest.approx(result.profit, rel=1e-12)
    for library, to_frame in (("polars", result.to_polars), ("pandas", result.to_pandas)):
        pytest.importorskip(library)
        frame = to_frame()
        assert list(frame.columns) == list(table)
        np.testing.assert_array_equal(np.asarray(frame["premium"]), result.premium)


# ---------------------------------------------------------------- no copies
def test_float64_columns_are_read_without_a_copy():
    flat, offsets, ids = flat_arrays()
    flat["score"] = np.linspace(1, 2, len(flat["premium"]))  # varies within policies: kept per row
    grid = _grid(flat, offsets, ids, ["score"])
    for name in ("premium", "demand", "weight", "score"):
        assert grid.column_address(name) == flat[name].ctypes.data, name
    held = __import__("sys").getrefcount(flat["premium"])
    result = rateopt.optimise_grid(flat, offsets=offsets, sum_max=["score=1e9"])
    assert __import__("sys").getrefcount(flat["premium"]) >= held
    assert result.choice.base is not None  # the solve's own array, not a copy
    # a loss cost that is the same on every row of a policy is kept once per policy, as the CSV reader keeps it
    assert grid.bytes_per_candidate == 16 + 8


@pytest.mark.parametrize("library", ["polars", "pandas", "pyarrow"])
def test_frame_columns_are_read_without_a_copy(library):
    module = pytest.importorskip(library)
    columns = {"policy_id": ["a", "a", "b"], "premium": [100.0, 110.0, 90.0], "demand": [0.9, 0.8, 0.7]}
    if library == "polars":
        frame = module.DataFrame(columns)
        buffer = frame.get_column("premium").to_numpy()
    elif library == "pandas":
        frame = module.DataFrame(columns)
        buffer = frame["premium"].to_numpy()
    else:
        frame = module.table(columns)
        buffer = frame.column("premium").to_numpy()
    assert _grid(frame, None, None, []).column_address("premium") == buffer.ctypes.data


# ---------------------------------------------------------------- bad input
def good() -> dict[str, np.ndarray]:
    return {
        "policy_id": np.array(["A", "A", "A", "B", "B"], dtype=object),
        "step": np.array([0, 1, 2, 0, 1]),
        "premium": np.array([100.0, 110.0, 120.0, 200.0, 210.0]),
        "demand": np.array([0.9, 0.8, 0.7, 0.6, 0.5]),
        "expected_loss_cost": np.array([60.0, 60.0, 60.0, 150.0, 150.0]),
        "weight": np.array([1.0, 1.0, 1.0, 2.0, 2.0]),
        "baseline": np.array([0, 1, 0, 1, 0], dtype=np.uint8),
    }


BAD = [
    ("step", [0, 2, 1, 0, 1], r"step\[1\]: steps of policy \"A\" must run 0, 1, …, K−1 in order"),
    ("step", [0, 1, 1, 0, 1], r"step\[2\]: duplicate \(policy, step\): policy \"A\" step 1 is already at step\[1\]"),
    ("step", [0, 1, 2, 1, 2], r"step\[3\]: policy \"B\" starts at step 1: .*K = 0"),
    ("step", [0, 1.5, 2, 0, 1], r"step\[1\] = 1.5 must be a whole number"),
    ("demand", [0.9, 0.8, 1.3, 0.6, 0.5], r"demand\[2\] = 1.3 must be in \[0,1\]"),
    ("demand", [0.9, -0.1, 0.7, 0.6, 0.5], r"demand\[1\] = -0.1 must be in \[0,1\]"),
    ("premium", [100.0, 0.0, 120.0, 200.0, 210.0], r"premium\[1\] = 0 must be in \(0,"),
    ("premium", [100.0, 110.0, np.inf, 200.0, 210.0], r"premium\[2\] = inf must be a finite number"),
    ("expected_loss_cost", [60.0, 60.0, 60.0, np.nan, 150.0], r"expected_loss_cost\[3\] = nan must be a finite"),
    ("weight", [1.0, 1.0, 1.0, 2.0, 3.0], r"weight\[4\] = 3 differs from 2 given for policy \"B\" at weight\[3\]"),
    ("weight", [1.0, 1.0, 1.0, -2.0, -2.0], r"weight\[3\] = -2 must be in \(0,"),
    ("baseline", [1, 1, 0, 1, 0], r"baseline\[1\]: policy \"A\" has a second baseline row \(the first at baseline\[0\]\)"),
    ("policy_id", ["A", "A", "B", "A", "A"], r"policy_id\[3\]: the rows of policy \"A\" are not together \(its rows began at row 0\)"),
    ("premium", [100.0, 110.0, 120.0, 200.0], r"premium has 4 values, policy_id has 5"),
]


@pytest.mark.parametrize("column, values, message", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_names_the_argument_and_index(column, values, message):
    data = good()
    data[column] = np.array(values, dtype=object if column == "policy_id" else None)
    with pytest.raises(rateopt.InputError, match=message):
        rateopt.optimise_grid(data)


def test_bad_offsets_and_options():
    flat, offsets, _ = flat_arrays()
    with pytest.raises(rateopt.InputError, match=r"offsets\[2\] = 6 must exceed offsets\[1\] = 6 .*K = 0"):
        rateopt.optimise_grid(flat, offsets=np.r_[0, 6, 6, offsets[2:]])
    with pytest.raises(rateopt.InputError, match=r"offsets: the last value"):
        rateopt.optimise_grid(flat, offsets=offsets[:-1])
    with pytest.raises(rateopt.InputError, match=r"weight has 5 values: expected 36 \(one per row\) or 6"):
        rateopt.optimise_grid({**flat, "weight": np.ones(5)}, offsets=offsets)
    with pytest.raises(rateopt.InputError, match="lr_max"):
        rateopt.optimise_grid(flat, offsets=offsets, lr_max=-1)
    with pytest.raises(rateopt.InputError, match="no_such_option"):
        rateopt.optimise_grid(flat, offsets=offsets, no_such_option=1)
    with pytest.raises(rateopt.InputError, match="policy_id"):
        rateopt.optimise_grid({"premium": flat["premium"], "demand": flat["demand"]})


def test_changing_an_array_after_a_solve_is_seen_by_the_next():
    """The grid reads the caller's buffer: a later solve on the same arrays sees the change."""
    data = good()
    first = rateopt.optimise_grid(data)
    data["demand"][2] = 1.5
    with pytest.raises(rateopt.InputError, match=r"demand\[2\] = 1.5"):
        rateopt.optimise_grid(data)
    assert first.status == "converged"
