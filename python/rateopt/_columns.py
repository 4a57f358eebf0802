"""Turning what a pricing team holds (polars/pandas DataFrames, pyarrow Tables, dicts of arrays) into the
columns of a book.

float64 C-contiguous columns go through untouched (``np.ascontiguousarray`` returns them as they are; a
polars or arrow column without nulls arrives as a view of its buffer); anything else is converted once.
The C++ library checks every value and names the column and the row index in its message.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping

import numpy as np

from . import _core
from .errors import InputError

#: The book's columns as the CSV header names them (the library's own list).
BOOK_COLUMNS: tuple[str, ...] = tuple(_core.book_columns())
_TEXT_COLUMNS = ("policy_id", "group")
_FLAG_COLUMN = "renewal_flag"
NUMERIC_COLUMNS: tuple[str, ...] = tuple(c for c in BOOK_COLUMNS if c not in _TEXT_COLUMNS + (_FLAG_COLUMN,))


def _kind(data: Any) -> str:
    module = type(data).__module__.split(".")[0]
    if module == "polars" and hasattr(data, "get_column"):
        return "polars"
    if module == "pandas" and hasattr(data, "columns"):
        return "pandas"
    if module == "pyarrow" and hasattr(data, "column_names"):
        return "arrow"
    if isinstance(data, Mapping):
        return "mapping"
    raise InputError(
        f"book: expected a polars or pandas DataFrame, a pyarrow Table, a dict of arrays, a rateopt.Book "
        f"or a CSV path, got {type(data).__name__}"
    )


def column_reader(data: Any) -> tuple[list[str], Callable[[str], np.ndarray]]:
    """The column names of `data` and a function returning one column as a numpy array (a view where
    the source allows one)."""
    kind = _kind(data)
    if kind == "polars":
        return list(data.columns), lambda name: data.get_column(name).to_numpy()
    if kind == "pandas":

        def pandas_column(name: str) -> np.ndarray:
            series = data[name]
            if series.dtype.kind == "f":
                return series.to_numpy(dtype=np.float64, na_value=np.nan)
            return series.to_numpy()

        return [str(c) for c in data.columns], pandas_column
    if kind == "arrow":
        return list(data.column_names), lambda name: data.column(name).to_numpy()
    return [str(k) for k in data.keys()], lambda name: np.asarray(data[name])


def as_float64(name: str, values: Any) -> np.ndarray:
    """`values` as a 1-D float64 C-contiguous array: the same object when it already is one."""
    try:
        array = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InputError(f"{name}: cannot be read as numbers ({e})") from None
    if array.ndim != 1:
        raise InputError(f"{name}: expected a one-dimensional array, got shape {array.shape}")
    return array


def as_flags(name: str, values: Any) -> np.ndarray:
    """0/1, True/False or "true"/"false" as uint8; anything else is an InputError naming the index."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise InputError(f"{name}: expected a one-dimensional array, got shape {array.shape}")
    if array.dtype == np.bool_:
        return np.ascontiguousarray(array).view(np.uint8)
    if array.dtype.kind in "OUS":
        text = np.char.lower(np.char.strip(array.astype(str)))
        ones, zeros = np.isin(text, ("1", "true")), np.isin(text, ("0", "false"))
    else:
        ones, zeros = array == 1, array == 0
    bad = ~(ones | zeros)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"{name}[{i}] = {array[i]!r} is not 0 or 1")
    return ones.astype(np.uint8)


def as_group_codes(name: str, values: Any) -> tuple[np.ndarray, list[str]]:
    """Group labels as int32 codes into the distinct labels, in order of first appearance (as the CSV
    reader numbers them)."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise InputError(f"{name}: expected a one-dimensional array, got shape {array.shape}")
    if array.dtype.kind == "O":
        array = np.array(["all" if v is None else str(v) for v in array])
    labels, first, inverse = np.unique(array, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    return rank[inverse.reshape(-1)], [str(labels[k]) for k in order]


def native_book(data: Any, *, extra: Mapping[str, Any] | None = None) -> "_core.Book":
    """A _core.Book from anything `rateopt.optimise` accepts; `extra` adds or replaces columns."""
    from .book import Book

    if isinstance(data, Book) and not extra:
        return data._native
    if isinstance(data, _core.Book) and not extra:
        return data
    if isinstance(data, (str, os.PathLike)) and not extra:
        return _core.read_book(os.fspath(data))
    if isinstance(data, Book):
        data = data._native
    if isinstance(data, (str, os.PathLike)):
        data = _core.read_book(os.fspath(data))
    if isinstance(data, _core.Book):
        names, read = _native_columns(data)
    else:
        names, read = column_reader(data)
    columns: dict[str, Any] = {name: (lambda name=name: read(name)) for name in names}
    for name, values in (extra or {}).items():
        columns[name] = lambda values=values: values
    return book_from_columns(columns)


def _native_columns(book: "_core.Book") -> tuple[list[str], Callable[[str], Any]]:
    names = [c for c in NUMERIC_COLUMNS if c != "enbp" or book.has_enbp]
    names = [c for c in names if c != "claims_variance" or book.has_claims_variance]
    names.append(_FLAG_COLUMN)
    if book.has_group:
        names.append("group")
    if book.has_policy_ids:
        names.append("policy_id")

    def read(name: str) -> Any:
        if name == "group":
            names_of = np.array(book.group_names, dtype=object)
            return names_of[book.column("group")]
        if name == "policy_id":
            return book.policy_ids()
        return book.column(name)

    return names, read


def book_from_columns(columns: Mapping[str, Callable[[], Any]]) -> "_core.Book":
    """The book of the named columns (each given as a function returning its values)."""
    numeric: dict[str, np.ndarray] = {}
    flags = codes = ids = None
    group_names: list[str] = []
    ignored = []
    for name, get in columns.items():
        if name not in BOOK_COLUMNS:
            ignored.append(name)
            continue
        values = get()
        if values is None:  # an optional argument not given
            continue
        if name in NUMERIC_COLUMNS:
            numeric[name] = as_float64(name, values)
        elif name == _FLAG_COLUMN:
            flags = as_flags(name, values)
        elif name == "group":
            codes, group_names = as_group_codes(name, values)
        else:
            ids = [str(v) for v in np.asarray(values, dtype=object)]
    book = _core.Book.from_arrays(numeric, flags, codes, group_names, ids)
    if ignored:
        book.add_warning("columns ignored (not book columns): " + ", ".join(ignored))
    return book
