"""docs/theory.md §5.8: the exact results of kernel density loops (1-D Gaussian kernel, Scott's rule).

Every id is checked against its sympy derivation, against a direct iteration of the §5.8 recursions in mpmath
written here, the replace loop's rate ρ = 1 − 1/n + n^(−2/5), the fixed-bandwidth limit (n − 1)h², the fresh
loop's fixed point, and the threshold λ* against the spectral radius of A on both sides; the gain a of one KDE
draw is checked against ``scipy.stats.gaussian_kde`` itself, and the recursions by a small seeded Monte Carlo run.
"""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.stats import gaussian_kde

import stl_bounds
from stl_bounds import ParameterError
from stl_bounds.library import kde

THEORY_PARAMETERS = {
    "kde.replace.var": ("sigma", "n", "t"),
    "kde.fixed_bandwidth.var": ("sigma", "n", "t", "h"),
    "kde.fresh.var": ("sigma", "n", "lam", "t"),
    "kde.fresh.mean_sq": ("sigma", "n", "lam", "t"),
    "kde.fresh.threshold": ("n",),
}
IDS = sorted(THEORY_PARAMETERS)


@pytest.mark.parametrize("bound_id", IDS)
def test_ids_parameters_and_metadata(bound_id: str) -> None:
    b = stl_bounds.get(bound_id)
    assert b.parameter_names == THEORY_PARAMETERS[bound_id]
    assert b.fidelity == "exact" and b.kind == "identity"
    assert b.citation.theory == "docs/theory.md §5.8"


def gain(n: float) -> mpmath.mpf:
    """Var of one draw of Scott's KDE over the MLE variance of its n points: 1 + n^(−2/5)·n/(n − 1)."""
    n = mpmath.mpf(n)
    return 1 + n ** (mpmath.mpf(-2) / 5) * n / (n - 1)


def spectral_radius(n: float, lam: mpmath.mpf) -> mpmath.mpf:
    """Larger eigenvalue of A = [[q², qa/n], [λq, (1 − 1/n)qa]] (docs/theory.md §5.8), from the 2×2 formula."""
    n = mpmath.mpf(n)
    q, a = 1 - lam, gain(n)
    a11, a12, a21, a22 = q**2, q * a / n, lam * q, (1 - 1 / n) * q * a
    tr, det = a11 + a22, a11 * a22 - a12 * a21
    return (tr + mpmath.sqrt(tr**2 - 4 * det)) / 2


def test_gain_is_scipys_bandwidth() -> None:
    """scipy.stats.gaussian_kde (Scott's rule) has kernel variance s² n^(−2/5), s² the ddof = 1 variance."""
    rng = np.random.default_rng(3)
    for n in (5, 50, 400):
        x = rng.normal(size=n)
        kernel_var = float(gaussian_kde(x).covariance[0, 0])
        assert kernel_var == pytest.approx(x.var(ddof=1) * n**-0.4, rel=1e-12)
        assert (x.var() + kernel_var) / x.var() == pytest.approx(float(gain(n)), rel=1e-12)


@pytest.mark.parametrize("n", [2, 7, 50, 10**4])
def test_replace_grows_at_rate_rho(n: int) -> None:
    """docs/theory.md §5.8: E v_{t+1}/E v_t = ρ = 1 − 1/n + n^(−2/5) > 1, and E v_1 = σ²(1 − 1/n)."""
    b = stl_bounds.get("kde.replace.var")
    values = b.evaluate(sigma=1.5, n=n, t=np.arange(1, 40)).value
    rho = 1 - 1 / n + n**-0.4
    assert rho > 1
    assert values[0] == pytest.approx(2.25 * (1 - 1 / n), rel=1e-14)
    np.testing.assert_allclose(values[1:] / values[:-1], rho, rtol=1e-13)
    assert float((1 - 1 / mpmath.mpf(n)) * gain(n)) == pytest.approx(rho, rel=1e-14)


def _fresh_iter(sigma: float, n: int, lam: float, t: int) -> tuple[mpmath.mpf, mpmath.mpf]:
    """x_1 = σ²(1/n, 1 − 1/n), x_{t+1} = A x_t + b (docs/theory.md §5.8), at 40 digits."""
    with mpmath.workdps(40):
        s2, nn, lam_ = mpmath.mpf(sigma) ** 2, mpmath.mpf(n), mpmath.mpf(lam)
        q, a = 1 - lam_, gain(n)
        m, v = s2 / nn, s2 * (1 - 1 / nn)
        for _ in range(t - 1):
            m, v = (
                q**2 * m + q * a * v / nn + s2 * lam_ / nn,
                lam_ * q * m + (1 - 1 / nn) * q * a * v + s2 * (1 - 1 / nn) * lam_,
            )
        return m, v


