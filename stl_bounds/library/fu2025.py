r"""The bounds of Fu et al. 2025 as reconstructed in docs/theory.md §4 (``template``/``derived``).

``fu2025.thm1`` (docs/theory.md §4.1): with probability ≥ 1 − δ, for generation i,

.. math::

    \mathrm{Gap}_i \lesssim c_1 M (1-\lambda_i)\Delta_{i-1}
      + c_2 \beta_n \log n \log(1/\delta) + c_3 M \sqrt{\log(1/\delta)/n}
      + c_4 \sqrt{\lambda_i n}\,(\beta_n + (1-\lambda_i) M \gamma_n^{i-1})\sqrt{\log(1/\delta)}

with :math:`\lambda_i = \lambda + (1-\lambda)(1 - \min(i, 1))` (generation 0 is the i.i.d.
bound: λ = 1, Δ = γ = 0), :math:`\Delta_{i-1} = \varepsilon\,\mathrm{geom}(\rho, i)`
(L4) and :math:`\gamma_n^{i-1} = (g/n)\,\mathrm{geom}(\rho, i)` (L5), ρ = (1−λ)κ,
unless the user supplies ``shift`` or ``gamma``.

``fu2025.thm2`` (docs/theory.md §4.2): the same with β_n = K/n, g = K, K from Li et al. 2023.

``fu2025.optimal_m`` (docs/theory.md §4.3): the synthetic size minimizing the shift plus
sampling terms when ε = a/√(n+m); obtained with ``sympy.solve``.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from stl_bounds.bound import Bound, Constraint, Monotonicity
from stl_bounds.derivation import Derivation, Step
from stl_bounds.domains import Domain
from stl_bounds.library.citations import fu2025
from stl_bounds.library.lemmas import RHO
from stl_bounds.library.stability import LOG_INV_DELTA, TRANSFORMER_K
from stl_bounds.parameters import param, symbol
from stl_bounds.registry import register
from stl_bounds.special import GeometricSum

M, lam, n, delta, beta, eps, kappa, g, i = (
    symbol(s) for s in ("M", "lam", "n", "delta", "beta", "eps", "kappa", "g", "i")
)
c1, c2, c3, c4, shift, gamma = (symbol(s) for s in ("c1", "c2", "c3", "c4", "shift", "gamma"))

#: λ_i: the loop's λ from generation 1 on, 1 at generation 0 (docs/theory.md §4.1: B_0 is the i.i.d. bound),
#: and 1 − λ_i, each written so that float64 never forms 1 − (1 − λ) (no cancellation for tiny λ).
AFTER_FIRST = sp.Min(i, 1)
LAM_I = lam + (1 - lam) * (1 - AFTER_FIRST)
SYNTH_I = (1 - lam) * AFTER_FIRST


def thm1_terms(beta_n: sp.Expr, shift_: sp.Expr, gamma_: sp.Expr) -> tuple[tuple[str, sp.Expr], ...]:
    """The four terms of docs/theory.md §4.1, for given stability, shift and recursive stability."""
    return (
        ("shift", c1 * M * SYNTH_I * shift_),
        ("stability", c2 * beta_n * sp.log(n) * LOG_INV_DELTA),
        ("sampling", c3 * M * sp.sqrt(LOG_INV_DELTA / n)),
        ("recursive_stability", c4 * sp.sqrt(LAM_I * n) * (beta_n + SYNTH_I * M * gamma_) * sp.sqrt(LOG_INV_DELTA)),
    )


_CONSTANTS = (param("c1", 1), param("c2", 1), param("c3", 1), param("c4", 1))
_THM_MONOTONE = (
    Monotonicity("lam", "nonincreasing", term="shift", source="docs/theory.md §6.1 C3"),
    Monotonicity("i", "nondecreasing", term="shift", source="docs/theory.md §6.1 C3"),
    Monotonicity("eps", "nondecreasing", term="shift"),
    Monotonicity("delta", "nonincreasing"),
    Monotonicity("M", "nondecreasing"),
)
_N_AT_LEAST_3 = (("n", Domain(3.0, float("inf"), integer=True)),)
_THM_ASSUMPTIONS = (
    "loss ℓ ∈ [0, M]; the bound holds with probability ≥ 1 − δ",
    "real data reused across generations (regime `reused`, docs/theory.md §1)",
    "per-generation learning error ε_i ≤ ε in total variation; amplification κ (L4)",
    "template (docs/theory.md §0): structure of Fu et al. 2025, absolute constants c1..c4 explicit (≲)",
)


def _thm_derivation(bound_id: str) -> Derivation:
    from stl_bounds.registry import get

    bound = get(bound_id)
    steps = [
        Step("bound with Δ_{i-1}, γ_n^{i-1} as parameters", sp.Eq(sp.Symbol("B_i"), bound.expr)),
        Step("Δ_{i-1} from L4 and γ_n^{i-1} from L5 substituted", sp.Eq(sp.Symbol("B_i"), bound.expr_with_defaults)),
        Step(
            "limit i -> oo for rho = (1-lambda)*kappa < 1 (sympy.limit)",
            sp.Eq(sp.Symbol("B_oo"), bound.limit_in_generations()),
        ),
    ]
    return Derivation(bound_id, tuple(steps), bound.limit_in_generations())


THM1 = register(
    Bound(
        id="fu2025.thm1",
        title="generalization gap of the i-th generation of a self-consuming loop",
        citation=fu2025("Theorem 1 (generalization of the i-th generation), reconstructed", "docs/theory.md §4.1"),
        fidelity="template",
        assumptions=_THM_ASSUMPTIONS + ("learner β_n-uniformly stable; generator g/n one-step stable (L5)",),
        parameters=(
            param("M", 1),
            param("lam", 0.5),
            param("n", 1000),
            param("delta", 0.05),
            param("beta", 1 / n),
            param("eps", 0.05),
            param("kappa", 1),
            param("g", 1),
            param("i", 10),
            *_CONSTANTS,
            param("gamma", g / n * GeometricSum(RHO, i)),
            param("shift", eps * GeometricSum(RHO, i)),
        ),
        terms=thm1_terms(beta, shift, gamma),
        trivial_at=M,
        generation="i",
        growth_rate=RHO,
        monotone=_THM_MONOTONE
        + (
            Monotonicity("n", "nonincreasing", term="sampling", source="docs/theory.md §6.1 C3"),
            Monotonicity(
                "n", "nonincreasing", term="recursive_stability", given=_N_AT_LEAST_3, source="docs/theory.md §6.1 C3"
            ),
            Monotonicity("n", "nonincreasing", term="stability", given=_N_AT_LEAST_3, source="docs/theory.md §6.1 C3"),
        ),
        derivation=lambda: _thm_derivation("fu2025.thm1"),
        notes=(
            "the total is not monotone in λ: the recursive-stability term grows like √λ (docs/theory.md §6.1 C3); "
            "use `calibrate` for the minimizing λ.",
            "B_0 is the i.i.d. bound (λ_0 = 1, Δ = γ = 0).",
        ),
    )
)

K = TRANSFORMER_K
THM2 = register(
    Bound(
        id="fu2025.thm2",
        title="generalization gap of the i-th generation for transformers doing in-context learning",
        citation=fu2025("Theorem 2 (transformers in in-context learning), reconstructed", "docs/theory.md §4.2"),
        fidelity="template",
        assumptions=_THM_ASSUMPTIONS
        + (
            "learner and generator are the same D-layer transformer: ‖V‖ ≤ 1, ‖W‖ ≤ Γ/2, tokens in the unit ball",
            "stability constant K = 2 L_ℓ ((1+Γ)e^Γ)^D (Li et al. 2023): β_n = K/n, g = K",
        ),
        parameters=(
            param("M", 1),
            param("lam", 0.5),
            param("n", 1000),
            param("delta", 0.05),
            param("L_loss", 1),
            param("Gamma", 0.5),
            param("D", 2),
            param("eps", 0.05),
            param("kappa", 1),
            param("i", 10),
            *_CONSTANTS,
        ),
        terms=thm1_terms(K / n, eps * GeometricSum(RHO, i), K / n * GeometricSum(RHO, i)),
        trivial_at=M,
        generation="i",
        growth_rate=RHO,
        monotone=_THM_MONOTONE
        + (
            Monotonicity("D", "nondecreasing", source="docs/theory.md §6.1 C5"),
            Monotonicity("Gamma", "nondecreasing", source="docs/theory.md §6.1 C5"),
        ),
        derivation=lambda: _thm_derivation("fu2025.thm2"),
        notes=("for constant λ > 0 and κ = 1: B_i ≤ c1·M·(1−λ)·ε/λ + O((1 + K/λ)·√(log(1/δ)/n)) uniformly in i (C5).",),
    )
)

# --- docs/theory.md §4.3: optimal synthetic size --------------------------------------
a = symbol("a")
m = sp.Symbol("m", nonnegative=True)
C = sp.Symbol("C", positive=True)


def optimal_m_objective() -> tuple[sp.Expr, sp.Expr]:
    r"""B(m)/M of docs/theory.md §4.3 and its simplified form in N = n + m.

    :math:`B(m)/M = c_1 (1-\lambda)\varepsilon/\lambda + C/\sqrt N` with λ = n/N, ε = a/√N.
    """
    N = n + m
    lam_m = n / N
    objective = c1 * (1 - lam_m) * (a / sp.sqrt(N)) / lam_m + C / sp.sqrt(N)
    return objective, sp.simplify(objective)


@cache
def solve_optimal_m() -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """m* by ``sympy.solve`` on dB/dm = 0, with the second derivative there.

    Returns ``(m_star, second_derivative_at_m_star, objective)``.
    """
    objective, _ = optimal_m_objective()
    critical = sp.solve(sp.diff(objective, m), m)
    if len(critical) != 1:
        raise ArithmeticError(f"expected one critical point of B(m), got {critical}")
    m_star = sp.factor(critical[0])
    curvature = sp.simplify(sp.diff(objective, m, 2).subs(m, m_star))
    return m_star, curvature, objective


def _optimal_m_derivation() -> Derivation:
    m_star, curvature, objective = solve_optimal_m()
    _, simplified = optimal_m_objective()
    steps = (
        Step("objective B(m)/M with lambda = n/(n+m), eps = a/sqrt(n+m), C = c3*sqrt(log(1/delta))", objective),
        Step("simplified", simplified),
        Step("critical point: sympy.solve(dB/dm = 0, m)", sp.Eq(sp.Symbol("m^*"), m_star)),
        Step("second derivative at m* (positive when C > c1*a)", curvature),
        Step(
            "interior optimum iff m* > 0, i.e. C > 2*c1*a; otherwise m* = 0", sp.Eq(sp.Symbol("m^*"), sp.Max(m_star, 0))
        ),
    )
    return Derivation("fu2025.optimal_m", steps, m_star)


#: m* as registered: sympy's critical point (checked against ``solve_optimal_m`` in the tests),
#: clipped at 0 (no interior optimum when C ≤ 2 c1 a).
M_STAR = sp.Max(n * (C / (c1 * a) - 2), 0).subs(C, c3 * sp.sqrt(LOG_INV_DELTA))

OPTIMAL_M = register(
    Bound(
        id="fu2025.optimal_m",
        title="optimal number m* of synthetic points next to n real points",
        citation=fu2025(
            "optimal synthetic data size (Section on how much synthetic data), reconstructed", "docs/theory.md §4.3"
        ),
        fidelity="derived",
        assumptions=(
            "generator learning error ε = a/√(n+m) (decreasing with its data)",
            "shift term from L3 with κ = 1, i → ∞, plus the sampling term of fu2025.thm1",
            "m* minimizes B(m) on m ≥ 0 (a minimum since d²B/dm² > 0 there when C > c1·a)",
        ),
        parameters=(param("n", 1000), param("a", 0.5), param("delta", 0.05), param("c1", 1), param("c3", 1)),
        terms=(("m_star", M_STAR),),
        kind="identity",
        monotone=(Monotonicity("n", "nondecreasing"), Monotonicity("a", "nonincreasing")),
        derivation=_optimal_m_derivation,
        notes=("m* grows linearly in n and is positive only when C = c3·√(log(1/δ)) > 2·c1·a.",),
    )
)

# --- docs/theory.md §4.3: the objective B(m) whose minimizer is m* ----------------------
#: ε = a/√N with N = n/λ = n + m: written in λ so that m* (not an integer in general) can be evaluated exactly.
_EPS_OF_N = a * sp.sqrt(lam / n)
_SYNTHETIC_SIZE_TERMS = (
    ("shift", c1 * M * (1 - lam) * _EPS_OF_N / lam),
    ("sampling", M * c3 * sp.sqrt(LOG_INV_DELTA) * sp.sqrt(lam / n)),
)


def _synthetic_size_derivation() -> Derivation:
    m_star, _, objective = solve_optimal_m()
    registered = sp.Add(*(e for _, e in _SYNTHETIC_SIZE_TERMS)).subs(M, 1)
    difference = sp.simplify(registered.subs(lam, n / (n + m)).subs(c3 * sp.sqrt(LOG_INV_DELTA), C) - objective)
    steps = (
        Step("objective of fu2025.optimal_m: B(m)/M with lambda = n/(n+m), eps = a/sqrt(n+m)", objective),
        Step("registered form B/M in lambda = n/N (N = n + m)", registered),
        Step(
            "registered form at lambda = n/(n+m), C = c3*sqrt(log(1/delta)), minus the objective (simplified)"
            + ("" if difference == 0 else ": MISMATCH"),
            difference,
        ),
        Step("its minimizer over m >= 0 (fu2025.optimal_m)", sp.Eq(sp.Symbol("m^*"), sp.Max(m_star, 0))),
    )
    return Derivation("fu2025.synthetic_size_objective", steps, registered)


SYNTHETIC_SIZE_OBJECTIVE = register(
    Bound(
        id="fu2025.synthetic_size_objective",
        title="the objective B(m) (limit shift + sampling terms) minimized by the optimal synthetic size m*",
        citation=fu2025(
            "optimal synthetic data size (Section on how much synthetic data), reconstructed", "docs/theory.md §4.3"
        ),
        fidelity="derived",
        assumptions=(
            "n real and m synthetic points, N = n + m, λ = n/N (give m or lam)",
            "generator learning error ε = a/√N (decreasing with its data)",
            "shift term from L3 with κ = 1, i → ∞ (c1·M·(1−λ)·ε/λ), plus the sampling term c3·M·√(log(1/δ)/N)",
        ),
        parameters=(
            param("M", 1),
            param("n", 1000),
            param("lam", 0.5),
            param("a", 0.5),
            param("delta", 0.05),
            param("c1", 1),
            param("c3", 1),
        ),
        terms=_SYNTHETIC_SIZE_TERMS,
        constraints=(Constraint(lam > 0, "lam must be > 0 (m finite: B(m) → ∞ as m → ∞)"),),
        monotone=(
            Monotonicity("n", "nonincreasing"),
            Monotonicity("a", "nondecreasing"),
            Monotonicity("delta", "nonincreasing"),
            Monotonicity("M", "nondecreasing"),
            Monotonicity("lam", "nonincreasing", term="shift"),
            Monotonicity("lam", "nondecreasing", term="sampling"),
        ),
        derivation=_synthetic_size_derivation,
        notes=(
            "= M·[(c1·a/n)·√N + (C − c1·a)/√N] with C = c3·√(log(1/δ)); minimized over m ≥ 0 at "
            "m* = max(n·(C/(c1·a) − 2), 0) (fu2025.optimal_m).",
        ),
    )
)
