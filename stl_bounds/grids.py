"""Parsing of ``--set name=value`` assignments and parameter grids (CLI).

A value is one number or a one-dimensional grid:

======================  ============================================================
``0.3``                 one finite number (``1e3``, ``-2``); the bound's domain
                        decides whether it is allowed
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

Text that a hurried user may type meaning something else is refused rather than
read literally:

* a range whose step exceeds its span (``0:1:11``, or ``0:0.5`` with its default
  step 1) would be one point: the message suggests ``0:1:lin:11``;
* a list item with a leading zero (``10,000``, ``0,05``) is a thousands
  separator or a decimal comma, not a list: write ``10000`` or ``1e4``, ``0.05``;
* ``nan``, ``inf`` and numbers beyond float64 (``1e400``, or ``1e-400`` that
  would become 0) are not parameter values;
* an empty value (``lam=``), an empty list item (``0.1,,0.2``) or a range
  inside a list (``0:1,2``) is named as such.

The functions are pure: they return numbers and numpy arrays and raise
:class:`~stl_bounds.errors.GridError` with a one-line message that names the
parameter, the accepted forms and the text found.
"""

from __future__ import annotations

import math
import re
from collections.abc import Set as AbstractSet

import numpy as np

from stl_bounds.errors import GridError

__all__ = ["ASSIGNMENT_FORM", "FORMS", "MAX_POINTS", "parse_assignment", "parse_grid"]

#: The accepted value forms, quoted in every error message.
FORMS = "a number (0.3), a range a:b or a:b:step, a list a,b,c, a:b:lin:k or a:b:log:k"

#: Largest number of points one grid may have (a guard against typos such as ``0:1e12``).
MAX_POINTS = 1_000_000

#: The form of one ``--set`` argument, quoted when the ``=`` is missing.
ASSIGNMENT_FORM = "NAME=VALUE in one word (e.g. lam=0.3 or i=0:50)"

_RANGE_TOLERANCE = 1e-9

#: One number written with thousands separators: ``10,000`` or ``1,250,000.5``.
_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?")
#: A number whose integer part has a leading zero (``000``, ``05``): never a list item as typed.
_LEADING_ZERO = re.compile(r"[+-]?0\d")
#: A non-zero digit before any exponent: the number is not 0 and must not underflow to it.
_NONZERO_MANTISSA = re.compile(r"^[^eE]*[1-9]")


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
        raise GridError(f"--set takes {ASSIGNMENT_FORM}; got {text!r}{_assignment_hint(text)}")
    if not name.isidentifier():
        raise GridError(
            f"parameter name must be an identifier such as lam or n (--set takes {ASSIGNMENT_FORM}); "
            f"got {name!r} in {text!r}"
        )
    return name, parse_grid(value, name=name, integer=name in integer_names)


