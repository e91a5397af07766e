"""Parameter domains: declared once, used for validation, CLI help and strategies.

A :class:`Domain` is a (possibly half-open, possibly unbounded) interval of the
real line, optionally restricted to integers.  Everything that needs to know
what values a parameter may take derives it from here (STYLE habit 3): the
validation messages, the ``show`` output and the hypothesis strategies of
:mod:`stl_bounds.testing`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from stl_bounds.errors import ParameterError

__all__ = ["Domain", "as_array"]


@dataclass(frozen=True)
class Domain:
    """An interval of the real line, optionally of integers.

    Parameters
    ----------
    lower, upper
        End points; ``-inf``/``inf`` for an unbounded side.
    lower_open, upper_open
        Whether the end point itself is excluded.
    integer
        Whether only integers are allowed.
    """

    lower: float = -math.inf
    upper: float = math.inf
    lower_open: bool = False
    upper_open: bool = False
    integer: bool = False

    def __post_init__(self) -> None:
        if not self.lower <= self.upper:
            raise ValueError(f"empty domain [{self.lower}, {self.upper}]")

    def describe(self) -> str:
        """Human form: ``[0, 1]``, ``(0, 1)``, ``integer >= 1``, ``> 0``."""
        lo, hi = _fmt(self.lower), _fmt(self.upper)
        if self.integer:
            if math.isinf(self.upper):
                op = ">" if self.lower_open else ">="
                return f"integer {op} {lo}"
            return f"integer in {'(' if self.lower_open else '['}{lo}, {hi}{')' if self.upper_open else ']'}"
        if math.isinf(self.upper) and not math.isinf(self.lower):
            return f"{'>' if self.lower_open else '>='} {lo}"
        left = "(" if self.lower_open or math.isinf(self.lower) else "["
        right = ")" if self.upper_open or math.isinf(self.upper) else "]"
        return f"{left}{lo}, {hi}{right}"

    def contains(self, value: np.ndarray | float) -> np.ndarray:
        """Element-wise membership (finite, in the interval, integral if required)."""
        x = np.asarray(value, dtype=float)
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(x)
            ok &= (x > self.lower) if self.lower_open else (x >= self.lower)
            ok &= (x < self.upper) if self.upper_open else (x <= self.upper)
            if self.integer:
                ok &= np.floor(x) == x
        return ok

    def _fast_contains(self, x: np.ndarray) -> bool:
        """Whole-array check by two reductions (NaN propagates through min/max)."""
        lo, hi = float(np.min(x)), float(np.max(x))
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return False
        if (lo <= self.lower) if self.lower_open else (lo < self.lower):
            return False
        if (hi >= self.upper) if self.upper_open else (hi > self.upper):
            return False
        return not self.integer or bool(np.array_equal(np.floor(x), x))

    def validate(self, name: str, value: object) -> np.ndarray | float:
        """Return ``value`` as a float (or float array) if it lies in the domain.

        Raises
        ------
        ParameterError
            With the message ``"<name> must be <domain>; got <value>"``.
        """
        x = as_array(name, value)
        if x.ndim and self._fast_contains(x):
            return x
        ok = self.contains(x)
        if not np.all(ok):
            bad = x if x.ndim == 0 else x[~ok].flat[0]
            raise ParameterError(f"{name} must be {self.describe()}; got {_fmt(float(bad))}")
        return float(x) if x.ndim == 0 else x


def as_array(name: str, value: object) -> np.ndarray:
    """Convert a user value (number, sequence, array) to a float array or raise.

    Booleans, strings, complex numbers and objects are rejected with a message
    naming the parameter.
    """
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (str, bytes)):
        raise ParameterError(f"{name} must be a real number; got {value!r}")
    if isinstance(value, numbers.Real):
        return np.asarray(float(value))
    try:
        x = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged sequences
        raise ParameterError(f"{name} must be a real number or array; got {value!r}") from exc
    if x.dtype.kind not in "iuf" or x.size == 0:
        raise ParameterError(f"{name} must be a real number or a non-empty real array; got {value!r}")
    return x.astype(float, copy=False)


def _fmt(v: float) -> str:
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if math.isnan(v):
        return "nan"
    return f"{int(v)}" if float(v).is_integer() and abs(v) < 1e15 else f"{v:g}"
