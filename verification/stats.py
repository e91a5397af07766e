r"""Statistics of the Monte Carlo verification (docs/theory.md §6.2–6.5).

Every interval here is a frequentist statement about a Monte Carlo estimate:

* :class:`Moments` — count, mean and centred sum of squares of a sample, merged
  chunk by chunk in a fixed order (Chan, Golub, LeVeque 1983), so the pooled
  mean and standard error do not depend on how the replicates were split
  among workers;
* :func:`zscore` and :func:`bonferroni_threshold` — the closed-form test of
  docs/theory.md §6.2: :math:`z = (\bar X - \mu)/\mathrm{SE}`, pass iff
  :math:`|z| < \Phi^{-1}(1 - \alpha/(2k))`;
* :func:`median_of_means` — a robust estimate for heavy-tailed quantities
  (docs/theory.md §6.2) from block means;
* :func:`batch_means` and :func:`normal_equivalent` — the mean of K block means
  studentized with Student's t on K − 1 degrees of freedom, and its score mapped to
  the normal scale, so that a few-block estimate shares one Bonferroni z-threshold
  with the others at its nominal level;
* :func:`slope` — least-squares slope with a Student-t confidence interval
  (``scipy.stats.linregress``), for the rate checks of docs/theory.md §6.4–6.5;
* :func:`upper_quantile` — the empirical (1 − δ)-quantile of docs/theory.md §6.4, and
  :func:`quantile_interval`, its distribution-free confidence interval from
  order statistics (the count of samples below the true quantile is binomial).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "Estimate",
    "Moments",
    "Slope",
    "batch_means",
    "bonferroni_threshold",
    "median_of_means",
    "normal_equivalent",
    "quantile_interval",
    "slope",
    "upper_quantile",
    "zscore",
]


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of a sample for its mean and standard error.

    Attributes
    ----------
    count
        Number of replicates :math:`N`.
    mean
        :math:`\\bar x`, elementwise over the trailing shape (e.g. one value per fit).
    m2
        :math:`\\sum_r (x_r - \\bar x)^2`, elementwise.
    """

    count: int
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def of(cls, samples: np.ndarray) -> Moments:
        """Moments of ``samples`` along axis 0 (replicates first)."""
        x = np.asarray(samples, dtype=float)
        mean = x.mean(axis=0)
        return cls(int(x.shape[0]), mean, ((x - mean) ** 2).sum(axis=0))

    def merge(self, other: Moments) -> Moments:
        r"""Pooled moments of two disjoint samples.

        Notes
        -----
        Chan et al.'s update: with :math:`\delta = \bar y - \bar x`,
        :math:`\bar z = \bar x + \delta N_y/N`,
        :math:`M_2 = M_{2,x} + M_{2,y} + \delta^2 N_x N_y / N`.  Floating point
        makes the result depend on the order of merging; callers merge chunks in
        chunk order so that it does not depend on the number of workers.
        """
        n = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / n)
        m2 = self.m2 + other.m2 + delta**2 * (self.count * other.count / n)
        return Moments(n, mean, m2)

    @classmethod
    def pool(cls, parts: Sequence[Moments]) -> Moments:
        """Merge ``parts`` left to right (chunk order)."""
        total = parts[0]
        for part in parts[1:]:
            total = total.merge(part)
        return total

    @property
    def se(self) -> np.ndarray:
        r"""Standard error of the mean, :math:`\sqrt{M_2/(N-1)}/\sqrt N`."""
        return np.sqrt(self.m2 / (self.count - 1) / self.count)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (lists; see :func:`verification.report.jsonable` for non-finite values)."""
        return {"count": self.count, "mean": np.asarray(self.mean).tolist(), "m2": np.asarray(self.m2).tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Moments:
        """Inverse of :meth:`to_dict`."""
        return cls(int(d["count"]), np.asarray(d["mean"], dtype=float), np.asarray(d["m2"], dtype=float))


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate (elementwise over the trailing shape) with its
    standard error and the estimator used."""

    value: np.ndarray
    se: np.ndarray
    method: str


