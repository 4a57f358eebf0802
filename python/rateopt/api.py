"""rateopt's native API: optimise a book, sweep a constraint, a Pareto surface, elasticity scenarios.

Every keyword option is one of the CLI's (same names, ``_`` for ``-``; ``rateopt optimise --help`` lists
them) and goes through the same options table, so defaults, bounds and messages are the CLI's.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from . import _core, _frames, _options
from ._columns import as_float64, native_book
from .result import Result

__all__ = [
    "optimise",
    "efficient_frontier",
    "pareto_surface",
    "run_scenarios",
    "FrontierResult",
    "ParetoSurface",
    "ScenariosResult",
]

Progress = Callable[..., Any]


def _say(verbose: bool, lines: Sequence[str]) -> None:
    if verbose:
        for line in lines:
            print(f"rateopt: {line}", file=sys.stderr)


def optimise(book: Any, *, progress: Progress | None = None, verbose: bool = False, **options: Any) -> Result:
    """Solve a book: one price multiplier per policy maximising expected profit (or minimising the loss
    ratio) within the per-policy bounds and every portfolio constraint given.

    book: a polars or pandas DataFrame, a pyarrow Table or a dict of arrays with the CSV column names,
        a rateopt.Book, or the path of a book CSV.  float64 columns are read without a copy.
    options: the CLI's options, e.g. ``lr_max=0.68, retention_min=0.78, max_rate_change=0.25,
        enbp_buffer=0.01, device="auto"``.
    progress: called as progress(passes) between passes over the book; raising in it stops the solve.
    verbose: print the book's warnings, the solve's warnings and a one-line summary on stderr.

    The GIL is released while solving; Ctrl-C stops the solve between passes with KeyboardInterrupt.
    Bad input raises InputError, an unusable ``device="cuda"`` DeviceError.  A proven-infeasible problem
    is a normal return with ``status == "infeasible"``.
    """
    native = native_book(book)
    solution = _core.optimise(native, _options.to_json(options), "rateopt.optimise()", progress)
    result = Result(solution)
    _say(verbose, result.warnings + [solution.brief_report()])
    return result


class _SweepAnswer:
    """A sweep's answer: the library's JSON document (its fields read as attributes) and its writers."""

    def __init__(self, native: Any) -> None:
        self._native = native
        self._json = json.loads(native.json())

    def __getattr__(self, name: str) -> Any:
        document = self.__dict__.get("_json")
        if document is not None and name in document:
            return document[name]
        raise AttributeError(name)

    def to_json(self) -> str:
        return self._native.json()

    def write_outputs(self, out_dir: str | os.PathLike, force: bool = False) -> None:
        """The CLI's files for this sweep, written atomically (refusing to overwrite without force)."""
        self._native.write_outputs(os.fspath(out_dir), force)


class FrontierResult(_SweepAnswer):
    """An efficient frontier: ``points`` (one dict per point: epsilon, status, converged, message,
    profit, gwp, loss_ratio, retention, shadow_price, shadow_price_unit, optimality_gap, passes,
    seconds), ``data`` (the points as a DataFrame), ``passes``, ``seconds``, ``backend_used``;
    ``write_outputs(dir)`` writes frontier.csv, frontier.svg and result.json as the CLI."""

    def __init__(self, native: "_core.Frontier") -> None:
        super().__init__(native)
        self.points: list[dict[str, Any]] = self._json["points"]

    @property
    def data(self) -> Any:
        return _frames.rows_frame(self.points)

    def svg(self) -> str:
        return self._native.svg()


def efficient_frontier(
    book: Any, *, progress: Progress | None = None, verbose: bool = False, **options: Any
) -> FrontierResult:
    """The efficient frontier: ``points`` evenly spaced limits of ``sweep`` (retention_min, gwp_min or
    lr_max) from ``from_`` to ``to`` (the CLI's --from/--to), the other options as in optimise().  The book
    is uploaded once and each point warm-starts from its neighbour.  progress(done, total) after each
    point; Ctrl-C stops between points."""
    own, solve = _options.split(options, "frontier")
    native = _core.efficient_frontier(
        native_book(book), _options.to_json(solve), _options.to_json(own), "rateopt.efficient_frontier()", progress
    )
    result = FrontierResult(native)
    _say(verbose, [f"frontier: {len(result.points)} points, {result.passes} passes, {result.seconds:.3g} s"])
    return result


