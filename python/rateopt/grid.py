"""rateopt.optimise_grid: one scored candidate price chosen per policy under portfolio constraints.

The grid is a long table, one row per (policy, candidate), as ``rateopt grid --grid`` reads it: a polars or
pandas DataFrame, a pyarrow Table, or a dict of numpy arrays (with ``offsets`` for flat arrays).  float64
columns are read where they lie (no copy); the C++ library checks every value by the CSV reader's rules
and names the column and row index in its message.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Any, Mapping, Sequence

import numpy as np

from . import _core, _frames, _options
from ._columns import as_flags, as_float64, as_group_codes, column_reader
from ._fields import BatchSummary, none_if_nan
from .errors import InputError

__all__ = ["optimise_grid", "GridResult", "GridPricingRule", "GridPriced"]

_SOURCE = "rateopt.optimise_grid()"
#: float64 columns the grid reads besides the constrained ones (premium and demand are required)
_NUMBERS = ("premium", "demand", "expected_loss_cost", "expense", "weight", "enbp")
_OTHERS = ("policy_id", "step", "renewal_flag", "group", "baseline")


def _policy_runs(ids: Any) -> tuple[np.ndarray, list[str]]:
    """Offsets (N + 1) and ids of the runs of equal policy_id (the C++ side rejects a policy in two runs)."""
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise InputError(f"policy_id: expected a one-dimensional array, got shape {ids.shape}")
    if len(ids) == 0:
        raise InputError("data: the grid has no candidate rows (K = 0 for every policy)")
    starts = np.concatenate(([0], np.flatnonzero(ids[1:] != ids[:-1]) + 1))
    return np.append(starts, len(ids)).astype(np.int64), [str(v) for v in ids[starts]]


def _missing(values: np.ndarray) -> np.ndarray:
    """Where a column read from a frame holds null (NaN, None)."""
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and v != v) for v in values], dtype=bool)
    return np.zeros(len(values), dtype=bool)


def _given_once(name: str, values: Any, offsets: np.ndarray) -> np.ndarray:
    """A per-policy column given on some rows of each policy and null on the others, as the CSV allows:
    the nulls take the value given on the policy's first row that has one (the library then checks that
    the given values agree); a policy with none keeps nulls for the caller's default."""
    values = np.asarray(values)
    missing = _missing(values)
    if len(values) != offsets[-1] or not missing.any():
        return values
    rows = np.arange(len(values))
    first_given = np.minimum.reduceat(np.where(missing, len(values), rows), offsets[:-1])
    source = np.repeat(first_given, np.diff(offsets))
    fill = missing & (source < len(values))
    filled = values.astype(object) if values.dtype.kind == "O" else values.copy()
    filled[fill] = values[source[fill]]
    return filled


def _flags(name: str, values: Any, offsets: np.ndarray | None) -> np.ndarray:
    """0/1 flags where nulls read as 0 (with offsets: a per-policy flag, nulls first take the value given
    on another row of the policy)."""
    values = np.asarray(values) if offsets is None else _given_once(name, values, offsets)
    missing = _missing(values)
    if missing.any():
        values = np.where(missing, 0, values)
    return as_flags(name, values)


def _whole_numbers(name: str, values: Any) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        return np.ascontiguousarray(array, dtype=np.int64)
    numbers = as_float64(name, array)
    bad = ~np.isfinite(numbers) | (numbers != np.floor(numbers))
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"{name}[{i}] = {float(numbers[i])!r} must be a whole number")
    return numbers.astype(np.int64)


