"""Exact total variation (docs/theory.md §6.3) and the per-trajectory shift recursion L3.

References are independent of the module: the crossing points are found here (roots
of the quadratic for two Gaussians; a fine grid + brentq for the mixture) and
½∫|f − g| is integrated by scipy.integrate.quad on the smooth pieces between them.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, optimize, stats

from stl_bounds import ParameterError
from verification.gaussian import simulate_gaussian
from verification.tv import gaussian_tv, mixture_tv, shift_quantities, shift_recursion_slack


def half_l1(densities: list[tuple[float, float, float]], crossings: list[float]) -> float:
    """½∫|Σ w N(x; m, s²)| by adaptive quadrature on pieces where the integrand is smooth.

    The pieces end at the crossing points and at m + s·{0, ±3, ±10, ±40} of every
    component, so no piece contains a kink and no narrow peak is missed.
    """

    def integrand(x: float) -> float:
        return abs(
            math.fsum(w * math.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi)) for w, m, s in densities)
        )

    marks = {m + s * u for _, m, s in densities for u in (0, -3, 3, -10, 10, -40, 40)}
    edges = sorted(marks | set(crossings))
    pieces = (integrate.quad(integrand, a, b, epsabs=1e-15, epsrel=1e-13)[0] for a, b in itertools.pairwise(edges))
    return 0.5 * math.fsum(pieces)


def two_gaussian_reference(m1: float, s1: float, m2: float, s2: float) -> float:
    # log N(x; m1, s1²) = log N(x; m2, s2²) is the quadratic below
    coefs = [1 / s2**2 - 1 / s1**2, 2 * (m1 / s1**2 - m2 / s2**2), m2**2 / s2**2 - m1**2 / s1**2 - 2 * np.log(s1 / s2)]
    roots = [float(r.real) for r in np.roots(coefs) if abs(r.imag) < 1e-12] if coefs[0] else [(m1 + m2) / 2]
    return half_l1([(1.0, m1, s1), (-1.0, m2, s2)], roots)


def mixture_reference(m: float, s: float, lam: float, m1: float, s1: float, m2: float, s2: float) -> float:
    def diff(x: np.ndarray) -> np.ndarray:
        return stats.norm.pdf(x, m, s) - lam * stats.norm.pdf(x, m1, s1) - (1 - lam) * stats.norm.pdf(x, m2, s2)

    xs = np.unique(np.concatenate([c + sd * np.linspace(-12, 12, 48_001) for c, sd in ((m, s), (m1, s1), (m2, s2))]))
    v = diff(xs)
    cells = np.nonzero(np.sign(v[:-1]) * np.sign(v[1:]) < 0)[0]
    roots = [optimize.brentq(diff, xs[i], xs[i + 1], xtol=1e-15) for i in cells]
    return half_l1([(1.0, m, s), (-lam, m1, s1), (lam - 1, m2, s2)], roots)


def test_gaussian_tv_matches_quadrature() -> None:
    rng = np.random.default_rng(0)
    cases = np.column_stack(
        [rng.normal(size=30), np.exp(rng.normal(size=30)), rng.normal(size=30), np.exp(rng.normal(size=30))]
    )
    cases[:3, 3] = cases[:3, 1]  # equal variances
    cases[3, 2:] = cases[3, :2] + [1e-3, 0.0]  # nearly identical
    reference = [two_gaussian_reference(*case) for case in cases]
    np.testing.assert_allclose(gaussian_tv(*cases.T), reference, atol=1e-13, rtol=0)


def test_gaussian_tv_equal_variances_closed_form() -> None:
    delta, sigma = np.linspace(0, 5, 11), 1.7
    np.testing.assert_allclose(
        gaussian_tv(0.3, sigma, 0.3 + delta, sigma), 2 * stats.norm.cdf(delta / (2 * sigma)) - 1, atol=1e-15
    )


finite = st.floats(-50, 50)
scale = st.floats(1e-3, 1e3)


@given(finite, scale, finite, scale, finite, scale)
def test_gaussian_tv_properties(m1: float, s1: float, m2: float, s2: float, shift: float, factor: float) -> None:
    tv = float(gaussian_tv(m1, s1, m2, s2))
    assert 0.0 <= tv <= 1.0
    assert float(gaussian_tv(m2, s2, m1, s1)) == pytest.approx(tv, abs=1e-14)
    assert float(gaussian_tv(m1, s1, m1, s1)) == 0.0
    # invariant under a common affine map x ↦ shift + factor·x
    moved = gaussian_tv(shift + factor * m1, factor * s1, shift + factor * m2, factor * s2)
    assert float(moved) == pytest.approx(tv, abs=1e-9)


def test_gaussian_tv_broadcasts_and_validates() -> None:
    assert gaussian_tv(np.zeros((2, 3)), 1.0, [0.0, 1.0, 2.0], 1.0).shape == (2, 3)
    with pytest.raises(ParameterError, match="std2 must be > 0"):
        gaussian_tv(0.0, 1.0, 0.0, 0.0)
    with pytest.raises(ParameterError, match="mean1"):
        gaussian_tv(np.nan, 1.0, 0.0, 1.0)


def test_mixture_tv_matches_quadrature() -> None:
    rng = np.random.default_rng(1)
    size = 40
    cases = np.column_stack(
        [
            rng.normal(size=size),
            np.exp(rng.normal(size=size)),
            rng.uniform(size=size),
            rng.normal(size=size),
            np.exp(rng.normal(size=size)),
            rng.normal(size=size),
            np.exp(rng.normal(size=size)),
        ]
    )
    cases[:4, 1] = 1e-2  # a narrow single Gaussian inside wide components
    cases[4:8, 6] = 1e-2  # a narrow mixture component
    reference = [mixture_reference(*case) for case in cases]
    np.testing.assert_allclose(mixture_tv(*cases.T), reference, atol=1e-12, rtol=0)


def test_mixture_tv_resolves_near_tangent_crossings() -> None:
    """Two crossings 0.002 apart, inside one 0.1-sd grid cell (found by bisection on λ near a tangency).

    Without the extremum-splitting step the pair is missed and the result is off by ~2e-11.
    """
    args = (0.0, 1.0, 0.25578621318552763 + 1e-6, 1.5, 0.3, 0.0, 1.05)
    assert float(mixture_tv(*args)) == pytest.approx(mixture_reference(*args), abs=1e-13)


@given(finite, scale, finite, scale, st.floats(0.0, 1.0))
def test_mixture_tv_obeys_lemma_l1(m1: float, s1: float, m2: float, s2: float, lam: float) -> None:
    """d_TV(P, λP + (1 − λ)Q) = (1 − λ) d_TV(P, Q) (docs/theory.md §3 L1), and the λ ∈ {0, 1} ends."""
    expected = (1 - lam) * float(gaussian_tv(m1, s1, m2, s2))
    assert float(mixture_tv(m1, s1, lam, m1, s1, m2, s2)) == pytest.approx(expected, abs=1e-12)
    direct = float(gaussian_tv(m1, s1, m2, s2))
    assert float(mixture_tv(m1, s1, 0.0, m2 + 1.0, s2, m2, s2)) == pytest.approx(direct, abs=1e-12)
    assert float(mixture_tv(m1, s1, 1.0, m2, s2, m2 + 1.0, s2)) == pytest.approx(direct, abs=1e-12)


def test_mixture_tv_validates() -> None:
    with pytest.raises(ParameterError, match="lam must be"):
        mixture_tv(0.0, 1.0, 1.5, 0.0, 1.0, 1.0, 1.0)
    with pytest.raises(ParameterError, match="std1 must be > 0"):
        mixture_tv(0.0, 1.0, 0.5, 0.0, -1.0, 1.0, 1.0)
    assert mixture_tv(np.zeros(5), 1.0, 0.5, 0.0, 1.0, np.arange(5.0), 1.0).shape == (5,)


CASES = [("replace", 0.0, "exact"), ("fresh", 0.5, "sample"), ("reused", 0.5, "exact"), ("reused", 0.2, "sample")]


@pytest.mark.parametrize(("regime", "lam", "engine"), CASES)
def test_shift_recursion_holds_on_every_trajectory(regime: str, lam: float, engine: str) -> None:
    path = simulate_gaussian(
        regime, n=10, fits=12, replicates=300, rng=np.random.default_rng(7), engine=engine, lam=lam
    )
    for mixing in (lam, 0.3, 1.0):  # L1 + triangle inequality: valid for every λ
        slack = shift_recursion_slack(path, mixing)
        assert slack.shape == (300, 11)
        assert slack.min() >= -1e-9, f"λ = {mixing}: min slack {slack.min():.3g}"
    eps, shift = shift_quantities(path, lam)
    np.testing.assert_array_equal(eps[:, 0], shift[:, 0])
    np.testing.assert_allclose(shift, path.tv_to_real())
    assert np.all((eps >= 0) & (eps <= 1))


def test_shift_recursion_is_tight_at_lam_one() -> None:
    """At λ = 1, D̃_i = D_0 and ε_i = Δ_i: the slack is exactly 0 (catches a wrong ε_i)."""
    path = simulate_gaussian("fresh", n=10, fits=5, replicates=50, rng=np.random.default_rng(8), lam=0.5)
    np.testing.assert_allclose(shift_recursion_slack(path, 1.0), 0.0, atol=1e-15)
    eps = shift_quantities(path, 0.5)[0][:, 1:]
    direct = mixture_tv(path.mean[:, 1:], path.std()[:, 1:], 0.5, 0.0, 1.0, path.mean[:, :-1], path.std()[:, :-1])
    np.testing.assert_array_equal(eps, direct)


def test_shift_quantities_need_one_dimension() -> None:
    path = simulate_gaussian("replace", n=10, fits=3, replicates=4, rng=np.random.default_rng(0), d=2)
    with pytest.raises(ParameterError, match="1-D"):
        shift_recursion_slack(path, 0.5)
