"""The native API: DataFrames in and out (polars, pandas, pyarrow), books, sweeps against the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rateopt
from conftest import FIXTURES, assert_constraints_hold

OPTIONS = dict(lr_max=0.68, retention_min=0.78, max_rate_change=0.25, enbp_buffer=0.01)


@pytest.fixture(scope="module")
def book():
    return rateopt.generate_book(5_000, seed=2026)


def test_polars_round_trip(book):
    pl = pytest.importorskip("polars")
    df = book.to_polars()
    assert isinstance(df, pl.DataFrame) and df.height == 5_000
    result = rateopt.optimise(df, **OPTIONS)
    assert result.converged
    assert_constraints_hold(result)
    out = result.to_polars()
    joined = df.join(out, on="policy_id")
    assert joined.height == 5_000
    np.testing.assert_array_equal(joined["multiplier"].to_numpy(), result.multipliers)
    np.testing.assert_allclose(
        joined["new_premium"].to_numpy(), joined["multiplier"].to_numpy() * joined["technical_price"].to_numpy(), rtol=1e-15
    )
    # the same book as a rateopt.Book gives the same answer, bit for bit
    np.testing.assert_array_equal(rateopt.optimise(book, **OPTIONS).multipliers, result.multipliers)
    summary = result.summary_df
    assert summary.columns[:7] == [
        "policy_idx", "multiplier", "new_premium", "expected_demand", "contribution", "enbp_binding", "rate_change_pct"
    ]


def test_polars_nulls_in_enbp_mean_not_given():
    pl = pytest.importorskip("polars")
    df = pl.DataFrame(
        {
            "technical_price": [100.0, 200.0, 300.0],
            "expected_loss_cost": [60.0, 120.0, 180.0],
            "p_demand": [0.8, 0.7, 0.9],
            "elasticity": [-1.5, -2.0, -1.0],
            "renewal_flag": [True, False, True],
            "enbp": [110.0, None, 330.0],
        }
    )
    result = rateopt.optimise(df)
    assert result.upper_bound[0] <= 1.1 and result.upper_bound[1] == 3.0


def test_pandas_and_arrow_give_the_polars_answer(book):
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    reference = rateopt.optimise(book, **OPTIONS).multipliers
    table = book.to_dict()
    for data in (pd.DataFrame(table), pa.table({k: list(v) if v.dtype == object else v for k, v in table.items()})):
        np.testing.assert_array_equal(rateopt.optimise(data, **OPTIONS).multipliers, reference)


def test_float64_columns_are_not_copied_into_python_objects(book):
    """Column views of a book share its memory; float64 C-contiguous input arrays pass through as they are."""
    from rateopt._columns import as_float64

    a = np.linspace(1.0, 2.0, 10)
    assert as_float64("x", a) is a
    assert np.shares_memory(book["p_demand"], book["p_demand"])
    assert not book["p_demand"].flags.writeable
    ints = np.arange(1, 11)
    converted = as_float64("x", ints)
    assert converted.dtype == np.float64 and not np.shares_memory(converted, ints)


def test_float64_arrays_are_viewed_not_copied_and_kept_alive(book):
    """A book built from float64 C-contiguous arrays reads the caller's buffers (SPEC §7): its columns are
    views of them, the arrays stay alive as long as the book, and the solve gives the answer of a copy."""
    import gc
    import sys

    from rateopt._columns import NUMERIC_COLUMNS

    arrays = {c: np.array(book[c]) for c in NUMERIC_COLUMNS}
    arrays["renewal_flag"] = np.array(book["renewal_flag"])
    viewed = rateopt.Book(arrays)
    for name, values in arrays.items():
        assert np.shares_memory(viewed[name], values), name
    # Other dtypes are converted once, into arrays the book owns.
    halves = dict(arrays, expense=arrays["expense"].astype(np.float32))
    assert not np.shares_memory(rateopt.Book(halves)["expense"], halves["expense"])
    strided = dict(arrays, weight=np.repeat(arrays["weight"], 2)[::2])
    assert not np.shares_memory(rateopt.Book(strided)["weight"], strided["weight"])

    reference = rateopt.optimise(book, **OPTIONS)
    p_demand = arrays["p_demand"]
    held = sys.getrefcount(p_demand)
    kept = rateopt.Book(arrays)
    assert sys.getrefcount(p_demand) > held  # the book holds a reference, not a copy
    del arrays, p_demand, viewed
    gc.collect()
    result = rateopt.optimise(kept, **OPTIONS)
    np.testing.assert_array_equal(result.multipliers, reference.multipliers)
    assert result.profit == reference.profit


def test_book_csv_round_trip(book, tmp_path):
    path = tmp_path / "book.csv"
    book.write_csv(path)
    again = rateopt.read_book(path)
    assert len(again) == len(book) and again.source == str(path)
    for column in book.columns:
        np.testing.assert_array_equal(again[column], book[column])


def test_nothing_printed_unless_verbose(book, capsys):
    rateopt.optimise(book, **OPTIONS)
    assert capsys.readouterr() == ("", "")
    rateopt.optimise(book, verbose=True, **OPTIONS)
    captured = capsys.readouterr()
    assert captured.out == "" and "converged" in captured.err


def test_frontier_as_the_cli(run_cli, tmp_path):
    path = FIXTURES / "n200.book.csv"
    run_cli("frontier", "--book", path, "--sweep", "retention_min", "--from", "0.7", "--to", "0.8", "--points", "5",
            "--lr-max", "0.68", "--max-rate-change", "0.25", "--enbp-buffer", "0.01", "--out-dir", tmp_path / "cli")
    cli = json.loads((tmp_path / "cli" / "result.json").read_text())
    mine = rateopt.efficient_frontier(path, sweep="retention_min", from_=0.7, to=0.8, points=5, lr_max=0.68,
                                      max_rate_change=0.25, enbp_buffer=0.01)
    assert len(mine.points) == 5
    for a, b in zip(mine.points, cli["points"]):
        for key in ("epsilon", "converged", "status", "profit", "gwp", "loss_ratio", "retention", "shadow_price"):
            assert a[key] == b[key], key
    mine.write_outputs(tmp_path / "py")
    assert (tmp_path / "py" / "frontier.csv").read_text().splitlines()[0] == (
        (tmp_path / "cli" / "frontier.csv").read_text().splitlines()[0]
    )


def test_pareto_as_the_cli(run_cli, tmp_path):
    path = FIXTURES / "n200.book.csv"
    run_cli("pareto", "--book", path, "--sweep-x", "retention_min", "--x-range", "0.70:0.77", "--fairness-range",
            "1.02:1.2", "--points-x", "3", "--points-y", "3", "--max-rate-change", "0.25", "--enbp-buffer", "0.01",
            "--out-dir", tmp_path / "cli")
    cli = json.loads((tmp_path / "cli" / "result.json").read_text())
    mine = rateopt.pareto_surface(path, sweep_x="retention_min", x_range=(0.70, 0.77), fairness_range=(1.02, 1.2),
                                  points_x=3, points_y=3, max_rate_change=0.25, enbp_buffer=0.01)
    for a, b in zip(mine.surface, cli["surface"]):
        for key in ("x_limit", "fairness_limit", "status", "profit", "retention", "disparity", "on_front"):
            assert a[key] == b[key], key
    timeless = lambda point: {k: v for k, v in point.items() if k != "seconds"}  # noqa: E731
    assert timeless(mine.choice) == timeless(cli["topsis_choice"])


def test_scenarios_as_the_cli(run_cli, tmp_path, book):
    path = FIXTURES / "n200.book.csv"
    run_cli("scenarios", "--book", path, "--elasticity-scale", "0.75,1,1.25", "--lr-max", "0.68",
            "--retention-min", "0.78", "--max-rate-change", "0.25", "--enbp-buffer", "0.01", "--out-dir", tmp_path / "cli")
    cli = json.loads((tmp_path / "cli" / "result.json").read_text())
    mine = rateopt.run_scenarios(path, elasticity_scale=[0.75, 1, 1.25], **OPTIONS)
    assert [s["scenario"] for s in mine.scenarios] == [s["scenario"] for s in cli["scenarios"]]
    for a, b in zip(mine.scenarios, cli["scenarios"]):
        assert a["profit"] == b["profit"] and a["status"] == b["status"]
    # a named vector is the same scenario as its scale
    n200 = rateopt.read_book(path)
    named = rateopt.run_scenarios(n200, {"low": n200["elasticity"] * 0.75}, **OPTIONS)
    assert named.scenarios[0]["profit"] == mine.scenarios[0]["profit"]
    np.testing.assert_array_equal(named.multipliers(0), mine.multipliers(0))


@pytest.mark.parametrize("library", ["polars", "pandas", "pyarrow"])
def test_dataframe_float64_columns_are_viewed_not_copied(book, library):
    """A float64 column without nulls reaches the library as a view of the DataFrame's own buffer."""
    module = pytest.importorskip(library)
    columns = {c: np.array(book[c]) for c in ("technical_price", "expected_loss_cost", "p_demand", "elasticity")}
    if library == "polars":
        frame = module.DataFrame(columns)
        buffer = frame.get_column("p_demand").to_numpy()
    elif library == "pandas":
        frame = module.DataFrame(columns)
        buffer = frame["p_demand"].to_numpy()
    else:
        frame = module.table(columns)
        buffer = frame.column("p_demand").to_numpy()
    assert np.shares_memory(rateopt.Book(frame)["p_demand"], buffer)