def _grid(data: Any, offsets: Any, policy_id: Sequence[Any] | None, constrained: Sequence[str]) -> "_core.Grid":
    names, read = column_reader(data)
    present = set(names)
    if offsets is None:
        if "policy_id" not in present:
            raise InputError("data: a long grid needs a policy_id column (or give flat arrays and offsets=)")
        offsets_array, ids = _policy_runs(read("policy_id"))
    else:
        offsets_array = _whole_numbers("offsets", offsets)
        ids = None
        given = policy_id if policy_id is not None else (read("policy_id") if "policy_id" in present else None)
        if given is not None:
            given = np.asarray(given, dtype=object)
            if len(given) == offsets_array[-1] and len(given) != len(offsets_array) - 1:
                given = given[offsets_array[:-1]]  # one id per row: the id of each policy's first row
            ids = [str(v) for v in given]
    numbers = {}
    for name in list(_NUMBERS) + [c for c in constrained if c not in _NUMBERS]:
        if name in present:
            numbers[name] = as_float64(name, read(name))
    for required in ("premium", "demand"):
        if required not in numbers:
            raise InputError(f"data: the grid needs a {required} column")
    if offsets is None:  # a long table: every column one value per row
        rows = int(offsets_array[-1])
        for name, values in numbers.items():
            if len(values) != rows:
                raise InputError(f"{name} has {len(values)} values, policy_id has {rows}")
    step = _whole_numbers("step", read("step")) if "step" in present else None
    flags = _flags("renewal_flag", read("renewal_flag"), offsets_array) if "renewal_flag" in present else None
    baseline = _flags("baseline", read("baseline"), None) if "baseline" in present else None
    codes, group_names = None, []
    if "group" in present:
        groups = _given_once("group", read("group"), offsets_array)
        codes, group_names = as_group_codes("group", np.where(_missing(groups), "all", groups.astype(object)))
    grid = _core.Grid.from_arrays(numbers, offsets_array, step, flags, codes, group_names, baseline, ids)
    ignored = [n for n in names if n not in numbers and n not in _OTHERS]
    if ignored:
        grid.add_warning("columns ignored (no option uses them): " + ", ".join(map(str, ignored)))
    return grid


def optimise_grid(
    data: Any,
    *,
    offsets: Any = None,
    policy_id: Sequence[Any] | None = None,
    verbose: bool = False,
    **options: Any,
) -> "GridResult":
    """Choose one candidate price per policy maximising expected profit under portfolio constraints.

    data: the long grid, one row per (policy, candidate): a polars or pandas DataFrame, a pyarrow Table
        or a dict of arrays with the columns of ``rateopt grid``'s CSV — policy_id, step (optional),
        premium, demand, and optionally expected_loss_cost, expense, weight, renewal_flag, group, baseline
        (1 on today's price), enbp and the numeric columns the constraints name.  Rows of a policy together,
        steps 0, 1, …, K−1 in order.  float64 columns are read without a copy.
    offsets: for flat arrays instead of a policy_id column: N + 1 row offsets, policy i owning rows
        offsets[i]:offsets[i+1].  Per-policy columns (weight, renewal_flag, group, enbp, and costs that
        do not vary by candidate) may then hold one value per policy.
    policy_id: with offsets, the N policy ids (default "1", "2", …).
    options: the CLI's options (``rateopt grid --help``), e.g. ``lr_max=0.7, retention_min=0.8,
        sum_max=["claims=1e6"], ratio_max=["claims/gwp=0.7"], max_rate_change=0.1, enbp_buffer=0.0,
        exact=False, device="auto"``.
    verbose: print the warnings and the report on stderr.

    Bad input raises InputError naming the column and row index (``demand[17] = 1.3 must be in [0,1]``).
    A proven-infeasible problem is a normal return with ``status == "infeasible"`` and ``infeasibility``.
    """
    options_json = _options.to_json(options)
    constrained = _core.grid_constraint_columns(options_json, _SOURCE)
    grid = _grid(data, offsets, policy_id, constrained)
    result = GridResult(_core.solve_grid(grid, options_json, _SOURCE), np.asarray(grid.offsets))
    if verbose:
        for line in result.warnings + [result.report()]:
            print(f"rateopt: {line}", file=sys.stderr)
    return result


