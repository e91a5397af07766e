r"""Exact results for categorical self-consuming loops: Wright-Fisher drift (docs/theory.md §5.7).

K categories, real law p⁰, n points per fit; the fit is the empirical law (counts/n, the MLE) and the
next generation samples from it.  t counts fits (t = 1: the fit on real data).  The Gini-Simpson
diversity is H(p) = 1 − Σ_k p_k², H₀ = H(p⁰).  Two facts carry every result:

* the fits are a martingale, E p_t = p⁰, so E‖p_t − p⁰‖² = H₀ − E H(p_t);
* n multinomial draws from p (or a subsample of n from a pool c of N points, without replacement)
  give E‖p̂ − p‖² = H(p)/n (resp. H(c)·(N − n)/((N − 1)n)).

Regimes: ``replace`` E H(p_t) = H₀(1 − 1/n)^t; ``fresh(λ)`` an affine recursion with ratio
r = (1 − λ)(1 − λ − 1/n); ``accumulate`` the product ∏_{k≤t}(1 − 1/(nk²)) of docs/theory.md §5.3;
``accumulate_subsample`` a product whose factor has the roots k = 1, (1 ± √(12n − 3))/(2n), written with
:class:`~stl_bounds.special.LogGammaRatio`.  A category survives with probability p⁰_k (martingale +
absorption); the mean number of fits until one category is left is the Kimura-Ohta diffusion time.

The closed forms are *derived* by the lazy ``derivation`` callables (``rsolve``, ``product``, ``factor``,
``roots``, ``gammasimp``, the Kolmogorov backward equation checked with ``diff``); the registered terms
are evaluation-friendly forms of the same expressions, proved or checked equal to them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp
from sympy.codegen.cfunctions import log1p

from stl_bounds.bound import Bound, Citation, Constraint, Monotonicity
from stl_bounds.derivation import Derivation, Step
from stl_bounds.library.citations import KIMURA_OHTA1969
from stl_bounds.library.gaussian import LOG_MLE_PRODUCT, accumulate_solution
from stl_bounds.parameters import param, symbol
from stl_bounds.registry import register
from stl_bounds.special import LogGammaRatio

H0, n, t, lam, p0k, K = (symbol(s) for s in ("H0", "n", "t", "lam", "p0k", "K"))
q = 1 - lam

_H = sp.Function("H")
_V = sp.Function("v")

#: fresh(λ): ratio r of v_{t+1} = 1/n + r v_t, and c = n(1 − r) − 1 = λ(n(2 − λ) − 1) ≥ 0.
FRESH_RATIO = q * (q - 1 / n)
FRESH_C = lam * (n * (2 - lam) - 1)

#: accumulate_subsample: f_t = (t − 1)n/(tn − 1), the finite-population factor of a subsample of n out of tn.
_S = sp.Symbol("s", integer=True, positive=True)
_ROOT = sp.sqrt(12 * n - 3)
#: Roots ρ₁, ρ₂ of n²k² − nk + 1 − 3n (ρ₁ + ρ₂ = 1/n): the factor of h_k/h_{k−1} is
#: (k − 1)(k − ρ₁)(k − ρ₂)/(k²(k − 1 − 1/n)).
SUB_R1 = (1 + _ROOT) / (2 * n)
SUB_R2 = (1 - _ROOT) / (2 * n)


def _f(s: sp.Expr) -> sp.Expr:
    return (s - 1) * n / (s * n - 1)


def _log_sub_factor(x: sp.Expr) -> sp.Expr:
    """log Γ(x − 1)Γ(x − ρ₁)Γ(x − ρ₂)/(Γ(x)²Γ(x − 1 − 1/n)) as LogGammaRatio terms (the a·log x parts cancel)."""
    return LogGammaRatio(x, -1) + LogGammaRatio(x, -SUB_R1) + LogGammaRatio(x, -SUB_R2) - LogGammaRatio(x, -1 - 1 / n)


#: log ∏_{k=2}^{t} (1 − (1 + f_{k−1}(1 − 1/n))/(nk²)).
LOG_SUB_PRODUCT = _log_sub_factor(t + 1) - _log_sub_factor(2)


def _exact(location: str) -> Citation:
    return Citation(
        paper="stl-bounds docs/theory.md: exact moments of categorical loops (multinomial and hypergeometric "
        "sampling, Wright-Fisher drift)",
        location=location,
        theory="docs/theory.md §5.7",
    )


_N_AT_LEAST_2 = Constraint(n >= 2, "n must be >= 2 (a subsample of n = 1 point has no diversity)")
_FRESH_N_AT_LEAST_2 = Constraint(
    n >= 2,
    "n must be >= 2 (with one point per fit every fit has diversity 0; n = 1 is also where H₀(c + r^t)/(c + 1) "
    "loses its digits to cancellation)",
)
_LAM_N_INTEGER = Constraint(
    sp.Abs(lam * n - sp.floor(lam * n + sp.S.Half, evaluate=False), evaluate=False) <= 1e-9 * n,
    "lam*n must be an integer (the number of real points per fit, docs/theory.md §5.7)",
)
_H0_UP = Monotonicity("H0", "nondecreasing")
_T_DOWN = Monotonicity("t", "nonincreasing")
_PARAMS = (param("H0", 0.75), param("n", 100), param("t", 10))
_ASSUMPTIONS = (
    "K categories, real law p⁰ with Gini-Simpson diversity H₀ = 1 − Σ_k (p⁰_k)²",
    "each fit is the empirical law (counts/n) of its n points; the next points are drawn from it",
)


@cache
def fresh_solution() -> tuple[sp.Expr, sp.Symbol]:
    """v_t = 1/n + r v_{t−1}, v_0 = 0 (so v_1 = 1/n), by ``sympy.rsolve`` for a generic ratio r.

    Returns ``(v_t, r)``.
    """
    r = sp.Symbol("r", positive=True)
    return sp.rsolve(_V(t) - r * _V(t - 1) - 1 / n, _V(t), {_V(0): 0}), r


@cache
def subsample_solution() -> dict[str, sp.Expr]:
    """accumulate_subsample by sympy: the factor h_k/h_{k−1} factored, its roots in k, ∏_{k=2}^{t} (``product``)
    and the limit t → ∞ of the registered product (every LogGammaRatio(t + 1, ·) → 0; ``gammasimp``)."""
    kk = sp.Symbol("k", integer=True, positive=True)
    factor = 1 - (1 + _f(kk - 1) * (1 - 1 / n)) / (n * kk**2)
    numerator = sp.fraction(sp.together(factor))[0]
    limit_factor = sp.exp(-_log_sub_factor(2).rewrite(sp.gamma))
    return {
        "factor": sp.factor(factor, kk),
        "roots": sp.Tuple(*sp.roots(sp.Poly(numerator, kk))),
        "product": sp.product(factor, (kk, 2, t)),
        "limit": sp.gammasimp(sp.powsimp(sp.expand_log(limit_factor, force=True), force=True)),
    }


@cache
def fixation_time_check() -> dict[str, sp.Expr]:
    """The Kolmogorov backward equation of Wright-Fisher drift for T(x) = −2n Σ_k (1 − x_k) ln(1 − x_k), K = 3:
    (1/(2n)) Σ_{i,j} x_i(δ_ij − x_j) ∂_i∂_j T (``sympy.diff``, ``simplify``), which must be −1; and T at the
    uniform start x_k = 1/K."""
    x1, x2 = sp.symbols("x1 x2", positive=True)
    xs = (x1, x2, 1 - x1 - x2)
    time = -2 * n * sum((1 - x) * sp.log(1 - x) for x in xs)
    coords = (x1, x2)
    generator = sum(
        xs[i] * (sp.KroneckerDelta(i, j) - xs[j]) / (2 * n) * sp.diff(time, coords[i], coords[j])
        for i in range(2)
        for j in range(2)
    )
    uniform = sp.simplify(-2 * n * K * (1 - 1 / K) * sp.log(1 - 1 / K))
    return {"T": time, "generator": sp.simplify(generator), "uniform": uniform}


def _derivation(bound_id: str, registered: sp.Expr) -> Derivation:
    key = bound_id.split(".")[1]
    h_step = Step(
        "martingale E p_t = p0, so E||p_t - p0||^2 = H0 - E H(p_t); n multinomial draws from p: "
        "E||phat - p||^2 = H(p)/n",
        sp.Eq(sp.Symbol("E[H(phat) | p]"), (1 - 1 / n) * sp.Symbol("H(p)")),
    )
    if key == "replace":
        closed = sp.rsolve(_H(t) - (1 - 1 / n) * _H(t - 1), _H(t), {_H(0): H0})
        steps = [
            h_step,
            Step("E H(p_t) = (1 - 1/n) E H(p_(t-1)), E H(p_0) = H0 (sympy.rsolve)", closed),
        ]
        result = closed
    elif key == "fresh":
        v_t, r = fresh_solution()
        result = H0 * (1 - v_t.subs(r, FRESH_RATIO))
        steps = [
            h_step,
            Step(
                "p_t = lam r_t + (1-lam) s_t (r_t: lam n real points, s_t: (1-lam) n points from p_(t-1)); "
                "E||p_t - p0||^2 = H0 v_t",
                sp.Eq(_V(t), 1 / n + FRESH_RATIO * _V(t - 1)),
            ),
            Step("v_t for a generic ratio r, v_0 = 0 (sympy.rsolve)", v_t),
            Step("E H(p_t) = H0 (1 - v_t) with r = (1-lam)(1-lam-1/n)", result),
        ]
    elif key == "accumulate":
        sol = accumulate_solution()
        result = H0 * sol.mle_var
        steps = [
            h_step,
            Step(
                "p_t = p_(t-1) + (s_t - p_(t-1))/t (s_t: n points from p_(t-1)); expectation",
                sp.Eq(_H(t), (1 - 1 / (n * t**2)) * _H(t - 1)),
            ),
            Step("E H(p_t) / H0 (sympy.product)", sol.mle_var),
            Step("limit t -> oo (sympy.gammasimp): sin(pi/sqrt(n))/(pi/sqrt(n))", sol.mle_var_limit),
        ]
    else:
        sol = subsample_solution()
        finite = 1 - _f(t) / n
        result = H0 * (1 - 1 / n) * sol["product"] * finite
        steps = [
            h_step,
            Step(
                "pool c_t of tn points: c_t = c_(t-1) + (s_t - c_(t-1))/t, s_t: n points from the fit p_(t-1), "
                "a subsample of n of c_(t-1) (E||p - c||^2 = H(c) f/n, f_t = (t-1)n/(tn-1)); h_t = E H(c_t)/H0",
                sp.Eq(_H(t), (1 - (1 + _f(t - 1) * (1 - 1 / n)) / (n * t**2)) * _H(t - 1)),
            ),
            Step("the factor h_k/h_(k-1), factored in k", sol["factor"]),
            Step("roots in k of its numerator (sympy.roots)", sol["roots"]),
            Step("h_t / h_1 = prod_(k=2..t) (sympy.product), h_1 = 1 - 1/n", sol["product"]),
            Step("E H(p_t) = H0 h_t (1 - f_t/n)", result),
            Step(
                "limit t -> oo of h_t / h_1 (every LogGammaRatio(t+1, .) -> 0; sympy.gammasimp)",
                sol["limit"],
            ),
        ]
    steps.append(Step("registered (evaluation) form", registered))
    return Derivation(bound_id, tuple(steps), result)


def _diversity(key: str, title: str, terms: tuple[tuple[str, sp.Expr], ...], *, lam_: bool = False, **kw: Any) -> Bound:
    bound_id = f"cat.{key}.diversity"
    registered = sp.Add(*(e for _, e in terms))
    parameters = (*_PARAMS[:2], param("lam", 0.5), _PARAMS[2]) if lam_ else _PARAMS
    return register(
        Bound(
            id=bound_id,
            title=title,
            citation=_exact(f"{key} loop, expected Gini-Simpson diversity per fit"),
            fidelity="exact",
            parameters=parameters,
            terms=terms,
            generation="t",
            kind="identity",
            derivation=lambda: _derivation(bound_id, registered),
            **kw,
        )
    )


REPLACE = _diversity(
    "replace",
    "E H(p_t) = H₀(1 − 1/n)^t of the categorical replace loop: diversity collapses",
    (("diversity", H0 * (1 - 1 / n) ** t),),
    assumptions=(*_ASSUMPTIONS, "replace: each fit uses n points drawn from the previous fit only (λ = 0)"),
    limit=lambda: sp.Integer(0),
    monotone=(_H0_UP, _T_DOWN, Monotonicity("n", "nondecreasing")),
    notes=("every trajectory ends on one category (cat.replace.fixation, cat.replace.fixation_time).",),
)
FRESH = _diversity(
    "fresh",
    "E H(p_t) of the categorical loop with λn fresh real points per fit",
    (("diversity", H0 * (FRESH_C + FRESH_RATIO**t) / (FRESH_C + 1)),),
    lam_=True,
    assumptions=(
        *_ASSUMPTIONS,
        "fresh(λ): λn new real points (λn an integer) and (1 − λ)n points from the previous fit per fit",
    ),
    limit=lambda: H0 * FRESH_C / (FRESH_C + 1),
    constraints=(_FRESH_N_AT_LEAST_2, _LAM_N_INTEGER),
    monotone=(_H0_UP, _T_DOWN),
    m_alias=False,  # n counts every point of a fit here (docs/theory.md §5.7)
    notes=(
        "H₀(1 − v_t), v_t = Σ_{j<t} r^j/n with r = (1 − λ)(1 − λ − 1/n), written H₀(c + r^t)/(c + 1) with "
        "c = λ(n(2 − λ) − 1) = n(1 − r) − 1 ≥ 0 (no cancellation); for λ > 0 it tends to H₀c/(c + 1).",
    ),
)
ACCUMULATE = _diversity(
    "accumulate",
    "E H(p_t) = H₀ ∏_{k≤t}(1 − 1/(nk²)) of the categorical accumulate loop",
    (("diversity", H0 * (1 - 1 / n) * sp.exp(LOG_MLE_PRODUCT)),),
    assumptions=(*_ASSUMPTIONS, "accumulate: fit t uses all nt points so far (n real, then n from each fit)"),
    monotone=(_H0_UP, _T_DOWN, Monotonicity("n", "nondecreasing")),
    notes=("decreases to H₀ sin(π/√n)/(π/√n) ≥ H₀(1 − π²/(6n)): no collapse (the product of docs/theory.md §5.3).",),
)
ACCUMULATE_SUBSAMPLE = _diversity(
    "accumulate_subsample",
    "E H(p_t) of the categorical accumulate-subsample loop (Kazdan et al. 2024)",
    (("diversity", H0 * (1 - 1 / n) * t * (n - 1) / (t * n - 1) * sp.exp(LOG_SUB_PRODUCT)),),
    assumptions=(
        *_ASSUMPTIONS,
        "accumulate_subsample: the pool grows by n points from the current fit per step; fit t uses a uniform "
        "subsample of n of the tn pooled points, without replacement",
    ),
    constraints=(_N_AT_LEAST_2,),
    monotone=(_H0_UP, _T_DOWN),
    notes=(
        "H₀ h_t (1 − f_t/n), f_t = (t − 1)n/(tn − 1), h_t = (1 − 1/n)∏_{k=2}^{t}(1 − (1 + f_{k−1}(1 − 1/n))/(nk²)); "
        "bounded away from 0, below cat.accumulate.diversity.",
    ),
)


def _fixation_derivation(registered: sp.Expr) -> Derivation:
    x = sp.Function("x")
    closed = sp.rsolve(x(t) - x(t - 1), x(t), {x(0): p0k})
    steps = (
        Step("E[p_t,k | p_(t-1)] = p_(t-1),k (multinomial draws): a bounded martingale (sympy.rsolve)", closed),
        Step(
            "p_t,k is absorbed in {0, 1} (one category is left after finitely many fits, a.s.), so "
            "P(category k survives) = lim E p_t,k",
            closed,
        ),
        Step("registered form", registered),
    )
    return Derivation("cat.replace.fixation", steps, closed)


FIXATION = register(
    Bound(
        id="cat.replace.fixation",
        title="probability that category k is the one left by the categorical replace loop",
        citation=_exact("replace loop, fixation probability (martingale and absorption)"),
        fidelity="exact",
        assumptions=(*_ASSUMPTIONS, "replace loop run until one category is left"),
        parameters=(param("p0k", 0.25),),
        terms=(("fixation", p0k),),
        kind="identity",
        monotone=(Monotonicity("p0k", "nondecreasing"),),
        derivation=lambda: _fixation_derivation(p0k),
        notes=("the survivor is category k with probability p⁰_k, whatever n.",),
    )
)


def _fixation_time_derivation(registered: sp.Expr) -> Derivation:
    check = fixation_time_check()
    steps = (
        Step("Kimura-Ohta: T(x) = -2n sum_k (1 - x_k) ln(1 - x_k) (K = 3 written out; T = 0 at a vertex)", check["T"]),
        Step(
            "Kolmogorov backward equation of Wright-Fisher drift, (1/(2n)) sum x_i(delta_ij - x_j) T_ij "
            "(sympy.diff; must be -1)",
            check["generator"],
        ),
        Step("T at the uniform start x_k = 1/K", check["uniform"]),
        Step("registered form (log1p: accurate for large K)", registered),
    )
    return Derivation("cat.replace.fixation_time", steps, check["uniform"])


_TIME = -2 * n * (K - 1) * log1p(-1 / K)
FIXATION_TIME = register(
    Bound(
        id="cat.replace.fixation_time",
        title="expected number of fits until one category is left (replace loop, uniform start; Kimura-Ohta)",
        citation=KIMURA_OHTA1969,
        fidelity="external",
        assumptions=(
            "categorical replace loop, K categories, uniform start p⁰ = (1/K, ..., 1/K), n points per fit",
            "diffusion approximation of Wright-Fisher drift: the error is O(1) fits",
        ),
        parameters=(param("K", 6), param("n", 1000)),
        terms=(("fixation_time", _TIME),),
        kind="identity",
        monotone=(Monotonicity("n", "nondecreasing"), Monotonicity("K", "nondecreasing")),
        derivation=lambda: _fixation_time_derivation(_TIME),
        notes=(
            "−2n(K − 1) ln(1 − 1/K): 1823 fits at K = 6, n = 1000; a general p⁰ gives −2n Σ_k (1 − p⁰_k) ln(1 − p⁰_k).",
        ),
    )
)
