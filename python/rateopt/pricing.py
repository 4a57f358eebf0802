"""The pricing rule: a solve deployed as its constraint prices, pricing new quotes without a re-solve.

::

    result = rateopt.optimise(book, lr_max=0.68, retention_min=0.78, enbp_buffer=0.01)
    result.pricing_rule().save("pricing_rule.json")
    ...
    rule = rateopt.PricingRule.load("pricing_rule.json")
    priced = rule.price(new_quotes)          # a DataFrame, pyarrow Table or dict of arrays
    priced.multipliers, priced.expected_profit, priced.warnings, priced.summary_df

The rule is the same object `rateopt optimise` writes as pricing_rule.json, and ``price`` gives the
numbers `rateopt price` writes (priced.csv, price_summary.json): both are the C++ library's.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Any

import numpy as np

from . import _core, _frames, _options
from ._columns import native_book
from ._fields import BatchSummary, PolicyColumns

__all__ = ["PricingRule", "PricedBatch"]


class PricingRule:
    """A solve's constraint prices (λ), demand model, bound rules and the book-level constants they need.
    Each quote is priced as the maximiser of its own term of the solve's Lagrangian within its own bounds.

    Make one with ``result.pricing_rule()`` or ``PricingRule.load(path)``; ``price(book)`` prices new
    quotes, ``save(path)`` writes the file `rateopt price --rule` reads.
    """

    def __init__(self, native: "_core.PricingRule") -> None:
        self._native = native
        self._document: dict[str, Any] = json.loads(native.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "PricingRule":
        """Read a rule file (pricing_rule.json).  A file of another schema version, or one with a field
        missing or of the wrong type, raises InputError naming the file and the field."""
        return cls(_core.PricingRule.load(os.fspath(path)))

    @classmethod
    def from_json(cls, text: str) -> "PricingRule":
        """A rule from the text of a rule file (as to_json() gives it)."""
        return cls(_core.PricingRule.parse(text, "rateopt.PricingRule.from_json()"))

    def to_json(self) -> str:
        """The rule file's text: the same bytes `rateopt optimise` writes for the same solve."""
        return self._native.to_json()

    def save(self, path: str | os.PathLike) -> None:
        """Write the rule to path atomically (temporary file, then rename), replacing it."""
        self._native.save(os.fspath(path))

    # ------------------------------------------------------------------ what the rule holds
    @property
    def version(self) -> str:
        """The rateopt version that made the rule."""
        return self._document["rateopt_version"]

    @property
    def schema_version(self) -> int:
        return self._document["schema_version"]

    @property
    def book_sha256(self) -> str | None:
        """SHA-256 of the solved book's file; None for a book built in memory."""
        return self._document["solved_book"]["sha256"]

    @property
    def book_file(self) -> str | None:
        return self._document["solved_book"]["file"]

    @property
    def n_policies_solved(self) -> int:
        return self._document["solved_book"]["n_policies"]

    @property
    def solve_status(self) -> str:
        """How the solve ended (converged, max_iterations, …): a rule of an unconverged solve warns."""
        return self._document["solve"]["status"]

    @property
    def demand_model(self) -> str:
        return self._document["demand_model"]

    @property
    def objective(self) -> str:
        return self._document["objective"]

    @property
    def linearised(self) -> bool:
        """Whether a term is not linear in the book's sums (stochastic LR, loss-ratio disparity, the
        loss-ratio objective): the rule then uses the Lagrangian linearised at the solved answer."""
        return self._document["linearised"]

    @property
    def options(self) -> dict[str, Any]:
        """Every option of the solve (bounds, caps, ENBP buffer, constraint limits), defaults included."""
        return self._document["options"]

    @property
    def constraints(self) -> list[dict[str, Any]]:
        """Each solved constraint: name, label, multiplier (λ as solved), multiplier_business (λ in
        business units), business_unit, linear."""
        return self._document["constraints"]

    @property
    def shadow_prices(self) -> dict[str, float]:
        """λ of each constraint in business units (see ``shadow_price_units``), by label."""
        return {c["label"]: c["multiplier_business"] for c in self.constraints}

    @property
    def shadow_price_units(self) -> dict[str, str]:
        return {c["label"]: c["business_unit"] for c in self.constraints}

    @property
    def lambdas(self) -> dict[str, float]:
        """λ of each constraint as the solve holds it (scaled units), by label."""
        return {c["label"]: c["multiplier"] for c in self.constraints}

    @property
    def group_names(self) -> list[str]:
        """The fairness groups of the solved book (a priced book's ``group`` labels must be among them)."""
        return [g["name"] for g in self._document["book_constants"]["groups"]]

    @property
    def required_columns(self) -> list[str]:
        """Optional book columns this rule needs: enbp (an ENBP buffer), claims_variance (stochastic LR),
        group (fairness groups)."""
        return list(self._native.required_columns)

    # ------------------------------------------------------------------ pricing
    def price(
        self,
        book: Any,
        *,
        drift_tolerance: float | None = None,
        threads: int | None = None,
        chunk_rows: int | None = None,
        verbose: bool = False,
    ) -> "PricedBatch":
        """Price every quote of `book`: the multiplier maximising its term of the solved Lagrangian within
        its bounds, and the batch's summary (profit, GWP, LR, retention, each solved constraint on the
        batch against its limit, with a warning where the batch breaks one by more than drift_tolerance,
        relative).

        book: what ``rateopt.optimise`` takes (polars or pandas DataFrame, pyarrow Table, dict of arrays,
            rateopt.Book, CSV path), with the columns the rule needs (``required_columns``).  float64
            columns are read without a copy.
        drift_tolerance, threads, chunk_rows: as `rateopt price` (defaults 0.01, every core, 100000 rows
            between Ctrl-C checks).
        verbose: print the book's and the batch's warnings on stderr.

        The GIL is released while pricing.  A missing column, a group the solved book did not have or a
        quote the rule cannot price raises InputError naming the column and the row index.
        """
        given = {"drift_tolerance": drift_tolerance, "threads": threads, "chunk_rows": chunk_rows}
        options = {key: value for key, value in given.items() if value is not None}
        native = native_book(book)
        priced = PricedBatch(self._native.price(native, _options.to_json(options)))
        if verbose:
            for line in native.warnings + priced.warnings:
                print(f"rateopt: {line}", file=sys.stderr)
        return priced

    def __repr__(self) -> str:
        prices = ", ".join(f"{label}={value:.6g}" for label, value in self.shadow_prices.items())
        return f"rateopt.PricingRule({self.demand_model}, {self.objective}, {prices or 'no constraints'})"


