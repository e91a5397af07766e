"""Values of a bound file's expressions at given parameter values, with mpmath, by walking the tree.

The loader checks that every default lies in its domain and every term is finite
at the defaults; :func:`mp_value` does this without ``lambdify`` (which costs
milliseconds per expression and would dominate loading a folder of files) and
without sympy's own numeric evaluation (``evalf``/auto-evaluation would turn
``geom(2, 10**100)`` into an exact integer of 10^100 bits).  The nodes are those
that :mod:`stl_bounds.boundfiles.expressions` builds and that sympy's automatic
simplification makes of them; any other node is handed to a one-off
``lambdify`` with the mpmath modules of :mod:`stl_bounds.evaluation`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import sympy as sp

from stl_bounds.special import MPMATH_FUNCTIONS

__all__ = ["NotARealNumber", "mp_value"]


class NotARealNumber(ArithmeticError):
    """The expression is complex, infinite or undefined at the given values."""


_FUNCTIONS: dict[type[sp.Basic], Callable[..., Any]] = {
    sp.exp: mpmath.exp,
    sp.log: mpmath.log,
    sp.Abs: abs,
    sp.floor: mpmath.floor,
    sp.ceiling: mpmath.ceil,
    sp.Min: min,
    sp.Max: max,
    sp.sign: mpmath.sign,
}
_NOT_REAL = (sp.zoo, sp.oo, -sp.oo, sp.nan, sp.I)
_RELATIONS: dict[type[sp.Basic], Callable[[Any, Any], bool]] = {
    sp.StrictLessThan: lambda a, b: a < b,
    sp.LessThan: lambda a, b: a <= b,
    sp.StrictGreaterThan: lambda a, b: a > b,
    sp.GreaterThan: lambda a, b: a >= b,
    sp.Equality: lambda a, b: a == b,
    sp.Unequality: lambda a, b: a != b,
}


def mp_value(expr: sp.Basic, values: Mapping[sp.Symbol, Any], dps: int = 30) -> mpmath.mpf:
    """``expr`` at ``values`` (symbol → number) with ``dps`` decimal digits.

    Raises
    ------
    NotARealNumber
        If the value, or a value on the way, is complex, infinite or NaN, or a
        special function refuses its arguments.
    """
    with mpmath.workdps(dps):
        try:
            value = _walk(expr, values)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError) as exc:
            raise NotARealNumber(f"{type(exc).__name__}: {exc}") from None
        return _real(value)


def _real(value: Any) -> mpmath.mpf:
    if isinstance(value, bool) or not isinstance(value, (mpmath.mpf, int)):
        raise NotARealNumber(f"not a real number: {value}")
    value = mpmath.mpf(value)
    if not mpmath.isfinite(value):
        raise NotARealNumber(f"not finite: {value}")
    return value


def _walk(expr: sp.Basic, values: Mapping[sp.Symbol, Any]) -> Any:
    if expr.is_Symbol:
        return mpmath.mpf(values[expr])
    if expr.is_Integer:
        return mpmath.mpf(int(expr))
    if expr.is_Rational:
        return mpmath.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Float:
        return mpmath.mpf(expr._mpf_)
    if expr is sp.pi:
        return +mpmath.pi
    if expr is sp.E:
        return +mpmath.e
    if expr in _NOT_REAL:
        raise NotARealNumber(f"not a finite real number: {expr}")
    if expr is sp.true or expr is sp.false:
        return expr is sp.true
    args = expr.args
    if expr.is_Add:
        return mpmath.fsum(_real(_walk(a, values)) for a in args)
    if expr.is_Mul:
        return mpmath.fprod(_real(_walk(a, values)) for a in args)
    if expr.is_Pow:
        base, exponent = (_real(_walk(a, values)) for a in args)
        return _real(mpmath.power(base, exponent))
    if isinstance(expr, sp.Piecewise):
        for value, condition in args:
            if _walk(condition, values):
                return _walk(value, values)
        raise NotARealNumber("no Piecewise condition holds")
    if isinstance(expr, sp.And):
        return all(_walk(a, values) for a in args)
    if isinstance(expr, sp.Or):
        return any(_walk(a, values) for a in args)
    if isinstance(expr, sp.Not):
        return not _walk(args[0], values)
    kind = type(expr)
    if kind in _RELATIONS:
        return _RELATIONS[kind](*(_real(_walk(a, values)) for a in args))
    if kind in _FUNCTIONS:
        return _real(_FUNCTIONS[kind](*(_real(_walk(a, values)) for a in args)))
    if kind.__name__ in MPMATH_FUNCTIONS:
        return _real(MPMATH_FUNCTIONS[kind.__name__](*(_real(_walk(a, values)) for a in args)))
    return _fallback(expr, values)


def _fallback(expr: sp.Basic, values: Mapping[sp.Symbol, Any]) -> Any:
    """A node outside the table: lambdify it once with the mpmath modules of the evaluator."""
    from stl_bounds.evaluation import numeric_modules

    symbols = sorted(expr.free_symbols, key=str)
    fn = sp.lambdify(symbols, expr, modules=numeric_modules([expr], mp=True))
    return fn(*(mpmath.mpf(values[s]) for s in symbols))
