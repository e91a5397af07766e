r"""Monte Carlo simulators of 1-D Gaussian kernel density loops (docs/theory.md §5.8).

The generator of each generation is a Gaussian KDE of its training set, built as
``scipy.stats.gaussian_kde`` builds it with Scott's rule: kernel variance
:math:`s^2 N^{-2/5}`, with :math:`s^2` the unbiased sample variance of the N training
points (gaussian_kde's ``covariance``). Sampling it is exactly what
``gaussian_kde.resample`` does: pick a training point uniformly, add
:math:`N(0, s^2 N^{-2/5})` noise (:func:`kde_sample`, vectorized over replicates).
The real distribution is :math:`N(0, \sigma^2)`; fit t = 1 is the KDE of n real points.

======================  ================================================================
``replace``             n points from the previous KDE
``fixed_bandwidth``     as ``replace``, with kernel standard deviation h fixed
``fresh``               λn fresh real points + (1 − λ)n points from the previous KDE
``accumulate``          the KDE of all data so far (tn points at fit t); n new points
                        from the previous KDE are added each step
``accumulate_subsample``  the pool grows as in ``accumulate``, but fit t is the KDE of a
                        uniform subsample of n pool points without replacement
======================  ================================================================

Per fit, :class:`KdePath` records the mean :math:`m_t` and the MLE variance :math:`v_t` of
the training set the KDE is built on, and its kernel variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stl_bounds.domains import Domain
from stl_bounds.errors import ParameterError

__all__ = ["REGIMES", "KdePath", "kde_sample", "scott_kernel_variance", "simulate_kde", "uniform_subsample"]

REGIMES = ("replace", "fixed_bandwidth", "fresh", "accumulate", "accumulate_subsample")


def scott_kernel_variance(data: np.ndarray) -> np.ndarray:
    r"""gaussian_kde's kernel variance with Scott's rule, per row: :math:`s^2 N^{-2/5}` (docs/theory.md §5.8).

    Parameters
    ----------
    data
        Training sets, shape (replicates, N), N ≥ 2.

    Notes
    -----
    scipy sets the bandwidth factor to :math:`N_{\rm eff}^{-1/(d+4)} = N^{-1/5}` (d = 1, equal
    weights) and the covariance to the factor squared times the unbiased data covariance.
    """
    size = data.shape[1]
    return np.var(data, axis=1, ddof=1) * size ** (-0.4)


def kde_sample(data: np.ndarray, kernel_var: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    r"""``size`` points per row from the Gaussian KDE of the row's data with the row's kernel variance.

    The law of ``gaussian_kde.resample``: an index uniform on the N points, plus
    :math:`N(0, \text{kernel\_var})` noise. Shape (replicates, size).
    """
    replicates, points = data.shape
    picked = np.take_along_axis(data, rng.integers(0, points, size=(replicates, size)), axis=1)
    noise = rng.standard_normal((replicates, size))
    noise *= np.sqrt(kernel_var)[:, None]
    return picked + noise


def uniform_subsample(data: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A uniform subset of ``size`` points of each row, without replacement (order irrelevant)."""
    keys = rng.random(data.shape)
    chosen = np.argpartition(keys, size - 1, axis=1)[:, :size] if size < data.shape[1] else None
    return data if chosen is None else np.take_along_axis(data, chosen, axis=1)


@dataclass(frozen=True, eq=False)
class KdePath:
    r"""Training-set statistics of every fit of a KDE loop, for every replicate.

    Attributes
    ----------
    regime, n, lam, sigma, h
        How the path was simulated (``lam`` used by fresh, ``h`` by fixed_bandwidth).
    mean
        :math:`m_t`, the mean of fit t's training set, shape (replicates, fits).
    var
        :math:`v_t`, its MLE variance (divisor N), shape (replicates, fits).
    kernel_var
        The KDE's kernel variance, shape (replicates, fits).
    """

    regime: str
    n: int
    lam: float
    sigma: float
    h: float | None
    mean: np.ndarray
    var: np.ndarray
    kernel_var: np.ndarray


def _validate(
    regime: object, n: object, fits: object, replicates: object, lam: object, h: object, sigma: object
) -> tuple[int, int, int, float, float | None, float, int]:
    if regime not in REGIMES:
        raise ParameterError(f"regime must be one of {', '.join(REGIMES)}; got {regime!r}")
    n = int(Domain(lower=2, integer=True).validate("n", n))
    fits = int(Domain(lower=1, integer=True).validate("fits", fits))
    replicates = int(Domain(lower=1, integer=True).validate("replicates", replicates))
    lam = float(Domain(0.0, 1.0, upper_open=True).validate("lam", lam))
    sigma = float(Domain(0.0, lower_open=True).validate("sigma", sigma))
    if regime == "fixed_bandwidth":
        if h is None:
            raise ParameterError("h (the fixed kernel standard deviation) is required for regime 'fixed_bandwidth'")
        h = float(Domain(0.0, lower_open=True).validate("h", h))
    real = lam * n
    if regime == "fresh" and abs(real - round(real)) > 1e-9 * max(1.0, real):
        raise ParameterError(f"lam*n must be an integer for regime 'fresh' (docs/theory.md §5.8); got {real:g}")
    return n, fits, replicates, lam, h, sigma, round(real)


def simulate_kde(
    *,
    n: int,
    fits: int,
    replicates: int,
    rng: np.random.Generator,
    regime: str = "replace",
    lam: float = 0.0,
    h: float | None = None,
    sigma: float = 1.0,
) -> KdePath:
    r"""Simulate a KDE loop of docs/theory.md §5.8, vectorized over replicates.

    Parameters
    ----------
    n
        Points per generation (≥ 2: Scott's rule needs a sample variance).
    fits
        Number of fits t = 1..fits.
    replicates
        Independent loops.
    rng
        The only source of randomness.
    regime
        One of :data:`REGIMES`.
    lam
        Real proportion λ ∈ [0, 1) of ``fresh`` (λn an integer).
    h
        Kernel standard deviation of ``fixed_bandwidth``.
    sigma
        Real standard deviation.

    Returns
    -------
    KdePath
    """
    n, fits, replicates, lam, h, sigma, real = _validate(regime, n, fits, replicates, lam, h, sigma)
    mean, var, kernel = (np.empty((replicates, fits)) for _ in range(3))
    pool = train = sigma * rng.standard_normal((replicates, n))
    for j in range(fits):
        if j:
            synthetic = kde_sample(train, kernel[:, j - 1], n - real if regime == "fresh" else n, rng)
            if regime == "fresh":
                train = np.concatenate([sigma * rng.standard_normal((replicates, real)), synthetic], axis=1)
            elif regime in ("accumulate", "accumulate_subsample"):
                pool = np.concatenate([pool, synthetic], axis=1)
                train = pool if regime == "accumulate" else uniform_subsample(pool, n, rng)
            else:
                train = synthetic
        mean[:, j] = train.mean(axis=1)
        var[:, j] = train.var(axis=1)
        kernel[:, j] = h * h if regime == "fixed_bandwidth" else scott_kernel_variance(train)
    return KdePath(regime, n, lam, sigma, h, mean, var, kernel)