@dataclass(frozen=True)
class Slope:
    """A least-squares slope with a two-sided confidence interval."""

    value: float
    stderr: float
    low: float
    high: float
    level: float
    points: int

    def to_dict(self) -> dict[str, float]:
        """JSON-ready form."""
        return {
            "slope": self.value,
            "stderr": self.stderr,
            "ci_low": self.low,
            "ci_high": self.high,
            "level": self.level,
            "points": self.points,
        }


def zscore(mean: np.ndarray, se: np.ndarray, exact: np.ndarray) -> np.ndarray:
    r""":math:`z = (\bar X - \mu)/\mathrm{SE}` (docs/theory.md §6.2).

    Where the standard error is 0 (a quantity without randomness) the z-score
    is 0 if the estimate equals the exact value and ``inf`` otherwise.
    """
    mean, se, exact = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (mean, se, exact)))
    diff = mean - exact
    out = np.where(diff == 0.0, 0.0, np.inf)
    positive = se > 0
    out[positive] = diff[positive] / se[positive]
    return out


def bonferroni_threshold(alpha: float, k: int) -> float:
    r"""Two-sided normal threshold :math:`\Phi^{-1}(1 - \alpha/(2k))` for ``k`` tests at family level ``alpha``."""
    return float(stats.norm.isf(alpha / (2 * k)))


def median_of_means(block_means: np.ndarray) -> Estimate:
    r"""Median of block means with an asymptotic standard error (docs/theory.md §6.2, heavy tails).

    Parameters
    ----------
    block_means
        Means of K blocks of equally many replicates, along axis 0.

    Notes
    -----
    For K blocks the median of the block means has standard error
    :math:`\sqrt{\pi/2}\, s_b/\sqrt K` asymptotically (block means are nearly
    normal by the CLT), with :math:`s_b` the standard deviation of the block
    means, estimated robustly by the normalized median absolute deviation
    (``scipy.stats.median_abs_deviation(scale="normal")``) so that one extreme
    block does not inflate it.  For a skewed quantity the median of block means
    is biased by :math:`O(\gamma s/b)` (skewness γ, block size b) while its
    standard error is :math:`O(s/\sqrt{Kb})`: blocks must be long
    (:math:`b \gg K\gamma^2`) for the interval to be honest.
    """
    b = np.asarray(block_means, dtype=float)
    k = b.shape[0]
    spread = stats.median_abs_deviation(b, axis=0, scale="normal")
    return Estimate(np.median(b, axis=0), math.sqrt(math.pi / 2) * spread / math.sqrt(k), f"median of {k} block means")


def batch_means(block_means: np.ndarray) -> tuple[Estimate, int]:
    r"""Mean of K block means with its standard error, and the degrees of freedom K − 1 of its t-law.

    Parameters
    ----------
    block_means
        Means of K ≥ 2 blocks of equally many replicates, along axis 0.

    Notes
    -----
    With block means :math:`\bar X_1, \dots, \bar X_K` (nearly normal by the CLT for
    long blocks), :math:`T = (\bar{\bar X} - \mu)/(s_b/\sqrt K)` has Student's t law on
    K − 1 degrees of freedom, whatever the spread of a single replicate: the interval
    stays honest for heavy-tailed quantities, whose replicate-level standard error is
    unreliable.  The estimate is the plain mean, so it has no skewness bias.  (The
    studentized median of K block means is not normal at K ≤ 20: at K = 8 its
    :math:`|z| > 4` rate is 2·10⁻² against 6·10⁻⁵; see :func:`normal_equivalent`.)
    """
    b = np.asarray(block_means, dtype=float)
    k = b.shape[0]
    if k < 2:
        raise ValueError(f"batch means need at least 2 blocks; got {k}")
    se = b.std(axis=0, ddof=1) / math.sqrt(k)
    return Estimate(b.mean(axis=0), se, f"mean of {k} block means (t, {k - 1} dof)"), k - 1


