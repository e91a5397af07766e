"""The canonical parameters of docs/theory.md §1 and §7: symbols, domains, descriptions.

Each parameter is declared once here, with its sympy symbol (carrying the
assumptions that its domain implies) and its :class:`~stl_bounds.domains.Domain`.
A bound picks the parameters it needs with :func:`param`, giving each one a
default (a number or a sympy expression in other parameters, e.g.
``beta = 1/n``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import sympy as sp

from stl_bounds.domains import Domain

__all__ = ["CATALOG", "Parameter", "param", "symbol"]

INF = math.inf
PROBABILITY = Domain(0.0, 1.0)
OPEN_UNIT = Domain(0.0, 1.0, lower_open=True, upper_open=True)
POSITIVE = Domain(0.0, INF, lower_open=True)
NONNEGATIVE = Domain(0.0, INF)
COUNT_FROM_1 = Domain(1.0, INF, integer=True)
COUNT_FROM_0 = Domain(0.0, INF, integer=True)


@dataclass(frozen=True)
class Parameter:
    """A named, typed parameter of a bound.

    Attributes
    ----------
    name
        Keyword name in ``evaluate`` and ``--set`` name in the CLI (docs/theory.md §7).
    symbol
        The sympy symbol, with assumptions implied by ``domain``.
    domain
        Allowed values.
    description
        One line, with the symbol of docs/theory.md §1.
    default
        Value used when the caller gives none: a number or a sympy expression
        of other parameters' symbols (resolved after them).
    typical
        The finite range that property tests draw from (:mod:`stl_bounds.testing`)
        when the name has no entry in ``MODERATE`` (parameters of bound files);
        ``None`` for the catalogue.
    """

    name: str
    symbol: sp.Symbol
    domain: Domain
    description: str
    default: sp.Expr | None = None
    typical: tuple[float, float] | None = None

    def default_text(self) -> str:
        """The default as text in parameter names, e.g. ``0.5`` or ``1/n``."""
        if self.default is None:
            return "required"
        if not self.default.free_symbols:
            return f"{float(self.default):g}"
        by_name = {s: sp.Symbol(_NAME_OF.get(s, s.name)) for s in self.default.free_symbols}
        return str(self.default.xreplace(by_name))


def _p(name: str, latex: str, domain: Domain, description: str, **assumptions: bool) -> Parameter:
    if domain.integer:
        assumptions.setdefault("integer", True)
    if domain.lower > 0 or (domain.lower == 0 and domain.lower_open):
        assumptions.setdefault("positive", True)
    elif domain.lower >= 0:
        assumptions.setdefault("nonnegative", True)
    else:
        assumptions.setdefault("real", True)
    return Parameter(name, sp.Symbol(latex, **assumptions), domain, description)


#: Every parameter name used by a registered object, with its symbol and domain.
CATALOG: dict[str, Parameter] = {
    p.name: p
    for p in [
        _p("n", "n", COUNT_FROM_1, "training-set size of one generation (docs/theory.md §1)"),
        _p("lam", "lambda", PROBABILITY, "proportion of real data in each generation, λ"),
        _p("m", "m", COUNT_FROM_0, "number of synthetic points; then λ = n/(n+m)"),
        _p("i", "i", COUNT_FROM_0, "generation index; generation 0 trains on real data only"),
        _p("M", "M", POSITIVE, "bound on the loss, ℓ ∈ [0, M]"),
        _p("delta", "delta", OPEN_UNIT, "confidence level δ: the bound holds with probability ≥ 1 − δ"),
        _p("beta", "beta_n", NONNEGATIVE, "uniform stability β_n of the learner on n points"),
        _p("gamma", "gamma_n", NONNEGATIVE, "recursive stability γ_n^{i−1}; overrides the L5 recursion"),
        _p("shift", "Delta", PROBABILITY, "distribution shift Δ_{i−1} = d_TV(D_{i−1}, D_0); overrides L4"),
        _p("eps", "epsilon", PROBABILITY, "per-generation learning error of the generator, in total variation"),
        _p("kappa", "kappa", NONNEGATIVE, "amplification of the generator (κ = 1: none)"),
        _p("g", "g", NONNEGATIVE, "one-step stability constant of the generator (L5)"),
        _p("c1", "c_1", NONNEGATIVE, "absolute constant of the shift term (template)"),
        _p("c2", "c_2", NONNEGATIVE, "absolute constant of the stability term (template)"),
        _p("c3", "c_3", NONNEGATIVE, "absolute constant of the sampling term (template)"),
        _p("c4", "c_4", NONNEGATIVE, "absolute constant of the recursive-stability term (template)"),
        _p("c", "c", NONNEGATIVE, "absolute constant of a rate-form bound"),
        _p("a", "a", POSITIVE, "generator error constant: ε = a/√N"),
        _p("L_loss", "L_ell", NONNEGATIVE, "Lipschitz constant of the loss"),
        _p("Gamma", "Gamma", NONNEGATIVE, "weight-norm bound: ‖W‖ ≤ Γ/2"),
        _p("D", "D", COUNT_FROM_1, "number of transformer layers"),
        _p("sigma", "sigma", POSITIVE, "standard deviation σ of the real data (or label noise)"),
        _p("sigma0", "sigma_0", POSITIVE, "label-noise standard deviation σ_0 of the fake generations"),
        _p("sigma2", "sigma^2", NONNEGATIVE, "label-noise variance σ² of in-context examples"),
        _p("t", "t", COUNT_FROM_1, "number of fits: t = 1 is the fit on real data (t = i + 1)"),
        _p("d", "d", COUNT_FROM_1, "dimension"),
        _p("T", "T", COUNT_FROM_1, "rows of the regression design"),
        _p("T0", "T_0", COUNT_FROM_1, "rows of the fake generations' design"),
        _p("N", "N", COUNT_FROM_1, "number of in-context examples"),
        _p("k", "k", POSITIVE, "ratio n/m of real to synthetic points per round"),
        _p("w", "w", Domain(0.0, 1.0, lower_open=True), "weight of the real estimate"),
        _p(
            "H0",
            "H_0",
            Domain(0.0, 1.0, upper_open=True),
            "Gini-Simpson diversity H(p⁰) = 1 − Σ_k (p⁰_k)² of the real law",
        ),
        _p("p0k", "p_0k", PROBABILITY, "real probability p⁰_k of one category k"),
        _p("K", "K", Domain(2.0, INF, integer=True), "number of categories"),
        _p("h", "h", POSITIVE, "fixed kernel bandwidth h of a kernel density estimator"),
    ]
}


_NAME_OF: dict[sp.Symbol, str] = {p.symbol: p.name for p in CATALOG.values()}


def symbol(name: str) -> sp.Symbol:
    """The canonical sympy symbol of parameter ``name``."""
    return CATALOG[name].symbol


def param(name: str, default: float | int | sp.Expr | None = None) -> Parameter:
    """The catalog parameter ``name`` with a bound-specific ``default``."""
    value = None if default is None else sp.sympify(default)
    return replace(CATALOG[name], default=value)
