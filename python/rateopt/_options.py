"""Keyword arguments to the library's options tables (the ones the CLI's flags and --config read).

Python passes its keyword arguments as one JSON object; the C++ table checks every key and value and
names the call in its messages.  No option name is listed here.
"""

from __future__ import annotations

import functools
import json
import keyword
from typing import Any, Mapping

import numpy as np

from . import _core


@functools.lru_cache(maxsize=None)
def keys(tool: str) -> frozenset[str]:
    """The keys of a tool's options table: optimise, frontier, pareto, scenarios, generate."""
    return frozenset(_core.option_keys(tool))


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def table_key(name: str) -> str:
    """`from_` for the table's `from` (a Python keyword cannot be an argument name)."""
    if name.endswith("_") and keyword.iskeyword(name[:-1]):
        return name[:-1]
    return name


def to_json(options: Mapping[str, Any]) -> str:
    """The options as the JSON object the tables read (numpy scalars and tuples made plain)."""
    return json.dumps({table_key(k): _plain(v) for k, v in options.items()}, allow_nan=True)


def split(options: Mapping[str, Any], tool: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the options of `tool`'s own table, the rest) — the rest are the solve's options."""
    own = {k: v for k, v in options.items() if table_key(k) in keys(tool)}
    rest = {k: v for k, v in options.items() if table_key(k) not in keys(tool)}
    return own, rest


def effective(tool: str, options: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Every option of `tool` with its value after applying `options` (defaults filled in), checked."""
    return json.loads(_core.options_json(tool, to_json(options), source))
