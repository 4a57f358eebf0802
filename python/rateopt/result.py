"""rateopt.Result: what a solve returns, with insurance-optimise's OptimisationResult names as well."""

from __future__ import annotations

import functools
import json
import os
from typing import Any, Mapping

import numpy as np

from . import _core, _frames
from ._fields import PolicyColumns, SummaryFields, none_if_nan
from .pricing import PricingRule

__all__ = ["Result"]


def _segment_labels(segments: Mapping[str, Any] | None) -> tuple[list[str], list[list[str]]]:
    """(names, labels as text) of {name: one label per policy}."""
    items = list((segments or {}).items())
    return [str(k) for k, _ in items], [[str(v) for v in values] for _, values in items]


class Result(PolicyColumns, SummaryFields):
    """One portfolio solve.

    Per policy (numpy arrays, book order): ``multipliers``, ``new_premiums``, ``expected_demand``,
    ``contribution``, ``rate_change_pct``, ``enbp_binding``, ``lower_bound``, ``upper_bound``.
    Portfolio: ``expected_profit``, ``expected_gwp``, ``expected_claims``, ``expected_loss_ratio``,
    ``expected_retention`` (None without renewals), ``n_policies``, ``n_renewals``,
    ``n_bound_conflicts``.  Constraints: ``shadow_prices`` (exact KKT multipliers in business units,
    see ``shadow_price_units``), ``constraint_evaluation``.  Certificate: ``dual_bound``,
    ``optimality_gap``.  Solver: ``status``, ``converged``, ``message``, ``backend_used``,
    ``fallback_reason``, ``passes``, ``seconds``, ``warnings``.  Outputs: ``summary_df``,
    ``to_json()`` / ``save_audit(path)`` (the CLI's result.json), ``write_outputs(dir)`` (result.json,
    policies.csv and pricing_rule.json, as ``rateopt optimise --out-dir``), ``pricing_rule()`` (the solve
    deployed: prices new quotes without a re-solve).
    """

    # The summary's fields, read through __getattr__; declared here (no values) so that editors and type
    # checkers know them.
    status: str
    converged: bool
    message: str
    objective: str
    expected_profit: float
    expected_gwp: float
    expected_claims: float
    expected_loss_ratio: float
    n_policies: int
    n_renewals: int
    n_bound_conflicts: int
    n_demand_above_one: int
    shadow_prices: dict[str, float]
    shadow_price_units: dict[str, str]
    constraint_evaluation: dict[str, dict[str, Any]]
    dual_bound: float
    optimality_gap: float
    dual_bound_note: str | None
    enbp_evidence: dict[str, Any]
    backend_requested: str
    backend_used: str
    device_name: str
    fallback_reason: str | None
    precision: str
    passes: int
    outer_iterations: int
    inner_iterations: int
    dual_iterations: int
    restarts_run: int
    lagrangian_stationarity: float
    seconds: float
    seconds_by_phase: dict[str, float]
    book_file: str | None
    warnings: list[str]

    def __init__(self, solution: "_core.Solution") -> None:
        self._solution = solution
        self._summary: dict[str, Any] = json.loads(solution.summary_json())

    # ------------------------------------------------------------------ per policy
    def _column(self, name: str) -> np.ndarray:
        if name in ("multiplier", "lower_bound", "upper_bound"):
            return getattr(self._solution, name)
        return self._policy[name]

    @functools.cached_property
    def _policy(self) -> dict[str, np.ndarray]:
        columns = dict(self._solution.policy_outputs())
        columns["enbp_binding"] = columns["enbp_binding"].view(np.bool_)
        return columns

    @property
    def enbp_binding(self) -> np.ndarray:
        """Renewals priced at their ENBP cap (within 1e-9)."""
        return self._policy["enbp_binding"]

    @property
    def policy_ids(self) -> list[str]:
        return self._solution.book.policy_ids()

    # ------------------------------------------------------------------ portfolio and solver facts
    # Every field of the summary `rateopt optimise --json` prints is an attribute (SummaryFields): status,
    # converged, message, expected_profit, expected_gwp, expected_claims, expected_loss_ratio, n_policies,
    # n_renewals, n_bound_conflicts, shadow_prices, shadow_price_units, constraint_evaluation, dual_bound,
    # optimality_gap, enbp_evidence, backend_requested, backend_used, device_name, fallback_reason, passes,
    # outer_iterations, inner_iterations, dual_iterations, seconds, warnings, …

    @property
    def expected_retention(self) -> float | None:
        """Volume retention of the renewals at the answer; None when the book has no renewals."""
        return none_if_nan(self._summary["expected_retention"])

    @property
    def profit(self) -> float:
        """Alias of expected_profit (as insurance-optimise)."""
        return self._summary["expected_profit"]

    @property
    def solver_message(self) -> str:
        """Alias of message (insurance-optimise's name)."""
        return self._summary["message"]

    @property
    def n_iter(self) -> int:
        """Newton steps of the solve (dual and inner iterations); passes over the book are ``passes``."""
        return int(self._summary["dual_iterations"]) + int(self._summary["inner_iterations"])

    @property
    def lr_constraint_used(self) -> float | None:
        """The lr_max in force (after the model-quality relaxation); None without lr_max."""
        lr = self._summary["constraint_evaluation"].get("lr_max")
        return None if lr is None else lr["limit"]

    @property
    def model_lre(self) -> float | None:
        """The model-quality loss-ratio error E applied to lr_max (lr_max·(1 + E)); None when off."""
        options = self.options
        if not options.get("model_quality_adjusted_lr") or self.lr_constraint_used is None:
            return None
        return self.lr_constraint_used / options["lr_max"] - 1.0

    @functools.cached_property
    def options(self) -> dict[str, Any]:
        """Every option the solve ran under, defaults included."""
        return json.loads(self._solution.options_json())

    # ------------------------------------------------------------------ outputs
    @functools.cached_property
    def audit_trail(self) -> dict[str, Any]:
        """The audit trail of the CLI's result.json: inputs, configuration, version, timestamp, solver,
        portfolio, constraints, shadow prices, certificate, convergence, ENBP evidence, iterations."""
        return json.loads(self.to_json())["audit"]

    def to_json(self) -> str:
        """The text of the CLI's result.json: the summary, with the audit trail under "audit"."""
        return self._solution.result_json()

    def save_audit(self, path: str | os.PathLike) -> None:
        """Write to_json() to path (replacing it)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    def write_outputs(self, out_dir: str | os.PathLike, force: bool = False) -> None:
        """result.json, policies.csv and pricing_rule.json, written atomically as ``rateopt optimise
        --out-dir`` does."""
        self._solution.write_outputs(os.fspath(out_dir), force)

    def pricing_rule(self) -> PricingRule:
        """The solve deployed as its constraint prices: ``.price(new_quotes)`` prices new quotes without a
        re-solve, ``.save(path)`` writes the pricing_rule.json `rateopt optimise` writes for this solve.
        InputError when the solve stopped before its answer was certified."""
        return PricingRule(self._solution.pricing_rule())

    def policy_table(self) -> dict[str, Any]:
        """The columns of policies.csv as a dict of arrays."""
        return {
            "policy_id": np.array(self.policy_ids, dtype=object),
            "multiplier": self.multipliers,
            "new_premium": self.new_premiums,
            "expected_demand": self.expected_demand,
            "contribution": self.contribution,
            "rate_change_pct": self.rate_change_pct,
            "enbp_binding": self.enbp_binding,
            "lower_bound": self.lower_bound,
            "upper_bound": self.upper_bound,
        }

    @functools.cached_property
    def summary_df(self) -> Any:
        """Per policy, insurance-optimise's columns (policy_idx, multiplier, new_premium, expected_demand,
        contribution, enbp_binding, rate_change_pct) then rateopt's (policy_id, lower_bound, upper_bound);
        polars when importable, else pandas, else a dict of arrays."""
        table = self.policy_table()
        columns = {"policy_idx": np.arange(len(self.multipliers))}
        for name in ("multiplier", "new_premium", "expected_demand", "contribution", "enbp_binding",
                     "rate_change_pct", "policy_id", "lower_bound", "upper_bound"):
            columns[name] = table[name]
        return _frames.frame(columns)

    def impact(self, segments: Mapping[str, Any] | None = None) -> Any:
        """The impact report (as ``rateopt optimise --segment-by`` writes impact.csv): the whole book, then one
        row per level of each of ``segments`` ({name: one label per policy}, e.g. ``{"region": df["region"]}``):
        policies, mean and p5–p95 of the premium change against today's price, shares over +5% and +10%,
        retention and loss ratio before and after.  A DataFrame (polars, else pandas, else a dict)."""
        names, labels = _segment_labels(segments)
        return _frames.rows_frame(json.loads(self._solution.impact_json(names, labels)))

    def report(self) -> str:
        """One screen: portfolio, constraints with shadow prices, certificate, solver facts."""
        return self._solution.full_report()

    def __repr__(self) -> str:
        return f"rateopt.Result({self._solution.brief_report()})"