def test_sweeps_read_arrays_as_they_read_the_file(tmp_path):
    """A book of numpy arrays (viewed by the sweeps, not copied) gives the answers of the same book read
    from its CSV, to the bit, and the same written outputs."""
    from test_cli_parity import read_columns

    path = FIXTURES / "n200.book.csv"
    arrays = read_columns(path)
    assert isinstance(arrays["technical_price"], np.ndarray) and arrays["technical_price"].dtype == np.float64
    frontier = dict(sweep="retention_min", from_=0.7, to=0.8, points=4, **OPTIONS)
    a, b = rateopt.efficient_frontier(arrays, **frontier), rateopt.efficient_frontier(path, **frontier)
    assert [timeless(p) for p in a.points] == [timeless(p) for p in b.points]
    grid = dict(sweep_x="retention_min", x_range=(0.70, 0.77), fairness_range=(1.02, 1.2), points_x=2, points_y=2)
    a, b = rateopt.pareto_surface(arrays, **grid), rateopt.pareto_surface(path, **grid)
    assert [timeless(p) for p in a.surface] == [timeless(p) for p in b.surface]
    named = {"low": arrays["elasticity"] * 0.75, "high": arrays["elasticity"] * 1.25}
    a, b = rateopt.run_scenarios(arrays, named, **OPTIONS), rateopt.run_scenarios(path, named, **OPTIONS)
    assert [timeless(s) for s in a.scenarios] == [timeless(s) for s in b.scenarios]
    for k in range(2):
        np.testing.assert_array_equal(a.multipliers(k), b.multipliers(k))
    a.write_outputs(tmp_path / "arrays")
    b.write_outputs(tmp_path / "file")
    csv_of = lambda d: (tmp_path / d / "scenario_policies.csv").read_text()  # noqa: E731
    assert csv_of("arrays") == csv_of("file")


def timeless(point: dict) -> dict:
    return {k: v for k, v in point.items() if k != "seconds"}
