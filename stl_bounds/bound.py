"""The :class:`Bound`: an immutable, self-describing bound or exact result.

A bound is a *description* (STYLE habit 1): id, citation, fidelity label,
assumptions, parameters with domains and defaults, named terms (sympy
expressions whose sum is the bound) and, for recursive quantities, the growth
factor ρ that decides the regime (docs/theory.md §4.1).  Numeric evaluation lives in
:mod:`stl_bounds.evaluation`; ``Bound.evaluate`` is a thin forwarder so that the
description and the one code path that computes it cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import sympy as sp

from stl_bounds.domains import Domain
from stl_bounds.parameters import Parameter

if TYPE_CHECKING:
    from stl_bounds.derivation import Derivation
    from stl_bounds.result import Result

__all__ = ["FIDELITY_LABELS", "Bound", "Citation", "Constraint", "Fidelity", "Monotonicity"]

Fidelity = Literal["exact", "external", "template", "derived"]

#: docs/theory.md §0: what each fidelity label means.
FIDELITY_LABELS: dict[str, str] = {
    "exact": "a mathematical identity or exact finite-sample result, checked by Monte Carlo",
    "external": "an exact or explicit result from another paper; constants as stated there",
    "template": "our reconstruction of a theorem of Fu et al. 2025; constants c1..c4 explicit (a rate statement, ≲)",
    "derived": "a consequence derived inside a template; exact given the template",
}


@dataclass(frozen=True)
class Citation:
    """Where a formula comes from.

    Attributes
    ----------
    paper
        Authors, title or short name, venue and year.
    location
        Theorem, lemma or equation in that paper.
    arxiv
        arXiv identifier with version, when there is one.
    theory
        Section of ``docs/theory.md`` that states the formula as implemented.
    """

    paper: str
    location: str
    theory: str
    arxiv: str | None = None

    def text(self) -> str:
        """One-line citation (empty parts, e.g. of a bound file's citation, are left out)."""
        parts = [part for part in (self.paper, self.location, self.arxiv) if part]
        return ", ".join(parts) + (f" [{self.theory}]" if self.theory else "")


@dataclass(frozen=True)
class Constraint:
    """A joint condition on several parameters, e.g. ``T >= d + 2``.

    ``condition`` is a sympy relational in parameter symbols; ``message`` is the
    error text, naming the parameters and the allowed set.
    """

    condition: sp.Basic
    message: str


@dataclass(frozen=True)
class Monotonicity:
    """A stated monotonicity of the bound (or one term) in one parameter.

    ``given`` restricts other parameters' domains to where the statement holds
    (e.g. ``n >= 3``).  The contract suite checks every statement numerically.
    """

    parameter: str
    direction: Literal["nonincreasing", "nondecreasing"]
    term: str | None = None
    given: tuple[tuple[str, Domain], ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Bound:
    """An immutable registered bound or exact result.

    Attributes
    ----------
    id
        Stable registry id; never reused for another formula.
    title
        One line saying what is bounded.
    citation
        Source of the formula.
    fidelity
        docs/theory.md §0 label.
    assumptions
        Human-readable assumptions under which the statement holds.
    parameters
        Parameters with domains and defaults (keyword names of ``evaluate``).
    terms
        ``(name, expression)`` pairs; the bound is their sum.
    generation
        Name of the generation-count parameter (``i`` or ``t``) if any.
    growth_rate
        Growth factor ρ of the underlying recursion (regime: ρ < 1 converges,
        ρ = 1 critical, ρ > 1 collapses); ``None`` when no recursion.
    constraints
        Joint conditions on parameters.
    monotone
        Stated monotonicity properties (checked by the contract suite).
    derivation
        Zero-argument callable returning the sympy derivation (lazy: derivations
        run ``rsolve``/``limit`` and are too slow for import time).
    kind
        ``"bound"`` (an upper bound, ≤ or ≲) or ``"identity"`` (an exact value).
    m_alias
        Whether ``m`` may replace ``lam`` via λ = n/(n+m) (docs/theory.md §1, "n real + m
        synthetic"); off where n already counts every point of a fit.
    limit
        Zero-argument callable giving lim over generations when the generic
        :func:`stl_bounds.limits.limit_in_generations` does not apply (e.g. the
        fixed point of a 2×2 linear recursion whose ρ is a spectral radius).
    trivial_at
        For an upper bound: the value at or above which it holds trivially and
        says nothing (M for a gap of a loss in [0, M], 1 for a total variation);
        evaluation reports ``diagnostics["vacuous"]``.
    notes
        Footnotes printed with the statement.
    """

    id: str
    title: str
    citation: Citation
    fidelity: Fidelity
    assumptions: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    terms: tuple[tuple[str, sp.Expr], ...]
    generation: str | None = None
    growth_rate: sp.Expr | None = None
    constraints: tuple[Constraint, ...] = ()
    monotone: tuple[Monotonicity, ...] = ()
    derivation: Callable[[], Derivation] | None = field(default=None, compare=False)
    kind: Literal["bound", "identity"] = "bound"
    m_alias: bool = True
    limit: Callable[[], sp.Expr] | None = field(default=None, compare=False)
    trivial_at: sp.Expr | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.id}: duplicate parameter names {names}")
        known = {p.symbol for p in self.parameters}
        for name, expr in self.terms:
            stray = expr.free_symbols - known
            if stray:
                raise ValueError(f"{self.id}: term {name} uses undeclared symbols {stray}")
        if self.fidelity not in FIDELITY_LABELS:
            raise ValueError(f"{self.id}: unknown fidelity {self.fidelity!r}")

    # --- the description -------------------------------------------------
    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Keyword names accepted by :meth:`evaluate`."""
        return tuple(p.name for p in self.parameters)

    @cached_property
    def parameter_map(self) -> Mapping[str, Parameter]:
        """Name → :class:`Parameter`."""
        return {p.name: p for p in self.parameters}

    @cached_property
    def expr(self) -> sp.Expr:
        """The bound as one sympy expression (the sum of its terms)."""
        return sp.Add(*(e for _, e in self.terms))

    @cached_property
    def expr_with_defaults(self) -> sp.Expr:
        """``expr`` with the parameters whose default is an expression (e.g.
        ``shift`` from L4, ``beta = 1/n``) replaced by that expression."""
        return substitute_defaults(self.expr, self.parameters)

    def latex(self, *, with_defaults: bool = False) -> str:
        """LaTeX of the bound (``B = ...`` form is left to the caller)."""
        return sp.latex(self.expr_with_defaults if with_defaults else self.expr)

    def term_latex(self) -> dict[str, str]:
        """LaTeX of each term."""
        return {name: sp.latex(e) for name, e in self.terms}

    @property
    def accepts_m(self) -> bool:
        """Whether ``m`` (synthetic count) may replace ``lam`` via λ = n/(n+m)."""
        names = self.parameter_names
        return self.m_alias and "lam" in names and "n" in names and "m" not in names

    # --- numeric evaluation ---------------------------------------------
    def evaluate(self, *, precision: Literal["float64", "mp"] = "float64", dps: int = 50, **params: Any) -> Result:
        """Evaluate at ``params`` (scalars or broadcastable arrays).

        Missing parameters take their defaults.  ``precision="mp"`` uses the
        mpmath reference path with ``dps`` decimal digits.

        Raises
        ------
        ParameterError
            For unknown, out-of-domain or inconsistent parameters.
        EvaluationError
            If the float64 evaluation overflows or is invalid.
        """
        from stl_bounds.evaluation import evaluate

        return evaluate(self, params, precision=precision, dps=dps)

    def check(self, **params: Any) -> dict[str, Any]:
        """Dry run: validate ``params`` and return the resolved values, computing nothing else."""
        from stl_bounds.evaluation import resolve

        return resolve(self, params)

    def limit_in_generations(self) -> sp.Expr | None:
        """lim_{i→∞} of the bound, symbolically, when ρ < 1 (docs/theory.md §6.1 C1)."""
        if self.limit is not None:
            return self.limit()
        from stl_bounds.limits import limit_in_generations

        return limit_in_generations(self)

    # --- Jupyter displays (stl_bounds.notebook) ----------------------------
    def _repr_latex_(self) -> str:
        """Jupyter: the formula as display math, ``$$B = ...$$``."""
        from stl_bounds.notebook import bound_latex

        return bound_latex(self)

    def _repr_markdown_(self) -> str:
        """Jupyter: title, id, fidelity, citation, formula, terms and a parameters table."""
        from stl_bounds.notebook import bound_markdown

        return bound_markdown(self)


def substitute_defaults(expr: sp.Expr, parameters: tuple[Parameter, ...]) -> sp.Expr:
    """Replace parameters whose default is a symbolic expression by that expression.

    Numeric defaults are kept as symbols; substitution is repeated until no
    symbolic default remains (defaults may refer to each other).
    """
    mapping = {p.symbol: p.default for p in parameters if p.default is not None and p.default.free_symbols}
    for _ in range(len(mapping) + 1):
        new = expr.xreplace(mapping)
        if new == expr:
            break
        expr = new
    return expr
