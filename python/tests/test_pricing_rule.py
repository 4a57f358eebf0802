"""The pricing rule in Python: result.pricing_rule() is the rule `rateopt optimise` writes, byte for byte;
priced on its own solved book it gives back the solve's multipliers; PricingRule.price gives what
`rateopt price` writes; files round-trip; bad rules, books and options raise InputError naming the field
or the column and row."""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest

import rateopt
from conftest import FIXTURES, case_options, peer_cases

TOLERANCE = 1e-12
FULL = {"lr_max": 0.68, "retention_min": 0.78, "max_rate_change": 0.25, "enbp_buffer": 0.01}


def same_multipliers(priced, result) -> int:
    """Every quote whose maximiser is unique priced at the solve's multiplier (to 1e-12); the count compared."""
    unique = ~priced.ties
    difference = np.abs(priced.multipliers - result.multipliers)[unique]
    scale = np.maximum(1.0, np.abs(result.multipliers[unique]))
    worst = int(np.argmax(difference / scale)) if difference.size else 0
    assert (difference <= TOLERANCE * scale).all(), f"worst difference {difference[worst]:.3g}"
    return int(unique.sum())


@pytest.fixture(scope="module")
def generated() -> dict:
    columns = rateopt.generate_book(20_000, seed=11).to_dict()
    columns["group"] = np.where(np.arange(20_000) % 3 == 0, "direct", "broker").astype(object)
    return columns


@pytest.mark.parametrize("demand_model", ["log_linear", "logistic"])
@pytest.mark.parametrize(
    "constraints",
    [FULL, {"lr_max": 0.68, "retention_min": 0.78}, dict(FULL, fairness_max=1.02)],
    ids=["enbp_caps", "plain", "fairness"],
)
def test_the_rule_gives_back_the_solve_on_its_own_book(generated, demand_model, constraints):
    result = rateopt.optimise(generated, demand_model=demand_model, **constraints)
    assert result.converged
    rule = result.pricing_rule()
    assert rule.demand_model == demand_model
    assert ("enbp" in rule.required_columns) == ("enbp_buffer" in constraints)
    priced = rule.price(generated)
    assert priced.n_linearised == 0 and priced.linearisation_note is None
    assert priced.n_ties == int(priced.ties.sum()) <= 20
    assert same_multipliers(priced, result) >= 19_980
    np.testing.assert_array_equal(priced.lower_bound, result.lower_bound)
    np.testing.assert_array_equal(priced.upper_bound, result.upper_bound)
    # The batch is the solved book: its figures are the solve's, and no constraint warns.
    for key in ("expected_profit", "expected_gwp", "expected_loss_ratio", "expected_retention"):
        assert getattr(priced, key) == pytest.approx(getattr(result, key), rel=1e-9), key
    for c in priced.constraints:
        solved = result.constraint_evaluation[c["name"]]
        assert c["limit"] == pytest.approx(solved["limit"], rel=1e-12), c["name"]
        assert c["value"] == pytest.approx(solved["value"], rel=1e-9), c["name"]
        assert not c["broken"], c
    assert priced.warnings == []
    assert sorted(rule.shadow_prices) == sorted(t["label"] for t in rule.constraints)


def test_the_rule_gives_back_the_solve_on_every_fixture():
    compared = exact_cases = 0
    for case in peer_cases():
        book = rateopt.read_book(FIXTURES / case["book"])
        result = rateopt.optimise(book, **case_options(case))
        priced = result.pricing_rule().price(book)
        assert ((priced.multipliers >= result.lower_bound) & (priced.multipliers <= result.upper_bound)).all()
        if priced.n_linearised:  # the rule linearises, or the solve ended in its augmented-Lagrangian phase
            assert priced.n_linearised == len(book) and priced.linearisation_note
            continue
        compared += same_multipliers(priced, result)
        exact_cases += 1
    assert exact_cases >= 30 and compared > 3000


def test_the_drop_in_result_gives_the_native_rule(generated):
    optimiser = rateopt.PortfolioOptimiser(
        generated["technical_price"],
        generated["expected_loss_cost"],
        generated["p_demand"],
        generated["elasticity"],
        renewal_flag=generated["renewal_flag"].astype(bool),
        enbp=generated["enbp"],
        prior_multiplier=generated["prior_multiplier"],
        constraints=rateopt.ConstraintConfig(lr_max=0.68, retention_min=0.78, max_rate_change=0.25, enbp_buffer=0.01),
    )
    drop_in = optimiser.optimise()
    assert isinstance(drop_in, rateopt.OptimisationResult)
    native = rateopt.optimise({k: v for k, v in generated.items() if k != "group"}, **FULL)
    assert drop_in.pricing_rule().lambdas == native.pricing_rule().lambdas
    np.testing.assert_array_equal(
        drop_in.pricing_rule().price(generated).multipliers, native.pricing_rule().price(generated).multipliers
    )


