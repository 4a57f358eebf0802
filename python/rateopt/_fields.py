"""What a solve's Result and a PricedBatch share: per-policy columns under the same names, and the fields
of the library's JSON summary read as attributes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _frames


def none_if_nan(x: Any) -> Any:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


class PolicyColumns:
    """Per-policy numpy arrays in book order; a subclass gives each by its policies.csv name in _column()."""

    def _column(self, name: str) -> np.ndarray:
        raise NotImplementedError

    def policy_table(self) -> dict[str, Any]:
        """The per-policy columns as the CLI's CSV file has them, as a dict of arrays."""
        raise NotImplementedError

    def to_polars(self) -> Any:
        return _frames.to_polars(self.policy_table())

    def to_pandas(self) -> Any:
        return _frames.to_pandas(self.policy_table())

    @property
    def multipliers(self) -> np.ndarray:
        """m per policy: new premium / technical price."""
        return self._column("multiplier")

    @property
    def new_premiums(self) -> np.ndarray:
        """m·technical_price per policy."""
        return self._column("new_premium")

    @property
    def expected_demand(self) -> np.ndarray:
        return self._column("expected_demand")

    @property
    def contribution(self) -> np.ndarray:
        """(premium − claims − expense)·demand per policy (not multiplied by weight)."""
        return self._column("contribution")

    @property
    def rate_change_pct(self) -> np.ndarray:
        """(m/prior − 1)·100 per policy."""
        return self._column("rate_change_pct")

    @property
    def lower_bound(self) -> np.ndarray:
        return self._column("lower_bound")

    @property
    def upper_bound(self) -> np.ndarray:
        return self._column("upper_bound")


class SummaryFields:
    """Every field of the library's summary (self._summary, a parsed JSON object) read as an attribute."""

    _summary: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        summary = self.__dict__.get("_summary")
        if summary is not None and name in summary:
            return summary[name]
        raise AttributeError(f"'{type(self).__name__}' has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._summary))


class BatchSummary(SummaryFields):
    """A priced batch's summary (price_summary.json) from self._native's summary_json() and report()."""

    _native: Any

    @property
    def expected_retention(self) -> float | None:
        """Volume retention of the batch's renewals; None when it has none."""
        return none_if_nan(self._summary["expected_retention"])

    @property
    def summary(self) -> dict[str, Any]:
        """The batch summary, as price_summary.json holds it."""
        return self._summary

    def to_json(self) -> str:
        """The text of price_summary.json."""
        return self._native.summary_json()

    def report(self) -> str:
        """The batch summary for humans, as `rateopt price` prints it."""
        return self._native.report()
