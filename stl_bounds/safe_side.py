r"""Printing a guarantee on its safe side: directed decimal rounding.

A number that stl-bounds prints as a *guarantee* must stay true as printed
(docs/theory.md §4.5):

* an upper bound's value and a minimum (the smallest λ or n that meets a
  target) are rounded **up**, toward :math:`+\infty`;
* a maximum (the largest number of synthetic points m) is rounded **down**;
* an exact value (an identity) is rounded to the nearest, and says nothing of
  safety.

Rounding is done on the *exact* decimal expansion of the binary number (a
``float`` is :math:`s \cdot 2^e`, an mpmath ``mpf`` likewise), with
:mod:`decimal`, so the printed decimal :math:`d` satisfies :math:`d \ge x` (up)
or :math:`d \le x` (down), and the float read back from :math:`d` is on the same
side of a float :math:`x` (rounding to nearest is monotone).  One exception keeps
the text short: a float whose nearest ``digits``-digit decimal reads back as the
float itself (``0.1``) is printed as that decimal, which round-trips; the float
read back is then :math:`x` itself (:func:`round_sig`).
"""

from __future__ import annotations

import numbers
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal
from typing import Any, Literal

__all__ = ["Direction", "decimal_text", "exact_decimal", "next_sig", "round_sig", "sig_text"]

#: ``up``: toward +∞ (upper bounds, minima); ``down``: toward −∞ (maxima); ``nearest``: exact values.
Direction = Literal["up", "down", "nearest"]

_MODES = {"up": ROUND_CEILING, "down": ROUND_FLOOR, "nearest": ROUND_HALF_EVEN}


def _context(digits: int) -> Context:
    """A context wide enough for exact sums of ``digits``-digit decimals at any exponent."""
    return Context(prec=digits + 8, Emax=999_999_999, Emin=-999_999_999)


def exact_decimal(x: Any) -> Decimal:
    r"""The exact value of ``x`` as a :class:`~decimal.Decimal` (no rounding at all).

    Parameters
    ----------
    x
        A float (numpy floats included), an integer, a ``Decimal`` or an mpmath ``mpf``
        (:math:`m \cdot 2^e`, converted as :math:`m 5^{-e} \cdot 10^{e}` for :math:`e < 0`).

    Returns
    -------
    Decimal
        Equal to ``x``; ``Infinity``/``NaN`` for non-finite input.
    """
    if isinstance(x, Decimal):
        return x
    if _is_mp(x):
        import mpmath

        if not mpmath.isfinite(x):
            return Decimal(repr(float(x)))
        man, exp = (int(v) for v in x.man_exp)  # |x| = man·2^exp (man_exp drops the sign)
        sign = int(x < 0)
        if exp >= 0:
            return Decimal((sign, tuple(int(c) for c in str(man << exp)), 0))
        scaled = man * 5**-exp
        return Decimal((sign, tuple(int(c) for c in str(scaled)), exp))
    if isinstance(x, (bool,)) or not isinstance(x, numbers.Real):
        raise TypeError(f"expected a real number; got {x!r}")
    if isinstance(x, numbers.Integral):
        return Decimal(int(x))
    return Decimal(float(x))


def round_sig(x: Any, digits: int, direction: Direction) -> Decimal:
    """``x`` rounded to ``digits`` significant digits in ``direction``.

    Parameters
    ----------
    x
        Any number :func:`exact_decimal` takes.
    digits
        Significant digits, >= 1.
    direction
        ``"up"`` (the result is >= x), ``"down"`` (<= x) or ``"nearest"``.

    Returns
    -------
    Decimal
        The rounded value, exactly; non-finite ``x`` is returned as it is.

    Notes
    -----
    For a float ``x`` the guarantee is on the float read back from the text:
    ``float(d) >= x`` (up) or ``<= x`` (down).  When the nearest ``digits``-digit
    decimal reads back as ``x`` itself (``0.1`` for the float
    0.1000000000000000055...), that decimal is returned: the text round-trips, and
    rounding it further would only add a digit of noise.  For an mpmath number
    (no float to read back) and for integers and decimals the bound is exact:
    ``d >= x`` (up), ``d <= x`` (down).
    """
    if digits < 1:
        raise ValueError(f"digits must be >= 1; got {digits!r}")
    d = exact_decimal(x)
    if not d.is_finite() or d.is_zero():
        return d
    unit = Decimal((0, (1,), d.adjusted() - digits + 1))
    nearest = d.quantize(unit, rounding=ROUND_HALF_EVEN, context=_context(digits))
    if direction == "nearest" or nearest == d:
        return nearest
    if _is_float(x) and float(nearest) == float(x):
        return nearest  # the text reads back as x itself: e.g. "0.1" for the float 0.1000000000000000055...
    return d.quantize(unit, rounding=_MODES[direction], context=_context(digits))


def _is_float(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (numbers.Integral, Decimal)) and not _is_mp(x)


def _is_mp(x: Any) -> bool:
    return type(x).__module__.startswith("mpmath")


def next_sig(d: Decimal, digits: int, direction: Literal["up", "down"]) -> Decimal:
    """One unit in the last of ``digits`` significant places away from ``d``, in ``direction``.

    Used to step a rounded answer outward when it fails its re-verification.
    At 0 the unit is :math:`10^{-\\mathrm{digits}}`.
    """
    place = d.adjusted() - digits + 1 if not d.is_zero() else -digits
    unit = Decimal((0, (1,), place))
    return d + unit if direction == "up" else d - unit


def decimal_text(d: Decimal, digits: int) -> str:
    """``d`` written like ``format(x, f".{digits}g")``: trailing zeros dropped, exponent as ``e-05``.

    The text is exactly ``d`` (``d`` must have at most ``digits`` significant digits
    for the fixed-point/scientific switch to match ``%g``; the value is never changed).
    """
    if d.is_nan():
        return "nan"
    if d.is_infinite():
        return "-inf" if d < 0 else "inf"
    if d.is_zero():
        return "-0" if d.is_signed() else "0"
    sign, coefficient, _ = d.normalize(context=_context(len(d.as_tuple().digits))).as_tuple()
    mantissa = "".join(map(str, coefficient))
    exponent = d.adjusted()
    prefix = "-" if sign else ""
    if -4 <= exponent < digits:
        if exponent >= len(mantissa) - 1:
            return prefix + mantissa + "0" * (exponent - len(mantissa) + 1)
        if exponent >= 0:
            return f"{prefix}{mantissa[: exponent + 1]}.{mantissa[exponent + 1 :]}"
        return f"{prefix}0.{'0' * (-exponent - 1)}{mantissa}"
    body = mantissa[0] + (f".{mantissa[1:]}" if len(mantissa) > 1 else "")
    return f"{prefix}{body}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def sig_text(x: Any, digits: int, direction: Direction) -> str:
    """``x`` printed with ``digits`` significant digits, rounded in ``direction`` (see :func:`round_sig`)."""
    return decimal_text(round_sig(x, digits, direction), digits)
