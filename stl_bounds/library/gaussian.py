r"""Exact results for Gaussian self-consuming loops (docs/theory.md §5.1-§5.4, §5.9).

Every fit is the sample mean and the sample variance (``unbiased``: ddof = 1; ``mle``:
ddof = 0) of the current training set, and the next generation samples from
N(μ̂_t, σ̂_t²); t counts fits, t = 1 being the fit on real data (t = i + 1).

* §5.1 ``replace``: σ̂_t² = σ² ∏_{s≤t} χ²_{n−1}/k with k = n − 1 (unbiased) or n (MLE), so
  every moment is a power of one χ² moment; the mean performs a random walk.
* §5.2 ``fresh``/``reused``: the pooled fit gives a 2×2 linear recursion
  s_{t+1} = A s_t + b for (mean error, variance).  With B = [[A, b/σ²], [0, 1]] (eigenvalues
  α ≥ β of A, and 1) Cayley-Hamilton gives the Newton form
  B^τ = β^τ I + x^τ[α, β](B − βI) + x^τ[α, β, 1](B − βI)(B − αI), with divided differences
  of powers (:class:`~stl_bounds.special.DividedPower`): no 0/0 where α = β (λ = 0 or 1),
  only non-negative terms.
* §5.3 ``accumulate``: products ∏(1 − 1/(k²n)) and ∏(1 − 1/(k(kn − 1))), written with
  :class:`~stl_bounds.special.LogGammaRatio` in log space.
* §5.4 ``weighted`` (He, Xu, Cheng 2025): the stationary error and its optimal weight.
* §5.9 ``accumulate_subsample`` (regime of Kazdan et al. 2024): the expected pool variance obeys
  E V_{t+1} = c_t E V_t (finite-population corrections of the subsample), and the second moment
  E μ̂_t² + E σ̂_t² = σ² is conserved; the product ∏ c_k is written with LogGammaRatio.

The closed forms are *derived* by the lazy ``derivation`` callables (``sympy.integrate`` of
the χ² density, ``rsolve``, ``product``, Gosper summation, ``Matrix`` eigenvalues,
``solve`` for fixed points and optimal weights, ``limit``); the registered terms are
evaluation-friendly forms of the same expressions, and the tests check both against direct
iteration of the recursions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import sympy as sp
from sympy.codegen.cfunctions import expm1
from sympy.concrete.gosper import gosper_sum

from stl_bounds.bound import Bound, Citation, Constraint, Monotonicity
from stl_bounds.derivation import Derivation, Step
from stl_bounds.parameters import param, symbol
from stl_bounds.registry import register
from stl_bounds.special import DigammaMinusLog, DividedPower, GeometricSum, LogGammaRatio

sigma, n, t, lam, d, k, w = (symbol(s) for s in ("sigma", "n", "t", "lam", "d", "k", "w"))
q = 1 - lam

HE2025 = Citation(
    paper="He, Xu, Cheng, Golden Ratio Mixing of Real and Synthetic Data for Stabilizing Generative Model "
    "Training (later versions: Golden Ratio Weighting Prevents Model Collapse), 2025",
    location="Gaussian mean estimation with the weighted training scheme",
    theory="docs/theory.md §5.4",
    arxiv="arXiv:2502.18049",
)


def _exact(location: str, section: str) -> Citation:
    return Citation(
        paper="stl-bounds docs/theory.md: exact moments of Gaussian loops (χ² laws, Cochran and Bartlett "
        "decompositions)",
        location=location,
        theory=section,
    )


_N_AT_LEAST_2 = Constraint(n >= 2, "n must be >= 2 (the unbiased variance of n points needs n >= 2)")
_SIGMA_UP = Monotonicity("sigma", "nondecreasing")
_PARAMS = (param("sigma", 1), param("n", 100), param("t", 10))
_REPLACE = "replace loop: each fit uses n points drawn from the previous fit only (λ = 0)"

# --- docs/theory.md §5.1: the χ² moments and scalar recursions ---------------------------------------


@cache
def chi2_moment() -> tuple[sp.Expr, sp.Symbol, sp.Symbol]:
    r"""E X^s for X ~ χ²_f by ``sympy.integrate`` of the density: :math:`2^s Γ(f/2+s)/Γ(f/2)`.

    Returns ``(moment, f, s)``.
    """
    x = sp.Symbol("x", positive=True)
    f = sp.Symbol("f", positive=True)
    s = sp.Symbol("s", real=True)
    density = x ** (f / 2 - 1) * sp.exp(-x / 2) / (2 ** (f / 2) * sp.gamma(f / 2))
    moment = sp.gammasimp(sp.integrate(x**s * density, (x, 0, sp.oo), conds="none"))
    return moment, f, s


def chi2_ratio_moments(k_: sp.Expr) -> dict[str, sp.Expr]:
    """E Y, E √Y and E log Y for Y = χ²_{n−1}/k_, from the χ² moment (Mellin transform)."""
    moment, f, s = chi2_moment()
    at = moment.subs(f, n - 1)
    return {
        "mean": sp.simplify(sp.expand_func(at.subs(s, 1) / k_)),
        "sqrt": sp.gammasimp(at.subs(s, sp.S.Half) / sp.sqrt(k_)),
        "log": sp.expand_log(sp.diff(moment, s).subs(s, 0).subs(f, n - 1) - sp.log(k_), force=True),
    }


def rsolve_affine(ratio: sp.Expr, increment: sp.Expr, start: sp.Expr) -> sp.Expr:
    """x_t = ratio·x_{t−1} + increment (increment may depend on t), x_0 = start, by ``sympy.rsolve``."""
    x = sp.Function("x")
    return sp.factor(sp.rsolve(x(t) - ratio * x(t - 1) - increment, x(t), {x(0): start}))


@cache
def replace_moments(estimator: str) -> dict[str, sp.Expr]:
    """E σ̂_t², E(μ̂_t − μ)², E σ̂_t, E log σ̂_t² of the replace loop, derived (docs/theory.md §5.1).

    σ̂_t² = σ̂_{t−1}² Y_t with Y_t = χ²_{n−1}/k i.i.d. (σ̂_0 = σ), and
    μ̂_t = μ̂_{t−1} + N(0, σ̂_{t−1}²/n), so E(μ̂_t − μ)² = E(μ̂_{t−1} − μ)² + E σ̂_{t−1}²/n.
    """
    y = chi2_ratio_moments(n - 1 if estimator == "unbiased" else n)
    var = rsolve_affine(y["mean"], 0, sigma**2)
    return {
        "Y": y,
        "var": var,
        "mean_sq_err": rsolve_affine(1, var.subs(t, t - 1) / n, 0),
        "std": rsolve_affine(y["sqrt"], 0, sigma),
        "log_var": rsolve_affine(1, y["log"], sp.log(sigma**2)),
    }


def _replace_derivation(bound_id: str, estimator: str, key: str, registered: sp.Expr) -> Derivation:
    moments = replace_moments(estimator)
    moment = chi2_moment()[0]
    y = moments["Y"]
    k_ = "n - 1" if estimator == "unbiased" else "n"
    steps = [
        Step("Mellin transform of chi2_f by sympy.integrate of its density", sp.Eq(sp.Symbol("E[X^s]"), moment)),
        Step(f"Y = chi2_(n-1)/({k_}): E[Y], E[sqrt(Y)], E[log Y]", sp.Tuple(y["mean"], y["sqrt"], y["log"])),
        Step("E sigma_t^2 from v_t = E[Y] v_(t-1), v_0 = sigma^2 (sympy.rsolve)", moments["var"]),
    ]
    if key in ("mean_sq_err", "w2_sq"):
        steps.append(Step("m_t = m_(t-1) + v_(t-1)/n, m_0 = 0 (sympy.rsolve)", moments["mean_sq_err"]))
    if key in ("std", "w2_sq"):
        steps.append(Step("E sigma_t from s_t = E[sqrt(Y)] s_(t-1), s_0 = sigma (sympy.rsolve)", moments["std"]))
    if key == "log_var":
        steps.append(Step("E log sigma_t^2 = E log sigma_(t-1)^2 + E[log Y] (sympy.rsolve)", moments[key]))
    if key == "w2_sq":
        derived = moments["mean_sq_err"] + moments["var"] - 2 * sigma * moments["std"] + sigma**2
        steps.append(Step("W2^2 = (mu_t - mu)^2 + (sigma_t - sigma)^2 for 1-D Gaussians; expectation", derived))
        moments = {**moments, key: derived}
    steps.append(Step("registered (evaluation) form", registered))
    return Derivation(bound_id, tuple(steps), moments[key])


#: log c(n) = log E[sqrt(χ²_{n−1}/(n−1))] = LogGammaRatio((n−1)/2, 1/2) (docs/theory.md §5.1).
LOG_C = LogGammaRatio((n - 1) / 2, sp.S.Half)


def _replace(key: str, title: str, term: sp.Expr | tuple[tuple[str, sp.Expr], ...], **kwargs: Any) -> Bound:
    estimator, name = key.split(".")
    bound_id = f"gauss.replace.{key}"
    terms = term if isinstance(term, tuple) else ((name, term),)
    registered = sp.Add(*(e for _, e in terms))
    return register(
        Bound(
            id=bound_id,
            title=title,
            citation=_exact(f"{estimator} replace loop, 1-D", "docs/theory.md §5.1"),
            fidelity="exact",
            assumptions=(
                _REPLACE,
                f"{estimator} fits: sample mean and variance with ddof = {1 if estimator == 'unbiased' else 0}",
                "real data N(μ, σ²)",
            ),
            parameters=_PARAMS,
            terms=terms,
            generation="t",
            kind="identity",
            derivation=lambda: _replace_derivation(bound_id, estimator, name, registered),
            **kwargs,
        )
    )


UNBIASED_MEAN_SQ_ERR = _replace(
    "unbiased.mean_sq_err",
    "E(μ̂_t − μ)² of the unbiased replace loop: the mean performs a random walk",
    sigma**2 * t / n,
    growth_rate=sp.Integer(1),
    constraints=(_N_AT_LEAST_2,),
    monotone=(_SIGMA_UP, Monotonicity("t", "nondecreasing"), Monotonicity("n", "nonincreasing")),
    notes=("grows linearly in t (critical: every fit adds σ²/n).",),
)
UNBIASED_VAR = _replace(
    "unbiased.var",
    "E σ̂_t² of the unbiased replace loop (constant, although σ̂_t → 0 almost surely)",
    sigma**2,
    constraints=(_N_AT_LEAST_2,),
    monotone=(_SIGMA_UP,),
    notes=("the expectation is constant while σ̂_t → 0 a.s.: see gauss.replace.unbiased.log_var.",),
)
UNBIASED_STD = _replace(
    "unbiased.std",
    "E σ̂_t = σ c(n)^t of the unbiased replace loop",
    sigma * sp.exp(t * LOG_C),
    constraints=(_N_AT_LEAST_2,),
    monotone=(_SIGMA_UP, Monotonicity("t", "nonincreasing"), Monotonicity("n", "nondecreasing")),
    notes=("c(n) = √(2/(n−1)) Γ(n/2)/Γ((n−1)/2) = exp(LogGammaRatio((n−1)/2, 1/2)) < 1.",),
)
UNBIASED_LOG_VAR = _replace(
    "unbiased.log_var",
    "E log σ̂_t² of the unbiased replace loop: drifts to −∞, so σ̂_t → 0 almost surely",
    (
        ("log_sigma2", sp.log(sigma**2)),
        ("drift", t * DigammaMinusLog((n - 1) / 2)),
    ),
    constraints=(_N_AT_LEAST_2,),
    monotone=(_SIGMA_UP, Monotonicity("t", "nonincreasing"), Monotonicity("n", "nondecreasing")),
    notes=("drift per fit ψ((n−1)/2) + log(2/(n−1)) ≈ −1/(n−1) < 0: collapse on a time scale of ~n fits.",),
)
UNBIASED_W2_SQ = _replace(
    "unbiased.w2_sq",
    "E W₂²(N(μ̂_t, σ̂_t²), N(μ, σ²)) of the unbiased replace loop",
    (
        ("mean", sigma**2 * t / n),
        ("scale", -2 * sigma**2 * expm1(t * LOG_C)),
    ),
    growth_rate=sp.Integer(1),
    constraints=(_N_AT_LEAST_2,),
    monotone=(_SIGMA_UP, Monotonicity("t", "nondecreasing"), Monotonicity("n", "nonincreasing")),
    notes=("σ²[t/n + 2 − 2c(n)^t]: linear growth from the mean, the scale term tends to 2σ².",),
)
MLE_VAR = _replace(
    "mle.var",
    "E σ̂_t² = σ²(1 − 1/n)^t of the MLE replace loop",
    sigma**2 * (1 - 1 / n) ** t,
    monotone=(_SIGMA_UP, Monotonicity("t", "nonincreasing"), Monotonicity("n", "nondecreasing")),
)
MLE_MEAN_SQ_ERR = _replace(
    "mle.mean_sq_err",
    "E(μ̂_t − μ)² = σ²(1 − (1 − 1/n)^t) of the MLE replace loop",
    sigma**2 / n * GeometricSum(1 - 1 / n, t),
    growth_rate=1 - 1 / n,
    monotone=(_SIGMA_UP, Monotonicity("t", "nondecreasing"), Monotonicity("n", "nonincreasing")),
    notes=("bounded by σ², reached as the fitted variance collapses (all information on μ lost).",),
)


# --- docs/theory.md §5.1: generalized variance in d dimensions ----------------------------------------


_J = sp.Symbol("j", integer=True, nonnegative=True)


@cache
def det_ratio_closed_form(estimator: str) -> tuple[sp.Expr, sp.Expr]:
    """E det Σ̂_1/det Σ = ∏_{j<d} (n−1−j)/k (``sympy.product``; Bartlett: det W = ∏ χ²_{n−1−j}),
    and its t-th power by ``rsolve``.  Returns ``(one_fit, after_t_fits)``."""
    k_ = n - 1 if estimator == "unbiased" else n
    one_fit = sp.product(n - 1 - _J, (_J, 0, d - 1)) / k_**d
    return one_fit, rsolve_affine(one_fit, 0, 1)


def _det_derivation(bound_id: str, estimator: str, registered: sp.Expr) -> Derivation:
    one_fit, closed = det_ratio_closed_form(estimator)
    steps = (
        Step(
            "Bartlett: det W / det Sigma = prod_(j<d) chi2_(n-1-j) for W ~ Wishart_d(n-1, Sigma); expectation",
            sp.Eq(sp.Symbol("E[det W/det Sigma]"), sp.Product(n - 1 - _J, (_J, 0, d - 1))),
        ),
        Step("E det Sigma_1 / det Sigma (sympy.product)", one_fit),
        Step("x_t = x_(t-1) * E det ratio, x_0 = 1 (sympy.rsolve; fits are independent)", closed),
        Step("registered form: log prod_(j<d)(n-1-j) = LogGammaRatio(n-d, d) + d log(n-d)", registered),
    )
    return Derivation(bound_id, steps, closed)


def _det_ratio(estimator: str, log_one_fit: sp.Expr) -> Bound:
    bound_id = f"gauss.replace.{estimator}.det_ratio"
    registered = sp.exp(t * log_one_fit)
    return register(
        Bound(
            id=bound_id,
            title=f"E det Σ̂_t / det Σ of the {estimator} replace loop in d dimensions (generalized variance)",
            citation=_exact(f"{estimator} replace loop, d dimensions", "docs/theory.md §5.1"),
            fidelity="exact",
            assumptions=(
                _REPLACE,
                f"{estimator} covariance fits (divisor {'n − 1' if estimator == 'unbiased' else 'n'})",
                "real data N(μ, Σ) in d dimensions",
            ),
            parameters=(param("d", 5), param("n", 100), param("t", 10)),
            terms=(("det_ratio", registered),),
            generation="t",
            kind="identity",
            constraints=(Constraint(n >= d + 1, "n must be >= d + 1 (a non-singular covariance fit)"),),
            monotone=(
                Monotonicity("t", "nonincreasing"),
                Monotonicity("n", "nondecreasing"),
                Monotonicity("d", "nonincreasing"),
            ),
            derivation=lambda: _det_derivation(bound_id, estimator, registered),
            notes=("collapses geometrically in t even for the unbiased fit (for d ≥ 2).",),
        )
    )


UNBIASED_DET_RATIO = _det_ratio("unbiased", LogGammaRatio(n - d, d) + d * sp.log((n - d) / (n - 1)))
MLE_DET_RATIO = _det_ratio("mle", LogGammaRatio(n - d, d) + d * sp.log((n - d) / n))


# --- docs/theory.md §5.2: mixed loops, a 2×2 linear system --------------------------------------------

_DISC = sp.sqrt(lam**2 + 4 * lam / (n - 1))
_ALPHA_OVER_Q = (2 - lam + _DISC) / 2
#: Eigenvalues α ≥ β ≥ 0 of A (docs/theory.md §5.2), in forms without cancellation:
#: αβ = det A = q²(nq − 1)/(n − 1), and q − β ≥ 0 as a sum of non-negative terms.
ALPHA = q * _ALPHA_OVER_Q
BETA = q * (n * q - 1) / ((n - 1) * _ALPHA_OVER_Q)
Q_MINUS_BETA = q * ((n + 1) * lam + (n - 1) * _DISC) / (2 * (n - 1) * _ALPHA_OVER_Q)
#: Share of real points' variance kept by the reused real set: (λn − 1)/(n − 1).
KAPPA_R = (lam * n - 1) / (n - 1)


def _d(tau: sp.Expr) -> sp.Expr:
    return DividedPower(tau, ALPHA, BETA)


def _h(tau: sp.Expr) -> sp.Expr:
    return DividedPower(tau, ALPHA, BETA, 1)


@dataclass(frozen=True)
class MixedSystem:
    """The 2×2 recursion of a mixed loop, solved by sympy (docs/theory.md §5.2).

    Attributes
    ----------
    matrix, b
        A and b of s_{t+1} = A s_t + b, s = (mean error, E σ̂²).
    offset, start
        s_offset = start.
    eigenvalues
        (α, β), α ≥ β, by ``Matrix.eigenvals``.
    fixed_point
        s* with (I − A)s* = b, by ``sympy.solve``.
    newton
        (z, (B − βI)z, (B − βI)(B − αI)z) for B = [[A, b/σ²], [0, 1]] and z = (start, σ²); the
        last is computed as (B² − tr(A)B + det(A)I)z (Vieta), so it is rational in λ, n.
    closed_form
        s_t = β^τ z + x^τ[α, β](B − βI)z + x^τ[α, β, 1](B − βI)(B − αI)z with τ = t − offset
        (Cayley-Hamilton: B has the eigenvalues α, β, 1).
    limit
        lim_{t→∞} of the closed form from :func:`divided_power_limits` (``sympy.limit``).
    limit_is_fixed_point
        Whether ``sympy.cancel(limit - fixed_point)`` is zero.
    """

    matrix: sp.Matrix
    b: sp.Matrix
    offset: int
    start: sp.Matrix
    eigenvalues: tuple[sp.Expr, sp.Expr]
    fixed_point: sp.Matrix
    newton: tuple[sp.Matrix, sp.Matrix, sp.Matrix]
    closed_form: sp.Matrix
    limit: sp.Matrix
    limit_is_fixed_point: bool


@cache
def divided_power_limits() -> tuple[sp.Expr, sp.Expr, tuple[sp.Symbol, sp.Symbol]]:
    """lim_{τ→∞} x^τ[a, b] and x^τ[a, b, 1] for 0 ≤ a, b < 1: in the Lagrange forms every a^τ, b^τ
    tends to 0 (``sympy.limit`` of (1/(1+u))^τ with u > 0), which leaves 0 and 1/((1 − a)(1 − b)).

    Returns ``(limit_two_nodes, limit_three_nodes, (a, b))``.
    """
    u = sp.Symbol("u", positive=True)
    a, b = sp.symbols("a b")
    tau = sp.Symbol("tau", integer=True, positive=True)
    vanish = sp.limit((1 / (1 + u)) ** tau, tau, sp.oo)
    powers = {a**tau: vanish, b**tau: vanish}
    two, three = (sp.factor(DividedPower(tau, *nodes).rewrite(sp.Pow).subs(powers)) for nodes in ((a, b), (a, b, 1)))
    return two, three, (a, b)


@cache
def mixed_system(regime: str) -> MixedSystem:
    """Solve the ``fresh`` or ``reused`` recursion of docs/theory.md §5.2 with sympy.

    fresh: m_{t+1} = q²m_t + λσ²/n + q v_t/n, v_{t+1} = λσ² + q v_t + nλq/(n−1) m_t, from
    s_0 = (0, σ²) (which gives s_1 = (σ²/n, σ²)); reused: u_{t+1} = q²u_t + q v_t/n,
    v_{t+1} = (λn−1)σ²/(n−1) + q v_t + nλq/(n−1) u_t, from s_1 = (0, σ²); q = 1 − λ.
    """
    A = sp.Matrix([[q**2, q / n], [n * lam * q / (n - 1), q]])
    if regime == "fresh":
        b, offset = sp.Matrix([lam * sigma**2 / n, lam * sigma**2]), 0
    else:
        b, offset = sp.Matrix([0, KAPPA_R * sigma**2]), 1
    start = sp.Matrix([0, sigma**2])
    sample = {lam: sp.Rational(1, 2), n: 10}
    alpha, beta = sorted(A.eigenvals(), key=lambda e: -float(e.subs(sample)))
    s = sp.Matrix(sp.symbols("m_star v_star"))
    fixed = s.subs(sp.solve(list((sp.eye(2) - A) * s - b), list(s), dict=True)[0]).applyfunc(sp.factor)
    B = sp.Matrix(sp.BlockMatrix([[A, b / sigma**2], [sp.zeros(1, 2), sp.ones(1, 1)]]))
    z = start.col_join(sp.Matrix([sigma**2]))
    first = ((B - beta * sp.eye(3)) * z).applyfunc(lambda e: sp.factor(sp.radsimp(e)))
    second = ((B**2 - A.trace() * B + A.det() * sp.eye(3)) * z).applyfunc(sp.factor)
    tau = t - offset
    closed = beta**tau * z + DividedPower(tau, alpha, beta) * first + DividedPower(tau, alpha, beta, 1) * second
    two, three, (a, bb) = divided_power_limits()
    at = {a: alpha, bb: beta}
    # 1/three = (1 − α)(1 − β) expands to 1 − tr A + det A (Vieta): rational in λ, n
    limit = (two.subs(at) * first + second / sp.expand(1 / three.subs(at)))[:2, 0].applyfunc(sp.factor)
    return MixedSystem(
        matrix=A,
        b=b,
        offset=offset,
        start=start,
        eigenvalues=(alpha, beta),
        fixed_point=fixed,
        newton=(z, first, second),
        closed_form=closed[:2, 0],
        limit=limit,
        limit_is_fixed_point=(limit - fixed).applyfunc(sp.cancel) == sp.zeros(2, 1),
    )


def _mixed_derivation(bound_id: str, regime: str, row: int, registered: sp.Expr, floor: sp.Expr) -> Derivation:
    system = mixed_system(regime)
    z, first, second = system.newton
    closed = floor + system.closed_form[row]
    now = sp.Matrix(sp.symbols("m_t v_t") if regime == "fresh" else sp.symbols("u_t v_t"))
    after = sp.Matrix([sp.Symbol(f"{c.name[0]}_(t+1)") for c in now])
    first_fit = (system.matrix * system.start + system.b).applyfunc(sp.factor) if system.offset == 0 else system.start
    steps = (
        Step("recursion s_(t+1) = A s_t + b", sp.Eq(after, system.matrix * now + system.b, evaluate=False)),
        Step(f"start s_{system.offset}, first fit s_1", sp.Tuple(system.start.T, first_fit.T)),
        Step("eigenvalues alpha >= beta of A (Matrix.eigenvals)", sp.Tuple(*system.eigenvalues)),
        Step("fixed point (I - A) s* = b (sympy.solve)", system.fixed_point),
        Step(
            "Newton coefficients z, (B - beta I) z, (B - beta I)(B - alpha I) z of B = [[A, b/sigma^2], [0, 1]]",
            sp.Tuple(z.T, first.T, second.T),
        ),
        Step(
            "closed form (Cayley-Hamilton, B has eigenvalues alpha, beta, 1): B^tau = beta^tau I"
            " + x^tau[alpha,beta](B - beta I) + x^tau[alpha,beta,1](B - beta I)(B - alpha I)",
            closed,
        ),
        Step("registered form (alpha, beta without cancellation; equal to the closed form)", registered),
        Step(
            "limit t -> oo (sympy.limit of the powers of alpha, beta): "
            + ("equals the fixed point" if system.limit_is_fixed_point else "MISMATCH with the fixed point"),
            floor + system.limit[row],
        ),
    )
    return Derivation(bound_id, steps, closed)


_LAM_N_INTEGER = Constraint(
    sp.Abs(lam * n - sp.floor(lam * n + sp.S.Half, evaluate=False), evaluate=False) <= 1e-9 * n,
    "lam*n must be an integer (the number of real points per generation, docs/theory.md §5.2)",
)
_MIXED_ASSUMPTIONS = (
    "1-D Gaussian N(μ, σ²); every fit is the pooled sample mean and unbiased variance (ddof = 1) of n points",
    "λn real and (1 − λ)n synthetic points per fit, λn an integer",
)


def _mixed(regime: str, key: str, title: str, terms: tuple[tuple[str, sp.Expr], ...], **kwargs: Any) -> Bound:
    bound_id = f"gauss.{regime}.{key}"
    row = 0 if key == "mean_sq_err" else 1
    floor = sigma**2 / (lam * n) if (regime, key) == ("reused", "mean_sq_err") else sp.Integer(0)
    registered = sp.Add(*(e for _, e in terms))
    return register(
        Bound(
            id=bound_id,
            title=title,
            citation=_exact(f"{regime} mixed loop, pooled unbiased fit, 1-D", "docs/theory.md §5.2"),
            fidelity="exact",
            parameters=(param("sigma", 1), param("n", 100), param("lam", 0.5), param("t", 10)),
            terms=terms,
            generation="t",
            growth_rate=ALPHA,
            kind="identity",
            m_alias=False,  # n counts every point of a fit here, not the real ones (docs/theory.md §5.2)
            derivation=lambda: _mixed_derivation(bound_id, regime, row, registered, floor),
            limit=lambda: floor + mixed_system(regime).fixed_point[row],
            **kwargs,
        )
    )


_FRESH_ASSUMPTIONS = (*_MIXED_ASSUMPTIONS, "fresh: new real points are drawn for every fit")
_FRESH_MONOTONE = (_SIGMA_UP, Monotonicity("t", "nondecreasing", source="A ≥ 0 entry-wise and s_1 ≥ s_0"))
FRESH_MEAN_SQ_ERR = _mixed(
    "fresh",
    "mean_sq_err",
    "E(μ̂_t − μ)² of the mixed loop with fresh real data",
    (("mean_sq_err", sigma**2 / n * (_d(t) + lam * _h(t))),),
    assumptions=_FRESH_ASSUMPTIONS,
    constraints=(_N_AT_LEAST_2, _LAM_N_INTEGER),
    monotone=_FRESH_MONOTONE,
    notes=("converges for λ > 0 (spectral radius α < 1 when λn ≥ 1); λ = 0 is the replace loop, σ²t/n.",),
)
FRESH_VAR = _mixed(
    "fresh",
    "var",
    "E σ̂_t² of the mixed loop with fresh real data",
    (("var", sigma**2 * (BETA**t + (lam + Q_MINUS_BETA) * _d(t) + lam**2 * (1 + n * q / (n - 1)) * _h(t))),),
    assumptions=_FRESH_ASSUMPTIONS,
    constraints=(_N_AT_LEAST_2, _LAM_N_INTEGER),
    monotone=_FRESH_MONOTONE,
    notes=("converges for λ > 0 to σ²(n − 1 + q − q²n)/(n − 1 − q²n), q = 1 − λ.",),
)
_REUSED_ASSUMPTIONS = (
    *_MIXED_ASSUMPTIONS,
    "reused: one real set R of λn points; fit 1 uses R only, later fits pool R with fresh synthetic points",
)
_REUSED_CONSTRAINTS = (
    _LAM_N_INTEGER,
    Constraint(lam * n >= 2, "lam*n must be >= 2 (the first fit is the unbiased variance of the λn real points)"),
)
REUSED_MEAN_SQ_ERR = _mixed(
    "reused",
    "mean_sq_err",
    "E(μ̂_t − μ)² of the mixed loop reusing one real set: σ²/(λn) + E(μ̂_t − r̄)²",
    (
        ("real_sample", sigma**2 / (lam * n)),
        ("loop", q * sigma**2 / n * (_d(t - 1) + KAPPA_R * _h(t - 1))),
    ),
    assumptions=_REUSED_ASSUMPTIONS,
    constraints=_REUSED_CONSTRAINTS,
    monotone=(_SIGMA_UP,),
    notes=("floor σ²/(λn): the error of the real sample mean r̄ never averages out.",),
)
REUSED_VAR = _mixed(
    "reused",
    "var",
    "E σ̂_t² of the mixed loop reusing one real set",
    (
        (
            "var",
            sigma**2 * (BETA ** (t - 1) + (Q_MINUS_BETA + KAPPA_R) * _d(t - 1) + KAPPA_R * lam * (1 + q) * _h(t - 1)),
        ),
    ),
    assumptions=_REUSED_ASSUMPTIONS,
    constraints=_REUSED_CONSTRAINTS,
    monotone=(_SIGMA_UP,),
)


# --- docs/theory.md §5.3: accumulate -------------------------------------------------------------------

_V, _M = sp.Function("v"), sp.Function("m")
_ROOT = 1 / sp.sqrt(n)
#: Roots r of n r² − r − 1 = 0: 1 − 1/(k(kn − 1)) = (k − r₁)(k − r₂)/(k(k − 1/n)).
_R1 = (1 + sp.sqrt(1 + 4 * n)) / (2 * n)
_R2 = (1 - sp.sqrt(1 + 4 * n)) / (2 * n)


def _log_mle_factor(x: sp.Expr) -> sp.Expr:
    """log Γ(x − a)Γ(x + a)/Γ(x)², a = 1/√n, as two LogGammaRatio (the a log x terms cancel)."""
    return LogGammaRatio(x, _ROOT) + LogGammaRatio(x, -_ROOT)


def _log_unbiased_factor(x: sp.Expr) -> sp.Expr:
    """log Γ(x − r₁)Γ(x − r₂)/(Γ(x)Γ(x − 1/n)) (r₁ + r₂ = 1/n: the log x terms cancel)."""
    return LogGammaRatio(x, -_R1) + LogGammaRatio(x, -_R2) - LogGammaRatio(x, -1 / n)


#: log ∏_{k=2}^{t} (1 − 1/(k²n)) and log ∏_{k=2}^{t} (1 − 1/(k(kn − 1))).
LOG_MLE_PRODUCT = _log_mle_factor(t + 1) - _log_mle_factor(2)
LOG_UNBIASED_PRODUCT = _log_unbiased_factor(t + 1) - _log_unbiased_factor(2)


@dataclass(frozen=True)
class AccumulateSolution:
    """The accumulate loop of docs/theory.md §5.3, solved by sympy.

    Attributes
    ----------
    mle_var, unbiased_var
        E σ̂_t²/σ² by ``sympy.product`` of v_t = (1 − 1/(t²n)) v_{t−1} (MLE, v_0 = 1) and of
        v_t = (1 − 1/(t(tn − 1))) v_{t−1} (unbiased, v_1 = 1).
    mle_mean_sum
        Σ_{k≤t} (1/k²) ∏_{j<k} (1 − 1/(j²n)) by Gosper's algorithm (it telescopes to n(1 − P_t)).
    log_gamma_expansion, log_gamma_limit
        log Γ(x + c) − log Γ(x) − c log x at x → ∞ (``sympy.series``: c(c − 1)/(2x) + O(1/x²)) and
        its limit 0 (``sympy.limit``), so each LogGammaRatio(t + 1, ·) vanishes as t → ∞.
    mle_var_limit, unbiased_var_limit
        lim_{t→∞} of the products: the Gamma factors left at t → ∞ (``sympy.gammasimp`` turns the
        MLE one into sin(π/√n)/(π/√n)).
    """

    mle_var: sp.Expr
    unbiased_var: sp.Expr
    mle_mean_sum: sp.Expr
    log_gamma_expansion: sp.Expr
    log_gamma_limit: sp.Expr
    mle_var_limit: sp.Expr
    unbiased_var_limit: sp.Expr


@cache
def accumulate_solution() -> AccumulateSolution:
    """Products, Gosper sum and limits of docs/theory.md §5.3 (slow: seconds; lazy)."""
    j = sp.Symbol("j", integer=True, positive=True)
    kk = sp.Symbol("k", integer=True, positive=True)
    mle = sp.product(1 - 1 / (j**2 * n), (j, 1, t))
    unbiased = sp.product(1 - 1 / (j * (j * n - 1)), (j, 2, t))
    summand = sp.product(1 - 1 / (j**2 * n), (j, 1, kk - 1)) / kk**2
    mean_sum = gosper_sum(summand, (kk, 1, t))
    x, c = sp.Symbol("x", positive=True), sp.Symbol("c", real=True)
    expansion = (sp.loggamma(x + c) - sp.loggamma(x) - c * sp.log(x)).series(x, sp.oo, 2)
    return AccumulateSolution(
        mle_var=mle,
        unbiased_var=unbiased,
        mle_mean_sum=mean_sum,
        log_gamma_expansion=expansion,
        log_gamma_limit=sp.simplify(sp.limit(expansion.removeO(), x, sp.oo)),
        mle_var_limit=sp.simplify(sp.gammasimp((1 - 1 / n) * _t_free_factor(_log_mle_factor(2)))),
        unbiased_var_limit=_t_free_factor(_log_unbiased_factor(2)),
    )


def _t_free_factor(log_factor_at_2: sp.Expr) -> sp.Expr:
    """exp(−log_factor_at_2) as a Gamma ratio: what is left of a product when every
    LogGammaRatio(t + 1, ·) has vanished (t → ∞)."""
    log_ratio = sp.expand_log(-log_factor_at_2.rewrite(sp.gamma), force=True)
    return sp.powsimp(sp.exp(sp.logcombine(log_ratio, force=True)), force=True)


def _accumulate_derivation(bound_id: str, key: str, registered: sp.Expr) -> Derivation:
    sol = accumulate_solution()
    limit_step = Step(
        "log Gamma(x + c) - log Gamma(x) - c log x at x -> oo (sympy.series, then sympy.limit: 0):"
        " every LogGammaRatio(t + 1, .) -> 0",
        sp.Tuple(sol.log_gamma_expansion, sol.log_gamma_limit),
    )
    if key == "unbiased.var":
        steps = (
            Step(
                "(nt - 1) s_t^2 = SS_old + SS_new + n(t-1)/t (xbar_new - mu_(t-1))^2; expectation (v_1 = sigma^2)",
                sp.Eq(_V(t), (1 - 1 / (t * (t * n - 1))) * _V(t - 1)),
            ),
            Step("E sigma_t^2 / sigma^2 (sympy.product)", sol.unbiased_var),
            Step("registered form (log space, LogGammaRatio)", registered),
            limit_step,
            Step("limit t -> oo of E sigma_t^2 / sigma^2", sol.unbiased_var_limit),
        )
        return Derivation(bound_id, steps, sigma**2 * sol.unbiased_var)
    steps = [
        Step(
            "nt s_t^2 = SS_old + SS_new + n(t-1)/t (xbar_new - mu_(t-1))^2; expectation (v_0 = sigma^2)",
            sp.Eq(_V(t), (1 - 1 / (t**2 * n)) * _V(t - 1)),
        ),
        Step("E sigma_t^2 / sigma^2 = P_t (sympy.product)", sol.mle_var),
    ]
    if key == "mle.mean_sq_err":
        steps += [
            Step(
                "mu_t = mu_(t-1) + (xbar_new - mu_(t-1))/t; expectation (m_0 = 0)",
                sp.Eq(_M(t), _M(t - 1) + _V(t - 1) / (n * t**2)),
            ),
            Step("sum_(k<=t) (1/k^2) P_(k-1) by Gosper's algorithm (it telescopes to n (1 - P_t))", sol.mle_mean_sum),
        ]
        result = sigma**2 / n * sol.mle_mean_sum
    else:
        result = sigma**2 * sol.mle_var
    steps += [
        Step("registered form (log space, LogGammaRatio)", registered),
        limit_step,
        Step("limit t -> oo of P_t (sympy.gammasimp): sin(pi/sqrt(n))/(pi/sqrt(n))", sol.mle_var_limit),
    ]
    return Derivation(bound_id, tuple(steps), result)


def _accumulate(key: str, title: str, term: sp.Expr, **kwargs: Any) -> Bound:
    bound_id = f"gauss.accumulate.{key}"
    estimator = key.split(".")[0]
    return register(
        Bound(
            id=bound_id,
            title=title,
            citation=_exact(f"accumulate loop, {estimator} fit, 1-D (tr Σ = σ²)", "docs/theory.md §5.3"),
            fidelity="exact",
            assumptions=(
                "accumulate: fit t uses all n·t points so far (n real, then n from each earlier fit)",
                f"{estimator} fits of the mean and variance on the pooled data",
                "real data N(μ, σ²); in d dimensions replace σ² by tr Σ (mean) or Σ (covariance)",
            ),
            parameters=_PARAMS,
            terms=((key.split(".")[-1], term),),
            generation="t",
            kind="identity",
            derivation=lambda: _accumulate_derivation(bound_id, key, term),
            **kwargs,
        )
    )


ACCUMULATE_MLE_VAR = _accumulate(
    "mle.var",
    "E σ̂_t² = σ² ∏_{k≤t}(1 − 1/(k²n)) of the accumulate loop (MLE fits)",
    sigma**2 * (1 - 1 / n) * sp.exp(LOG_MLE_PRODUCT),
    monotone=(_SIGMA_UP, Monotonicity("t", "nonincreasing"), Monotonicity("n", "nondecreasing")),
    notes=("decreases to σ² sin(π/√n)/(π/√n) ≥ σ²(1 − π²/(6n)): no collapse.",),
)
ACCUMULATE_MLE_MEAN_SQ_ERR = _accumulate(
    "mle.mean_sq_err",
    "E(μ̂_t − μ)² of the accumulate loop (MLE fits): σ²(1 − ∏_{k≤t}(1 − 1/(k²n)))",
    sigma**2 * (sp.exp(LOG_MLE_PRODUCT) / n - expm1(LOG_MLE_PRODUCT)),
    monotone=(_SIGMA_UP, Monotonicity("t", "nondecreasing"), Monotonicity("n", "nonincreasing")),
    notes=(
        "the sum of docs/theory.md §5.3, (σ²/n) Σ_k (1/k²) ∏_{j<k}(1 − 1/(j²n)), telescopes to "
        "σ²(1 − ∏_{k≤t}(1 − 1/(k²n)));"
        " bounded by σ²(1 − sin(π/√n)/(π/√n)) ≤ (π²/6) σ²/n.",
    ),
)
ACCUMULATE_UNBIASED_VAR = _accumulate(
    "unbiased.var",
    "E σ̂_t² = σ² ∏_{k=2}^{t}(1 − 1/(k(kn − 1))) of the accumulate loop (unbiased fits)",
    sigma**2 * sp.exp(LOG_UNBIASED_PRODUCT),
    constraints=(_N_AT_LEAST_2,),
    monotone=(_SIGMA_UP, Monotonicity("t", "nonincreasing"), Monotonicity("n", "nondecreasing")),
    notes=("decreases to a positive limit σ² Γ(2 − 1/n)/(Γ(2 − r₁)Γ(2 − r₂)), r₁,₂ = (1 ± √(1 + 4n))/(2n).",),
)


# --- docs/theory.md §5.9: accumulate_subsample (Kazdan et al. 2024) ------------------------------------------

KAZDAN2024 = Citation(
    paper="Kazdan, Schaeffer, Dey, Gerstgrasser, Rafailov, Donoho, Koyejo, Collapse or Thrive? Perils and Promises "
    "of Synthetic Data in a Self-Generating World, 2024 (the regime); the moments are derived in "
    "stl-bounds docs/theory.md §5.9",
    location="accumulate-subsample training workflow (multivariate Gaussian estimation)",
    theory="docs/theory.md §5.9",
    arxiv="arXiv:2410.16713",
)
#: Roots ρ of n²x² − nx − (3n − 1) = 0: n²(x+1)² − n(x+1) − 3n + 1 = n²(x + 1 − ρ₁)(x + 1 − ρ₂), ρ₁ + ρ₂ = 1/n.
_S1 = (1 + sp.sqrt(12 * n - 3)) / (2 * n)
_S2 = (1 - sp.sqrt(12 * n - 3)) / (2 * n)


def _log_subsample_factor(x: sp.Expr) -> sp.Expr:
    """log Γ(x − 1)Γ(x − ρ₁)Γ(x − ρ₂)/(Γ(x)²Γ(x − 1 − 1/n)) as LogGammaRatio (the a log x terms cancel).

    log Γ(x − 1)/Γ(x − 1 − 1/n) − log x/n is written LogGammaRatio(y, 1/n) + log(y/x)/n with y = x − 1 − 1/n:
    both O(1/n), so the factor keeps its relative accuracy for large n (the product is 1 − O(1/n))."""
    y = x - 1 - 1 / n
    return LogGammaRatio(y, 1 / n) + sp.log(y / x) / n + LogGammaRatio(x, -_S1) + LogGammaRatio(x, -_S2)


#: log ∏_{k=1}^{t−1} c_k, c_k = 1 − (2kn − n − k)/(n(k + 1)²(kn − 1)), the pool-variance factor of §5.9.
LOG_SUBSAMPLE_PRODUCT = _log_subsample_factor(t + 1) - _log_subsample_factor(2)
#: E σ̂_t² = σ²·(n − 1)N_t/(n(N_t − 1))·(1 − 1/n)·∏ c_k with N_t = tn; this is its rational prefactor over σ².
_SUBSAMPLE_PREFACTOR = t * (n - 1) ** 2 / (n * (t * n - 1))


@dataclass(frozen=True)
class SubsampleSolution:
    """The accumulate_subsample loop of docs/theory.md §5.9, derived by sympy.

    Attributes
    ----------
    subsample_moments
        (Var(μ̂ | pool), E[σ̂² | pool]) for a uniform subsample of n of the N pool points without
        replacement, from the inclusion probabilities n/N and n(n − 1)/(N(N − 1)) (pool mean m, pool
        variance V with divisor N): V(N − n)/(n(N − 1)) and V·N(n − 1)/(n(N − 1)).
    pool_factor
        c_t with E V_{t+1} = c_t E V_t: the pool of N = tn points gains n points from N(μ̂_t, σ̂_t²)
        (N'V' = NV + nV_new + (Nn/N')(m − x̄_new)², expectation given the pool).
    second_moment_step
        q_{t+1} in terms of q_t = E(pool mean of x²): it equals q_t, so E μ̂_t² + E σ̂_t² = σ² for all t.
    product
        ∏_{k=1}^{t−1} c_k by ``sympy.product`` (rising factorials).
    var, mean_sq_err
        E σ̂_t² and E(μ̂_t − μ)² = σ² − E σ̂_t².
    var_limit
        lim_{t→∞} E σ̂_t² = σ²(1 − 1/n)² Γ(1 − 1/n)/(Γ(2 − ρ₁)Γ(2 − ρ₂)).
    """

    subsample_moments: tuple[sp.Expr, sp.Expr]
    pool_factor: sp.Expr
    second_moment_step: sp.Expr
    product: sp.Expr
    var: sp.Expr
    mean_sq_err: sp.Expr
    var_limit: sp.Expr


@cache
def accumulate_subsample_solution() -> SubsampleSolution:
    """Derive docs/theory.md §5.9 with sympy (lazy)."""
    big_n, pool_var, pool_mean = sp.symbols("N V m", positive=True)
    # Var(Σ_S x | pool) from inclusion probabilities π_i = n/N, π_ij = n(n − 1)/(N(N − 1)), with
    # Σ x_i = N m and Σ x_i² = N(V + m²): Σ π_i(1 − π_i)x_i² + (π_ij − π_i π_j)[(Σ x_i)² − Σ x_i²]
    pi_1, pi_2 = n / big_n, n * (n - 1) / (big_n * (big_n - 1))
    sum_sq, total = big_n * (pool_var + pool_mean**2), big_n * pool_mean
    var_mean = sp.factor(sp.simplify((pi_1 * (1 - pi_1) * sum_sq + (pi_2 - pi_1**2) * (total**2 - sum_sq)) / n**2))
    # E[σ̂² | pool] = E[(1/n) Σ_S x²] − E[μ̂²] = (V + m²) − (m² + Var(μ̂ | pool))
    fitted_var = sp.factor(pool_var - var_mean)
    # pool update with N = tn, N' = N + n; E[V_new] = (1 − 1/n) σ̂², E(m − x̄_new)² = Var(μ̂ | pool) + σ̂²/n
    at = {big_n: t * n}
    new_n = (t + 1) * n
    gained = t * n * pool_var + (n - 1) * fitted_var + t * n * n / new_n * (var_mean + fitted_var / n)
    step = gained.xreplace(at) / new_n
    pool_factor = sp.factor(sp.simplify(step / pool_var))
    q = sp.Symbol("q", positive=True)
    second_moment = sp.simplify((t * n * q + n * q) / new_n)  # E[(1/n) Σ_S x²] = q; E[x_new²] = μ̂² + σ̂²
    kk = sp.Symbol("k", integer=True, positive=True)
    product = sp.product(pool_factor.subs(t, kk), (kk, 1, t - 1))
    var = sp.factor(fitted_var.xreplace(at) / pool_var) * sigma**2 * (1 - 1 / n) * product
    limit = sigma**2 * (1 - 1 / n) ** 2 * sp.gamma(1 - 1 / n) / (sp.gamma(2 - _S1) * sp.gamma(2 - _S2))
    return SubsampleSolution(
        subsample_moments=(var_mean, fitted_var),
        pool_factor=pool_factor,
        second_moment_step=second_moment,
        product=product,
        var=var,
        mean_sq_err=sigma**2 - var,
        var_limit=limit,
    )


def _subsample_derivation(bound_id: str, key: str, registered: sp.Expr) -> Derivation:
    sol = accumulate_subsample_solution()
    steps = (
        Step(
            "uniform subsample of n of the N pool points (pool mean m, variance V): Var(mu_t | pool), "
            "E[sigma_t^2 | pool] from the inclusion probabilities",
            sp.Tuple(*sol.subsample_moments),
        ),
        Step(
            "pool of N = tn points + n points from N(mu_t, sigma_t^2): E V_(t+1) = c_t E V_t,"
            " E V_1 = (1 - 1/n) sigma^2",
            sp.Eq(sp.Function("c")(t), sol.pool_factor),
        ),
        Step(
            "second moment q_(t+1) of the pool in terms of q_t: constant, so E mu_t^2 + E sigma_t^2 = sigma^2",
            sol.second_moment_step,
        ),
        Step("prod_(k=1)^(t-1) c_k (sympy.product)", sol.product),
        Step("E sigma_t^2 = (n - 1) t / (tn - 1) * E V_t", sol.var),
        Step("registered form (log space, LogGammaRatio; mean error without cancellation)", registered),
        Step("limit t -> oo of E sigma_t^2 (every LogGammaRatio(t + 1, .) -> 0)", sol.var_limit),
    )
    return Derivation(bound_id, steps, sol.var if key == "var" else sol.mean_sq_err)


def _subsample(key: str, title: str, term: sp.Expr, limit: sp.Expr, **kwargs: Any) -> Bound:
    bound_id = f"gauss.accumulate_subsample.mle.{key}"
    return register(
        Bound(
            id=bound_id,
            title=title,
            citation=KAZDAN2024,
            fidelity="exact",
            assumptions=(
                "accumulate_subsample: the pool holds the n real points, then n more points from each fit; "
                "fit t uses a uniform subsample of n of the pool's tn points, without replacement",
                "MLE fits: sample mean and variance (ddof = 0) of the subsample",
                "real data N(μ, σ²), 1-D",
            ),
            parameters=_PARAMS,
            terms=((key, term),),
            generation="t",
            kind="identity",
            constraints=(_N_AT_LEAST_2,),
            derivation=lambda: _subsample_derivation(bound_id, key, term),
            limit=lambda: limit,
            **kwargs,
        )
    )


_SUBSAMPLE_VAR_LIMIT = sigma**2 * (1 - 1 / n) ** 2 * sp.exp(-_log_subsample_factor(2))
ACCUMULATE_SUBSAMPLE_MLE_VAR = _subsample(
    "var",
    "E σ̂_t² of the accumulate_subsample loop (MLE fits on n of the tn pooled points)",
    sigma**2 * _SUBSAMPLE_PREFACTOR * sp.exp(LOG_SUBSAMPLE_PRODUCT),
    _SUBSAMPLE_VAR_LIMIT,
    monotone=(_SIGMA_UP, Monotonicity("t", "nonincreasing", source="0 < c_k ≤ 1 and t/(tn − 1) decreases")),
    notes=(
        "σ²·(n − 1)t/(tn − 1)·(1 − 1/n)·∏_{k<t} c_k, c_k = 1 − (2kn − n − k)/(n(k + 1)²(kn − 1)); "
        "decreases to a positive limit (no collapse), below gauss.accumulate.mle.var.",
    ),
)
ACCUMULATE_SUBSAMPLE_MLE_MEAN_SQ_ERR = _subsample(
    "mean_sq_err",
    "E(μ̂_t − μ)² = σ² − E σ̂_t² of the accumulate_subsample loop (MLE fits)",
    sigma**2 * ((2 * t * n - n - t) / (n * (t * n - 1)) - _SUBSAMPLE_PREFACTOR * expm1(LOG_SUBSAMPLE_PRODUCT)),
    sigma**2 - _SUBSAMPLE_VAR_LIMIT,
    monotone=(_SIGMA_UP, Monotonicity("t", "nondecreasing", source="σ² − E σ̂_t², E σ̂_t² nonincreasing")),
    notes=("σ²(1 − r_t) − σ² r_t·expm1(log ∏ c_k), r_t = (n − 1)²t/(n(tn − 1)): two non-negative terms.",),
)


# --- docs/theory.md §5.4: weighted real and synthetic estimates (He, Xu, Cheng 2025) --------------------


@dataclass(frozen=True)
class WeightedSolution:
    """docs/theory.md §5.4 by sympy: the stationary error, its minimizer and the minimum.

    Attributes
    ----------
    recursion
        V_{t+1} = (1 − w)²(V_t + σ²/m) + w²σ²/n, m = n/k synthetic points.
    stationary
        V_∞ by ``sympy.solve`` of the fixed-point equation.
    critical_points
        ``sympy.solve(dV_∞/dw = 0, w)``.
    w_opt
        The critical point in (0, 1].
    minimum
        V_∞ at w_opt, σ² w*/n (simplified with k(1 − w*) = w*², which holds at w*).
    """

    recursion: sp.Eq
    stationary: sp.Expr
    critical_points: tuple[sp.Expr, ...]
    w_opt: sp.Expr
    minimum: sp.Expr


@cache
def weighted_solution() -> WeightedSolution:
    """Solve docs/theory.md §5.4 with sympy (fixed point, then optimal weight)."""
    V = sp.Symbol("V")
    m = n / k
    recursion = sp.Eq(V, (1 - w) ** 2 * (V + sigma**2 / m) + w**2 * sigma**2 / n)
    stationary = sp.factor(sp.solve(recursion, V)[0])
    critical = tuple(sp.solve(sp.diff(stationary, w), w))
    w_opt = next(c for c in critical if 0 < float(c.subs(k, 1)) <= 1)
    # at a critical point k(1 - w) = w² (numerator of dV/dw), which turns V_∞ into σ² w/n
    (k_at_critical,) = sp.solve(sp.numer(sp.together(sp.diff(stationary, w))), k)
    minimum = sp.simplify(stationary.subs(k, k_at_critical)).subs(w, w_opt)
    return WeightedSolution(recursion, stationary, critical, w_opt, minimum)


def _weighted_derivation(bound_id: str, registered: sp.Expr) -> Derivation:
    sol = weighted_solution()
    steps = [
        Step(
            "mean error recursion (real part: n fresh points, weight w; synthetic part: m = n/k points)", sol.recursion
        ),
        Step("stationary error V_oo (sympy.solve)", sol.stationary),
    ]
    if bound_id.endswith("w_opt"):
        steps += [
            Step("critical points of V_oo in w (sympy.solve of dV/dw = 0)", sp.Tuple(*sol.critical_points)),
            Step("the critical point in (0, 1]", sol.w_opt),
            Step("minimum V_oo(w*)", sol.minimum),
        ]
    steps.append(Step("registered form", registered))
    result = sol.w_opt if bound_id.endswith("w_opt") else sol.stationary
    return Derivation(bound_id, tuple(steps), result)


_WEIGHTED_ASSUMPTIONS = (
    "1-D Gaussian N(μ, σ²); each round draws n fresh real points and m = n/k synthetic points",
    "estimate = w·(real estimate) + (1 − w)·(synthetic estimate), unbiased variances (E σ̂_t² = σ²)",
    "stationary regime t → ∞ (the error recursion contracts by (1 − w)² < 1)",
)
WEIGHTED_STATIONARY = register(
    Bound(
        id="gauss.weighted.stationary_mean_sq_err",
        title="stationary E(μ̂ − μ)² of the weighted real/synthetic loop",
        citation=HE2025,
        fidelity="external",
        assumptions=_WEIGHTED_ASSUMPTIONS,
        parameters=(param("sigma", 1), param("n", 100), param("k", 1), param("w", 0.5)),
        terms=(("stationary_mean_sq_err", sigma**2 / n * (w**2 + k * (1 - w) ** 2) / (w * (2 - w))),),
        kind="identity",
        monotone=(_SIGMA_UP, Monotonicity("n", "nonincreasing"), Monotonicity("k", "nondecreasing")),
        derivation=lambda: _weighted_derivation("gauss.weighted.stationary_mean_sq_err", WEIGHTED_STATIONARY.expr),
        notes=("minimized over w at gauss.weighted.w_opt, where it equals σ² w*/n.",),
    )
)
WEIGHTED_W_OPT = register(
    Bound(
        id="gauss.weighted.w_opt",
        title="optimal weight w*(k) of the real estimate in the weighted loop",
        citation=HE2025,
        fidelity="external",
        assumptions=_WEIGHTED_ASSUMPTIONS,
        parameters=(param("k", 1),),
        terms=(("w_opt", 2 / (1 + sp.sqrt(1 + 4 / k))),),
        kind="identity",
        monotone=(Monotonicity("k", "nondecreasing"),),
        derivation=lambda: _weighted_derivation("gauss.weighted.w_opt", WEIGHTED_W_OPT.expr),
        notes=("w*(k) = (√(k² + 4k) − k)/2, written 2/(1 + √(1 + 4/k)) without cancellation; 1/φ ≈ 0.618 at k = 1.",),
    )
)
