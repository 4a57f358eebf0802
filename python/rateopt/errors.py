"""The exceptions rateopt raises (the C++ library's errors, translated by rateopt._core)."""

from __future__ import annotations

__all__ = ["Error", "InputError", "DeviceError", "SolverError"]


class Error(Exception):
    """Base of every rateopt error."""


class InputError(Error, ValueError):
    """Bad input: a book column, an option or a file.  The message names the argument and, for arrays,
    the row index, e.g. ``p_demand[1041] = 1.3 is outside (0,1)``; for files, the file and line."""


class DeviceError(Error, RuntimeError):
    """A device or resource is unusable: ``device="cuda"`` without a usable GPU, a GPU out of memory,
    an output that cannot be written."""


class SolverError(Error, RuntimeError):
    """The solver could not produce an answer."""
