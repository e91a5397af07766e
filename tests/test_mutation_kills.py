"""Tests written to kill the mutants that survived ``benchmarks/mutation.py`` (issue 12).

Each test pins down a property the rest of the suite left loose: exact order statistics and unbounded ends of
:func:`verification.stats.quantile_interval`, the exact constants of the median-of-means standard error and of
the slope interval, the defaults of ``level``, the float arrays the statistics return and the keys of the JSON
forms.  The expected values are computed here independently of the code under test (binomial sums with
``math.comb``, the normal-consistency constant of the MAD, the textbook least-squares standard error).
See ``benchmarks/MUTATION.md`` for the survivors these tests kill and the ones listed as equivalent.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from verification.stats import Moments, median_of_means, quantile_interval, slope, upper_quantile

# --- verification.stats (docs/theory.md §6.2–6.5) ------------------------------------------------------------


def _binomial_quantile(q: float, m: int, p: float) -> int:
    """Smallest j with P(Bin(m, p) <= j) >= q, by summing the pmf exactly (independent of scipy)."""
    cdf = 0.0
    for j in range(m + 1):
        cdf += math.comb(m, j) * p**j * (1 - p) ** (m - j)
        if cdf >= q * (1 - 1e-12):
            return j
    return m


def _expected_bounds(m: int, delta: float, level: float) -> tuple[float, float]:
    """Ranks (l, u) of the order-statistic interval (David & Nagaraja §7.1), 1-based; ∓inf where l = 0 or u > m.

    With samples 1..m the order statistic of rank r is r itself, so the ranks are the expected values.
    """
    alpha = 1 - level
    low = _binomial_quantile(alpha / 2, m, 1 - delta)
    high = _binomial_quantile(1 - alpha / 2, m, 1 - delta) + 1
    return (low if low >= 1 else -math.inf), (high if high <= m else math.inf)


@pytest.mark.parametrize(
    ("m", "delta", "level"),
    [(400, 0.05, 0.95), (400, 0.05, None), (60, 0.2, 0.9), (6, 0.5, 0.95), (5, 0.5, 0.99), (1, 0.99, 0.95)],
    ids=["m400", "m400-default-level", "m60", "l=1-and-u=m", "unbounded-both-sides", "single-sample"],
)
def test_quantile_interval_is_the_exact_pair_of_order_statistics(m: int, delta: float, level: float | None) -> None:
    """Samples 1..m (shuffled) in one column and 10·(1..m) in another: the interval is (l, u) and (10l, 10u)."""
    ranks = np.random.default_rng(0).permutation(np.arange(1, m + 1))
    samples = np.stack([ranks, 10 * ranks], axis=1)  # integers: the statistics must still return floats
    low, high = quantile_interval(samples, delta) if level is None else quantile_interval(samples, delta, level=level)
    want_low, want_high = _expected_bounds(m, delta, 0.95 if level is None else level)
    assert low.tolist() == [want_low, 10 * want_low], f"lower end: want {want_low}, got {low.tolist()}"
    assert high.tolist() == [want_high, 10 * want_high], f"upper end: want {want_high}, got {high.tolist()}"
    assert low.dtype == np.float64 and high.dtype == np.float64


def test_upper_quantile_returns_floats_for_integer_samples() -> None:
    q = upper_quantile(np.arange(1, 101), 0.05)
    assert q == 95 and q.dtype == np.float64


def test_median_of_means_value_se_and_label_per_column() -> None:
    """Value = column medians; SE = sqrt(π/2)·1.4826·MAD/sqrt(K) with 1.4826 = 1/Φ⁻¹(3/4) (normal consistency)."""
    rng = np.random.default_rng(5)
    blocks = np.stack([rng.normal(0.0, 1.0, 41), rng.normal(5.0, 3.0, 41)], axis=1)
    est = median_of_means(blocks)
    median = np.median(blocks, axis=0)
    mad = np.median(np.abs(blocks - median), axis=0) / 0.6744897501960817
    np.testing.assert_allclose(est.value, median, rtol=1e-15)
    np.testing.assert_allclose(est.se, math.sqrt(math.pi / 2) * mad / math.sqrt(41), rtol=1e-12)
    assert est.method == "median of 41 block means"


def _textbook_slope(x: np.ndarray, y: np.ndarray, level: float) -> tuple[float, float, float, float]:
    """Least squares by hand: slope, its standard error and the Student-t interval with N − 2 degrees of freedom."""
    xc = x - x.mean()
    b = float(np.sum(xc * (y - y.mean())) / np.sum(xc**2))
    resid = y - y.mean() - b * xc
    se = math.sqrt(float(np.sum(resid**2)) / (x.size - 2) / float(np.sum(xc**2)))
    half = float(stats.t.ppf((1 + level) / 2, x.size - 2)) * se
    return b, se, b - half, b + half


@pytest.mark.parametrize("level", [None, 0.99])
def test_slope_matches_the_textbook_interval(level: float | None) -> None:
    x = np.arange(8)  # integers on purpose
    y = 0.5 * x + np.array([0.3, -0.1, 0.2, -0.4, 0.1, 0.0, -0.2, 0.3])
    s = slope(x, y) if level is None else slope(x, y, level=level)
    b, se, low, high = _textbook_slope(x.astype(float), y, 0.95 if level is None else level)
    assert (s.value, s.stderr, s.low, s.high) == pytest.approx((b, se, low, high), rel=1e-12)
    assert s.level == (0.95 if level is None else level) and s.points == 8
    assert s.to_dict() == {
        "slope": s.value,
        "stderr": s.stderr,
        "ci_low": s.low,
        "ci_high": s.high,
        "level": s.level,
        "points": 8,
    }


def test_moments_from_json_integers_are_float_arrays() -> None:
    """JSON writes 2.0 as 2 in some writers; the restored moments must still be float arrays."""
    m = Moments.from_dict({"count": 3, "mean": [1, 2], "m2": [0, 4]})
    assert m.mean.dtype == np.float64 and m.m2.dtype == np.float64
    np.testing.assert_array_equal(m.se, [0.0, math.sqrt(4 / 2 / 3)])
