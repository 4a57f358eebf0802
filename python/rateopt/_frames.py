"""Tables as the user's DataFrame library has them: polars when importable, else pandas, else a dict of
numpy arrays."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np


def to_polars(columns: Mapping[str, Any]) -> Any:
    import polars as pl

    return pl.DataFrame({k: (v if isinstance(v, (np.ndarray, list)) else list(v)) for k, v in columns.items()})


def to_pandas(columns: Mapping[str, Any]) -> Any:
    import pandas as pd

    return pd.DataFrame(dict(columns))


def frame(columns: Mapping[str, Any]) -> Any:
    """polars DataFrame, else pandas DataFrame, else the dict itself."""
    try:
        return to_polars(columns)
    except ImportError:
        pass
    try:
        return to_pandas(columns)
    except ImportError:
        return dict(columns)


def rows_frame(rows: list[Mapping[str, Any]]) -> Any:
    """A frame from rows (dicts with the same keys, in order)."""
    names = list(rows[0].keys()) if rows else []
    return frame({name: [row[name] for row in rows] for name in names})


def filter_rows(table: Any, mask: np.ndarray) -> Any:
    """The rows of a frame (or dict of columns) where mask is true."""
    if isinstance(table, dict):
        return {k: np.asarray(v)[mask] for k, v in table.items()}
    module = type(table).__module__.split(".")[0]
    if module == "polars":
        import polars as pl

        return table.filter(pl.Series(mask))
    return table[mask].reset_index(drop=True)
