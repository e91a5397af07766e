"""The domain text of a bound file, e.g. ``"[0, 1]"`` or ``"integer >= 1"``, read into a :class:`Domain`.

The forms are exactly those that :meth:`Domain.describe` prints, so that
``parse_domain(d.describe()) == d`` for every domain whose end points print
exactly (``describe`` writes non-integers with ``%g``), plus ``<``/``<=`` and
the words ``real`` and ``integer``:

* ``[a, b]``, ``(a, b)``, ``[a, b)``, ``(a, b]`` — an interval; ``inf``/``-inf`` for an unbounded side;
* ``> a``, ``>= a``, ``< b``, ``<= b`` — a half-line;
* ``integer >= a``, ``integer > a``, ``integer in [a, b]`` (any brackets) — integers only;
* ``real`` (the whole line) and ``integer`` (every integer).

An infinite end point is stored closed (``lower_open=False``), as the catalogue
does (``Domain(0, inf)`` is ``[0, inf)``); the interval is never empty.
"""

from __future__ import annotations

import math
import re

from stl_bounds.domains import Domain

__all__ = ["DOMAIN_FORMS", "DomainSyntaxError", "parse_domain"]

#: The forms accepted, for error messages.
DOMAIN_FORMS = "[a, b], (a, b), [a, b), (a, b], [0, inf), > a, >= a, < b, <= b, integer >= a, integer in [a, b], real"

_NUMBER = r"[+-]?(?:inf|(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)"
_INTERVAL = re.compile(
    rf"(?P<integer>integer\s+in\s+)?(?P<left>[\[(])\s*(?P<lo>{_NUMBER})\s*,\s*(?P<hi>{_NUMBER})\s*(?P<right>[\])])"
)
_HALF_LINE = re.compile(rf"(?P<integer>integer\s*)?(?P<op>>=|>|<=|<)\s*(?P<x>{_NUMBER})")


class DomainSyntaxError(ValueError):
    """A domain text that is not one of :data:`DOMAIN_FORMS` or describes an empty set."""


def parse_domain(text: str) -> Domain:
    """The :class:`Domain` written as ``text`` (see the module docstring for the forms).

    Raises
    ------
    DomainSyntaxError
        For any other text, a NaN end point or an empty set, with a message that
        quotes the text and lists the allowed forms.
    """
    compact = " ".join(text.strip().lower().split())
    if compact in ("real", "integer"):
        return Domain(integer=compact == "integer")
    if (m := _INTERVAL.fullmatch(compact)) is not None:
        lo, hi = float(m["lo"]), float(m["hi"])
        domain = _domain(text, lo, hi, m["left"] == "(", m["right"] == ")", m["integer"] is not None)
    elif (m := _HALF_LINE.fullmatch(compact)) is not None:
        x, op = float(m["x"]), m["op"]
        lower = op.startswith(">")
        lo, hi = (x, math.inf) if lower else (-math.inf, x)
        domain = _domain(text, lo, hi, lower and op == ">", not lower and op == "<", m["integer"] is not None)
    else:
        raise DomainSyntaxError(f"unknown domain {text!r}; the forms are {DOMAIN_FORMS}")
    return domain


def _domain(text: str, lo: float, hi: float, lower_open: bool, upper_open: bool, integer: bool) -> Domain:
    """A non-empty domain, infinite ends stored closed."""
    lower_open = lower_open and math.isfinite(lo)
    upper_open = upper_open and math.isfinite(hi)
    if lo == math.inf or hi == -math.inf or lo > hi or (lo == hi and (lower_open or upper_open)):
        raise DomainSyntaxError(f"domain {text!r} is empty")
    domain = Domain(lo, hi, lower_open=lower_open, upper_open=upper_open, integer=integer)
    if integer and math.isfinite(lo):
        first = math.ceil(lo) + int(lower_open and math.ceil(lo) == lo)  # the smallest integer above the lower end
        if not domain.contains(float(first)):
            raise DomainSyntaxError(f"domain {text!r} contains no integer")
    return domain
