r"""Exact results for kernel density self-consuming loops, 1-D Gaussian kernel (docs/theory.md §5.8).

The generator of generation t + 1 is the Gaussian KDE of generation t's n points with Scott's rule, as
``scipy.stats.gaussian_kde`` builds it: kernel variance s²·n^{−2/5}, s² the unbiased sample variance.
Sampling it picks a point uniformly and adds kernel noise, so one draw has variance v·a given the data
(v their MLE variance), with the *gain* a = 1 + n^{−2/5}·n/(n − 1).  Real data are N(0, σ²); v_t and m_t
are the MLE variance and the mean of generation t (t = 1: the real sample).

* ``replace``: E v_{t+1} = (1 − 1/n)·a·E v_t, so E v_t = σ²(1 − 1/n)ρ^{t−1}, ρ = 1 − 1/n + n^{−2/5} > 1:
  the loop does not collapse, it diffuses (amplification κ = ρ, docs/theory.md §3 L4).
* fixed bandwidth h: E v_{t+1} = (1 − 1/n)(E v_t + h²) → (n − 1)h².
* ``fresh(λ)``: x_t = (E m_t², E v_t) obeys x_{t+1} = A x_t + b with
  A = [[q², qa/n], [λq, ρq]], q = 1 − λ.  A ≥ 0 entry-wise with real eigenvalues α ≥ β ≥ 0 (λn an
  integer); the closed form is the Newton form of docs/theory.md §5.2 (Cayley-Hamilton on
  B = [[A, b/σ²], [0, 1]]) with divided differences of powers, written with non-negative terms only.
  It converges iff α < 1; det(I − A) = λ·P(λ) with P quadratic, and the threshold λ* (α = 1) is the root
  of P in (0, 1), close to 1 − 1/ρ (claim C4 on an estimator people use).
"""

from __future__ import annotations

import dataclasses
import math
from functools import cache
from typing import Any

import sympy as sp

from stl_bounds.bound import Bound, Citation, Constraint, Monotonicity
from stl_bounds.derivation import Derivation, Step
from stl_bounds.domains import Domain
from stl_bounds.library.gaussian import divided_power_limits
from stl_bounds.parameters import param, symbol
from stl_bounds.registry import register
from stl_bounds.special import DividedPower, GeometricSum

sigma, n, t, lam, h = (symbol(s) for s in ("sigma", "n", "t", "lam", "h"))
q = 1 - lam

#: Scott's factor squared in 1-D, n^(−2/5), and the gain a of one KDE draw's variance over the MLE variance.
SCOTT2 = n ** sp.Rational(-2, 5)
GAIN = 1 + SCOTT2 * n / (n - 1)
#: ρ = (1 − 1/n)·a, simplified.
RHO = 1 - 1 / n + SCOTT2

#: The generic gain symbol of the symbolic work (every identity below holds for any a > 0, with ρ = (1 − 1/n)a).
G = sp.Symbol("a", positive=True)


def discriminant(gain: sp.Expr, rho: sp.Expr) -> sp.Expr:
    """D with α − β = q√D: (ρ − q)² + 4aλ/n."""
    return (rho - q) ** 2 + 4 * gain * lam / n


def pieces(gain: sp.Expr, rho: sp.Expr, rho_minus_one: sp.Expr, sq: sp.Expr | None = None) -> dict[str, sp.Expr]:
    """Eigenvalues α ≥ β ≥ 0 of A, the gaps a₁₁ − β and a₂₂ − β, and the threshold λ*, without cancellation.

    αβ = det A = q²a(q − 1/n) and (a₁₁ − β)(a₂₂ − β) = a₁₂a₂₁; P(λ) = det(I − A)/λ = −c₂λ² + c₁λ − c₀ and
    λ* = 2c₀/(c₁ + √(c₁² − 4c₂c₀)), its smaller root.  ``rho_minus_one`` is ρ − 1 in a form accurate in float64;
    ``sq`` stands for √D (a symbol, for the symbolic checks; by default the square root itself).
    """
    sq = sp.sqrt(discriminant(gain, rho)) if sq is None else sq
    c2, c1, c0 = rho + gain / n, 3 * rho - 1 + 2 * gain / n, gain / n + 2 * rho_minus_one
    return {
        "alpha": q * (q + rho + sq) / 2,
        "beta": 2 * q * gain * (q - 1 / n) / (q + rho + sq),
        "a11_minus_beta": 2 * gain * lam * q / (n * (rho - q + sq)),
        "a22_minus_beta": q * (rho - q + sq) / 2,
        "threshold": 2 * c0 / (c1 + sp.sqrt(c1**2 - 4 * c2 * c0)),
    }