class PricedBatch(PolicyColumns, BatchSummary):
    """A book priced by a PricingRule.

    Per quote (numpy arrays, book order): ``multipliers``, ``new_premiums``, ``expected_demand``,
    ``contribution``, ``rate_change_pct``, ``binding_bound`` (none, technical_floor, max_rate_change,
    enbp, …), ``lower_bound``, ``upper_bound``, ``ties``; ``policy_ids``; ``summary_df`` (priced.csv's
    columns and the bounds as a DataFrame).  Batch (as `rateopt price` writes price_summary.json):
    ``n_quotes``, ``n_renewals``, ``expected_profit``, ``expected_gwp``, ``expected_loss_ratio``,
    ``expected_retention``, ``constraints`` (name, value, limit, relative_violation, broken),
    ``n_ties``, ``n_linearised``, ``linearisation_note``, ``n_bound_conflicts``,
    ``binding_bound_counts``, ``warnings``, ``rule``; ``to_json()``, ``report()``.
    """

    # The summary's fields, read through __getattr__ (SummaryFields); declared for editors and type checkers.
    n_quotes: int
    n_renewals: int
    expected_profit: float
    expected_gwp: float
    expected_loss_ratio: float
    constraints: list[dict[str, Any]]
    n_ties: int
    n_linearised: int
    linearisation_note: str | None
    n_bound_conflicts: int
    binding_bound_counts: dict[str, int]
    warnings: list[str]
    rule: dict[str, Any]

    def __init__(self, native: "_core.PricedBatch") -> None:
        self._native = native
        self._summary: dict[str, Any] = json.loads(native.summary_json())

    def _column(self, name: str) -> np.ndarray:
        return getattr(self._native, name)

    @functools.cached_property
    def binding_bound(self) -> np.ndarray:
        """The rule holding each quote at a side of its box ("none" inside it), as priced.csv names it."""
        return np.asarray(_core.binding_names(), dtype=object)[self._native.binding]

    @property
    def ties(self) -> np.ndarray:
        """Quotes whose maximiser is not unique (another multiplier is as good to round-off)."""
        return self._native.tie.view(np.bool_)

    @property
    def policy_ids(self) -> list[str]:
        return self._native.book.policy_ids()

    def policy_table(self) -> dict[str, Any]:
        """priced.csv's columns, then the bounds, as a dict of arrays."""
        return {
            "policy_id": np.array(self.policy_ids, dtype=object),
            "multiplier": self.multipliers,
            "new_premium": self.new_premiums,
            "expected_demand": self.expected_demand,
            "contribution": self.contribution,
            "rate_change_pct": self.rate_change_pct,
            "binding_bound": self.binding_bound,
            "lower_bound": self.lower_bound,
            "upper_bound": self.upper_bound,
        }

    @functools.cached_property
    def summary_df(self) -> Any:
        """Per quote: policy_id, multiplier, new_premium, expected_demand, contribution, rate_change_pct,
        binding_bound, lower_bound, upper_bound; polars when importable, else pandas, else a dict."""
        return _frames.frame(self.policy_table())

    def __len__(self) -> int:
        return len(self.multipliers)

    def __repr__(self) -> str:
        return (
            f"rateopt.PricedBatch({self.n_quotes} quotes, profit={self.expected_profit:,.0f}, "
            f"{len(self.warnings)} warnings)"
        )