@pytest.mark.parametrize("n", [2, 5, 20, 300])
def test_fresh_matches_iteration(n: int) -> None:
    t = np.arange(1, 61)
    for real in sorted({0, 1, n // 4, n // 2, n - 1, n}):
        lam = real / n
        mean_sq = stl_bounds.get("kde.fresh.mean_sq").evaluate(sigma=1.2, n=n, lam=lam, t=t).value
        var = stl_bounds.get("kde.fresh.var").evaluate(sigma=1.2, n=n, lam=lam, t=t).value
        for j in (0, 1, 2, 9, 59):
            m, v = _fresh_iter(1.2, n, lam, int(t[j]))
            assert mean_sq[j] == pytest.approx(float(m), rel=1e-12), (n, lam, t[j])
            assert var[j] == pytest.approx(float(v), rel=1e-12), (n, lam, t[j])


def test_fixed_bandwidth_matches_iteration_and_limit() -> None:
    b = stl_bounds.get("kde.fixed_bandwidth.var")
    for n, h in ((2, 0.3), (20, 0.7), (500, 0.05)):
        v = 1.69 * (1 - 1 / n)
        for t in range(1, 30):
            assert b.evaluate(sigma=1.3, n=n, t=t, h=h).value == pytest.approx(v, rel=1e-13)
            v = (1 - 1 / n) * (v + h * h)
        assert b.evaluate(sigma=1.3, n=n, t=10**6, h=h).value == pytest.approx((n - 1) * h * h, rel=1e-12)
    assert sp.simplify(b.limit_in_generations() - (kde.n - 1) * kde.h**2) == 0


# --- symbolic -----------------------------------------------------------------------------------------------


def test_fresh_system_checks_hold() -> None:
    """sympy proves every registered piece (α, β, a₁₁ − β, a₂₂ − β, the Newton coefficients) equal to the solved
    system, and the limit of the Newton form equal to the fixed point of x = Ax + b."""
    system = kde.fresh_system()
    failed = [name for name, ok in system["checks"].items() if not ok]
    assert not failed
    A, b, fixed = system["A"], system["b"], system["fixed_point"]
    sample = {kde.n: 20, kde.lam: sp.Rational(1, 4), kde.sigma: 1}
    residual = (A * fixed + b - fixed).subs(sample).evalf(30)
    assert max(abs(x) for x in residual) < 1e-25


def test_replace_and_fixed_bandwidth_derivations_equal_registered() -> None:
    for bound_id in ("kde.replace.var", "kde.fixed_bandwidth.var"):
        b = stl_bounds.get(bound_id)
        derived = b.derivation().result
        for params in ({"sigma": 1.3, "n": 20, "t": 6, "h": 0.7}, {"sigma": 0.5, "n": 3, "t": 1, "h": 2}):
            params = {k: v for k, v in params.items() if k in b.parameter_names}
            subs = {b.parameter_map[k].symbol: sp.nsimplify(v) for k, v in params.items()}
            assert b.evaluate(**params).value == pytest.approx(float(sp.N(derived.xreplace(subs), 30)), rel=1e-12)


@pytest.mark.parametrize("bound_id", ["kde.fresh.mean_sq", "kde.fresh.var"])
def test_fresh_registered_form_equals_derivation(bound_id: str) -> None:
    b = stl_bounds.get(bound_id)
    derived = b.derivation().result
    for params in ({"sigma": 1.3, "n": 20, "lam": 0.25, "t": 6}, {"sigma": 0.8, "n": 10, "lam": 0.7, "t": 13}):
        subs = {b.parameter_map[k].symbol: sp.nsimplify(v) for k, v in params.items()}
        exact = complex(sp.N(derived.xreplace(subs), 30))
        assert abs(exact.imag) < 1e-25
        assert b.evaluate(**params).value == pytest.approx(exact.real, rel=1e-12), params


# --- the threshold ------------------------------------------------------------------------------------------


def test_threshold_is_the_root_that_sympy_finds() -> None:
    sol = kde.threshold_solution()
    assert sol["equal"]
    assert sol["at_1"] == 1
    assert sp.Integer(0) in sol["roots"]  # λ = 0: the mean keeps eigenvalue 1
    b = stl_bounds.get("kde.fresh.threshold")
    for n in (2, 50, 3000):
        assert b.evaluate(n=n).value == pytest.approx(float(sol["root"].subs(kde.n, n)), rel=1e-12)


@pytest.mark.parametrize("n", [2, 3, 10, 50, 1000, 10**5])
def test_threshold_is_where_the_spectral_radius_crosses_one(n: int) -> None:
    """ρ(A) = 1 at λ*, < 1 just above and > 1 just below; it is near 1 − 1/ρ, the C4 threshold with κ = ρ."""
    lam_star = stl_bounds.get("kde.fresh.threshold").evaluate(n=n).value
    assert 0 < lam_star < 1
    with mpmath.workdps(40):
        star = mpmath.mpf(lam_star)
        assert abs(spectral_radius(n, star) - 1) < 1e-13
        assert spectral_radius(n, star + mpmath.mpf("1e-6")) < 1 < spectral_radius(n, star - mpmath.mpf("1e-6"))
        above = [spectral_radius(n, mpmath.mpf(x)) > 1 for x in np.linspace(0, 1, 201)]
        # one crossing only (det(I − A)/λ has one root in (0, 1)), although for n ≤ 3 ρ(A) first rises in λ
        assert sum(a != b for a, b in itertools.pairwise(above)) == 1 and above[0] and not above[-1]
    rho = 1 - 1 / n + n**-0.4
    # λ* > 1 − 1/ρ, the gap closing as n grows (13% of λ* at n = 10, 0.05% at n = 10⁵); far off at n ≤ 3
    assert lam_star > 1 - 1 / rho
    if n >= 10:
        assert lam_star - (1 - 1 / rho) < 2 / math.sqrt(n) * lam_star


def test_fresh_converges_above_and_diverges_below_the_threshold() -> None:
    """n = 50, λ* ≈ 0.167: λ = 0.2 converges to the fixed point, λ = 0.14 grows without bound (on the lattice)."""
    n = 50
    lam_star = stl_bounds.get("kde.fresh.threshold").evaluate(n=n).value
    assert 0.14 < lam_star < 0.2
    var = stl_bounds.get("kde.fresh.var")
    above = var.evaluate(sigma=1.0, n=n, lam=0.2, t=np.array([1000, 2000]))
    limit = float(var.limit_in_generations().subs({kde.sigma: 1, kde.n: n, kde.lam: sp.Rational(1, 5)}))
    np.testing.assert_allclose(above.value, limit, rtol=1e-10)
    assert above.regime[0] == "converges"
    below = var.evaluate(sigma=1.0, n=n, lam=0.14, t=np.array([100, 200]))
    assert below.value[1] > 10 * below.value[0] and below.regime[0] == "collapses"


# --- invalid input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bound_id", "params", "message"),
    [
        ("kde.fresh.var", {"n": 10, "lam": 0.25}, "lam\\*n must be an integer"),
        ("kde.replace.var", {"n": 1}, "n must be >= 2"),
        ("kde.fresh.threshold", {"n": 1}, "n must be integer >= 2"),
        ("kde.fixed_bandwidth.var", {"h": 0.0}, "h"),
    ],
)
def test_invalid_input_raises_parameter_error(bound_id: str, params: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        stl_bounds.get(bound_id).evaluate(**params)


# --- a small seeded Monte Carlo run of the loops ------------------------------------------------------------------


def _kde_draws(x: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` draws per row from the Gaussian KDE of the row (Scott's rule): a random point plus kernel noise."""
    bandwidth = np.sqrt(x.var(axis=1, ddof=1) * x.shape[1] ** -0.4)[:, None]
    picks = np.take_along_axis(x, rng.integers(0, x.shape[1], size=(len(x), size)), axis=1)
    return picks + bandwidth * rng.standard_normal((len(x), size))


def _z(samples: np.ndarray, exact: float) -> float:
    return float((samples.mean() - exact) / (samples.std(ddof=1) / math.sqrt(samples.size)))


def test_monte_carlo_replace_and_fresh() -> None:
    """4,000 seeded replicates, n = 20, σ = 1.3, generations 1..4; replace and fresh(λ = 1/4) side by side:
    |z| below the Bonferroni bound of 12 tests at α = 1e−3 (3.94)."""
    rng = np.random.default_rng(20261202)
    reps, n, real, sigma = 4000, 20, 5, 1.3
    x_replace = sigma * rng.standard_normal((reps, n))
    x_fresh = x_replace.copy()
    for t in range(1, 5):
        if t > 1:
            x_replace = _kde_draws(x_replace, n, rng)
            x_fresh = np.concatenate([sigma * rng.standard_normal((reps, real)), _kde_draws(x_fresh, n - real, rng)], 1)
        checks = {
            "kde.replace.var": (x_replace.var(axis=1), {}),
            "kde.fresh.var": (x_fresh.var(axis=1), {"lam": real / n}),
            "kde.fresh.mean_sq": (x_fresh.mean(axis=1) ** 2, {"lam": real / n}),
        }
        for bound_id, (samples, extra) in checks.items():
            exact = stl_bounds.get(bound_id).evaluate(sigma=sigma, n=n, t=t, **extra).value
            assert abs(_z(samples, exact)) < 3.94, (bound_id, t)
