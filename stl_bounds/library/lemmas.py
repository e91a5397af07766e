r"""Exact lemmas L3-L5 of docs/theory.md §3: recursions for the shift and the recursive stability.

Each bound is the unrolled affine recursion
:math:`x_i = \rho x_{i-1} + c,\ x_0 = c`, i.e. :math:`x_i = c\,\mathrm{geom}(\rho, i+1)`
with :math:`\mathrm{geom}(\rho,k)=\sum_{j<k}\rho^j`; its closed form and limits are
derived by :func:`stl_bounds.derivation.solve_affine_recurrence` (``rsolve``).
"""

from __future__ import annotations

import sympy as sp

from stl_bounds.bound import Bound, Monotonicity
from stl_bounds.derivation import Derivation, Step, solve_affine_recurrence
from stl_bounds.library.citations import theory
from stl_bounds.parameters import param, symbol
from stl_bounds.registry import register
from stl_bounds.special import GeometricSum

eps, lam, kappa, i, g, n = (symbol(s) for s in ("eps", "lam", "kappa", "i", "g", "n"))

#: Growth factor of the amplified recursion (docs/theory.md §3 L4): ρ = (1 − λ)κ.
RHO = (1 - lam) * kappa


def affine_derivation(bound_id: str, rho: sp.Expr, c: sp.Expr, registered: sp.Expr) -> Derivation:
    """Recurrence → rsolve closed form → agreement with the registry → ρ = 1 → i → ∞."""
    sol = solve_affine_recurrence(rho, c, c, i)
    steps = [
        Step("recurrence (x_0 = " + sp.sstr(c) + ")", sol.recurrence),
        Step("closed form by sympy.rsolve", sp.Eq(sp.Symbol("x_i"), sol.closed_form)),
        Step(
            "registered (unrolled) form, proved equal to the closed form"
            if sol.agrees
            else "MISMATCH with closed form",
            sp.Eq(sp.Symbol("x_i"), registered),
        ),
        Step("critical case rho = 1 (sympy.limit)", sp.Eq(sp.Symbol("x_i"), sp.factor(sol.critical))),
    ]
    from stl_bounds.registry import get

    lim = get(bound_id).limit_in_generations()
    steps.append(Step("limit i -> oo for rho < 1 (sympy.limit)", sp.Eq(sp.Symbol("x_oo"), lim)))
    return Derivation(bound_id, tuple(steps), sol.closed_form)


_COMMON_MONOTONE = (
    Monotonicity("i", "nondecreasing", source="docs/theory.md §6.1 C3"),
    Monotonicity("lam", "nonincreasing", source="docs/theory.md §6.1 C3"),
)

SHIFT = register(
    Bound(
        id="lemma.shift",
        title="distribution shift Δ_i = d_TV(D_i, D_0) after i generations (L3)",
        citation=theory("Lemma L3 (shift recursion, from L1 mixture identity)", "docs/theory.md §3 L3"),
        fidelity="exact",
        assumptions=(
            "per-generation learning error ε_i = d_TV(D_i, D̃_i) ≤ ε for every i",
            "mixed distribution D̃_i = λ D_0 + (1 − λ) D_{i−1}",
        ),
        parameters=(param("eps", 0.05), param("lam", 0.5), param("i", 10)),
        terms=(("shift", eps * GeometricSum(1 - lam, i + 1)),),
        trivial_at=sp.Integer(1),
        generation="i",
        growth_rate=1 - lam,
        monotone=_COMMON_MONOTONE + (Monotonicity("eps", "nondecreasing"),),
        derivation=lambda: affine_derivation("lemma.shift", 1 - lam, eps, SHIFT.expr),
        notes=("Δ_i ≤ ε/λ for every i when λ > 0; Δ_i ≤ (i+1)ε at λ = 0.",),
    )
)

AMPLIFIED_SHIFT = register(
    Bound(
        id="lemma.amplified_shift",
        title="distribution shift Δ_i with a generator that amplifies changes by κ (L4)",
        citation=theory("Lemma L4 (amplified recursion)", "docs/theory.md §3 L4"),
        fidelity="exact",
        assumptions=(
            "per-generation learning error ε_i ≤ ε",
            "the generator magnifies a change of its training distribution by at most κ (in TV)",
        ),
        parameters=(param("eps", 0.05), param("lam", 0.5), param("kappa", 1), param("i", 10)),
        terms=(("shift", eps * GeometricSum(RHO, i + 1)),),
        trivial_at=sp.Integer(1),
        generation="i",
        growth_rate=RHO,
        monotone=_COMMON_MONOTONE + (Monotonicity("kappa", "nondecreasing"),),
        derivation=lambda: affine_derivation("lemma.amplified_shift", RHO, eps, AMPLIFIED_SHIFT.expr),
        notes=(
            "bounded in i iff ρ = (1−λ)κ < 1, i.e. λ > λ* = 1 − 1/κ; (i+1)ε at ρ = 1; geometric blow-up for ρ > 1.",
        ),
    )
)

RECURSIVE_STABILITY = register(
    Bound(
        id="lemma.recursive_stability",
        title="recursive stability γ_n^i of the generator after i generations (L5)",
        citation=theory("Lemma L5 (recursive-stability recursion)", "docs/theory.md §3 L5"),
        fidelity="exact",
        assumptions=(
            "one-step stability of the generator: one changed real point moves its output by ≤ g/n in TV",
            "changes of the training distribution are amplified by at most κ",
            "real data reused across generations, common synthetic randomness (docs/theory.md §2)",
        ),
        parameters=(param("g", 1), param("n", 1000), param("lam", 0.5), param("kappa", 1), param("i", 10)),
        terms=(("gamma", g / n * GeometricSum(RHO, i + 1)),),
        trivial_at=sp.Integer(1),
        generation="i",
        growth_rate=RHO,
        monotone=_COMMON_MONOTONE + (Monotonicity("n", "nonincreasing"),),
        derivation=lambda: affine_derivation("lemma.recursive_stability", RHO, g / n, RECURSIVE_STABILITY.expr),
        notes=("γ_n^i = O(1/n) uniformly in i iff ρ < 1.",),
    )
)