def _assignment_hint(text: str) -> str:
    """``: write lam=0.3`` for ``lam 0.3`` or ``lam:0.3``, when the intended assignment is plain."""
    words = text.split()
    if len(words) == 2 and words[0].isidentifier():
        return f"; write {words[0]}={words[1]}"
    head, colon, tail = text.partition(":")
    if colon and head.strip().isidentifier() and tail.strip():
        return f"; write {head.strip()}={tail.strip()}"
    return ""


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
        Malformed or empty text, a non-finite number, a zero or wrongly signed
        step, a step that exceeds the span of its range, a list item with a
        leading zero (a thousands separator or a decimal comma), a log grid
        with an end ≤ 0, a point count below 1 or more than :data:`MAX_POINTS` points.
    """
    text = text.strip()
    if not text:
        raise _error(name, text, f"the value is empty: write {name}=VALUE")
    if "," in text:
        return _list(text, name)
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


def _number(item: str, name: str, text: str, role: str = "value") -> float:
    """``float(item)``, refusing text that is empty, not a number, non-finite or beyond float64."""
    item = item.strip()
    if not item:
        raise _error(name, text, f"the {role} is empty")
    try:
        x = float(item)
    except ValueError:
        raise _error(name, text, _not_a_number(item, text, role)) from None
    if math.isnan(x) or (math.isinf(x) and "inf" in item.lower()):
        raise _error(name, text, f"{item!r} is not a finite number (parameters take finite values)")
    if math.isinf(x):
        raise _error(name, text, f"{item} is too large for float64 (magnitudes up to about 1.8e308)")
    if x == 0 and _NONZERO_MANTISSA.search(item):
        raise _error(name, text, f"{item} is too small for float64 and would be read as 0")
    return x


def _not_a_number(item: str, text: str, role: str) -> str:
    """The problem with a text that ``float`` refuses, with a hint for percentages and fractions."""
    problem = "not a number" if item == text else f"the {role} {item!r} is not a number"
    numerator, slash, denominator = item.partition("/")
    if item.endswith("%") and _is_float(item[:-1]):
        return f"{problem}: write a percentage as a fraction ({float(item[:-1]) / 100:g})"
    if slash and _is_float(numerator) and _is_float(denominator) and float(denominator) != 0:
        return f"{problem}: write a fraction as a decimal ({float(numerator) / float(denominator):.6g})"
    return problem


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _scientific(x: float) -> str:
    """``1e4`` for 10000, ``1.25e4`` for 12500: the shortest exact scientific spelling."""
    mantissa, exponent = f"{x:.15e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def _list(text: str, name: str) -> np.ndarray:
    items = [item.strip() for item in text.split(",")]
    if _THOUSANDS.fullmatch(text) and any(_LEADING_ZERO.match(item) for item in items[1:]):
        joined = text.replace(",", "")
        raise _error(
            name,
            text,
            f"this looks like one number with thousands separators: write {joined} or {_scientific(float(joined))} "
            "(a list is a,b,c)",
        )
    for k, item in enumerate(items, 1):
        if not item:
            raise _error(name, text, f"list item {k} of {len(items)} is empty (a comma too many)")
        if ":" in item:
            raise _error(name, text, f"list item {item!r} is a range; a list holds numbers (give a range or a list)")
        if _LEADING_ZERO.match(item):
            decimal = f"{items[0]}.{items[1]}" if len(items) == 2 and items[1].isdigit() else "0.05"
            raise _error(
                name,
                text,
                f"list item {item!r} has a leading zero: a decimal comma? write decimals with a point "
                f"(e.g. {decimal}), a list as a,b,c",
            )
    return np.array([_number(item, name, text, role=f"list item {k}") for k, item in enumerate(items, 1)])


def _count(n_points: float, name: str, text: str) -> int:
    if not n_points <= MAX_POINTS:
        raise _error(name, text, f"more than {MAX_POINTS} points (the limit)")
    return int(n_points)


def _ends(parts: list[str], name: str, text: str) -> tuple[float, float]:
    start, stop = _number(parts[0], name, text, "start"), _number(parts[1], name, text, "stop")
    if not math.isfinite(stop - start):
        raise _error(name, text, "the ends are too far apart for float64")
    return start, stop


def _range(parts: list[str], name: str, text: str) -> np.ndarray:
    if len(parts) == 3 and parts[2].strip().lower() in ("lin", "log"):
        raise _error(name, text, f"the number of points is missing: write {text.strip()}:k")
    start, stop = _ends(parts, name, text)
    a, b = parts[0].strip(), parts[1].strip()
    span = stop - start
    if len(parts) == 2:
        step = 1.0 if stop >= start else -1.0
        if abs(span) + _RANGE_TOLERANCE < 1 and span != 0:
            raise _error(
                name,
                text,
                f"{a}:{b} spans {abs(span):g}, less than its default step 1, so it would be the single point {a}; "
                f"give a step ({a}:{b}:step) or a number of points ({a}:{b}:lin:k)",
            )
    else:
        step = _number(parts[2], name, text, "step")
        if step == 0:
            raise _error(name, text, f"the step must not be 0 (a non-zero step, or {a}:{b}:lin:k for k points)")
        if span * step < 0:
            raise _error(
                name,
                text,
                f"the step {step:g} points away from the stop {stop:g}: "
                f"from {a} {'up' if span > 0 else 'down'} to {b} write {a}:{b}:{-step:g}",
            )
        if span != 0 and abs(span / step) + _RANGE_TOLERANCE < 1:
            raise _error(name, text, _step_exceeds_span(a, b, span, step))
    steps = _count(span / step + _RANGE_TOLERANCE, name, text)
    points = start + step * np.arange(_count(steps + 1, name, text))
    if steps and abs(points[-1] - stop) <= _RANGE_TOLERANCE * abs(step):
        points[-1] = stop  # the stop itself, not start + k·step with rounding error
    return points


def _step_exceeds_span(a: str, b: str, span: float, step: float) -> str:
    """The problem of ``a:b:step`` with ``|step| > |b - a|`` (one point); suggests ``a:b:lin:k`` for an integer step."""
    problem = (
        f"the step {step:g} exceeds the span {abs(span):g} from {a} to {b}, so the range would be the single point {a}"
    )
    k = abs(step)
    if k.is_integer() and 2 <= k <= MAX_POINTS:
        return f"{problem}; for {int(k)} evenly spaced points write {a}:{b}:lin:{int(k)}"
    return f"{problem}; use a step of at most {abs(span):g}, or {a}:{b}:lin:k for k points"


def _spaced(parts: list[str], name: str, text: str, integer: bool) -> np.ndarray:
    start, stop = _ends(parts, name, text)
    spacing, count_text = parts[2].strip().lower(), parts[3].strip()
    if spacing not in ("lin", "log"):
        swapped = count_text.lower() in ("lin", "log")
        order = (
            f"; the spacing comes first: write {parts[0].strip()}:{parts[1].strip()}:{count_text}:{parts[2].strip()}"
        )
        raise _error(name, text, f"spacing must be lin or log, not {parts[2].strip()!r}{order if swapped else ''}")
    count = _point_count(count_text, name, text)
    if count < 1 or (count == 1 and start != stop):
        raise _error(name, text, f"the number of points must be >= 2 (1 when both ends are equal), not {count}")
    count = _count(count, name, text)
    if spacing == "log" and (start <= 0 or stop <= 0):
        raise _error(
            name,
            text,
            "a log grid needs both ends > 0 (use lin for a range through 0, or a positive start such as 1e-3)",
        )
    if spacing == "lin" or start == stop:
        points = np.linspace(start, stop, count)
    else:
        points = np.geomspace(start, stop, count)
    if spacing == "log" and integer:
        points = np.round(points)
        _, first = np.unique(points, return_index=True)
        points = points[np.sort(first)]
    return points


def _point_count(count_text: str, name: str, text: str) -> int:
    """The ``k`` of ``a:b:lin:k``: an integer, also written as ``1e3``."""
    try:
        return int(count_text)
    except ValueError:
        pass
    try:
        count = float(count_text)
    except ValueError:
        count = math.nan
    if not count.is_integer():
        raise _error(name, text, f"the number of points must be an integer, not {count_text!r}")
    return int(count)