class ParetoSurface(_SweepAnswer):
    """A Pareto surface: ``surface`` (every grid point, fairness-major: x_limit, fairness_limit, status,
    converged, profit, retention, disparity, gwp, loss_ratio, on_front, passes, seconds), ``front``
    (the non-dominated points), ``choice`` (the TOPSIS choice or None), ``data`` (surface as a DataFrame);
    ``write_outputs(dir)`` writes the CLI's pareto_surface.csv, pareto_front.csv, pareto.svg and
    result.json."""

    def __init__(self, native: "_core.Pareto") -> None:
        super().__init__(native)
        self.surface: list[dict[str, Any]] = self._json["surface"]
        self.front: list[dict[str, Any]] = self._json["front"]
        self.choice: dict[str, Any] | None = self._json["topsis_choice"]

    @property
    def data(self) -> Any:
        return _frames.rows_frame(self.surface)

    def svg(self) -> str:
        return self._native.svg()


def pareto_surface(
    book: Any, *, progress: Progress | None = None, verbose: bool = False, **options: Any
) -> ParetoSurface:
    """The profit–retention–fairness surface: a grid of ``points_x`` limits of ``sweep_x`` over
    ``x_range`` by ``points_y`` values of fairness_max over ``fairness_range`` (the book needs a
    ``group`` column), its non-dominated set and the TOPSIS choice with ``topsis_weights``."""
    own, solve = _options.split(options, "pareto")
    native = _core.pareto_surface(
        native_book(book), _options.to_json(solve), _options.to_json(own), "rateopt.pareto_surface()", progress
    )
    result = ParetoSurface(native)
    _say(verbose, [f"pareto: {len(result.surface)} points, {len(result.front)} on the front"])
    return result


class ScenariosResult(_SweepAnswer):
    """Elasticity scenarios: ``scenarios`` (one dict per scenario: scenario, status, converged, message,
    profit, gwp, loss_ratio, retention, optimality_gap, passes, seconds), per-policy
    ``multiplier_p10/mean/p90`` over the converged scenarios, ``profit`` p10/mean/p90,
    ``multipliers(k)``; ``write_outputs(dir)`` as the CLI."""

    def __init__(self, native: "_core.Scenarios") -> None:
        super().__init__(native)
        self.scenarios: list[dict[str, Any]] = self._json["scenarios"]

    @property
    def multiplier_p10(self) -> np.ndarray:
        return self._native.multiplier_p10

    @property
    def multiplier_mean(self) -> np.ndarray:
        return self._native.multiplier_mean

    @property
    def multiplier_p90(self) -> np.ndarray:
        return self._native.multiplier_p90

    def multipliers(self, scenario: int) -> np.ndarray:
        """Final multipliers of scenario k, in the order given."""
        return self._native.multipliers(scenario)

    @property
    def data(self) -> Any:
        return _frames.rows_frame(self.scenarios)


def run_scenarios(
    book: Any,
    elasticities: Mapping[str, Any] | None = None,
    *,
    progress: Progress | None = None,
    verbose: bool = False,
    **options: Any,
) -> ScenariosResult:
    """One cold solve per elasticity scenario: ``elasticities`` maps a name to a vector (book order), and
    the CLI's ``elasticity_scale=[0.75, 1, 1.25]`` / ``elasticity_files=[...]`` add more.  Each scenario's
    answer is exactly optimise()'s on the book with that elasticity column."""
    own, solve = _options.split(options, "scenarios")
    named = dict(elasticities or {})
    vectors = [as_float64(f"elasticities[{name!r}]", v) for name, v in named.items()]
    native = _core.run_scenarios(
        native_book(book),
        _options.to_json(solve),
        _options.to_json(own),
        [str(n) for n in named],
        vectors,
        "rateopt.run_scenarios()",
        progress,
    )
    result = ScenariosResult(native)
    _say(verbose, result.warnings)
    return result
