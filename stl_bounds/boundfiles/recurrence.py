r"""The [recurrence] of a bound file: solved by :func:`sympy.rsolve` and compared with a term.

A file may state the recursion that its term solves (docs/theory.md §3)::

    [recurrence]
    x_next = "rho*x + eps"     # x_i from x = x_{i-1}; names: parameters, x, rho (the [growth] factor)
    x0 = "eps"                 # x at index 0
    index = "i"                # default: the generation parameter
    term = "shift"             # default: the whole bound (the sum of the terms)

An affine recursion :math:`x_i = a x_{i-1} + c` (``a``, ``c`` free of ``x`` and of
the index) is solved by :func:`stl_bounds.derivation.solve_affine_recurrence`, as
the built-in lemmas are, with its critical case :math:`a = 1`; any other is given
to :func:`sympy.rsolve` as it stands.  :func:`solve` then asks sympy to prove the
closed form equal to the term (expression defaults substituted); ``stl-bounds
check`` iterates the recursion numerically where sympy cannot decide.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from stl_bounds.bound import Bound, substitute_defaults
from stl_bounds.derivation import Derivation, Step, solve_affine_recurrence

__all__ = ["STATE", "Recurrence", "RecurrenceSolution", "derivation", "solve"]

#: The symbol that ``x_next`` uses for the previous value :math:`x_{i-1}`.
STATE = sp.Symbol("x", real=True)


@dataclass(frozen=True)
class Recurrence:
    """:math:`x_{index} = \\mathrm{x\\_next}(x_{index-1})`, :math:`x_0 = \\mathrm{x0}`, equal to ``term``
    (``None``: to the whole bound)."""

    x_next: sp.Expr
    x0: sp.Expr
    index: sp.Symbol
    term: str | None = None

    def target(self, bound: Bound) -> sp.Expr:
        """The registered expression the solution must equal (expression defaults substituted)."""
        expr = bound.expr if self.term is None else dict(bound.terms)[self.term]
        return substitute_defaults(expr, bound.parameters)

    def what(self) -> str:
        """``term NAME`` or ``the bound``, for messages."""
        return "the bound" if self.term is None else f"term {self.term}"


@dataclass(frozen=True)
class RecurrenceSolution:
    """What sympy makes of a :class:`Recurrence`.

    Attributes
    ----------
    equation
        The recursion as an equation in the function ``x``.
    closed_form
        ``rsolve``'s solution; ``None`` when it finds none.
    unrolled
        For an affine recursion, :math:`a^i x_0 + c\\,\\mathrm{geom}(a, i)` (no 0/0 at a = 1); else the closed form.
    critical
        For an affine recursion whose factor has parameters, :math:`\\lim_{a \\to 1}` of the closed form.
    proved
        Whether sympy proved the (defaults-substituted) term equal to the solution.
    """

    equation: sp.Eq
    closed_form: sp.Expr | None
    unrolled: sp.Expr | None
    critical: sp.Expr | None
    proved: bool


def _affine_parts(rec: Recurrence) -> tuple[sp.Expr, sp.Expr] | None:
    a = sp.diff(rec.x_next, STATE)
    c = rec.x_next.subs(STATE, 0)
    if a.has(STATE) or a.has(rec.index) or c.has(rec.index) or sp.expand(rec.x_next - a * STATE - c) != 0:
        return None
    return a, c


def _equal(a: sp.Expr, b: sp.Expr) -> bool:
    """Whether sympy proves ``a == b`` (geometric sums written out first)."""
    difference = (a - b).rewrite(sp.Pow)
    return difference == 0 or sp.simplify(difference) == 0


def solve(bound: Bound, rec: Recurrence) -> RecurrenceSolution:
    """Solve ``rec`` with sympy and try to prove its solution equal to ``bound``'s term ``rec.term``."""
    term = rec.target(bound)
    x = sp.Function("x")
    i = rec.index
    equation = sp.Eq(x(i), rec.x_next.subs(STATE, x(i - 1)))
    parts = _affine_parts(rec)
    if parts is not None:
        a, c = parts
        solution = solve_affine_recurrence(a, c, rec.x0, i)
        closed, unrolled = solution.closed_form, solution.unrolled
        critical = sp.factor(solution.critical) if a.free_symbols else None
    else:
        closed = sp.rsolve(equation.lhs - equation.rhs, x(i), {x(0): rec.x0})
        unrolled, critical = closed, None
    proved = closed is not None and any(
        _equal(term, substitute_defaults(e, bound.parameters)) for e in (unrolled, closed)
    )
    return RecurrenceSolution(equation, closed, unrolled, critical, proved)


def derivation(bound: Bound, rec: Recurrence) -> Derivation:
    """``stl-bounds derive``: recursion → rsolve closed form → agreement with the term → a = 1 → limit."""
    solution = solve(bound, rec)
    xi = sp.Symbol(f"x_{rec.index}")
    steps = [Step(f"recurrence (x_0 = {sp.sstr(rec.x0)})", solution.equation)]
    if solution.closed_form is None:
        steps.append(Step("sympy.rsolve finds no closed form", solution.equation))
        return Derivation(bound.id, tuple(steps), rec.target(bound))
    steps.append(Step("closed form by sympy.rsolve", sp.Eq(xi, solution.closed_form)))
    caption = (
        f"{rec.what()} in the file, proved equal to the closed form"
        if solution.proved
        else f"{rec.what()} in the file: sympy could not prove it equal (`stl-bounds check` compares numerically)"
    )
    steps.append(Step(caption, sp.Eq(xi, rec.target(bound))))
    if solution.critical is not None:
        steps.append(Step("critical case: factor of x equal to 1 (sympy.limit)", sp.Eq(xi, solution.critical)))
    if bound.growth_rate is not None and bound.generation is not None:
        try:
            limit = bound.limit_in_generations()
        except NotImplementedError as exc:  # sympy's Gruntz algorithm cannot decide a sign
            steps.append(Step(f"limit {bound.generation} -> oo: sympy.limit gives up ({exc})", solution.equation))
        else:
            if limit is not None:
                caption = f"limit {bound.generation} -> oo for rho < 1 (sympy.limit)"
                steps.append(Step(caption, sp.Eq(sp.Symbol("B_oo"), limit)))
    return Derivation(bound.id, tuple(steps), solution.closed_form)
