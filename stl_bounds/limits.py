r"""Symbolic limits in the number of generations (docs/theory.md §6.1, claim C1).

For a bound with growth factor :math:`\rho` (docs/theory.md §4.1), the limit
:math:`i \to \infty` is taken under :math:`0 < \rho < 1` by writing
:math:`\rho = 1/(1+u)` with :math:`u > 0` (solved for one parameter of
:math:`\rho`, :math:`\kappa` when present, else :math:`\lambda`), so that
sympy's Gruntz algorithm knows the sign of :math:`\log\rho`; the result is
mapped back to the original parameters.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import sympy as sp

from stl_bounds.special import GeometricSum

if TYPE_CHECKING:
    from stl_bounds.bound import Bound

__all__ = ["limit_in_generations", "limit_terms"]


@cache
def limit_terms(bound: Bound) -> dict[str, sp.Expr] | None:
    """Term-by-term limit as the generation index → ∞, for ρ < 1 (defaults substituted).

    Returns ``None`` when the bound has no generation parameter.  The
    generation index is shifted by one first (same limit) so that indicators
    such as ``Min(i, 1)`` of generation 0 simplify.  Every
    :math:`\\mathrm{geom}(\rho, k)` is written :math:`(1 - q^k)/(1 - \rho)` with
    :math:`q = 1/(1+u)`, :math:`u > 0` standing for :math:`\rho \\in [0, 1)`, so
    the limit is taken with a known sign of :math:`\\log q`; when a term has no
    geometric sum, ρ itself is rewritten the same way in one of its parameters.
    """
    if bound.generation is None:
        return None
    gen = bound.parameter_map[bound.generation].symbol
    from stl_bounds.bound import substitute_defaults

    return {
        name: sp.factor(_limit(bound, substitute_defaults(term, bound.parameters).subs(gen, gen + 1), gen))
        for name, term in bound.terms
    }


def limit_in_generations(bound: Bound) -> sp.Expr | None:
    """lim of the bound as the generation index → ∞ for ρ < 1: the sum of :func:`limit_terms`."""
    terms = limit_terms(bound)
    return None if terms is None else sp.Add(*terms.values())


def _limit(bound: Bound, expr: sp.Expr, gen: sp.Symbol) -> sp.Expr:
    u = sp.Symbol("u", positive=True)
    if expr.has(GeometricSum):
        q = 1 / (1 + u)
        return sp.limit(expr.replace(GeometricSum, lambda rho, k: (1 - q**k) / (1 - rho)), gen, sp.oo)
    rho = bound.growth_rate
    if rho is None or not rho.free_symbols or not expr.has(gen):
        return sp.limit(expr, gen, sp.oo)
    names = {s.name: s for s in rho.free_symbols}
    pick = names.get("kappa") or names.get("lambda") or sorted(rho.free_symbols, key=str)[0]
    solutions = sp.solve(sp.Eq(rho, 1 / (1 + u)), pick)
    if len(solutions) != 1:
        raise NotImplementedError(f"{bound.id}: cannot isolate {pick} in rho = {rho}")
    # cancel inside each power, so that rho**i becomes (1 + u)**(-i) (sympy leaves the rational base unsimplified)
    rewritten = expr.subs(pick, solutions[0]).replace(lambda e: e.is_Pow, lambda e: sp.Pow(sp.cancel(e.base), e.exp))
    return sp.limit(rewritten, gen, sp.oo).subs(u, 1 / rho - 1)
