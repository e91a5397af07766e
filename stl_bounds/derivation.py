"""Symbolic derivations: recurrence → closed form → limits (docs/theory.md §3).

A :class:`Derivation` is an ordered list of :class:`Step` objects, each a
sympy object with a caption, printable as text or LaTeX (``stl-bounds derive``).
Derivations are run lazily (``rsolve`` and ``limit`` take tenths of a second
each), so the registry stays cheap to import; the test suite runs every one and
checks that it agrees with the registered expression and with direct iteration.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from stl_bounds.special import GeometricSum

__all__ = ["AffineSolution", "Derivation", "Step", "solve_affine_recurrence"]


@dataclass(frozen=True)
class Step:
    """One step of a derivation: a caption and a sympy object."""

    caption: str
    expr: sp.Basic

    def text(self) -> str:
        return f"{self.caption}:\n    {sp.sstr(self.expr)}"

    def latex(self) -> str:
        return f"% {self.caption}\n{sp.latex(self.expr)}"


@dataclass(frozen=True)
class Derivation:
    """A derivation attached to a registered bound."""

    bound_id: str
    steps: tuple[Step, ...]
    result: sp.Expr

    def text(self) -> str:
        lines = [f"Derivation of {self.bound_id}"]
        lines += [f"{k}. {s.text()}" for k, s in enumerate(self.steps, 1)]
        return "\n".join(lines)

    def latex(self) -> str:
        return "\n".join(s.latex() for s in self.steps)


@dataclass(frozen=True)
class AffineSolution:
    r"""Solution of :math:`x_i = \rho x_{i-1} + c`, :math:`x_0` given.

    Attributes
    ----------
    recurrence
        The recurrence as a sympy equation in the function ``x``.
    closed_form
        ``rsolve``'s solution (generic ρ ≠ 1).
    unrolled
        :math:`\rho^i x_0 + c\,\mathrm{geom}(\rho, i)`, the form the registry
        evaluates (no 0/0 at ρ = 1); ``agrees`` records that sympy proved it
        equal to ``closed_form``.
    critical
        :math:`\lim_{\rho\to1}` of the closed form (linear growth).
    """

    recurrence: sp.Eq
    closed_form: sp.Expr
    unrolled: sp.Expr
    agrees: bool
    critical: sp.Expr


@cache
def _generic_affine() -> tuple[sp.Symbol, sp.Symbol, sp.Symbol, sp.Symbol, sp.Function, sp.Expr]:
    i = sp.Symbol("i", integer=True, nonnegative=True)
    rho, c, x0 = sp.symbols("rho c x_0")
    x = sp.Function("x")
    closed = sp.rsolve(x(i) - rho * x(i - 1) - c, x(i), {x(0): x0})
    return i, rho, c, x0, x, closed


def solve_affine_recurrence(rho: sp.Expr, c: sp.Expr, x0: sp.Expr, i: sp.Symbol) -> AffineSolution:
    r"""Solve :math:`x_i = \rho x_{i-1} + c` with :func:`sympy.rsolve` and check
    the closed form against the unrolled sum used for evaluation."""
    gi, grho, gc, gx0, x, closed = _generic_affine()
    unrolled_generic = grho**gi * gx0 + gc * GeometricSum(grho, gi)
    agrees = sp.simplify(closed - unrolled_generic.rewrite(sp.Pow)) == 0
    critical = sp.limit(closed, grho, 1)
    sub = {gi: i, grho: rho, gc: c, gx0: x0}
    recurrence = sp.Eq(x(i), rho * x(i - 1) + c)
    return AffineSolution(
        recurrence=recurrence,
        closed_form=closed.subs(sub),
        unrolled=unrolled_generic.subs(sub),
        agrees=bool(agrees),
        critical=critical.subs(sub),
    )
