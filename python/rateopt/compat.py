"""Drop-in classes for insurance-optimise 0.7.0: a script written for it changes only its import line.

Same class names, argument names, defaults and result attributes; the solve is rateopt's (the C++
library, CPU or GPU).  Where rateopt differs on purpose:

* ``shadow_prices`` are the exact KKT multipliers in business units (money per percentage point of loss
  ratio or retention, money per unit of GWP; see ``shadow_price_units``).  insurance-optimise 0.7.0
  returns 0.0 for every constraint with scipy ≥ 1.15.
* ``converged`` means every bound exact and every constraint within 1e-9 relative, with the optimality
  test passed; insurance-optimise allows 1e-4 absolute.  ``optimality_gap`` certifies the answer.
* ``n_restarts`` keeps insurance-optimise's meaning (solves in all, default 1); ``solver``, ``ftol``,
  ``maxiter`` and ``n_jobs`` are accepted and have no effect.
* EfficientFrontier and ParetoFrontier warm-start each point from its neighbour (same optimum, a few
  passes a point); their points carry the point's figures at once and solve again only when a
  per-policy array (``multipliers``, …) of a point is asked for.
* ParetoFrontier solves fairness as an exact constraint for ``premium_disparity_ratio`` and
  ``loss_ratio_disparity`` (by group labels); another Python callable cannot run inside the solve and
  raises NotImplementedError.  Its non-dominated filter compares to 1e-9 relative (insurance-optimise:
  1e-6 absolute).
* optimise_scenarios' p10/mean/p90 are over the scenarios that converged (all of them, normally).
* EfficientFrontier.plot() draws the last run() (insurance-optimise runs the sweep again, to the same
  points); portfolio_summary(m) counts ``weight`` and ``expense`` where the book has them.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import warnings
from datetime import datetime, timezone
from typing import Any, Callable

import numpy as np

from . import _core, _frames, _options, _plots
from ._columns import as_float64, native_book
from .api import efficient_frontier, optimise, pareto_surface, run_scenarios
from .result import Result

__all__ = [
    "ConstraintConfig",
    "PortfolioOptimiser",
    "OptimisationResult",
    "ScenarioResult",
    "EfficientFrontier",
    "EfficientFrontierResult",
    "FrontierPoint",
    "ParetoFrontier",
    "ParetoResult",
    "premium_disparity_ratio",
    "loss_ratio_disparity",
]

#: insurance-optimise's result class is rateopt's Result (every attribute it has, and more).
OptimisationResult = Result

# insurance-optimise's sweep names → rateopt's constraint names
_SWEPT = {"volume_retention": "retention_min", "gwp_min": "gwp_min", "lr_max": "lr_max"}


@dataclasses.dataclass
class ConstraintConfig:
    """Portfolio constraints and per-policy bounds, insurance-optimise's fields and defaults."""

    lr_max: float | None = None
    lr_min: float | None = None
    gwp_min: float | None = None
    gwp_max: float | None = None
    retention_min: float | None = None
    max_rate_change: float | None = None
    enbp_buffer: float = 0.0
    technical_floor: bool = True
    min_multiplier: float = 0.5
    max_multiplier: float = 3.0
    stochastic_lr: bool = False
    stochastic_alpha: float = 0.90
    cvar_max: float | None = None
    cvar_alpha: float = 0.10
    model_quality_adjusted_lr: bool = False
    model_rho: float | None = None
    model_cv_lambda: float | None = None

    def options(self) -> dict[str, Any]:
        """The fields as rateopt options (cvar_* are not options: cvar_max is not implemented)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if not f.name.startswith("cvar_")}

    def validate(self) -> None:
        """InputError (a ValueError) naming the field and the rule; NotImplementedError for cvar_max."""
        if self.cvar_max is not None:
            raise NotImplementedError("cvar_max is not implemented (as in insurance-optimise); leave it None")
        _options.effective("optimise", self.options(), "ConstraintConfig")


class PortfolioOptimiser:
    """Constrained portfolio rate optimiser (insurance-optimise's arguments), solved by rateopt.

    Beyond insurance-optimise: ``expense``, ``weight``, ``group`` and ``policy_id`` columns, and any
    rateopt option as a keyword (``device="cuda"``, ``objective="loss_ratio"``, ``fairness_max=1.2``, …).
    """

    def __init__(
        self,
        technical_price: Any,
        expected_loss_cost: Any,
        p_demand: Any,
        elasticity: Any,
        renewal_flag: Any = None,
        enbp: Any = None,
        prior_multiplier: Any = None,
        claims_variance: Any = None,
        constraints: ConstraintConfig | None = None,
        demand_model: str = "log_linear",
        solver: str = "slsqp",
        n_restarts: int = 1,
        seed: int = 42,
        ftol: float = 1e-9,
        maxiter: int = 1000,
        *,
        expense: Any = None,
        weight: Any = None,
        group: Any = None,
        policy_id: Any = None,
        **options: Any,
    ) -> None:
        self.config = constraints if constraints is not None else ConstraintConfig()
        self.config.validate()
        self.demand_model_name = demand_model
        self.n_restarts = max(1, int(n_restarts))
        self.seed = seed
        # accepted and kept under insurance-optimise's names; rateopt has its own solver and no random restarts
        self.solver, self.ftol, self.maxiter = solver, ftol, maxiter
        self.solver_method = "SLSQP" if solver.lower() == "slsqp" else "trust-constr"
        self.rng = np.random.default_rng(seed)
        self._extra_options = dict(options)
        self._columns = {
            "technical_price": technical_price,
            "expected_loss_cost": expected_loss_cost,
            "p_demand": p_demand,
            "elasticity": elasticity,
            "renewal_flag": renewal_flag,
            "enbp": enbp,
            "prior_multiplier": prior_multiplier,
            "claims_variance": claims_variance,
            "expense": expense,
            "weight": weight,
            "group": group,
            "policy_id": policy_id,
        }
        self._book = native_book({k: v for k, v in self._columns.items() if v is not None})
        self.n = len(self._book)
        self.tc = self._book.column("technical_price")
        self.cost = self._book.column("expected_loss_cost")
        self.x0 = self._book.column("p_demand")
        self.elasticity = self._book.column("elasticity")
        self.renewal_flag = self._book.column("renewal_flag").view(np.bool_)
        self.enbp = self._book.column("enbp") if enbp is not None else None
        self.prior_multiplier = self._book.column("prior_multiplier")
        self.claims_variance = self._book.column("claims_variance") if claims_variance is not None else None
        self._deterministic_lr = self.config.stochastic_lr and claims_variance is None
        if self._deterministic_lr:
            warnings.warn(
                "stochastic_lr=True but no claims_variance given: the deterministic LR constraint is used "
                "(as insurance-optimise does)",
                UserWarning,
                stacklevel=2,
            )
        self.options()  # every option checked now, as insurance-optimise validates in its constructor

    def options(self, **changes: Any) -> dict[str, Any]:
        """The rateopt options this optimiser solves under (with `changes` applied), checked."""
        o = self.config.options()
        if self.enbp is None:
            # insurance-optimise applies the buffer only where an enbp array is given
            o.pop("enbp_buffer")
        if self._deterministic_lr:
            o["stochastic_lr"] = False
        o.update(demand_model=self.demand_model_name, n_restarts=self.n_restarts - 1, seed=self.seed)
        o.update(self._extra_options)
        o.update(changes)
        _options.effective("optimise", o, "PortfolioOptimiser")
        return o

    @property
    def n_constraints(self) -> int:
        """Portfolio constraints in force, as insurance-optimise counts them: lr_max, lr_min, gwp_min,
        gwp_max, and retention_min where the book has renewals (bounds are not constraints)."""
        c = self.config
        limits = [c.lr_max, c.lr_min, c.gwp_min, c.gwp_max]
        limits.append(c.retention_min if bool(np.any(self.renewal_flag)) else None)
        return sum(limit is not None for limit in limits)

    def portfolio_summary(self, m: Any = None) -> dict[str, float | None]:
        """profit, gwp, loss_ratio and retention (None without renewals) at the multipliers ``m``
        (default: prior_multiplier), bounds and constraints aside, computed by the library exactly as a
        solve reports its own answer (weights and expenses included)."""
        multipliers = self.prior_multiplier if m is None else as_float64("m", m)
        figures = _core.evaluate_portfolio(
            self._book, _options.to_json(self.options()), "PortfolioOptimiser.portfolio_summary()", multipliers, "m"
        )
        retention = figures["retention"]
        return {
            "profit": figures["profit"],
            "gwp": figures["gwp"],
            "loss_ratio": figures["loss_ratio"],
            "retention": None if np.isnan(retention) else retention,
        }

    def optimise(self) -> Result:
        """Solve; the result has insurance-optimise's attributes and rateopt's certificate."""
        return optimise(self._book, **self.options())

    def optimise_scenarios(
        self, elasticity_scenarios: list[Any], scenario_names: list[str] | None = None
    ) -> "ScenarioResult":
        """One solve per elasticity vector (same constraints); per-policy and profit p10/mean/p90."""
        if scenario_names is None:
            scenario_names = [f"scenario_{i}" for i in range(len(elasticity_scenarios))]
        named = dict(zip(scenario_names, elasticity_scenarios))
        native = run_scenarios(self._book, named, **self.options())
        return ScenarioResult._from(native, list(scenario_names), list(elasticity_scenarios), self)

    def _with_book(self, **columns: Any) -> "PortfolioOptimiser":
        """This optimiser over the same book with columns added or replaced."""
        clone = object.__new__(PortfolioOptimiser)
        clone.__dict__.update(self.__dict__)
        clone._book = native_book(self._book, extra=columns)
        return clone


class _PointResult:
    """A sweep point's result: its figures at once; per-policy arrays (``multipliers``, …) from one solve
    at that point on first use."""

    def __init__(self, figures: dict[str, Any], solve: Callable[[], Result], **arrays: Any) -> None:
        self._figures = figures
        self._solve = solve
        self._full: Result | None = None
        self._arrays = arrays

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._figures:
            return self._figures[name]
        if name in self._arrays:
            return self._arrays[name]
        if self._full is None:
            self._full = self._solve()
        return getattr(self._full, name)

    @property
    def profit(self) -> float:
        return self._figures["expected_profit"]

    def __repr__(self) -> str:
        status = "CONVERGED" if self._figures["converged"] else "NOT CONVERGED"
        return f"OptimisationResult({status}, profit={self._figures['expected_profit']:,.0f})"


def _figures(point: dict[str, Any]) -> dict[str, Any]:
    """A sweep point's row under OptimisationResult's names."""
    retention = point.get("retention")
    return {
        "expected_profit": point["profit"],
        "expected_gwp": point["gwp"],
        "expected_loss_ratio": point["loss_ratio"],
        "expected_retention": retention,
        "converged": point["converged"],
        "status": point["status"],
        "solver_message": point.get("message", point["status"]),
        "optimality_gap": point.get("optimality_gap"),
        "passes": point["passes"],
    }


@dataclasses.dataclass
class ScenarioResult:
    """optimise_scenarios' answer (insurance-optimise's fields); ``results[k]`` carries scenario k's
    figures and multipliers."""

    results: list[Any]
    scenario_names: list[str]
    multiplier_mean: np.ndarray
    multiplier_p10: np.ndarray
    multiplier_p90: np.ndarray
    profit_mean: float
    profit_p10: float
    profit_p90: float

    @classmethod
    def _from(cls, native: Any, names: list[str], vectors: list[Any], opt: PortfolioOptimiser) -> "ScenarioResult":
        results = []
        for k, row in enumerate(native.scenarios):

            def solve(vector: Any = vectors[k]) -> Result:
                return opt._with_book(elasticity=vector).optimise()

            results.append(_PointResult(_figures(row), solve, multipliers=native.multipliers(k)))
        profit = native.profit
        return cls(
            results,
            names,
            native.multiplier_mean,
            native.multiplier_p10,
            native.multiplier_p90,
            profit["mean"],
            profit["p10"],
            profit["p90"],
        )

    def summary(self) -> Any:
        """One row per scenario: scenario, converged, profit, gwp, loss_ratio, retention."""
        rows = [
            {
                "scenario": name,
                "converged": r.converged,
                "profit": r.expected_profit,
                "gwp": r.expected_gwp,
                "loss_ratio": r.expected_loss_ratio,
                "retention": r.expected_retention,
            }
            for name, r in zip(self.scenario_names, self.results)
        ]
        return _frames.rows_frame(rows)


@dataclasses.dataclass
class FrontierPoint:
    epsilon: float
    result: Any


@dataclasses.dataclass
class EfficientFrontierResult:
    """The frontier (insurance-optimise's fields): ``points``, ``sweep_param``, ``data`` (epsilon,
    converged, profit, gwp, loss_ratio, retention, then rateopt's status, shadow_price,
    shadow_price_unit, optimality_gap, passes), ``pareto_data()`` (converged points)."""

    points: list[FrontierPoint]
    sweep_param: str
    native: Any = dataclasses.field(default=None, repr=False)

    @property
    def data(self) -> Any:
        rows = [
            {
                "epsilon": p["epsilon"],
                "converged": p["converged"],
                "profit": p["profit"],
                "gwp": p["gwp"],
                "loss_ratio": p["loss_ratio"],
                "retention": p["retention"],
                "status": p["status"],
                "shadow_price": p["shadow_price"],
                "shadow_price_unit": p["shadow_price_unit"],
                "optimality_gap": p["optimality_gap"],
                "passes": p["passes"],
            }
            for p in self.native.points
        ]
        return _frames.rows_frame(rows)

    def pareto_data(self) -> Any:
        """The converged points only."""
        converged = np.array([p["converged"] for p in self.native.points], dtype=bool)
        return _frames.filter_rows(self.data, converged)


class EfficientFrontier:
    """Sweep one constraint (``volume_retention``, ``gwp_min`` or ``lr_max``) over ``sweep_range`` in
    ``n_points`` steps, profit maximised at each."""

    def __init__(
        self,
        optimiser: PortfolioOptimiser,
        sweep_param: str,
        sweep_range: tuple[float, float],
        n_points: int = 15,
        n_jobs: int = 1,
    ) -> None:
        if sweep_param not in _SWEPT:
            raise ValueError(f"sweep_param '{sweep_param}' not supported. Choose from {tuple(_SWEPT)}.")
        self.optimiser = optimiser
        self.sweep_param = sweep_param
        self.sweep_range = sweep_range
        self.n_points = n_points
        self.n_jobs = n_jobs
        self._last: EfficientFrontierResult | None = None

    def run(self) -> EfficientFrontierResult:
        swept = _SWEPT[self.sweep_param]
        native = efficient_frontier(
            self.optimiser._book,
            sweep=swept,
            from_=float(self.sweep_range[0]),
            to=float(self.sweep_range[1]),
            points=self.n_points,
            **self.optimiser.options(),
        )
        points = []
        for p in native.points:

            def solve(limit: float = p["epsilon"]) -> Result:
                return optimise(self.optimiser._book, **self.optimiser.options(**{swept: limit}))

            points.append(FrontierPoint(p["epsilon"], _PointResult(_figures(p), solve)))
        self._last = EfficientFrontierResult(points, self.sweep_param, native)
        return self._last

    def plot(
        self,
        x_metric: str = "retention",
        y_metric: str = "profit",
        figsize: tuple[float, float] = (8, 5),
        title: str | None = None,
    ) -> None:
        """The converged frontier points, y_metric against x_metric (columns of ``data``: retention,
        gwp, loss_ratio, epsilon, profit, …), with matplotlib.  Uses the last run() (runs it first if
        there was none; insurance-optimise runs the sweep again, to the same answer)."""
        result = self._last if self._last is not None else self.run()
        _plots.frontier(result.native.points, self.sweep_param, x_metric, y_metric, figsize, title)


# ---------------------------------------------------------------------------------------- fairness


def premium_disparity_ratio(multipliers: Any, technical_price: Any, group_labels: Any) -> float:
    """Max over groups of the mean premium m·tc divided by the min (1.0 with fewer than two groups)."""
    premium = np.asarray(multipliers, dtype=float) * np.asarray(technical_price, dtype=float)
    labels = np.asarray(group_labels)
    means = [premium[labels == g].mean() for g in np.unique(labels)]
    if len(means) < 2 or min(means) < 1e-10:
        return 1.0
    return float(max(means) / min(means))


def loss_ratio_disparity(
    multipliers: Any, technical_price: Any, expected_loss_cost: Any, demand_model: Any, group_labels: Any
) -> float:
    """Max over groups of the loss ratio Σc·x/Σp·x divided by the min; demand_model has .demand(m)."""
    m = np.asarray(multipliers, dtype=float)
    x = np.asarray(demand_model.demand(m), dtype=float)
    premium = m * np.asarray(technical_price, dtype=float) * x
    claims = np.asarray(expected_loss_cost, dtype=float) * x
    labels = np.asarray(group_labels)
    ratios = []
    for g in np.unique(labels):
        gwp = premium[labels == g].sum()
        if gwp >= 1e-10:
            ratios.append(claims[labels == g].sum() / gwp)
    if len(ratios) < 2:
        return 1.0
    return float(max(ratios) / min(ratios))


_METRICS = {"premium_disparity_ratio": "premium_disparity", "loss_ratio_disparity": "loss_ratio_disparity"}


def _fairness_of(fairness_metric: Any, group_labels: Any) -> tuple[str, Any, str]:
    """(rateopt's fairness_metric, the group labels, the metric's name) for a ParetoFrontier."""
    if fairness_metric is None:
        if group_labels is None:
            raise ValueError("Either fairness_metric or group_labels must be provided.")
        return "premium_disparity", group_labels, "premium_disparity_ratio"
    func = getattr(fairness_metric, "func", fairness_metric)
    name = getattr(func, "__name__", "custom")
    keywords = getattr(fairness_metric, "keywords", {}) or {}
    labels = keywords.get("group_labels", group_labels)
    if name not in _METRICS or labels is None:
        raise NotImplementedError(
            "rateopt solves fairness as an exact constraint for premium_disparity_ratio and "
            "loss_ratio_disparity by group labels (functools.partial(..., group_labels=...)); "
            f"the callable {name!r} cannot run inside the solve"
        )
    return _METRICS[name], labels, name


@dataclasses.dataclass
class ParetoResult:
    """The surface (insurance-optimise's fields): ``surface`` (eps_x, eps_y, converged, profit, gwp,
    loss_ratio, retention, fairness, n_iter, solver_message, grid_i, grid_j, then rateopt's status,
    on_front, passes), ``pareto_df`` (non-dominated converged points), ``metadata``, ``selected``."""

    surface: Any
    pareto_df: Any
    metadata: dict[str, Any]
    _rows: list[dict[str, Any]] = dataclasses.field(repr=False, default_factory=list)
    _solve_at: Callable[[float, float], Result] | None = dataclasses.field(repr=False, default=None)
    selected: Result | None = None
    selection: dict[str, Any] | None = None

    def select(self, method: str = "topsis", weights: tuple[float, float, float] = (0.5, 0.3, 0.2)) -> "ParetoResult":
        """Choose one point of the front by TOPSIS and solve it: ``selected`` is its full result,
        ``selection`` says how it was chosen."""
        if method not in ("topsis", "closest_to_utopia"):
            raise ValueError(f"Unknown selection method '{method}'. Choose 'topsis' or 'closest_to_utopia'.")
        front = [i for i, r in enumerate(self._rows) if r["on_front"]]
        if not front:
            raise ValueError(
                "Pareto surface is empty — all grid points failed to converge. "
                "Relax constraints or reduce n_points_x/n_points_y."
            )
        objectives = [
            (r["profit"], r["retention"] if r["retention"] is not None else 0.0, r["disparity"]) for r in self._rows
        ]
        chosen = self._rows[_core.topsis_choice(objectives, front, tuple(float(w) for w in weights))]
        assert self._solve_at is not None
        self.selected = self._solve_at(chosen["eps_x"], chosen["eps_y"])
        self.selection = {
            "selected_by": method,
            "weights": list(weights),
            "grid_i": chosen["grid_i"],
            "grid_j": chosen["grid_j"],
            "eps_x": chosen["eps_x"],
            "eps_y": chosen["eps_y"],
            "fairness": chosen["fairness"],
        }
        return self

    def summary(self) -> Any:
        """Counts and ranges over the front, as insurance-optimise's summary()."""
        front = [r for r in self._rows if r["on_front"]]

        def span(key: str) -> tuple[float, float]:
            values = [r[key] for r in front if r[key] is not None]
            return (min(values), max(values)) if values else (float("nan"), float("nan"))

        (p0, p1), (r0, r1), (f0, f1) = span("profit"), span("retention"), span("fairness")
        metric = [
            "grid_points_total",
            "grid_points_converged",
            "pareto_optimal_solutions",
            "profit_min",
            "profit_max",
            "retention_min",
            "retention_max",
            "fairness_disparity_min",
            "fairness_disparity_max",
        ]
        value = [float(len(self._rows)), float(sum(r["converged"] for r in self._rows)), float(len(front))]
        return _frames.frame({"metric": metric, "value": value + [p0, p1, r0, r1, f0, f1]})

    def to_dict(self) -> dict[str, Any]:
        selected = dict(self.selection or {})
        if self.selected is not None:
            selected["audit"] = self.selected.audit_trail
        rows = [{k: v for k, v in r.items() if k != "disparity"} for r in self._rows]
        return {
            "metadata": self.metadata,
            "surface": rows,
            "pareto_front": [r for r in rows if r["on_front"]],
            "selected": selected,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def save_audit(self, path: str | os.PathLike) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    def plot(
        self,
        x_metric: str = "retention",
        y_metric: str = "fairness",
        color_metric: str = "profit",
        figsize: tuple[float, float] = (9, 7),
        title: str | None = None,
        show_colorbar: bool = True,
        annotate_extremes: bool = True,
    ) -> None:
        """The converged points of the surface (faded) and the non-dominated ones (solid), coloured by
        color_metric (columns of ``surface``), with matplotlib."""
        _plots.pareto_2d(self._rows, x_metric, y_metric, color_metric, figsize, title, show_colorbar, annotate_extremes)

    def plot_3d(self, figsize: tuple[float, float] = (10, 8)) -> None:
        """(profit, retention, fairness) of the converged points, the non-dominated ones highlighted, with
        matplotlib."""
        _plots.pareto_3d(self._rows, figsize)


class ParetoFrontier:
    """Profit–retention–fairness surface: a grid of ``sweep_x`` (volume_retention, lr_max or gwp_min)
    by fairness_max (``sweep_y``), solved by rateopt with fairness as an exact constraint."""

    def __init__(
        self,
        optimiser: PortfolioOptimiser,
        fairness_metric: Callable[[np.ndarray], float] | None = None,
        fairness_gradient: Callable[[np.ndarray], np.ndarray] | None = None,
        group_labels: Any = None,
        sweep_x: str = "volume_retention",
        sweep_x_range: tuple[float, float] = (0.80, 0.99),
        sweep_y: str = "fairness_max",
        sweep_y_range: tuple[float, float] = (1.05, 2.50),
        n_points_x: int = 10,
        n_points_y: int = 10,
        fairness_max: float | None = None,
        n_jobs: int = 1,
    ) -> None:
        if sweep_x not in _SWEPT:
            raise ValueError(f"sweep_x '{sweep_x}' not supported. Choose from {tuple(_SWEPT)}.")
        if sweep_y != "fairness_max":
            raise NotImplementedError("rateopt's Pareto surface sweeps fairness_max on its y axis")
        if fairness_max is not None and fairness_max < max(sweep_y_range):
            raise NotImplementedError("fairness_max below the sweep_y range is not supported; narrow sweep_y_range")
        self.optimiser = optimiser
        self.fairness_gradient = fairness_gradient  # not needed: rateopt's fairness constraint is exact
        self.metric, labels, self._metric_name = _fairness_of(fairness_metric, group_labels)
        self.group_labels = labels
        # the callable as insurance-optimise keeps it (rateopt solves self.metric as a constraint instead)
        self.fairness_metric = fairness_metric
        if fairness_metric is None:
            self.fairness_metric = functools.partial(
                premium_disparity_ratio, technical_price=optimiser.tc, group_labels=np.asarray(labels)
            )
        self.sweep_x, self.sweep_y = sweep_x, sweep_y
        self.sweep_x_range, self.sweep_y_range = sweep_x_range, sweep_y_range
        self.n_points_x, self.n_points_y = n_points_x, n_points_y
        self.fairness_max = fairness_max
        self.n_jobs = n_jobs

    def run(self) -> ParetoResult:
        opt = self.optimiser._with_book(group=self.group_labels)
        swept = _SWEPT[self.sweep_x]
        native = pareto_surface(
            opt._book,
            sweep_x=swept,
            x_range=[float(v) for v in self.sweep_x_range],
            fairness_range=[float(v) for v in self.sweep_y_range],
            points_x=self.n_points_x,
            points_y=self.n_points_y,
            **opt.options(fairness_metric=self.metric),
        )
        nx = self.n_points_x
        rows = []
        for i in range(nx):  # insurance-optimise's order: x outer, y inner
            for j in range(self.n_points_y):
                p = native.surface[j * nx + i]
                rows.append(
                    {
                        "eps_x": p["x_limit"],
                        "eps_y": p["fairness_limit"],
                        "converged": p["converged"],
                        "profit": p["profit"],
                        "gwp": p["gwp"],
                        "loss_ratio": p["loss_ratio"],
                        "retention": p["retention"],
                        "fairness": p["disparity"] if p["converged"] else float("nan"),
                        "n_iter": p["passes"],
                        "solver_message": p["status"],
                        "grid_i": i,
                        "grid_j": j,
                        "status": p["status"],
                        "on_front": p["on_front"],
                        "passes": p["passes"],
                        "disparity": p["disparity"],
                    }
                )
        shown = [{k: v for k, v in r.items() if k != "disparity"} for r in rows]
        surface = _frames.rows_frame(shown)
        front_mask = np.array([r["on_front"] for r in rows], dtype=bool)
        metadata = {
            "sweep_x": self.sweep_x,
            "sweep_y": self.sweep_y,
            "sweep_x_range": list(self.sweep_x_range),
            "sweep_y_range": list(self.sweep_y_range),
            "n_points_x": self.n_points_x,
            "n_points_y": self.n_points_y,
            "fairness_metric_name": self._metric_name,
            "fairness_max": self.fairness_max,
            "n_jobs": self.n_jobs,
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "n_policies": self.optimiser.n,
            "passes": native.passes,
            "seconds": native.seconds,
            "backend_used": native.backend_used,
        }

        def solve_at(eps_x: float, eps_y: float) -> Result:
            return optimise(opt._book, **opt.options(fairness_metric=self.metric, **{swept: eps_x, "fairness_max": eps_y}))

        return ParetoResult(surface, _frames.filter_rows(surface, front_mask), metadata, rows, solve_at)
