r"""Symbolic limits in the number of generations (THEORY §6.1, claim C1).

For a bound with growth factor :math:`\rho` (THEORY §4.1), the limit
:math:`i \to \infty` is taken under :math:`0 < \rho < 1` by writing
:math:`\rho = 1/(1+u)` with :math:`u > 0` (solved for one parameter of
:math:`\rho`, :math:`\kappa` when present, else :math:`\lambda`), so that
sympy's Gruntz algorithm knows the sign of :math:`\log\rho`; the result is
mapped back to the original parameters.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import sympy as sp

from stl_bounds.special import GeometricSum

if TYPE_CHECKING:
    from stl_bounds.bound import Bound

__all__ = ["limit_in_generations", "closed_form"]


def closed_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every :class:`GeometricSum` written as :math:`(1-\\rho^k)/(1-\\rho)`."""
    return expr.replace(GeometricSum, lambda rho, k: (1 - rho**k) / (1 - rho))


@lru_cache(maxsize=None)
def limit_in_generations(bound: Bound) -> sp.Expr | None:
    """lim of the bound (defaults substituted) as the generation index → ∞, for ρ < 1.

    Returns ``None`` when the bound has no generation parameter.  The
    generation index is shifted by one first (same limit) so that indicators
    such as ``Min(i, 1)`` of generation 0 simplify.
    """
    if bound.generation is None:
        return None
    gen = bound.parameter_map[bound.generation].symbol
    expr = closed_form(bound.expr_with_defaults).subs(gen, gen + 1)
    rho = bound.growth_rate
    if rho is None or not rho.free_symbols:
        return sp.simplify(sp.limit(expr, gen, sp.oo))
    names = {s.name: s for s in rho.free_symbols}
    pick = names.get("kappa") or names.get("lambda") or sorted(rho.free_symbols, key=str)[0]
    u = sp.Symbol("u", positive=True)
    solutions = sp.solve(sp.Eq(rho, 1 / (1 + u)), pick)
    if len(solutions) != 1:
        raise NotImplementedError(f"{bound.id}: cannot isolate {pick} in rho = {rho}")
    at_u = expr.subs(pick, solutions[0])
    lim = sp.limit(at_u, gen, sp.oo)
    return sp.simplify(lim.subs(u, 1 / rho - 1))
