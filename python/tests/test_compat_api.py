"""The drop-in classes carry every public name of insurance-optimise 0.7.0's (a script written for it changes
only its import line), with the same signatures; rateopt's own certificate fields are on every solve's
result; portfolio_summary and the matplotlib charts behave as insurance-optimise's."""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
import warnings

import numpy as np
import pytest

import rateopt
from conftest import random_book_arrays
from rateopt.pareto import ParetoFrontier

# The public names (dir() without "_" names) of insurance-optimise 0.7.0's objects, recorded from it
# (test_recorded_names_are_insurance_optimise_s checks this list against the package where installed).
INSURANCE_OPTIMISE_NAMES = {
    "ConstraintConfig": [
        "cvar_alpha", "cvar_max", "enbp_buffer", "gwp_max", "gwp_min", "lr_max", "lr_min", "max_multiplier",
        "max_rate_change", "min_multiplier", "model_cv_lambda", "model_quality_adjusted_lr", "model_rho",
        "retention_min", "stochastic_alpha", "stochastic_lr", "technical_floor", "validate",
    ],
    "PortfolioOptimiser": [
        "claims_variance", "config", "cost", "demand_model_name", "elasticity", "enbp", "ftol", "maxiter", "n",
        "n_constraints", "n_restarts", "optimise", "optimise_scenarios", "portfolio_summary", "prior_multiplier",
        "renewal_flag", "rng", "solver_method", "tc", "x0",
    ],
    "OptimisationResult": [
        "audit_trail", "converged", "expected_demand", "expected_gwp", "expected_loss_ratio", "expected_profit",
        "expected_retention", "lr_constraint_used", "model_lre", "multipliers", "n_iter", "new_premiums", "profit",
        "save_audit", "shadow_prices", "solver_message", "summary_df", "to_json",
    ],
    "ScenarioResult": [
        "multiplier_mean", "multiplier_p10", "multiplier_p90", "profit_mean", "profit_p10", "profit_p90", "results",
        "scenario_names", "summary",
    ],
    "EfficientFrontier": ["n_jobs", "n_points", "optimiser", "plot", "run", "sweep_param", "sweep_range"],
    "EfficientFrontierResult": ["data", "pareto_data", "points", "sweep_param"],
    "FrontierPoint": ["epsilon", "result"],
    "ParetoFrontier": [
        "fairness_gradient", "fairness_max", "fairness_metric", "n_jobs", "n_points_x", "n_points_y", "optimiser",
        "run", "sweep_x", "sweep_x_range", "sweep_y", "sweep_y_range",
    ],
    "ParetoResult": [
        "metadata", "pareto_df", "plot", "plot_3d", "save_audit", "select", "selected", "summary", "surface",
        "to_dict", "to_json",
    ],
}  # fmt: skip

# What rateopt adds to every solve's result (its certificate, how it ran, its pricing rule).
RATEOPT_ADDITIONS = [
    "dual_bound", "optimality_gap", "status", "backend_used", "fallback_reason", "passes", "constraint_evaluation",
    "pricing_rule",
]  # fmt: skip


def small_book(n: int = 30, seed: int = 7) -> dict[str, np.ndarray]:
    return random_book_arrays(n, seed)


