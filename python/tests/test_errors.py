"""Bad input raises rateopt's exceptions, naming the argument and the row index."""

from __future__ import annotations

import numpy as np
import pytest

import rateopt


def columns(n: int = 2000) -> dict:
    return rateopt.generate_book(n, seed=3).to_dict()


def with_value(name: str, index: int, value) -> dict:
    c = columns()
    c[name] = np.array(c[name], dtype=float if name != "renewal_flag" else object)
    c[name][index] = value
    return c


@pytest.mark.parametrize(
    "name, index, value, message",
    [
        ("p_demand", 1041, 1.3, "p_demand[1041] = 1.3 is outside (0,1)"),
        ("p_demand", 7, 0.0, "p_demand[7] = 0 is outside (0,1)"),
        ("technical_price", 12, -5.0, "technical_price[12] = -5 is not > 0"),
        ("technical_price", 0, np.nan, "technical_price[0] = nan is not finite"),
        ("expected_loss_cost", 99, -1.0, "expected_loss_cost[99] = -1 is not >= 0"),
        ("elasticity", 5, np.inf, "elasticity[5] = inf is not finite"),
        ("enbp", 3, -10.0, "enbp[3] = -10 is not > 0"),
        ("weight", 1999, 0.0, "weight[1999] = 0 is not > 0"),
        ("renewal_flag", 17, 2, "renewal_flag[17] = 2 is not 0 or 1"),
    ],
)
def test_bad_value_names_argument_and_index(name, index, value, message):
    with pytest.raises(rateopt.InputError) as raised:
        rateopt.optimise(with_value(name, index, value))
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)


def test_drop_in_constructor_checks_at_once():
    c = columns(50)
    p = c["p_demand"].copy()
    p[41] = 1.3
    with pytest.raises(rateopt.InputError, match=r"^p_demand\[41\] = 1.3 is outside \(0,1\)$"):
        rateopt.PortfolioOptimiser(c["technical_price"], c["expected_loss_cost"], p, c["elasticity"])


def test_lengths_that_disagree():
    c = columns(50)
    c["p_demand"] = c["p_demand"][:49]
    with pytest.raises(rateopt.InputError, match="^p_demand has 49 values, technical_price has 50$"):
        rateopt.optimise(c)


def test_missing_required_column():
    c = columns(50)
    del c["elasticity"]
    with pytest.raises(rateopt.InputError, match="^elasticity is required$"):
        rateopt.optimise(c)


def test_text_in_a_numeric_column():
    c = columns(5)
    c["technical_price"] = ["100", "x", "3", "4", "5"]
    with pytest.raises(rateopt.InputError, match="technical_price: cannot be read as numbers"):
        rateopt.optimise(c)


def test_empty_book():
    c = {k: v[:0] for k, v in columns(5).items()}
    with pytest.raises(rateopt.InputError, match="book is empty"):
        rateopt.optimise(c)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"lr_max": -1}, "option lr_max = -1 must be > 0"),
        ({"lr_max": "high"}, 'rateopt.optimise(): lr_max = "high" must be a number or null'),
        ({"lr_min": 0.7, "lr_max": 0.6}, "option lr_min = 0.7 must be < lr_max = 0.6"),
        ({"demand_model": "probit"}, 'rateopt.optimise(): demand_model = "probit" must be one of log_linear|logistic'),
        ({"no_such_option": 1}, 'rateopt.optimise(): unknown key "no_such_option"'),
    ],
)
def test_bad_options(options, message):
    with pytest.raises(rateopt.InputError) as raised:
        rateopt.optimise(columns(20), **options)
    assert str(raised.value) == message


def test_missing_csv_names_the_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(rateopt.InputError, match="nope.csv: cannot open"):
        rateopt.read_book(path)


def test_bad_csv_names_file_and_line(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(
        "technical_price,expected_loss_cost,p_demand,elasticity\n100,60,0.8,-1.5\n100,60,1.3,-1.5\n"
    )
    with pytest.raises(rateopt.InputError, match=r"book.csv:3: p_demand = 1.3 is outside \(0,1\)"):
        rateopt.optimise(path)


def test_cuda_without_a_usable_gpu_is_a_device_error():
    book = columns(100)
    if rateopt.optimise(book, device="auto").backend_used == "cuda":
        pytest.skip("a usable GPU is present")
    expected = rateopt.DeviceError if rateopt.cuda_compiled else rateopt.InputError
    with pytest.raises(expected):
        rateopt.optimise(book, device="cuda")
    assert issubclass(rateopt.DeviceError, RuntimeError)
    assert issubclass(rateopt.SolverError, RuntimeError)


def test_infeasible_is_a_result_not_an_error():
    result = rateopt.optimise(columns(200), retention_min=0.999, max_rate_change=0.25)
    assert result.status == "infeasible"
    assert not result.converged
    assert "retention_min" in result.message