_REGISTERED = pieces(GAIN, RHO, SCOTT2 - 1 / n)
#: √D as a symbol: the symbolic checks reduce polynomials in it modulo S² − D (fast, unlike ``radsimp``).
S = sp.Symbol("S", positive=True)
_GENERIC = pieces(G, (1 - 1 / n) * G, (1 - 1 / n) * G - 1, S)
_GENERIC_D = discriminant(G, (1 - 1 / n) * G)
ALPHA, BETA = _REGISTERED["alpha"], _REGISTERED["beta"]
A11_MINUS_BETA, A22_MINUS_BETA = _REGISTERED["a11_minus_beta"], _REGISTERED["a22_minus_beta"]
THRESHOLD = _REGISTERED["threshold"]


def _exact(location: str) -> Citation:
    return Citation(
        paper="stl-bounds docs/theory.md: exact moments of Gaussian kernel density loops (scipy's gaussian_kde, "
        "Scott's rule)",
        location=location,
        theory="docs/theory.md §5.8",
    )


_N_AT_LEAST_2 = Constraint(n >= 2, "n must be >= 2 (Scott's bandwidth uses the unbiased variance of n points)")
_LAM_N_INTEGER = Constraint(
    sp.Abs(lam * n - sp.floor(lam * n + sp.S.Half, evaluate=False), evaluate=False) <= 1e-9 * n,
    "lam*n must be an integer (the number of real points per generation, docs/theory.md §5.8)",
)
_SIGMA_UP = Monotonicity("sigma", "nondecreasing")
_ASSUMPTIONS = (
    "1-D real data N(0, σ²), n points per generation; generation 1 is the real sample",
    "the generator is a Gaussian KDE of the previous generation's points; v_t is their MLE variance",
)
_SCOTT = "Scott's rule: kernel variance s²·n^(−2/5), s² the unbiased sample variance (scipy.stats.gaussian_kde)"


@cache
def matrix() -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """A, b and x_1 of x_{t+1} = A x_t + b, x = (E m_t², E v_t), for a generic gain a (docs/theory.md §5.8).

    λn real points (mean r̄, E r̄² = σ²/(λn)) and (1 − λ)n KDE draws (mean m_t, variance a v_t each) make
    m_{t+1} = λr̄ + (1 − λ)ȳ and n v_{t+1} = Σ x² − n m_{t+1}².  Substitute a = :data:`GAIN` for Scott's rule.
    """
    A = sp.Matrix([[q**2, q * G / n], [lam * q, (1 - 1 / n) * G * q]])
    b = sigma**2 * sp.Matrix([lam / n, (1 - 1 / n) * lam])
    start = sigma**2 * sp.Matrix([1 / n, 1 - 1 / n])
    return A, b, start


def _zero(expr: sp.Expr) -> bool:
    """Whether sympy proves ``expr == 0``, with S = √D: the numerator is reduced modulo S² − D."""
    numerator = sp.numer(sp.together(expr))
    return sp.expand(sp.rem(sp.expand(numerator), S**2 - _GENERIC_D, S)) == 0