class GridResult:
    """One grid solve (the fields of ``rateopt grid``'s result.json as attributes).

    Per policy (numpy arrays, grid order): ``choice`` (the chosen row of the data, −1 for none), ``step``,
    ``premium``, ``demand``, ``contribution``, ``rate_change_pct``; ``policy_ids``.  Portfolio:
    ``expected_profit`` (alias ``profit``), ``expected_gwp``, ``expected_claims``, ``expected_loss_ratio``,
    ``expected_retention`` (None without renewals), ``expected_volume``, ``n_policies``, ``n_candidates``,
    ``candidates_removed``, ``n_renewals``, ``n_bound_conflicts``.  Constraints: ``constraint_evaluation``,
    ``shadow_prices``, ``shadow_price_units``, ``multipliers``.  Certificate: ``dual_bound``,
    ``optimality_gap``, ``lp_value``, ``infeasibility`` (None or the proof).  Solver: ``status``,
    ``converged``, ``message``, ``method``, ``backend_used``, ``passes``, ``seconds``,
    ``seconds_by_phase``, ``bytes_per_candidate``, ``warnings``.  Outputs: ``to_polars()``,
    ``to_pandas()``, ``policy_table()`` (policies.csv's columns), ``to_json()``, ``write_outputs(dir)``.
    """

    status: str
    converged: bool
    message: str
    method: str
    expected_profit: float
    expected_gwp: float
    expected_claims: float
    expected_loss_ratio: float
    expected_volume: float
    n_policies: int
    n_candidates: int
    candidates_removed: int
    n_renewals: int
    n_bound_conflicts: int
    constraint_evaluation: dict[str, dict[str, Any]]
    shadow_prices: dict[str, float]
    shadow_price_units: dict[str, str]
    dual_bound: float | None
    lp_value: float | None
    optimality_gap: float | None
    n_split: int
    repair_policies: int
    infeasibility: dict[str, Any] | None

    def __init__(self, solution: "_core.GridSolution", offsets: np.ndarray) -> None:
        self._solution = solution
        self._offsets = offsets
        self._document: dict[str, Any] = json.loads(solution.result_json())

    def __getattr__(self, name: str) -> Any:
        document = self.__dict__.get("_document")
        if document is not None:
            for part in (document, document["portfolio"]):
                if name in part:
                    return part[name]
        raise AttributeError(name)

    # ------------------------------------------------------------------ per policy
    @functools.cached_property
    def _policy(self) -> dict[str, np.ndarray]:
        columns = dict(self._solution.policy_outputs())
        columns["split"] = columns["split"].view(np.bool_)
        return columns

    @property
    def choice(self) -> np.ndarray:
        """The chosen row of each policy, as a row index of the data given (−1 where none)."""
        if self.candidates_removed == 0:
            return self._solution.choice  # the solve's own array: rows were not renumbered
        step = self.step
        return np.where(step >= 0, self._offsets[:-1] + step, -1).astype(np.int64)

    @property
    def step(self) -> np.ndarray:
        """The chosen step of each policy (−1 where none)."""
        return self._policy["step"]

    @property
    def premium(self) -> np.ndarray:
        """The chosen premium of each policy (NaN where none)."""
        return self._policy["premium"]

    @property
    def demand(self) -> np.ndarray:
        return self._policy["demand"]

    @property
    def contribution(self) -> np.ndarray:
        """w·(premium − loss cost − expense)·demand at the chosen candidate."""
        return self._policy["contribution"]

    @property
    def rate_change_pct(self) -> np.ndarray:
        """Change against the baseline premium in percent (NaN without a baseline)."""
        return self._policy["rate_change_pct"]

    @property
    def policy_ids(self) -> list[str]:
        return self._solution.policy_id

    @property
    def multipliers(self) -> dict[str, float]:
        """Profit per unit of each constraint's row (money per money), as the pricing rule uses them."""
        return self._document["multipliers"]

    # ------------------------------------------------------------------ portfolio and solver facts
    @property
    def profit(self) -> float:
        """Alias of expected_profit."""
        return self._document["portfolio"]["expected_profit"]

    @property
    def expected_retention(self) -> float | None:
        """Volume retention of the renewals at the answer; None when the grid has no renewals."""
        value = self._document["portfolio"]["expected_retention"]
        return None if value is None else none_if_nan(value)

    @property
    def backend_used(self) -> str:
        return self._document["backend"]["used"]

    @property
    def backend_requested(self) -> str:
        return self._document["backend"]["requested"]

    @property
    def device_name(self) -> str | None:
        return self._document["backend"]["device_name"]

    @property
    def passes(self) -> int:
        return self._document["audit"]["solver"]["passes"]

    @property
    def iterations(self) -> int:
        return self._document["audit"]["solver"]["iterations"]

    @property
    def seconds(self) -> float:
        return self._document["audit"]["solver"]["seconds"]

    @property
    def seconds_by_phase(self) -> dict[str, float]:
        return self._document["audit"]["solver"]["seconds_by_phase"]

    @property
    def bytes_per_candidate(self) -> int:
        """Bytes the solve holds per candidate row (the columns that vary by candidate)."""
        return self._document["audit"]["inputs"]["bytes_per_candidate"]

    @property
    def warnings(self) -> list[str]:
        return self._document["audit"]["warnings"]

    @functools.cached_property
    def options(self) -> dict[str, Any]:
        """Every option the solve ran under, defaults included."""
        return json.loads(self._solution.options_json())

    # ------------------------------------------------------------------ outputs
    def policy_table(self) -> dict[str, Any]:
        """The columns of policies.csv as a dict of arrays."""
        p = self._policy
        table: dict[str, Any] = {"policy_id": np.array(self.policy_ids, dtype=object)}
        for name in ("step", "premium", "demand", "expected_loss_cost", "contribution", "rate_change_pct",
                     "candidates", "split"):
            table[name] = p[name]
        return table

    def to_polars(self) -> Any:
        """policies.csv as a polars DataFrame (ImportError without polars)."""
        return _frames.to_polars(self.policy_table())

    def to_pandas(self) -> Any:
        """policies.csv as a pandas DataFrame (ImportError without pandas)."""
        return _frames.to_pandas(self.policy_table())

    def to_json(self) -> str:
        """The text of result.json."""
        return self._solution.result_json()

    def pricing_rule(self) -> "GridPricingRule":
        """The solve deployed as its term prices: ``rule.price(new_quotes)`` chooses each new quote's
        candidate without a re-solve; ``rule.save(path)`` writes the pricing_rule.json `rateopt grid`
        writes.  InputError for an infeasible solve (it fixes no prices)."""
        return GridPricingRule(self._solution.pricing_rule())

    def write_outputs(self, out_dir: str | os.PathLike, force: bool = False) -> None:
        """result.json and policies.csv, written atomically as ``rateopt grid --out-dir`` does (refusing
        to replace existing files without force)."""
        self._solution.write_outputs(os.fspath(out_dir), force)

    write = write_outputs

    def report(self) -> str:
        """A few lines: status, portfolio, constraints with shadow prices, bound and gap."""
        return self._solution.report()

    def __repr__(self) -> str:
        return (f"rateopt.GridResult(status={self.status!r}, profit={self.profit!r}, "
                f"optimality_gap={self.optimality_gap!r}, policies={self.n_policies})")


