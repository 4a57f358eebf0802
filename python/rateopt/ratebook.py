"""Ratebook mode: new relativities of a ratebook (a base rate times one relativity per level of each rating
factor) for the whole book under the portfolio constraints of ``rateopt.optimise``, and what the structure
costs against one multiplier per policy.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from typing import Any, Mapping

import numpy as np

from . import _core, _frames, _options
from ._columns import column_reader, native_book
from .errors import InputError
from .result import _segment_labels

__all__ = ["optimise_ratebook", "RatebookResult"]

_PREFIX = "factor."


def _factor_columns(book: Any) -> tuple[list[str], list[list[str]], Any]:
    """(factor names, their labels per policy, the book without them) from a table or a CSV path."""
    if isinstance(book, (str, os.PathLike)):
        with open(os.fspath(book), newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(line for line in f if line.strip()))
        header = [h.strip() for h in rows[0]] if rows else []
        keep = [k for k, h in enumerate(header) if h.startswith(_PREFIX)]
        labels = [[row[k].strip() for row in rows[1:]] for k in keep]
        return [header[k][len(_PREFIX) :] for k in keep], labels, book
    names, read = column_reader(book)
    factors = [n for n in names if n.startswith(_PREFIX)]
    labels = [[str(v) for v in read(n)] for n in factors]
    rest = {n: read(n) for n in names if not n.startswith(_PREFIX)}
    return [n[len(_PREFIX) :] for n in factors], labels, rest


def _ratebook_rows(ratebook: Any) -> tuple[list[str], list[str], list[float]]:
    if isinstance(ratebook, (str, os.PathLike)):
        with open(os.fspath(ratebook), newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(line for line in f if line.strip())
            header = [h.strip() for h in next(reader, [])]
            rows = list(reader)
        table: Any = {name: [row[k].strip() for row in rows] for k, name in enumerate(header)}
    else:
        table = ratebook
    names, read = column_reader(table)
    missing = [c for c in ("factor", "level", "relativity") if c not in names]
    if missing:
        raise InputError(f"ratebook: missing column {missing[0]!r} (expected factor, level, relativity)")
    try:
        relativity = np.asarray(read("relativity"), dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InputError(f"ratebook.relativity: cannot be read as numbers ({e})") from None
    return [str(v) for v in read("factor")], [str(v) for v in read("level")], relativity.tolist()


class RatebookResult:
    """A ratebook solve: ``ratebook`` (one dict per relativity: factor, level, old_relativity,
    new_relativity, change_pct, binding, policies), ``multipliers`` (numpy, per policy), the portfolio
    and constraint keys of ``rateopt.optimise`` (expected_profit, shadow_prices, constraint_evaluation, …),
    ``structure_cost`` (the per-policy bound minus the ratebook's profit), ``kkt``; ``ratebook_df`` as a
    DataFrame, ``to_json()``, ``write_outputs(dir)``."""

    def __init__(self, native: "_core.RatebookSolution") -> None:
        self._native = native
        self._json = json.loads(native.result_json())

    def __getattr__(self, name: str) -> Any:
        document = self.__dict__.get("_json")
        if document is not None and name in document:
            return document[name]
        raise AttributeError(name)

    @property
    def multipliers(self) -> np.ndarray:
        return self._native.multiplier

    @property
    def capped_multipliers(self) -> np.ndarray | None:
        """With ``caps="after"``: every policy's multiplier after its caps (``multipliers`` is the ratebook's
        before capping); None otherwise."""
        return self._native.capped_multiplier

    @property
    def ratebook_df(self) -> Any:
        return _frames.rows_frame(self._json["ratebook"])

    def impact(self, segments: Mapping[str, Any] | None = None) -> Any:
        """The impact report as ``rateopt ratebook`` writes impact.csv: the whole book, every factor's levels,
        then each of ``segments`` ({name: one label per policy}); see ``rateopt.Result.impact``."""
        names, labels = _segment_labels(segments)
        return _frames.rows_frame(json.loads(self._native.impact_json(names, labels)))

    def report(self) -> str:
        return self._native.report()

    def to_json(self) -> str:
        return self._native.result_json()

    def write_outputs(self, out_dir: str | os.PathLike, force: bool = False) -> None:
        """ratebook.csv, policies.csv and result.json as ``rateopt ratebook`` writes them."""
        self._native.write_outputs(os.fspath(out_dir), force)


def optimise_ratebook(book: Any, ratebook: Any, *, verbose: bool = False, **options: Any) -> RatebookResult:
    """New relativities for `ratebook` over `book` under the options of ``rateopt.optimise``.

    book: the book (DataFrame, pyarrow Table, dict of arrays or CSV path) with one ``factor.<name>``
        column per rating factor holding each policy's level label.
    ratebook: the current ratebook, a table or CSV path with columns factor, level, relativity.
    options: ``rateopt.optimise``'s (lr_max, retention_min, max_rate_change, …) and ratebook mode's own:
        ``level_bounds=["age=0.9:1.1", "region[north]=1:1.05"]``, ``monotone=["age"]``,
        ``fix=["cover=basic"]``, ``smooth=["age=0.05"]`` (neighbouring levels' log changes at most 0.05 apart),
        ``caps="after"`` (rate-change and ENBP caps applied to each policy after the ratebook, see
        ``capping`` and ``capped_multipliers``), ``structure_cost=True``.
    A policy's multiplier is its prior multiplier × Π (new relativity / current) × the base-rate change.
    Bad input raises InputError naming the column and index (or file and line).
    """
    names, labels, rest = _factor_columns(book)
    if not names:
        raise InputError("book: no rating-factor column (factor.<name>, a level label per policy)")
    factor, level, relativity = _ratebook_rows(ratebook)
    own, solve_options = _options.split(options, "ratebook")
    native = _core.optimise_ratebook(
        native_book(rest),
        names,
        labels,
        factor,
        level,
        relativity,
        _options.to_json(solve_options),
        _options.to_json(own),
        "rateopt.optimise_ratebook()",
    )
    result = RatebookResult(native)
    if verbose:
        print("rateopt: " + result.message, file=sys.stderr)
    return result