@cache
def fresh_system() -> dict[str, Any]:
    """The fresh(λ) recursion solved by sympy for a generic gain a: eigenvalues (``Matrix.eigenvals``), the fixed
    point (``sympy.solve``), the Newton form of B^τ z (τ = t − 1), the limit through
    :func:`~stl_bounds.library.gaussian.divided_power_limits`, and the checks (``sympy``) that the registered
    pieces equal them.  Matrices are returned with a = :data:`GAIN` substituted."""
    A, b, start = matrix()
    sample = {lam: sp.Rational(1, 4), n: 20, G: sp.Rational(3, 2)}
    alpha, beta = sorted(A.eigenvals(), key=lambda e: -float(e.subs(sample)))
    s = sp.Matrix(sp.symbols("m_star v_star"))
    fixed = s.subs(sp.solve(list((sp.eye(2) - A) * s - b), list(s), dict=True)[0]).applyfunc(sp.factor)
    B = sp.Matrix(sp.BlockMatrix([[A, b / sigma**2], [sp.zeros(1, 2), sp.ones(1, 1)]]))
    z = start.col_join(sp.Matrix([sigma**2]))
    first = ((B - beta * sp.eye(3)) * z)[:2, 0]
    second = ((B**2 - A.trace() * B + A.det() * sp.eye(3)) * z)[:2, 0].applyfunc(sp.factor)
    tau = t - 1
    closed = beta**tau * z[:2, 0] + DividedPower(tau, alpha, beta) * first + DividedPower(tau, alpha, beta, 1) * second
    generic_first = sp.Matrix(
        [
            sigma**2 / n * (_GENERIC["a11_minus_beta"] + q * (1 - 1 / n) * G + lam),
            sigma**2 * (lam * q / n + (_GENERIC["a22_minus_beta"] + lam) * (1 - 1 / n)),
        ]
    )
    generic_second = sp.Matrix([sigma**2 * lam / n, sigma**2 * lam**2 * (q / n + (2 - lam) * (1 - 1 / n))])
    two, three, (x, y) = divided_power_limits()
    at = {x: alpha, y: beta}
    limit = (two.subs(at) * first + second / sp.expand(1 / three.subs(at))).applyfunc(sp.factor)
    checks = {
        "rho = (1 - 1/n) a": sp.simplify((1 - 1 / n) * GAIN - RHO) == 0,
        "alpha + beta = tr A": _zero(_GENERIC["alpha"] + _GENERIC["beta"] - A.trace()),
        "alpha beta = det A": _zero(_GENERIC["alpha"] * _GENERIC["beta"] - A.det()),
        "alpha - beta = q sqrt(D) >= 0": _zero(_GENERIC["alpha"] - _GENERIC["beta"] - q * S),
        "alpha is eigenvalues()[0]": _zero(
            alpha.subs(sp.sqrt(sp.expand(_GENERIC_D * n**2)), n * S) - _GENERIC["alpha"]
        ),
        "a11 - beta": _zero(_GENERIC["a11_minus_beta"] + _GENERIC["beta"] - A[0, 0]),
        "a22 - beta": _zero(_GENERIC["a22_minus_beta"] + _GENERIC["beta"] - A[1, 1]),
        "(B - beta I) z": all(_zero(e) for e in generic_first - first.subs(beta, _GENERIC["beta"])),
        "(B - beta I)(B - alpha I) z": all(_zero(e) for e in generic_second - second),
        "limit = fixed point": all(sp.cancel(e) == 0 for e in limit - fixed),
    }
    gain = {G: GAIN}
    return {
        "A": A.subs(gain),
        "b": b,
        "start": start,
        "eigenvalues": (alpha.subs(gain), beta.subs(gain)),
        "fixed_point": fixed.subs(gain),
        "newton": (z, first.subs(gain), second),
        "closed_form": closed.subs(gain),
        "checks": checks,
    }


@cache
def threshold_solution() -> dict[str, Any]:
    """det(I − A) = 0 solved for λ (``sympy.solve``, generic gain a): the roots, the one in (0, 1), and whether
    the registered form equals it.  P(λ) = det(I − A)/λ is concave with P(0) = −c₀ < 0 < P(1) = 1, so exactly
    one root lies in (0, 1); there the larger eigenvalue of A is 1."""
    A = matrix()[0]
    det = sp.factor((sp.eye(2) - A).det())
    roots = sp.solve(det, lam)
    sample = {n: 50, G: GAIN.subs(n, 50)}
    (root,) = [r for r in roots if 0 < float(sp.N(r.subs(sample))) < 1]
    quadratic = sp.factor(sp.cancel(det / lam))
    return {
        "det": det,
        "roots": sp.Tuple(*roots),
        "root": root.subs(G, GAIN),
        "at_0": sp.factor(quadratic.subs(lam, 0)),
        "at_1": sp.simplify(quadratic.subs(lam, 1)),
        "equal": sp.cancel(sp.together(sp.radsimp(_GENERIC["threshold"].subs(S, sp.sqrt(_GENERIC_D)) - root))) == 0,
    }


# --- replace and fixed bandwidth ---------------------------------------------------------------------


def _replace_derivation(registered: sp.Expr) -> Derivation:
    v = sp.Function("v")
    closed = sp.rsolve(v(t) - RHO * v(t - 1), v(t), {v(1): sigma**2 * (1 - 1 / n)})
    steps = (
        Step("one KDE draw given the data: variance v + s^2 n^(-2/5) = a v, a", GAIN),
        Step("E v_(t+1) = (1 - 1/n) a E v_t; rho = (1 - 1/n) a (sympy.simplify)", sp.simplify((1 - 1 / n) * GAIN)),
        Step("v_t = rho v_(t-1), v_1 = sigma^2 (1 - 1/n) (sympy.rsolve)", closed),
        Step("registered form", registered),
    )
    return Derivation("kde.replace.var", steps, closed)