# ---------------------------------------------------------------------------- the CLI's files


def read_priced_csv(path) -> dict:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    table = {name: [row[name] for row in rows] for name in rows[0]}
    for name in ("multiplier", "new_premium", "expected_demand", "contribution", "rate_change_pct"):
        table[name] = np.array([float(v) for v in table[name]])
    return table


def assert_priced_as_the_cli(priced, cli_dir) -> None:
    cli = read_priced_csv(cli_dir / "priced.csv")
    assert priced.policy_ids == cli["policy_id"]
    np.testing.assert_array_equal(priced.multipliers, cli["multiplier"])  # written exactly
    for name in ("new_premium", "expected_demand", "contribution", "rate_change_pct"):  # 10 significant digits
        np.testing.assert_allclose(getattr(priced, name if name != "new_premium" else "new_premiums"), cli[name],
                                   rtol=1e-9, atol=1e-9, err_msg=name)
    assert list(priced.binding_bound) == cli["binding_bound"]
    assert json.loads(priced.to_json()) == json.loads((cli_dir / "price_summary.json").read_text())


CLI_CASES = [c for c in peer_cases() if c["file"] in ("n200__bench.json", "n200__logit_bench.json",
                                                      "n200__fair_prem.json", "n200__stoch_lr.json")]


@pytest.mark.parametrize("case", CLI_CASES, ids=lambda c: c["file"].removesuffix(".json"))
def test_the_rule_and_its_prices_are_the_clis(case, run_cli, tmp_path):
    book_path = FIXTURES / case["book"]
    options = case_options(case)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(options))
    run_cli("optimise", "--book", book_path, "--config", config, "--out-dir", tmp_path / "solved")
    cli_rule = tmp_path / "solved" / "pricing_rule.json"

    result = rateopt.optimise(rateopt.read_book(book_path), **options)
    rule = result.pricing_rule()
    assert rule.to_json() == cli_rule.read_text()  # byte for byte
    assert rule.book_file == str(book_path) and rule.book_sha256 == result.audit_trail["inputs"]["book_sha256"]
    result.write_outputs(tmp_path / "py")
    assert (tmp_path / "py" / "pricing_rule.json").read_text() == cli_rule.read_text()

    # New quotes: the solved book's kind, another draw, priced by both from the CLI's rule file.
    quotes = rateopt.read_book(book_path).to_dict()
    rng = np.random.default_rng(5)
    quotes["elasticity"] = quotes["elasticity"] * rng.uniform(0.8, 1.2, len(quotes["elasticity"]))
    quotes["technical_price"] = quotes["technical_price"] * rng.uniform(0.9, 1.1, len(quotes["elasticity"]))
    quotes["policy_id"] = np.array([f"Q{i}" for i in range(len(quotes["elasticity"]))], dtype=object)
    quotes_path = tmp_path / "quotes.csv"
    rateopt.Book(quotes).write_csv(quotes_path)
    for book, priced_by in ((book_path, "own"), (quotes_path, "new")):
        run_cli("price", "--rule", cli_rule, "--book", book, "--out-dir", tmp_path / priced_by)
        loaded = rateopt.PricingRule.load(cli_rule)
        assert_priced_as_the_cli(loaded.price(book), tmp_path / priced_by)
        assert_priced_as_the_cli(loaded.price(rateopt.read_book(book).to_dict()), tmp_path / priced_by)
        assert_priced_as_the_cli(rule.price(book), tmp_path / priced_by)


def test_a_shifted_book_warns_as_the_cli(run_cli, tmp_path):
    case = next(c for c in peer_cases() if c["file"] == "n200__bench.json")
    rule = rateopt.optimise(rateopt.read_book(FIXTURES / case["book"]), **case_options(case)).pricing_rule()
    shifted = rateopt.read_book(FIXTURES / case["book"]).to_dict()
    shifted["expected_loss_cost"] = shifted["expected_loss_cost"] * 1.3
    priced = rule.price(shifted)
    broken = [c["name"] for c in priced.constraints if c["broken"]]
    assert "lr_max" in broken
    assert any("breaks lr_max" in w for w in priced.warnings)
    assert priced.expected_loss_ratio > rule.options["lr_max"] * 1.01
    # A looser drift tolerance keeps quiet about the same batch.
    assert not rule.price(shifted, drift_tolerance=10.0).warnings


