"""Statistics of the verification campaigns (verification.stats)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from verification.stats import Moments, bonferroni_threshold, median_of_means, slope, upper_quantile, zscore


def test_moments_pool_equals_whole_sample() -> None:
    x = np.random.default_rng(1).normal(size=(1003, 4))
    parts = [Moments.of(x[a:b]) for a, b in ((0, 400), (400, 800), (800, 1003))]
    pooled = Moments.pool(parts)
    whole = Moments.of(x)
    assert pooled.count == 1003
    np.testing.assert_allclose(pooled.mean, whole.mean, rtol=1e-13)
    np.testing.assert_allclose(pooled.m2, whole.m2, rtol=1e-12)
    np.testing.assert_allclose(pooled.se, x.std(axis=0, ddof=1) / np.sqrt(1003), rtol=1e-12)


def test_moments_round_trip() -> None:
    m = Moments.of(np.arange(12.0).reshape(6, 2))
    back = Moments.from_dict(m.to_dict())
    assert back.count == m.count and np.array_equal(back.mean, m.mean) and np.array_equal(back.m2, m.m2)


def test_zscore_zero_se() -> None:
    z = zscore([1.0, 2.0, 3.0], [0.5, 0.0, 0.0], [0.0, 2.0, 2.0])
    np.testing.assert_array_equal(z, [2.0, 0.0, np.inf])


def test_bonferroni_threshold() -> None:
    assert bonferroni_threshold(1e-3, 1) == pytest.approx(stats.norm.ppf(1 - 5e-4))
    assert bonferroni_threshold(1e-3, 100) == pytest.approx(stats.norm.ppf(1 - 5e-6))


def test_median_of_means_interval_covers() -> None:
    rng = np.random.default_rng(2)
    covered = 0
    for _ in range(200):
        blocks = rng.standard_exponential(size=(40, 100)).mean(axis=1)
        est = median_of_means(blocks)
        covered += abs(est.value - 1.0) < 1.96 * est.se
    assert covered > 170  # nominal 95% (small skew bias)


def test_slope_interval() -> None:
    x = np.arange(10.0)
    y = 2.0 * x + np.random.default_rng(3).normal(scale=0.1, size=10)
    s = slope(x, y, level=0.99)
    assert s.low < 2.0 < s.high and s.points == 10
    assert s.to_dict()["slope"] == s.value


def test_upper_quantile_is_a_sample_value() -> None:
    x = np.arange(1.0, 101.0)
    assert upper_quantile(x, 0.05) == 95.0


def test_quantile_interval_covers_the_true_quantile_at_its_level() -> None:
    from verification.stats import quantile_interval, upper_quantile

    rng = np.random.default_rng(7)
    reps, m, delta, level = 4000, 400, 0.05, 0.95
    samples = rng.random((m, reps))  # Uniform(0, 1): the true (1 - δ)-quantile is 1 - δ
    low, high = quantile_interval(samples, delta, level=level)
    q = upper_quantile(samples, delta)
    assert np.all(low <= q) and np.all(q <= high)
    coverage = np.mean((low <= 1 - delta) & (1 - delta <= high))
    se = np.sqrt(level * (1 - level) / reps)
    # at least the nominal level (order-statistic intervals are conservative), up to 4 SE of Monte Carlo error,
    # and not vacuous: a discrete binomial interval overshoots the level by a few points at most
    assert level - 4 * se <= coverage <= level + 0.04
