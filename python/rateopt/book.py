"""rateopt.Book: a book of policies, read from CSV, generated, or built from DataFrames and arrays."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import _core, _frames, _options
from ._columns import BOOK_COLUMNS, native_book

__all__ = ["Book", "read_book", "generate_book"]


class Book:
    """One row per policy (or segment when ``weight`` > 1), columns named as the CSV header.

    ``Book(df)`` takes a polars/pandas DataFrame, a pyarrow Table or a dict of arrays; ``Book(
    technical_price=..., expected_loss_cost=..., p_demand=..., elasticity=..., ...)`` takes the columns as
    arguments.  Required: technical_price, expected_loss_cost, p_demand, elasticity; optional: policy_id,
    renewal_flag, enbp (NaN = not given), prior_multiplier, claims_variance, expense, group, weight.
    Every value is checked; a bad one raises InputError naming the column and row index.
    """

    __slots__ = ("_native",)

    def __init__(self, data: Any = None, /, **columns: Any) -> None:
        if data is not None and columns:
            raise TypeError("Book() takes a table or columns as keyword arguments, not both")
        self._native = native_book(data if data is not None else columns)

    @classmethod
    def _wrap(cls, native: "_core.Book") -> "Book":
        book = cls.__new__(cls)
        book._native = native
        return book

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        where = f", source={self.source!r}" if self.source else ""
        return f"rateopt.Book({len(self)} policies{where})"

    @property
    def source(self) -> str:
        """The CSV file the book was read from ('' when built in memory)."""
        return self._native.source

    @property
    def warnings(self) -> list[str]:
        """Warnings raised while reading (ignored columns, positive elasticities)."""
        return list(self._native.warnings)

    @property
    def group_names(self) -> list[str]:
        return list(self._native.group_names)

    @property
    def policy_ids(self) -> list[str]:
        """policy_id of every row (the 1-based row number where the book has none)."""
        return self._native.policy_ids()

    @property
    def columns(self) -> list[str]:
        """The columns the book carries (optional ones only when given)."""
        b = self._native
        carried = {"enbp": b.has_enbp, "claims_variance": b.has_claims_variance, "group": b.has_group}
        carried["policy_id"] = b.has_policy_ids
        return [c for c in BOOK_COLUMNS if carried.get(c, True)]

    def __getitem__(self, name: str) -> Any:
        """One column: a read-only numpy view for numbers and flags (no copy), labels for group and
        policy_id."""
        if name == "policy_id":
            return np.array(self.policy_ids, dtype=object)
        if name == "group":
            return np.array(self._native.group_names, dtype=object)[self._native.column("group")]
        if name == "renewal_flag":
            return self._native.column(name).view(np.bool_)
        return self._native.column(name)

    def to_dict(self) -> dict[str, Any]:
        return {c: self[c] for c in self.columns}

    def to_polars(self) -> Any:
        return _frames.to_polars(self.to_dict())

    def to_pandas(self) -> Any:
        return _frames.to_pandas(self.to_dict())

    def write_csv(self, path: str | os.PathLike) -> None:
        """Write the book as CSV with the canonical header (full precision: it reads back exactly)."""
        self._native.write_csv(os.fspath(path))


def read_book(path: str | os.PathLike) -> Book:
    """Read a book CSV (the CLI's reader: header names fixed, order free, unknown columns ignored with a
    warning).  Bad input raises InputError naming file, line, column and rule."""
    return Book._wrap(_core.read_book(os.fspath(path)))


def generate_book(policies: int, seed: int = 42, profile: str = "benchmark") -> Book:
    """A synthetic book with insurance-optimise's distributions (profile "benchmark" or "quickstart"),
    the same as ``rateopt generate``."""
    options = {"policies": policies, "seed": seed, "profile": profile}
    return Book._wrap(_core.generate_book(_options.to_json(options)))