_REPLACE_TERM = sigma**2 * (1 - 1 / n) * RHO ** (t - 1)
REPLACE_VAR = register(
    Bound(
        id="kde.replace.var",
        title="E v_t = σ²(1 − 1/n)ρ^(t−1) of the KDE replace loop, ρ = 1 − 1/n + n^(−2/5) > 1: it diverges",
        citation=_exact("replace loop, MLE variance of generation t"),
        fidelity="exact",
        assumptions=(*_ASSUMPTIONS, _SCOTT, "replace: each generation is n draws from the previous generation's KDE"),
        parameters=(param("sigma", 1), param("n", 100), param("t", 10)),
        terms=(("var", _REPLACE_TERM),),
        generation="t",
        kind="identity",
        constraints=(_N_AT_LEAST_2,),
        monotone=(_SIGMA_UP, Monotonicity("t", "nondecreasing")),
        derivation=lambda: _replace_derivation(_REPLACE_TERM),
        notes=("geometric growth at rate ρ = 1 − 1/n + n^(−2/5) > 1 for every n ≥ 2 (amplification κ = ρ, L4).",),
    )
)


def _fixed_derivation(registered: sp.Expr) -> Derivation:
    v = sp.Function("v")
    closed = sp.rsolve(v(t) - (1 - 1 / n) * (v(t - 1) + h**2), v(t), {v(1): sigma**2 * (1 - 1 / n)})
    steps = (
        Step("one draw given the data: variance v + h^2; E v_(t+1) = (1 - 1/n)(E v_t + h^2)", closed),
        Step("registered form (GeometricSum: no 0/0)", registered),
        Step("limit t -> oo: (n - 1) h^2", (n - 1) * h**2),
    )
    return Derivation("kde.fixed_bandwidth.var", steps, closed)


_Q = 1 - 1 / n
_FIXED_TERMS = (("real", sigma**2 * _Q**t), ("kernel", h**2 * _Q * GeometricSum(_Q, t - 1)))
FIXED_VAR = register(
    Bound(
        id="kde.fixed_bandwidth.var",
        title="E v_t of the KDE replace loop with a fixed bandwidth h: tends to (n − 1)h²",
        citation=_exact("replace loop with a fixed kernel bandwidth h"),
        fidelity="exact",
        assumptions=(*_ASSUMPTIONS, "fixed kernel standard deviation h", "replace loop"),
        parameters=(param("sigma", 1), param("n", 100), param("t", 10), param("h", 0.1)),
        terms=_FIXED_TERMS,
        generation="t",
        growth_rate=_Q,
        limit=lambda: (n - 1) * h**2,
        kind="identity",
        monotone=(_SIGMA_UP, Monotonicity("h", "nondecreasing")),
        derivation=lambda: _fixed_derivation(sp.Add(*(e for _, e in _FIXED_TERMS))),
        notes=("bounded but biased: the limit (n − 1)h² does not depend on σ.",),
    )
)


# --- fresh(λ) ------------------------------------------------------------------------------------------


def _fresh_derivation(bound_id: str, row: int, registered: sp.Expr) -> Derivation:
    system = fresh_system()
    _, first, second = system["newton"]
    now = sp.Matrix(sp.symbols("m2_t v_t"))
    after = sp.Matrix(sp.symbols("m2_(t+1) v_(t+1)"))
    failed = [name for name, ok in system["checks"].items() if not ok]
    steps = (
        Step("one KDE draw given generation t: mean m_t, variance a v_t", GAIN),
        Step(
            "recursion x_(t+1) = A x_t + b, x = (E m_t^2, E v_t)",
            sp.Eq(after, system["A"] * now + system["b"], evaluate=False),
        ),
        Step("first fit x_1 (the real sample)", system["start"].T),
        Step("eigenvalues alpha >= beta of A (Matrix.eigenvals)", sp.Tuple(*system["eigenvalues"])),
        Step("fixed point (I - A) x* = b (sympy.solve)", system["fixed_point"]),
        Step(
            "Newton coefficients (B - beta I) z, (B - beta I)(B - alpha I) z of B = [[A, b/sigma^2], [0, 1]]",
            sp.Tuple(first.T, second.T),
        ),
        Step(
            "closed form, tau = t - 1: x_t = beta^tau x_1 + x^tau[alpha,beta](B - beta I)z"
            " + x^tau[alpha,beta,1](B - beta I)(B - alpha I)z",
            system["closed_form"][row],
        ),
        Step(
            "registered form: alpha, beta, a11 - beta, a22 - beta without cancellation; sympy.simplify: "
            + ("every piece equal" if not failed else "MISMATCH in " + ", ".join(failed)),
            registered,
        ),
        Step("limit t -> oo for alpha < 1: the fixed point", system["fixed_point"][row]),
    )
    return Derivation(bound_id, steps, system["closed_form"][row])


