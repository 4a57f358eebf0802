"""rateopt.Result: what a solve returns, with insurance-optimise's OptimisationResult names as well."""

from __future__ import annotations

import functools
import json
import math
import os
from typing import Any

import numpy as np

from . import _core, _frames

__all__ = ["Result"]


def _none_if_nan(x: Any) -> Any:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


class Result:
    """One portfolio solve.

    Per policy (numpy arrays, book order): ``multipliers``, ``new_premiums``, ``expected_demand``,
    ``contribution``, ``rate_change_pct``, ``enbp_binding``, ``lower_bound``, ``upper_bound``.
    Portfolio: ``expected_profit``, ``expected_gwp``, ``expected_claims``, ``expected_loss_ratio``,
    ``expected_retention`` (None without renewals), ``n_policies``, ``n_renewals``,
    ``n_bound_conflicts``.  Constraints: ``shadow_prices`` (exact KKT multipliers in business units,
    see ``shadow_price_units``), ``constraint_evaluation``.  Certificate: ``dual_bound``,
    ``optimality_gap``.  Solver: ``status``, ``converged``, ``message``, ``backend_used``,
    ``fallback_reason``, ``passes``, ``seconds``, ``warnings``.  Outputs: ``summary_df``,
    ``to_json()`` / ``save_audit(path)`` (the CLI's result.json), ``write_outputs(dir)`` (result.json
    and policies.csv, as ``rateopt optimise --out-dir``).
    """

    def __init__(self, solution: "_core.Solution") -> None:
        self._solution = solution
        self._summary: dict[str, Any] = json.loads(solution.summary_json())

    # ------------------------------------------------------------------ per policy
    @property
    def multipliers(self) -> np.ndarray:
        """m per policy: new premium / technical price."""
        return self._solution.multiplier

    @property
    def lower_bound(self) -> np.ndarray:
        return self._solution.lower_bound

    @property
    def upper_bound(self) -> np.ndarray:
        return self._solution.upper_bound

    @functools.cached_property
    def _policy(self) -> dict[str, np.ndarray]:
        columns = dict(self._solution.policy_outputs())
        columns["enbp_binding"] = columns["enbp_binding"].view(np.bool_)
        return columns

    @property
    def new_premiums(self) -> np.ndarray:
        """m·technical_price per policy."""
        return self._policy["new_premium"]

    @property
    def expected_demand(self) -> np.ndarray:
        return self._policy["expected_demand"]

    @property
    def contribution(self) -> np.ndarray:
        """(premium − claims − expense)·demand per policy (not multiplied by weight)."""
        return self._policy["contribution"]

    @property
    def rate_change_pct(self) -> np.ndarray:
        """(m/prior − 1)·100 per policy."""
        return self._policy["rate_change_pct"]

    @property
    def enbp_binding(self) -> np.ndarray:
        """Renewals priced at their ENBP cap (within 1e-9)."""
        return self._policy["enbp_binding"]

    @property
    def policy_ids(self) -> list[str]:
        return self._solution.book.policy_ids()

    # ------------------------------------------------------------------ portfolio and solver facts
    def __getattr__(self, name: str) -> Any:
        # Every field of the summary `rateopt optimise --json` prints: status, converged, message,
        # expected_profit, expected_gwp, expected_claims, expected_loss_ratio, n_policies, n_renewals,
        # n_bound_conflicts, shadow_prices, shadow_price_units, constraint_evaluation, dual_bound,
        # optimality_gap, enbp_evidence, backend_requested, backend_used, device_name, fallback_reason,
        # passes, outer_iterations, inner_iterations, dual_iterations, seconds, warnings, …
        summary = self.__dict__.get("_summary")
        if summary is not None and name in summary:
            return summary[name]
        raise AttributeError(f"'Result' has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._summary))

    @property
    def expected_retention(self) -> float | None:
        """Volume retention of the renewals at the answer; None when the book has no renewals."""
        return _none_if_nan(self._summary["expected_retention"])

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
        """result.json and policies.csv, written atomically as ``rateopt optimise --out-dir`` does."""
        self._solution.write_outputs(os.fspath(out_dir), force)

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

    def to_polars(self) -> Any:
        return _frames.to_polars(self.policy_table())

    def to_pandas(self) -> Any:
        return _frames.to_pandas(self.policy_table())

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

    def report(self) -> str:
        """One screen: portfolio, constraints with shadow prices, certificate, solver facts."""
        return self._solution.full_report()

    def __repr__(self) -> str:
        return f"rateopt.Result({self._solution.brief_report()})"
