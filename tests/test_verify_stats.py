"""Statistics of the verification campaigns (verification.stats)."""

from __future__ import annotations

from collections.abc import Callable

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


# --- the order-statistic interval of the (1 − δ)-quantile: exact coverage from the binomial law ---------------------
#
# The number B of samples below the true p-quantile (p = 1 − δ) is Binomial(m, p), so [X_(l), X_(u)] misses it below
# with probability P(B < l) and above with P(B >= u): its coverage is exact, P(l <= B <= u − 1).  The interval is
# equal-tailed: each tail at most α/2, and each index as far in as that allows (one step further breaks its tail).
# That catches an off-by-one that a simulation cannot see (coverage 0.945 against 0.95 is 1.4 SE at 4000 draws).

Interval = Callable[..., tuple[np.ndarray, np.ndarray]]


def _indices(interval: Interval, m: int, delta: float, level: float) -> tuple[float, float]:
    """The 1-based order-statistic indices the interval picks, read back from the sample 1, 2, ..., m
    (``-inf`` is index 0, ``inf`` index m + 1: no order statistic bounds that side)."""
    low, high = interval(np.arange(1.0, m + 1)[:, None], delta, level=level)
    return max(float(low[0]), 0.0), min(float(high[0]), m + 1.0)


def _interval_problems(interval: Interval, m: int, delta: float, level: float) -> list[str]:
    """What is wrong with the interval's indices at (m, δ, level), from the exact binomial law."""
    law = stats.binom(m, 1 - delta)

    def below(index: float) -> float:  # P(B < l): the quantile lies below X_(l)
        return float(law.cdf(index - 1))

    def above(index: float) -> float:  # P(B >= u): the quantile lies above X_(u)
        return float(law.sf(index - 1))

    lo, hi = _indices(interval, m, delta, level)
    tail = (1 - level) / 2
    where = f"m={m}, delta={delta}, level={level}: indices ({lo:g}, {hi:g})"
    problems = []
    if 1 - below(lo) - above(hi) < level:
        problems.append(f"{where}: exact coverage {1 - below(lo) - above(hi):.5f} < {level}")
    if below(lo) > tail or (lo < hi - 1 and below(lo + 1) < tail):
        problems.append(f"{where}: lower index not the innermost with P(B < l) <= {tail:g}")
    if above(hi) > tail or (hi > lo + 1 and above(hi - 1) < tail):
        problems.append(f"{where}: upper index not the innermost with P(B >= u) <= {tail:g}")
    return problems


_GRID = [
    (m, delta, level)
    for m in (20, 50, 71, 72, 100, 400, 2000, 5003)
    for delta in (0.01, 0.05, 0.1, 0.5)
    for level in (0.8, 0.9, 0.95, 0.99)
]


def test_quantile_interval_has_exact_coverage_and_minimal_indices() -> None:
    from verification.stats import quantile_interval

    problems = [p for args in _GRID for p in _interval_problems(quantile_interval, *args)]
    assert not problems, "\n".join(problems)


def test_quantile_interval_is_unbounded_where_the_sample_is_too_small() -> None:
    """m = 20 at δ = 0.05, level 0.95: P(B = m) = 0.95^20 > 2.5%, so no order statistic bounds the quantile
    from above; the maximum would cover only 63%."""
    from verification.stats import quantile_interval

    low, high = quantile_interval(np.random.default_rng(0).random((20, 3)), 0.05, level=0.95)
    assert np.all(np.isfinite(low)) and np.all(high == np.inf)
    assert stats.binom(20, 0.95).cdf(19) - stats.binom(20, 0.95).cdf(16) < 0.64


def _off_by_one(shift_low: int, shift_high: int) -> Interval:
    """quantile_interval with its indices moved (a planted bug), clipped to the sample."""

    def interval(samples: np.ndarray, delta: float, *, level: float) -> tuple[np.ndarray, np.ndarray]:
        ordered = np.sort(samples, axis=0)
        m, alpha = ordered.shape[0], 1 - level
        low = int(stats.binom.ppf(alpha / 2, m, 1 - delta)) + shift_low
        high = int(stats.binom.ppf(1 - alpha / 2, m, 1 - delta)) + 1 + shift_high
        return ordered[min(max(low, 1), m) - 1], ordered[min(max(high, 1), m) - 1]

    return interval


@pytest.mark.parametrize(("shift_low", "shift_high"), [(0, -1), (1, 0), (-1, 0), (0, 1)])
def test_an_off_by_one_index_is_caught(shift_low: int, shift_high: int) -> None:
    """Negative controls: each index moved by one, inwards (coverage below the level, e.g. 0.945 for 0.95) or
    outwards (no longer minimal), is reported at 400 samples (δ = 0.05, level 0.95) and across the grid."""
    broken = _off_by_one(shift_low, shift_high)
    assert _interval_problems(broken, 400, 0.05, 0.95)
    assert sum(bool(_interval_problems(broken, *args)) for args in _GRID) > len(_GRID) // 2


def test_quantile_interval_covers_at_its_exact_rate_in_simulation() -> None:
    """Seeded: Uniform samples, whose (1 − δ)-quantile is 1 − δ; the empirical coverage over 4000 intervals
    matches the exact binomial coverage within 4 standard errors."""
    from verification.stats import quantile_interval

    rng = np.random.default_rng(7)
    reps, m, delta, level = 4000, 400, 0.05, 0.95
    samples = rng.random((m, reps))
    low, high = quantile_interval(samples, delta, level=level)
    q = upper_quantile(samples, delta)
    assert np.all(low <= q) and np.all(q <= high)
    lo, hi = _indices(quantile_interval, m, delta, level)
    law = stats.binom(m, 1 - delta)
    exact = law.cdf(hi - 1) - law.cdf(lo - 1)
    coverage = np.mean((low <= 1 - delta) & (1 - delta <= high))
    assert abs(coverage - exact) <= 4 * np.sqrt(exact * (1 - exact) / reps), (coverage, exact)