class GridPricingRule:
    """A grid solve's term prices, caps and constraints.  Each new quote's candidate is the one maximising
    its own term of the solve's Lagrangian among the candidates within the caps, as the solve chose.

    Make one with ``result.pricing_rule()`` or ``GridPricingRule.load(path)`` (the pricing_rule.json of
    ``rateopt grid``); ``price(grid)`` prices new quotes; ``save(path)`` writes the rule file.
    """

    def __init__(self, native: "_core.GridPricingRule") -> None:
        self._native = native
        self._document: dict[str, Any] = json.loads(native.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "GridPricingRule":
        """Read a grid rule file; an optimise rule, another schema version, or a field missing or of the
        wrong type raises InputError naming the file and the field."""
        return cls(_core.GridPricingRule.load(os.fspath(path)))

    @classmethod
    def from_json(cls, text: str) -> "GridPricingRule":
        """A rule from the text of a rule file (as to_json() gives it)."""
        return cls(_core.GridPricingRule.parse(text, "rateopt.GridPricingRule.from_json()"))

    def to_json(self) -> str:
        """The rule file's text: the same bytes `rateopt grid` writes for the same solve."""
        return self._native.to_json()

    def save(self, path: str | os.PathLike) -> None:
        """Write the rule to path atomically (temporary file, then rename), replacing it."""
        self._native.save(os.fspath(path))

    @property
    def constrained_columns(self) -> list[str]:
        """Numeric columns the quotes must carry besides the grid's own (the constraints sum them)."""
        return list(self._native.constrained_columns)

    @property
    def document(self) -> dict[str, Any]:
        """The rule file as a dict: constraints with their multipliers and shadow prices, caps, term prices,
        the solved grid's SHA-256 and how many of its policies the rule gives back as solved."""
        return self._document

    def price(
        self,
        data: Any,
        *,
        offsets: Any = None,
        policy_id: Sequence[Any] | None = None,
        drift_tolerance: float | None = None,
        threads: int | None = None,
        verbose: bool = False,
    ) -> "GridPriced":
        """Choose each new quote's candidate and sum the batch (profit, GWP, LR, retention, each solved
        constraint on the batch against its limit, with a warning where the batch breaks one by more than
        drift_tolerance, relative).

        data, offsets, policy_id: the quotes' grid, as ``optimise_grid`` takes it, with the columns the
            rule needs (``constrained_columns``; baseline under a rate-change cap, enbp under an ENBP cap).
        drift_tolerance, threads: as ``rateopt price`` (defaults 0.01, every core).
        verbose: print the batch's warnings on stderr.

        The GIL is released while pricing.  Bad input raises InputError naming the column and row index.
        """
        given = {"drift_tolerance": drift_tolerance, "threads": threads}
        options = {key: value for key, value in given.items() if value is not None}
        grid = _grid(data, offsets, policy_id, self.constrained_columns)
        priced = GridPriced(self._native.price(grid, _options.to_json(options)))
        if verbose:
            for line in priced.warnings:
                print(f"rateopt: {line}", file=sys.stderr)
        return priced

    def __repr__(self) -> str:
        names = [c["name"] for c in self._document["constraints"]]
        return f"rateopt.GridPricingRule(constraints={names!r})"


class GridPriced(BatchSummary):
    """New quotes' grid priced by a GridPricingRule.

    Per policy (numpy arrays, grid order): ``choice`` (the chosen row of the data), ``step``, ``premium``,
    ``demand``, ``contribution``, ``rate_change_pct``, ``candidates`` (kept by the caps), ``ties``,
    ``bound_conflicts``; ``policy_ids``.  Batch (as `rateopt price --grid` writes price_summary.json):
    ``n_policies``, ``n_renewals``, ``n_candidates``, ``n_candidates_kept``, ``expected_profit``,
    ``expected_gwp``, ``expected_claims``, ``expected_loss_ratio``, ``expected_retention``, ``expected_volume``,
    ``constraints`` (name, value, limit, relative_violation, broken), ``n_ties``, ``n_bound_conflicts``,
    ``warnings``, ``rule``; ``to_json()``, ``report()``, ``policy_table()``, ``to_pandas()``, ``to_polars()``.
    """

    def __init__(self, native: "_core.GridPriced") -> None:
        self._native = native
        self._summary: dict[str, Any] = json.loads(native.summary_json())
        self._columns: dict[str, np.ndarray] = dict(native.policy_outputs())

    @property
    def choice(self) -> np.ndarray:
        """The chosen row of each policy, as a row index of the data given."""
        return self._native.row

    def __getattr__(self, name: str) -> Any:
        columns = self.__dict__.get("_columns")
        if columns is not None and name in columns:
            return columns[name]
        return super().__getattr__(name)

    @property
    def ties(self) -> np.ndarray:
        """Policies whose best candidate ties with the runner-up to round-off (the choice is not unique)."""
        return self._native.tie.view(np.bool_)

    @property
    def bound_conflicts(self) -> np.ndarray:
        """Policies whose ENBP cap left nothing within the rate-change cap (the ENBP won)."""
        return self._native.bound_conflict.view(np.bool_)

    @property
    def policy_ids(self) -> list[str]:
        return self._native.policy_id

    def policy_table(self) -> dict[str, Any]:
        """priced.csv's columns (as `rateopt price --grid` writes them), as a dict of arrays."""
        table: dict[str, Any] = {"policy_id": np.array(self.policy_ids, dtype=object)}
        for name in ("step", "premium", "demand", "expected_loss_cost", "contribution", "rate_change_pct",
                     "candidates"):
            table[name] = self._columns[name]
        return table

    def to_polars(self) -> Any:
        """priced.csv as a polars DataFrame (ImportError without polars)."""
        return _frames.to_polars(self.policy_table())

    def to_pandas(self) -> Any:
        """priced.csv as a pandas DataFrame (ImportError without pandas)."""
        return _frames.to_pandas(self.policy_table())

    def __repr__(self) -> str:
        return f"rateopt.GridPriced(policies={self._summary['n_policies']}, profit={self._summary['expected_profit']!r})"