def normal_equivalent(t: np.ndarray, dof: int) -> np.ndarray:
    r"""The normal score with the same two-sided tail probability as a Student-t score.

    :math:`z = \operatorname{sign}(t)\,\Phi^{-1}(1 - F_{t,\nu}(-|t|))`, so that
    :math:`P(|Z| > c) = P(|T| > |t|)` at :math:`c = |z|`: a t statistic compared with a
    normal Bonferroni threshold through z keeps the family level exactly (for normal
    block means).
    """
    t = np.asarray(t, dtype=float)
    return np.sign(t) * stats.norm.isf(stats.t.sf(np.abs(t), dof))


def slope(x: np.ndarray, y: np.ndarray, *, level: float = 0.95) -> Slope:
    """Least-squares slope of ``y`` on ``x`` with a Student-t interval at ``level``.

    Uses ``scipy.stats.linregress``; the interval is
    ``slope ± t_{(1+level)/2, N-2} · stderr``.  Needs at least 3 points.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    fit = stats.linregress(x, y)
    # Constant y: linregress leaves r (and with it the standard error) 0/0; the exact fit has slope 0, error 0.
    stderr = 0.0 if np.ptp(y) == 0 else float(fit.stderr)
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 2)) * stderr
    return Slope(float(fit.slope), stderr, float(fit.slope) - half, float(fit.slope) + half, level, int(x.size))


def upper_quantile(samples: np.ndarray, delta: float) -> np.ndarray:
    r"""Empirical :math:`(1-\delta)`-quantile along axis 0 (inverse of the empirical CDF).

    The smallest sample value :math:`q` with :math:`\hat F(q) \ge 1 - \delta`
    (``method="inverted_cdf"``): a value the sample itself exceeds with
    frequency at most δ.
    """
    return np.quantile(np.asarray(samples, dtype=float), 1.0 - delta, axis=0, method="inverted_cdf")


def quantile_interval(samples: np.ndarray, delta: float, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    r"""Distribution-free confidence interval of the :math:`(1-\delta)`-quantile along axis 0.

    With m i.i.d. samples and :math:`p = 1 - \delta`, the number of samples
    below the true quantile :math:`q_p` is Binomial(m, p) (continuous
    distribution), so the order statistics :math:`X_{(l)} \le q_p \le X_{(u)}`
    with :math:`l = F^{-1}_{\rm Bin}(\alpha/2)`, :math:`u = F^{-1}_{\rm Bin}(1-\alpha/2) + 1`
    (1-based, :math:`\alpha = 1 -` ``level``) hold with probability at least ``level``
    (e.g. David & Nagaraja, *Order Statistics*, 2003, §7.1); each tail misses with probability
    at most α/2, and moving either index inwards would exceed it.  When m is too small for the
    level an index falls outside ``[1, m]`` (l = 0, or u = m + 1: e.g. u for m < 72 at δ = 0.05,
    level 0.95): no order statistic bounds that side, and the interval is unbounded there
    (−inf, +inf).  Clipping to the extreme order statistic instead would narrow the interval
    and lose the level (m = 20 would cover 63% at a nominal 95%).

    Returns
    -------
    (low, high)
        Arrays of the shape of ``samples[0]``; ``-inf``/``inf`` on a side m cannot bound.
    """
    ordered = np.sort(np.asarray(samples, dtype=float), axis=0)
    m = ordered.shape[0]
    alpha = 1.0 - level
    low = int(stats.binom.ppf(alpha / 2, m, 1.0 - delta))
    high = int(stats.binom.ppf(1 - alpha / 2, m, 1.0 - delta)) + 1
    unbounded = np.full(ordered.shape[1:], np.inf)
    return (ordered[low - 1] if low >= 1 else -unbounded), (ordered[high - 1] if high <= m else unbounded)
