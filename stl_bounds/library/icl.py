r"""In-context linear regression, Λ = I (docs/theory.md §5.6).

x ~ N(0, I_d), w ~ N(0, I_d), N context pairs y_i = wᵀx_i + ε_i with ε_i ~ N(0, σ²), a
noiseless query; risk E(ŷ − wᵀx_q)² = E‖ŵ − w‖² for a linear predictor ŷ = ŵᵀx_q.

* OLS (N ≥ d + 2): ŵ − w = (XᵀX)⁻¹Xᵀε, risk σ² E tr (XᵀX)⁻¹ = σ²d/(N − d − 1).
* One gradient step from 0 with step γ: ŵ = γ(S w + Xᵀε/N), S = XᵀX/N, so
  risk(γ) = E‖(γS − I)w‖² + γ²σ² E tr S/N = d[γ²(1 + (d + 1 + σ²)/N) − 2γ + 1], using
  E tr S = d and E tr S² = d(N + d + 1)/N.  γ = 1 is averaging, d(d + 1 + σ²)/N; the minimizer
  γ* = N/(N + d + 1 + σ²) gives d(d + 1 + σ²)/(N + d + 1 + σ²), the global optimum of one
  layer of linear self-attention (Ahn et al. 2023; Zhang, Frei, Bartlett 2024).

E tr S² is derived in the lazy derivation from the χ² moments (E‖x‖⁴ = d(d + 2) by
``sympy.integrate``, E(x_kᵀx_l)² = d for k ≠ l); γ* by ``sympy.solve``.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from stl_bounds.bound import Bound, Citation, Constraint, Monotonicity
from stl_bounds.derivation import Derivation, Step
from stl_bounds.parameters import param, symbol
from stl_bounds.registry import register

d, N, sigma2 = (symbol(s) for s in ("d", "N", "sigma2"))
gamma = sp.Symbol("gamma", positive=True)

LSA_PAPERS = (
    "Ahn, Cheng, Daneshmand, Sra, Transformers learn to implement preconditioned gradient descent for "
    "in-context learning, NeurIPS 2023; Zhang, Frei, Bartlett, Trained Transformers Learn Linear Models "
    "In-Context, JMLR 2024"
)


def _theory(location: str) -> Citation:
    return Citation(
        paper="stl-bounds docs/theory.md: exact risks of linear in-context predictors (Wishart moments)",
        location=location,
        theory="docs/theory.md §5.6",
    )


@cache
def one_step_risk() -> dict[str, sp.Expr]:
    """risk(γ) of one gradient step, γ* and the risks at γ = 1 and γ* (sympy; lazy).

    E tr S² = (1/N²)[N E‖x‖⁴ + N(N − 1) E(x_kᵀx_l)²] with E‖x‖⁴ = E(χ²_d)² from the χ² moment.
    """
    from stl_bounds.library.gaussian import chi2_moment

    moment, f, s = chi2_moment()
    fourth = sp.gammasimp(moment.subs({f: d, s: 2}))
    trace_s2 = sp.factor((N * fourth + N * (N - 1) * d) / N**2)
    trace_s = d
    # E||(γS − I)w||² = E tr (γS − I)² for w ~ N(0, I) independent of S; noise: γ²σ² E tr S / N
    risk = sp.factor(gamma**2 * trace_s2 - 2 * gamma * trace_s + d + gamma**2 * sigma2 * trace_s / N)
    (gamma_star,) = sp.solve(sp.diff(risk, gamma), gamma)
    return {
        "fourth_moment": fourth,
        "trace_s2": trace_s2,
        "risk": risk,
        "averaging": sp.factor(risk.subs(gamma, 1)),
        "gamma_star": sp.factor(gamma_star),
        "curvature": sp.factor(sp.diff(risk, gamma, 2)),
        "optimum": sp.factor(risk.subs(gamma, gamma_star)),
    }


def _derivation(bound_id: str, registered: sp.Expr) -> Derivation:
    if bound_id == "icl.ols.risk":
        steps = (
            Step(
                "w_hat - w = (X^T X)^-1 X^T eps; E (X^T X)^-1 = I/(N - d - 1) (inverse-Wishart mean)",
                sp.Eq(sp.Symbol("E tr (X^T X)^-1"), d / (N - d - 1)),
            ),
            Step("risk = sigma^2 E tr (X^T X)^-1", registered),
        )
        return Derivation(bound_id, steps, registered)
    sol = one_step_risk()
    steps = [
        Step("E ||x||^4 = E (chi2_d)^2 from the chi2 moment (sympy.integrate)", sol["fourth_moment"]),
        Step("E tr S^2, S = X^T X / N", sol["trace_s2"]),
        Step("risk of w_hat = gamma (S w + X^T eps / N)", sp.Eq(sp.Symbol("R(gamma)"), sol["risk"])),
    ]
    if bound_id == "icl.averaging.risk":
        steps.append(Step("gamma = 1 (averaging)", sol["averaging"]))
        result = sol["averaging"]
    else:
        steps += [
            Step("gamma* (sympy.solve dR/dgamma = 0)", sol["gamma_star"]),
            Step("d^2R/dgamma^2 > 0: a minimum", sol["curvature"]),
            Step("R(gamma*)", sol["optimum"]),
        ]
        result = sol["optimum"]
    steps.append(Step("registered form", registered))
    return Derivation(bound_id, tuple(steps), result)


_ASSUMPTIONS = (
    "x ~ N(0, I_d) (Λ = I), w ~ N(0, I_d), N context pairs with label noise N(0, σ²)",
    "noiseless query label; risk E(ŷ − wᵀx_q)²",
)
_MONOTONE = (
    Monotonicity("N", "nonincreasing"),
    Monotonicity("d", "nondecreasing"),
    Monotonicity("sigma2", "nondecreasing"),
)
_PARAMS = (param("d", 5), param("N", 20), param("sigma2", 0.25))

OLS = register(
    Bound(
        id="icl.ols.risk",
        title="risk of ordinary least squares on N in-context examples",
        citation=_theory("OLS on the context, inverse-Wishart mean"),
        fidelity="exact",
        assumptions=(*_ASSUMPTIONS, "OLS on the N context pairs, N ≥ d + 2"),
        parameters=_PARAMS,
        terms=(("risk", sigma2 * d / (N - d - 1)),),
        kind="identity",
        constraints=(Constraint(N >= d + 2, "N must be >= d + 2 (E (XᵀX)⁻¹ is finite)"),),
        monotone=_MONOTONE,
        derivation=lambda: _derivation("icl.ols.risk", OLS.expr),
    )
)

AVERAGING = register(
    Bound(
        id="icl.averaging.risk",
        title="risk of one gradient step from 0 with step 1 (averaging ŷ = x_qᵀ Σ y_i x_i / N)",
        citation=_theory("one gradient step with step 1, Wishart second moment"),
        fidelity="exact",
        assumptions=(*_ASSUMPTIONS, "predictor ŷ = x_qᵀ (1/N) Σ y_i x_i"),
        parameters=_PARAMS,
        terms=(("risk", d * (d + 1 + sigma2) / N),),
        kind="identity",
        monotone=_MONOTONE,
        derivation=lambda: _derivation("icl.averaging.risk", AVERAGING.expr),
    )
)

LSA_OPT = register(
    Bound(
        id="icl.lsa_opt.risk",
        title="risk of the optimal one-layer linear self-attention (optimally scaled gradient step)",
        citation=Citation(
            LSA_PAPERS, "global optimum of one-layer linear self-attention, isotropic inputs", "docs/theory.md §5.6"
        ),
        fidelity="external",
        assumptions=(
            *_ASSUMPTIONS,
            "one-layer linear self-attention at its global optimum = one gradient step with γ* = N/(N + d + 1 + σ²)",
        ),
        parameters=_PARAMS,
        terms=(("risk", d * (d + 1 + sigma2) / (N + d + 1 + sigma2)),),
        kind="identity",
        monotone=_MONOTONE,
        derivation=lambda: _derivation("icl.lsa_opt.risk", LSA_OPT.expr),
        notes=("below both averaging (γ = 1) and the trivial predictor (risk d).",),
    )
)