def objects(lib) -> dict[str, object]:
    """One object of each class, made through `lib` (rateopt or insurance_optimise) on the same small book."""
    pareto = importlib.import_module(lib.__name__ + ".pareto")
    a = small_book()
    config = lib.ConstraintConfig(lr_max=0.75, max_rate_change=0.25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = lib.PortfolioOptimiser(**a, constraints=config)
        result = opt.optimise()
        scenarios = opt.optimise_scenarios([a["elasticity"], a["elasticity"] * 1.1], ["a", "b"])
        frontier = lib.EfficientFrontier(opt, "volume_retention", (0.5, 0.6), n_points=2)
        frontier_result = frontier.run()
        surface = pareto.ParetoFrontier(
            opt,
            group_labels=np.arange(30) % 2,
            sweep_x_range=(0.5, 0.6),
            sweep_y_range=(1.5, 2.5),
            n_points_x=2,
            n_points_y=2,
        )
        surface_result = surface.run()
    return {
        "ConstraintConfig": config,
        "PortfolioOptimiser": opt,
        "OptimisationResult": result,
        "ScenarioResult": scenarios,
        "EfficientFrontier": frontier,
        "EfficientFrontierResult": frontier_result,
        "FrontierPoint": frontier_result.points[0],
        "ParetoFrontier": surface,
        "ParetoResult": surface_result,
    }


@pytest.fixture(scope="module")
def mine() -> dict[str, object]:
    return objects(rateopt)


def public_names(obj: object) -> list[str]:
    return sorted(name for name in dir(obj) if not name.startswith("_"))


@pytest.mark.parametrize("cls", sorted(INSURANCE_OPTIMISE_NAMES))
def test_every_recorded_name_is_there(mine, cls):
    obj = mine[cls]
    missing = [name for name in INSURANCE_OPTIMISE_NAMES[cls] if not hasattr(obj, name)]
    assert not missing, f"{cls} lacks {missing}"


def test_rateopt_additions_on_every_solve_result(mine):
    results = {
        "optimise()": mine["OptimisationResult"],
        "a scenario": mine["ScenarioResult"].results[1],
        "a frontier point": mine["FrontierPoint"].result,
    }
    surface = mine["ParetoResult"].select()
    results["the selected Pareto point"] = surface.selected
    for where, result in results.items():
        missing = [name for name in RATEOPT_ADDITIONS if not hasattr(result, name)]
        assert not missing, f"{where} lacks {missing}"
        assert result.status in ("converged", "infeasible", "max_iterations", "numerical_failure"), where
        assert result.backend_used in ("cpu", "cuda"), where
        assert isinstance(result.constraint_evaluation, dict) and isinstance(result.passes, int), where
        assert callable(result.pricing_rule), where


@pytest.fixture(scope="module")
def peer():
    io = pytest.importorskip("insurance_optimise")
    return io, objects(io)


def test_recorded_names_are_insurance_optimise_s(peer, mine):
    io, theirs = peer
    assert io.__version__ == "0.7.0"
    for cls, obj in theirs.items():
        assert public_names(obj) == INSURANCE_OPTIMISE_NAMES[cls], cls
        assert not [name for name in public_names(obj) if not hasattr(mine[cls], name)], cls


def callables(objs: dict[str, object]) -> dict[str, object]:
    """Every constructor and public method of the classes, by "Class.name"."""
    out = {}
    for cls, obj in objs.items():
        out[f"{cls}.__init__"] = type(obj).__init__
        for name in public_names(obj):
            attribute = inspect.getattr_static(type(obj), name, None)
            if inspect.isfunction(attribute):
                out[f"{cls}.{name}"] = attribute
    return out


def test_signatures_accept_what_insurance_optimise_s_accept(peer, mine):
    """Each of insurance-optimise's parameters is rateopt's too, at the same position when it can be
    passed by position, with the same default."""
    _, theirs = peer
    ours = callables(mine)
    for where, function in callables(theirs).items():
        if where.startswith(("OptimisationResult.", "ScenarioResult.", "FrontierPoint.", "EfficientFrontierResult.",
                             "ParetoResult.__init__")):
            continue  # made by the library, not by the user
        assert where in ours, where
        mine_params = list(inspect.signature(ours[where]).parameters.values())
        by_name = {p.name: p for p in mine_params}
        for k, p in enumerate(inspect.signature(function).parameters.values()):
            assert p.name in by_name, (where, p.name)
            if p.kind is p.POSITIONAL_OR_KEYWORD:
                assert mine_params[k].name == p.name, (where, k, p.name)
            assert by_name[p.name].default == p.default, (where, p.name)


# ---------------------------------------------------------------------------------- portfolio_summary


def summary_cases():
    a = small_book(200, seed=11)
    rng = np.random.default_rng(2)
    weighted = dict(a, weight=rng.uniform(0.5, 3, 200), expense=a["technical_price"] * 0.1)
    config = rateopt.ConstraintConfig(lr_max=0.72, retention_min=0.6, max_rate_change=0.25, enbp_buffer=0.01)
    return {
        "log_linear": (a, dict(constraints=config)),
        "logistic": (a, dict(constraints=config, demand_model="logistic")),
        "weights_and_expenses": (weighted, dict(constraints=config)),
        "no_renewals": (dict(a, renewal_flag=np.zeros(200, dtype=bool)), dict(constraints=rateopt.ConstraintConfig())),
    }


@pytest.mark.parametrize("case", sorted(summary_cases()))
def test_portfolio_summary_at_the_answer_is_the_solve_s_own_figures(case):
    columns, kwargs = summary_cases()[case]
    opt = rateopt.PortfolioOptimiser(**columns, **kwargs)
    result = opt.optimise()
    assert result.converged
    s = opt.portfolio_summary(result.multipliers)
    assert list(s) == ["profit", "gwp", "loss_ratio", "retention"]
    assert s["profit"] == pytest.approx(result.expected_profit, rel=1e-12, abs=0)
    assert s["gwp"] == pytest.approx(result.expected_gwp, rel=1e-12, abs=0)
    assert s["loss_ratio"] == pytest.approx(result.expected_loss_ratio, rel=1e-12, abs=0)
    if case == "no_renewals":
        assert s["retention"] is None and result.expected_retention is None
    else:
        assert s["retention"] == pytest.approx(result.expected_retention, rel=1e-12, abs=0)
    # the default point is the prior multipliers (all 1 here): premiums at the technical price
    if case == "log_linear":
        base = opt.portfolio_summary()
        tc, cost, x = columns["technical_price"], columns["expected_loss_cost"], columns["p_demand"]
        assert base["gwp"] == pytest.approx(float(tc @ x), rel=1e-12)
        assert base["profit"] == pytest.approx(float((tc - cost) @ x), rel=1e-12)
        assert base["retention"] == pytest.approx(float(x[columns["renewal_flag"]].mean()), rel=1e-12)


def test_portfolio_summary_names_the_bad_multiplier():
    opt = rateopt.PortfolioOptimiser(**small_book())
    m = np.ones(30)
    m[3] = -1.0
    with pytest.raises(rateopt.InputError, match=r"m\[3\] = -1 must be a finite number > 0"):
        opt.portfolio_summary(m)
    with pytest.raises(rateopt.InputError, match=r"m has 29 values for a book of 30 policies"):
        opt.portfolio_summary(np.ones(29))


@pytest.mark.parametrize("demand_model", ["log_linear", "logistic"])
def test_portfolio_summary_is_insurance_optimise_s(demand_model):
    io = pytest.importorskip("insurance_optimise")
    a = small_book(300, seed=5)
    a["prior_multiplier"] = np.random.default_rng(1).uniform(0.9, 1.1, 300)
    config = dict(lr_max=0.72, retention_min=0.6, max_rate_change=0.25)
    opt = rateopt.PortfolioOptimiser(**a, constraints=rateopt.ConstraintConfig(**config), demand_model=demand_model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = io.PortfolioOptimiser(**a, constraints=io.ConstraintConfig(**config), demand_model=demand_model)
    points = [None, opt.optimise().multipliers, np.random.default_rng(3).uniform(0.4, 3.5, 300)]  # the last off-box
    for m in points:
        mine, peer = opt.portfolio_summary(m), theirs.portfolio_summary(m)
        assert list(mine) == list(peer)
        for key in peer:
            assert mine[key] == pytest.approx(peer[key], rel=1e-12, abs=0), key


# ---------------------------------------------------------------------------------- charts


@pytest.fixture
def pyplot(monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")  # plt.show() is a no-op
    import matplotlib.pyplot as plt

    plt.close("all")
    yield plt
    plt.close("all")


def test_frontier_plot_draws_the_converged_points(mine, pyplot):
    frontier = rateopt.EfficientFrontier(mine["PortfolioOptimiser"], "volume_retention", (0.5, 0.9), n_points=5)
    result = frontier.run()
    points = [p.result for p in result.points if p.result.converged]
    assert 2 <= len(points) < 5  # the upper end is out of reach
    assert frontier.plot() is None
    (line,) = pyplot.gca().get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [r.expected_retention for r in points])
    np.testing.assert_array_equal(line.get_ydata(), [r.expected_profit for r in points])
    assert pyplot.gca().get_title() == "Efficient Frontier: profit vs retention (sweep=volume_retention)"
    frontier.plot(x_metric="loss_ratio", title="mine")
    assert pyplot.gca().get_title() == "mine"
    np.testing.assert_array_equal(pyplot.gca().get_lines()[0].get_xdata(), [r.expected_loss_ratio for r in points])


def test_pareto_plots_draw_the_converged_points_and_the_front(mine, pyplot):
    result = mine["ParetoResult"]
    rows = list(result.surface.iter_rows(named=True))
    converged = [r for r in rows if r["converged"]]
    front = [r for r in converged if r["on_front"]]
    assert converged and front
    assert result.plot() is None
    ax = pyplot.figure(1).axes[0]
    faded, solid = ax.collections
    np.testing.assert_array_equal(faded.get_offsets(), [[r["retention"], r["fairness"]] for r in converged])
    np.testing.assert_array_equal(solid.get_offsets(), [[r["retention"], r["fairness"]] for r in front])
    assert [t.get_text() for t in ax.texts] == ["Max profit", "Max retention", "Min disparity"]
    assert len(pyplot.figure(1).axes) == 2  # the colour bar
    result.plot_3d()
    ax3 = pyplot.gcf().axes[0]
    assert ax3.name == "3d" and len(ax3.collections) == 2
    assert ax3.get_zlabel() == "Fairness Disparity Ratio"


def test_charts_without_matplotlib_raise_one_clear_import_error(mine, monkeypatch):
    for module in ("matplotlib", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    frontier = rateopt.EfficientFrontier(mine["PortfolioOptimiser"], "volume_retention", (0.5, 0.6), n_points=2)
    charts = {
        "EfficientFrontier.plot()": frontier.plot,
        "ParetoResult.plot()": mine["ParetoResult"].plot,
        "ParetoResult.plot_3d()": mine["ParetoResult"].plot_3d,
    }
    for name, draw in charts.items():
        with pytest.raises(ImportError) as e:
            draw()
        assert str(e.value) == f"{name} draws with matplotlib, which is not installed: pip install matplotlib"


def test_pareto_frontier_keeps_the_fairness_callable(mine):
    surface = mine["ParetoFrontier"]
    m = mine["OptimisationResult"].multipliers
    tc = mine["PortfolioOptimiser"].tc
    assert isinstance(surface.fairness_metric, functools.partial)
    assert surface.fairness_metric(m) == rateopt.premium_disparity_ratio(m, tc, np.arange(30) % 2)
    assert ParetoFrontier is rateopt.ParetoFrontier
