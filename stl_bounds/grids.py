"""Parsing of ``--set name=value`` assignments and parameter grids (CLI).

A value is one number or a one-dimensional grid:

======================  ============================================================
``0.3``                 one number (``1e3``, ``-2``, ``inf`` and ``nan`` are parsed;
                        the bound's domain decides whether they are allowed)
``0:50``                ``0, 1, ..., 50``: both ends included, step 1 (``-1`` when
                        the start exceeds the stop)
``0:50:5``              ``0, 5, ..., 50``; the stop is included when the step reaches
                        it, e.g. ``0:10:3`` is ``0, 3, 6, 9``
``0.1,0.3,0.5``         a list, in the order given
``0:1:lin:11``          11 evenly spaced points, both ends included
``1e2:1e6:log:20``      20 log-spaced points, both ends included (ends > 0); for an
                        integer parameter the points are rounded to the nearest
                        integer and repeated values dropped
======================  ============================================================

The functions are pure: they return numbers and numpy arrays and raise
:class:`~stl_bounds.errors.GridError` with a one-line message that names the
parameter, the accepted forms and the text found.
"""

from __future__ import annotations

import math
from collections.abc import Set as AbstractSet

import numpy as np

from stl_bounds.errors import GridError

__all__ = ["FORMS", "MAX_POINTS", "parse_assignment", "parse_grid"]

#: The accepted value forms, quoted in every error message.
FORMS = "a number (0.3), a range a:b or a:b:step, a list a,b,c, a:b:lin:k or a:b:log:k"

#: Largest number of points one grid may have (a guard against typos such as ``0:1e12``).
MAX_POINTS = 1_000_000

_RANGE_TOLERANCE = 1e-9


def parse_assignment(text: str, *, integer_names: AbstractSet[str] = frozenset()) -> tuple[str, float | np.ndarray]:
    """Split ``name=value`` and parse the value with :func:`parse_grid`.

    Parameters
    ----------
    text
        An assignment such as ``lam=0.3`` or ``i=0:50``.
    integer_names
        Names of integer-valued parameters: their log grids are rounded.

    Returns
    -------
    tuple
        ``(name, value)``, the value a float or a 1-D float array.

    Raises
    ------
    GridError
        When ``text`` has no ``=``, the name is not an identifier or the value is malformed.
    """
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep:
        raise GridError(f"expected name=value (e.g. lam=0.3 or i=0:50); got {text!r}")
    if not name.isidentifier():
        raise GridError(f"parameter name must be an identifier such as lam or n; got {name!r} in {text!r}")
    return name, parse_grid(value, name=name, integer=name in integer_names)


def parse_grid(text: str, *, name: str = "value", integer: bool = False) -> float | np.ndarray:
    """Parse one number or a 1-D grid (see the module docstring for the forms).

    Parameters
    ----------
    text
        The value text, e.g. ``0.3``, ``0:50:5``, ``0.1,0.3`` or ``1e2:1e6:log:20``.
    name
        Parameter name, used in error messages.
    integer
        Round log-spaced grids to integers (dropping repeats).

    Returns
    -------
    float or numpy.ndarray
        A float for one number; a 1-D float array (at least one point) for a grid.

    Raises
    ------
    GridError
        Malformed text, a zero or wrongly signed step, a log grid with an end ≤ 0,
        a point count below 1, non-finite grid ends or more than :data:`MAX_POINTS` points.
    """
    text = text.strip()
    if "," in text:
        return np.array([_number(item, name, text) for item in text.split(",")])
    parts = text.split(":")
    if len(parts) == 1:
        return _number(text, name, text)
    if len(parts) in (2, 3):
        return _range(parts, name, text)
    if len(parts) == 4:
        return _spaced(parts, name, text, integer)
    raise _error(name, text, "too many ':'")


def _error(name: str, text: str, problem: str) -> GridError:
    return GridError(f"{name}: {problem}; expected {FORMS}; got {text!r}")


def _number(item: str, name: str, text: str) -> float:
    try:
        return float(item)
    except ValueError:
        problem = "not a number" if item == text else f"{item.strip()!r} is not a number"
        raise _error(name, text, problem) from None


def _finite(item: str, name: str, text: str) -> float:
    x = _number(item, name, text)
    if not math.isfinite(x):
        raise _error(name, text, f"grid ends and steps must be finite, not {item.strip()!r}")
    return x


def _count(n_points: float, name: str, text: str) -> int:
    if not n_points <= MAX_POINTS:
        raise _error(name, text, f"more than {MAX_POINTS} points (the limit)")
    return int(n_points)


def _ends(parts: list[str], name: str, text: str) -> tuple[float, float]:
    start, stop = _finite(parts[0], name, text), _finite(parts[1], name, text)
    if not math.isfinite(stop - start):
        raise _error(name, text, "the ends are too far apart for float64")
    return start, stop


def _range(parts: list[str], name: str, text: str) -> np.ndarray:
    if len(parts) == 3 and parts[2].strip().lower() in ("lin", "log"):
        raise _error(name, text, f"the number of points is missing: write {text.strip()}:k")
    start, stop = _ends(parts, name, text)
    step = _finite(parts[2], name, text) if len(parts) == 3 else (1.0 if stop >= start else -1.0)
    if step == 0:
        raise _error(name, text, "the step must not be 0")
    if (stop - start) * step < 0:
        raise _error(name, text, f"the step {step:g} points away from the stop {stop:g}")
    steps = _count((stop - start) / step + _RANGE_TOLERANCE, name, text)
    points = start + step * np.arange(_count(steps + 1, name, text))
    if steps and abs(points[-1] - stop) <= _RANGE_TOLERANCE * abs(step):
        points[-1] = stop  # the stop itself, not start + k·step with rounding error
    return points


def _spaced(parts: list[str], name: str, text: str, integer: bool) -> np.ndarray:
    start, stop = _ends(parts, name, text)
    spacing, count_text = parts[2].strip().lower(), parts[3].strip()
    if spacing not in ("lin", "log"):
        raise _error(name, text, f"spacing must be lin or log, not {parts[2].strip()!r}")
    try:
        count = int(count_text)
    except ValueError:
        raise _error(name, text, f"the number of points must be an integer, not {count_text!r}") from None
    if count < 1 or (count == 1 and start != stop):
        raise _error(name, text, f"the number of points must be >= 2 (1 when both ends are equal), not {count}")
    count = _count(count, name, text)
    if spacing == "log" and (start <= 0 or stop <= 0):
        raise _error(name, text, "a log grid needs both ends > 0")
    if spacing == "lin" or start == stop:
        points = np.linspace(start, stop, count)
    else:
        points = np.geomspace(start, stop, count)
    if spacing == "log" and integer:
        points = np.round(points)
        _, first = np.unique(points, return_index=True)
        points = points[np.sort(first)]
    return points
