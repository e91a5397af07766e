"""The clipped-mean learner of docs/theory.md §6.4: closed-form risk and exact gaps."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate, stats

from stl_bounds import ParameterError
from verification.downstream import (
    empirical_risk,
    expected_iid_gap,
    gaussian_mean_gap,
    population_risk,
    run_downstream,
)
from verification.gaussian import gaussian_training_sets

ALPHA = 1e-3


def threshold(k: int) -> float:
    return float(stats.norm.ppf(1 - ALPHA / (2 * k)))


@pytest.mark.parametrize(("h", "M", "sigma"), [(0.0, 1.0, 1.0), (0.7, 4.0, 1.0), (-2.5, 0.3, 2.0), (5.0, 9.0, 0.5)])
def test_population_risk_matches_quadrature(h: float, M: float, sigma: float) -> None:
    def integrand(z: float) -> float:
        return min((z - h) ** 2, M) * stats.norm.pdf(z, 0.0, sigma)

    edges = sorted({-np.inf, h - np.sqrt(M), 0.0, h + np.sqrt(M), np.inf})
    exact = sum(integrate.quad(integrand, a, b, epsabs=1e-14)[0] for a, b in itertools.pairwise(edges))
    assert float(population_risk(h, M, sigma)) == pytest.approx(exact, abs=1e-12)


def test_population_risk_matches_large_sample() -> None:
    """z-test (docs/theory.md §6.2) of the closed form against 10⁶ draws of the clipped loss, 4 points at once."""
    rng = np.random.default_rng(51)
    z = rng.normal(0.0, 1.3, size=1_000_000)
    cases = [(0.0, 1.0), (0.4, 2.0), (-1.0, 0.5), (2.0, 10.0)]
    for h, M in cases:
        losses = np.minimum((z - h) ** 2, M)
        score = (losses.mean() - population_risk(h, M, 1.3)) / (losses.std(ddof=1) / np.sqrt(z.size))
        assert abs(score) < threshold(len(cases)), (h, M, score)


def test_population_risk_limits_and_shape() -> None:
    h = np.linspace(-3, 3, 7).reshape(7, 1)
    np.testing.assert_allclose(population_risk(h, 1e12, 2.0), 4.0 + h**2, rtol=1e-12)
    np.testing.assert_allclose(population_risk(100.0, 4.0), 4.0, rtol=1e-12)  # always clipped
    assert population_risk(h, 1.0).shape == (7, 1)
    with pytest.raises(ParameterError, match="M must be > 0"):
        population_risk(0.0, 0.0)


def test_empirical_risk() -> None:
    sample = np.array([[0.0, 1.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(empirical_risk(np.array([1.0, 0.0]), sample, M=2.0), [(1 + 0 + 2) / 3, 2.0])


@pytest.mark.parametrize(("regime", "lam", "size"), [("fresh", 0.5, 40), ("reused", 0.5, 20), ("replace", 0.0, 40)])
def test_generation_zero_gap_is_the_iid_gap(regime: str, lam: float, size: int) -> None:
    """Generation 0 trains on `size` i.i.d. real points: E Gap_0 = ρ(σ√(1+1/N)) − ρ(σ√(1−1/N)) = O(M/N)."""
    M, sigma = 2.0, 1.2
    gap = gaussian_mean_gap(
        regime, n=40, fits=1, replicates=40_000, rng=np.random.default_rng(52), lam=lam, M=M, sigma=sigma
    )[:, 0]
    exact = expected_iid_gap(size, M, sigma)
    assert 0 < exact < 2 * M / size  # small: near 0 at this n
    score = (gap.mean() - exact) / (gap.std(ddof=1) / np.sqrt(gap.size))
    assert abs(score) < threshold(3), score


def test_expected_iid_gap_unclipped_limit() -> None:
    # M → ∞: E Gap = σ²(1 + 1/n) − σ²(1 − 1/n) = 2σ²/n
    assert expected_iid_gap(50, 1e12, 1.5) == pytest.approx(2 * 1.5**2 / 50, rel=1e-9)


def test_run_downstream_gives_gap_and_learning_error() -> None:
    kwargs = {"n": 20, "fits": 6, "replicates": 200, "lam": 0.5, "M": 4.0}
    run = run_downstream("reused", rng=np.random.default_rng(53), **kwargs)
    np.testing.assert_array_equal(run.gap, gaussian_mean_gap("reused", rng=np.random.default_rng(53), **kwargs))
    assert run.gap.shape == (200, 6) and np.all(np.abs(run.gap) <= 4.0)
    eps = run.eps()
    assert eps.shape == (200, 6) and np.all((eps >= 0) & (eps <= 1))
    np.testing.assert_allclose(run.mean_eps(), eps.mean(axis=0))
    np.testing.assert_allclose(eps[:, 0], run.path.tv_to_real()[:, 0])  # ε_0 = Δ_0
    # Gap_i recomputed from the same training sets: h = mean(S_i), R_D0(h) − R̂_S(h)
    sets = gaussian_training_sets("reused", rng=np.random.default_rng(53), **{k: kwargs[k] for k in kwargs if k != "M"})
    for j, training in enumerate(sets):
        h = training.sample.mean(axis=1)
        np.testing.assert_allclose(run.gap[:, j], population_risk(h, 4.0) - empirical_risk(h, training.sample, 4.0))
        np.testing.assert_allclose(run.path.mean[:, j], h)  # the learner is the fitted mean here


def test_same_seed_same_gap() -> None:
    def gap(seed: int) -> np.ndarray:
        return gaussian_mean_gap("fresh", n=10, fits=3, replicates=30, rng=np.random.default_rng(seed), lam=0.5, M=1.0)

    np.testing.assert_array_equal(gap(1), gap(1))
    assert not np.array_equal(gap(1), gap(2))


@pytest.mark.parametrize(
    ("regime", "lam", "M", "message"),
    [
        ("weighted", 0.5, 1.0, "regime must be one of"),
        ("accumulate", 0.0, 1.0, "regime must be one of"),
        ("replace", 0.5, 1.0, "lam must be 0 for regime 'replace'"),
        ("fresh", 0.5, -1.0, "M must be > 0"),
        ("fresh", 0.55, 1.0, "lam\\*n must be an integer"),
    ],
)
def test_invalid_parameters(regime: str, lam: float, M: float, message: str) -> None:
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    with pytest.raises(ParameterError, match=message):
        gaussian_mean_gap(regime, n=10, fits=3, replicates=5, rng=rng, lam=lam, M=M)
    assert rng.bit_generator.state == state
