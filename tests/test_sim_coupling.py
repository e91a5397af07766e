"""Recursive stability by coupled runs (docs/theory.md §2, §6.5)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from stl_bounds import ParameterError
from verification.coupling import coupled_gamma, coupled_tv

ALPHA = 1e-3
Z = float(stats.norm.ppf(1 - ALPHA / 2))


def test_gamma_scales_as_one_over_n_for_positive_lam() -> None:
    """Weighted least squares of log γ̂ on log n (SE of log γ̂ by the delta method).

    docs/theory.md §6.5 expects slope ≈ −1. The estimate carries O(1/n) corrections (n·γ̂ rises
    by ~2% from n = 50 to 800; measured slope ≈ −0.996 ± 0.001), so the test asks the
    whole 1 − α confidence interval to lie within ±0.05 of −1 rather than to contain −1.
    """
    ns, replicates = np.array([50, 100, 200, 400, 800]), 3000
    gamma, se = [], []
    for n in ns:
        tv = coupled_tv(n=n, fits=11, replicates=replicates, rng=np.random.default_rng([61, n]), lam=0.5)[:, -1]
        gamma.append(tv.mean())
        se.append(tv.std(ddof=1) / np.sqrt(replicates))
    y, weights, x = np.log(gamma), (np.array(gamma) / np.array(se)) ** 2, np.log(ns)
    x_bar, y_bar = np.average(x, weights=weights), np.average(y, weights=weights)
    sxx = np.sum(weights * (x - x_bar) ** 2)
    slope, slope_se = np.sum(weights * (x - x_bar) * (y - y_bar)) / sxx, 1 / np.sqrt(sxx)
    assert -1.05 < slope - Z * slope_se and slope + Z * slope_se < -0.95, (slope, slope_se)


def _paired_z(tv: np.ndarray, later: int, earlier: int) -> float:
    diff = tv[:, later] - tv[:, earlier]
    return float(diff.mean() / (diff.std(ddof=1) / np.sqrt(len(diff))))


def test_gamma_stays_bounded_in_generations_for_positive_lam() -> None:
    tv = coupled_tv(n=20, fits=41, replicates=2000, rng=np.random.default_rng(62), lam=0.5)
    gamma = tv.mean(axis=0)
    assert _paired_z(tv, 40, 10) < Z  # no significant growth after the transient
    assert gamma.max() < 1.1 * gamma[0]


def test_gamma_grows_with_generations_at_lam_zero() -> None:
    """λ = 0 (replace): variance collapse magnifies the perturbation — recursively unstable."""
    tv = coupled_tv(n=20, fits=41, replicates=2000, rng=np.random.default_rng(63), lam=0.0)
    gamma = tv.mean(axis=0)
    assert _paired_z(tv, 40, 10) > Z
    assert gamma[-1] > 2 * gamma[0]
    assert np.all(np.diff(gamma[::10]) > 0)


def test_worst_case_over_a_superset_of_replacements_is_larger() -> None:
    """Same seed: the runs share S_0 and the synthetic draws, so the worst case is monotone in the set."""
    kwargs = {"n": 30, "fits": 8, "replicates": 100, "lam": 0.2}
    some = coupled_tv(rng=np.random.default_rng(64), replacements=(0.0,), **kwargs)
    more = coupled_tv(rng=np.random.default_rng(64), replacements=(-3.0, 0.0, 3.0), **kwargs)
    assert np.all(more >= some) and np.any(more > some)
    assert np.all((some >= 0) & (more <= 1))


def test_gamma_is_the_mean_and_reproducible() -> None:
    kwargs = {"n": 10, "fits": 5, "replicates": 50, "lam": 0.0, "estimator": "mle"}
    tv = coupled_tv(rng=np.random.default_rng(1), **kwargs)
    assert tv.shape == (50, 5)
    np.testing.assert_array_equal(coupled_gamma(rng=np.random.default_rng(1), **kwargs), tv.mean(axis=0))
    assert not np.array_equal(tv, coupled_tv(rng=np.random.default_rng(2), **kwargs))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lam": 1.0}, "lam must be"),
        ({"lam": 0.33}, "lam\\*n must be an integer"),
        ({"lam": 0.1}, "lam\\*n must be >= 2"),
        ({"n": 1}, "n must be integer >= 2"),
        ({"fits": 0}, "fits must be integer >= 1"),
        ({"estimator": "ml"}, "estimator must be one of"),
        ({"replacements": (np.inf,)}, "replacements"),
        ({"sigma": 0.0}, "sigma must be > 0"),
    ],
)
def test_invalid_parameters(change: dict[str, object], message: str) -> None:
    kwargs = {"n": 10, "fits": 3, "replicates": 4, "lam": 0.5, **change}
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    with pytest.raises(ParameterError, match=message):
        coupled_gamma(rng=rng, **kwargs)
    assert rng.bit_generator.state == state