def _fresh(key: str, title: str, term: sp.Expr, row: int) -> Bound:
    bound_id = f"kde.fresh.{key}"
    return register(
        Bound(
            id=bound_id,
            title=title,
            citation=_exact("fresh(λ) loop, a 2×2 linear recursion"),
            fidelity="exact",
            assumptions=(
                *_ASSUMPTIONS,
                _SCOTT,
                "fresh(λ): λn new real points (λn an integer) and (1 − λ)n draws from the previous KDE per generation",
            ),
            parameters=(param("sigma", 1), param("n", 100), param("lam", 0.5), param("t", 10)),
            terms=((key, term),),
            generation="t",
            growth_rate=ALPHA,
            kind="identity",
            m_alias=False,  # n counts every point of a generation here (docs/theory.md §5.8)
            constraints=(_N_AT_LEAST_2, _LAM_N_INTEGER),
            monotone=(_SIGMA_UP, Monotonicity("t", "nondecreasing", source="A ≥ 0 entry-wise and x_2 ≥ x_1")),
            derivation=lambda: _fresh_derivation(bound_id, row, term),
            limit=lambda: fresh_system()["fixed_point"][row],
            notes=("converges iff the spectral radius α < 1, i.e. λ > kde.fresh.threshold (≈ 1 − 1/ρ).",),
        )
    )


_TAU = t - 1
FRESH_MEAN_SQ = _fresh(
    "mean_sq",
    "E m_t² (squared error of the mean) of the KDE loop with fresh real data",
    sigma**2
    / n
    * (
        BETA**_TAU
        + DividedPower(_TAU, ALPHA, BETA) * (A11_MINUS_BETA + q * RHO + lam)
        + lam * DividedPower(_TAU, ALPHA, BETA, 1)
    ),
    0,
)
FRESH_VAR = _fresh(
    "var",
    "E v_t (MLE variance) of the KDE loop with fresh real data",
    sigma**2
    * (
        (1 - 1 / n) * BETA**_TAU
        + DividedPower(_TAU, ALPHA, BETA) * (lam * q / n + (A22_MINUS_BETA + lam) * (1 - 1 / n))
        + lam**2 * (q / n + (2 - lam) * (1 - 1 / n)) * DividedPower(_TAU, ALPHA, BETA, 1)
    ),
    1,
)


# --- the threshold ---------------------------------------------------------------------------------------


def _threshold_derivation(registered: sp.Expr) -> Derivation:
    sol = threshold_solution()
    steps = (
        Step(
            "det(I - A) for a generic gain a (sympy.factor): lambda = 0 is a root (the mean's eigenvalue 1)", sol["det"]
        ),
        Step("its roots in lambda (sympy.solve)", sol["roots"]),
        Step(
            "P(lambda) = det(I - A)/lambda is concave; P(0) = -c0 < 0 and P(1): one root in (0, 1)",
            sp.Tuple(sol["at_0"], sol["at_1"]),
        ),
        Step("the root in (0, 1): spectral radius 1", sol["root"]),
        Step(
            "registered form 2 c0/(c1 + sqrt(c1^2 - 4 c2 c0)) (no cancellation): "
            + ("equal (sympy.simplify)" if sol["equal"] else "not proved equal by sympy"),
            registered,
        ),
    )
    return Derivation("kde.fresh.threshold", steps, sol["root"])


THRESHOLD_BOUND = register(
    Bound(
        id="kde.fresh.threshold",
        title="the real-data share λ* above which the KDE fresh(λ) loop converges (spectral radius of A = 1)",
        citation=_exact("fresh(λ) loop, exact convergence threshold"),
        fidelity="exact",
        assumptions=(*_ASSUMPTIONS, _SCOTT, "fresh(λ) loop; λ* solves det(I − A) = 0 in (0, 1)"),
        # n >= 2 as the domain, not a constraint: n is the only parameter (Scott's bandwidth needs n >= 2)
        parameters=(dataclasses.replace(param("n", 100), domain=Domain(2.0, math.inf, integer=True)),),
        terms=(("threshold", THRESHOLD),),
        kind="identity",
        derivation=lambda: _threshold_derivation(THRESHOLD),
        notes=("close to 1 − 1/ρ, the threshold of claim C4 with κ = ρ = 1 − 1/n + n^(−2/5).",),
    )
)