# ---------------------------------------------------------------------------- files


def test_save_and_load_round_trip(generated, tmp_path):
    rule = rateopt.optimise(generated, **FULL).pricing_rule()
    path = tmp_path / "rule.json"
    rule.save(path)
    assert path.read_text() == rule.to_json()
    assert os.listdir(tmp_path) == ["rule.json"]  # written through a temporary file, renamed
    for loaded in (rateopt.PricingRule.load(path), rateopt.PricingRule.load(str(path)),
                   rateopt.PricingRule.from_json(rule.to_json())):
        assert loaded.to_json() == rule.to_json()
        assert loaded.lambdas == rule.lambdas and loaded.shadow_prices == rule.shadow_prices
        np.testing.assert_array_equal(loaded.price(generated).multipliers, rule.price(generated).multipliers)
    rule.save(path)  # replaces
    assert path.read_text() == rule.to_json()


def test_read_only_properties(generated):
    result = rateopt.optimise(generated, **dict(FULL, fairness_max=1.02))
    rule = result.pricing_rule()
    assert rule.version == rateopt.__version__ and rule.schema_version == 1
    assert rule.book_sha256 is None and rule.book_file is None  # a book built in memory
    assert rule.n_policies_solved == 20_000 and rule.solve_status == "converged"
    assert rule.objective == "profit" and not rule.linearised
    assert rule.options["enbp_buffer"] == 0.01
    assert sorted(rule.group_names) == ["broker", "direct"]
    assert rule.required_columns == ["enbp", "group"]
    assert sorted(rule.shadow_prices) == [
        "fairness_max[broker/direct]", "fairness_max[direct/broker]", "lr_max", "retention_min"
    ]
    for name in ("lr_max", "retention_min"):  # the same λ in business units as the solve reports
        assert rule.shadow_prices[name] == pytest.approx(result.shadow_prices[name], rel=1e-9, abs=1e-9), name
    assert "rateopt.PricingRule(log_linear" in repr(rule)


# ---------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def enbp_rule(generated) -> rateopt.PricingRule:
    return rateopt.optimise(generated, **dict(FULL, fairness_max=1.02)).pricing_rule()


def changed(columns: dict, name: str, index: int, value) -> dict:
    c = dict(columns)
    c[name] = np.array(c[name], dtype=object if name == "group" else float)
    c[name][index] = value
    return c


def first_renewal(columns: dict) -> int:
    return int(np.argmax(columns["renewal_flag"] == 1))


def test_a_missing_column_the_rule_needs(generated, enbp_rule):
    no_enbp = {k: v for k, v in generated.items() if k != "enbp"}
    with pytest.raises(rateopt.InputError, match=r"^book: column enbp is missing; the pricing rule needs it \(it "
                       r"was solved with an ENBP buffer\)$"):
        enbp_rule.price(no_enbp)
    no_group = {k: v for k, v in generated.items() if k != "group"}
    with pytest.raises(rateopt.InputError, match="^book: column group is missing"):
        enbp_rule.price(no_group)


def test_bad_quotes_name_the_column_and_index(generated, enbp_rule):
    i = first_renewal(generated)
    with pytest.raises(rateopt.InputError) as raised:
        enbp_rule.price(changed(generated, "enbp", i, np.nan))
    assert str(raised.value) == f"enbp[{i}]: a renewal needs an ENBP when enbp_buffer is set"
    with pytest.raises(rateopt.InputError, match=rf"^enbp\[{i}\]: caps the multiplier below min_multiplier"):
        enbp_rule.price(changed(generated, "enbp", i, generated["technical_price"][i] * 0.1))
    with pytest.raises(rateopt.InputError, match=r'^group\[17\] = "tied agent" is not a group of the solved book$'):
        enbp_rule.price(changed(generated, "group", 17, "tied agent"))
    with pytest.raises(rateopt.InputError, match=r"^p_demand\[1041\] = 1.3 is outside \(0,1\)$"):
        enbp_rule.price(changed(generated, "p_demand", 1041, 1.3))
    with pytest.raises(rateopt.InputError, match=r"^weight\[3\] = 0 is not > 0$"):
        enbp_rule.price(changed(generated, "weight", 3, 0.0))


def test_bad_options(generated, enbp_rule):
    with pytest.raises(rateopt.InputError, match="drift_tolerance"):
        enbp_rule.price(generated, drift_tolerance=-1.0)
    with pytest.raises(rateopt.InputError, match="chunk_rows"):
        enbp_rule.price(generated, chunk_rows=0)


def broken_rule_file(tmp_path, rule: rateopt.PricingRule, change) -> str:
    document = json.loads(rule.to_json())
    change(document)
    path = tmp_path / "bad_rule.json"
    path.write_text(json.dumps(document))
    return str(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(schema_version=2), "field schema_version is 2; this rateopt reads pricing rules of version 1"),
        (lambda d: d.pop("book_constants"), "field book_constants is missing"),
        (lambda d: d["basis"].pop("prices"), "field basis.prices is missing"),
        (lambda d: d["book_constants"].update(lr_ref="high"), "field book_constants.lr_ref must be a number"),
        (lambda d: d["basis"]["prices"].pop(), "field basis.prices must hold"),
        (lambda d: d.update(demand_model="logistic"), "field demand_model disagrees with options"),
    ],
)
def test_a_bad_rule_file_names_the_field(tmp_path, enbp_rule, change, message):
    path = broken_rule_file(tmp_path, enbp_rule, change)
    with pytest.raises(rateopt.InputError) as raised:
        rateopt.PricingRule.load(path)
    assert str(raised.value).startswith(f"{path}: {message}")
    assert isinstance(raised.value, ValueError)


def test_a_rule_file_that_is_not_there_or_not_json(tmp_path):
    with pytest.raises(rateopt.InputError, match="nowhere.json"):
        rateopt.PricingRule.load(tmp_path / "nowhere.json")
    with pytest.raises(rateopt.InputError, match=r"^rateopt.PricingRule.from_json\(\): not valid JSON"):
        rateopt.PricingRule.from_json("{")


# ---------------------------------------------------------------------------- DataFrames


@pytest.mark.parametrize("library", ["polars", "pandas", "pyarrow"])
def test_dataframes_price_as_a_dict_of_arrays(generated, enbp_rule, library):
    module = pytest.importorskip(library)
    reference = enbp_rule.price(generated)
    if library == "pyarrow":
        frame = module.table({k: list(v) if v.dtype == object else v for k, v in generated.items()})
    else:
        frame = module.DataFrame(generated)
    priced = enbp_rule.price(frame)
    np.testing.assert_array_equal(priced.multipliers, reference.multipliers)
    assert priced.to_json() == reference.to_json()


def test_float64_columns_are_priced_without_a_copy(generated, enbp_rule):
    priced = enbp_rule.price(generated)
    book = priced._native.book
    for name in ("technical_price", "p_demand", "elasticity", "enbp"):
        assert np.shares_memory(book.column(name), generated[name]), name


def test_the_priced_table(generated, enbp_rule):
    pl = pytest.importorskip("polars")
    priced = enbp_rule.price(generated)
    frame = priced.summary_df
    assert isinstance(frame, pl.DataFrame)
    assert frame.columns == ["policy_id", "multiplier", "new_premium", "expected_demand", "contribution",
                             "rate_change_pct", "binding_bound", "lower_bound", "upper_bound"]
    np.testing.assert_array_equal(frame["multiplier"].to_numpy(), priced.multipliers)
    np.testing.assert_allclose(priced.new_premiums, priced.multipliers * generated["technical_price"], rtol=1e-15)
    counts = priced.binding_bound_counts
    assert sum(counts.values()) == priced.n_quotes == len(priced) == 20_000
    for name, count in counts.items():
        assert int((priced.binding_bound == name).sum()) == count, name
    at_enbp = priced.binding_bound == "enbp"
    np.testing.assert_allclose(priced.multipliers[at_enbp], priced.upper_bound[at_enbp], rtol=0, atol=0)
    assert "priced 20000 quotes" in priced.report()


def test_chunks_and_threads_change_nothing(generated, enbp_rule):
    """Rows are priced chunk by chunk on several threads; the sums are added in row order whatever the split."""
    reference = enbp_rule.price(generated, threads=1)
    for chunk_rows, threads in ((999, 2), (1, 3), (20_000, 0)):
        priced = enbp_rule.price(generated, chunk_rows=chunk_rows, threads=threads)
        for name in ("multipliers", "new_premiums", "expected_demand", "contribution", "rate_change_pct",
                     "lower_bound", "upper_bound", "binding_bound", "ties"):
            np.testing.assert_array_equal(getattr(priced, name), getattr(reference, name), err_msg=name)
        assert priced.to_json() == reference.to_json()
