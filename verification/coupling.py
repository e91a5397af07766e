r"""Recursive stability measured by coupled runs (docs/theory.md §2, §6.5).

The 1-D Gaussian loop (``replace`` at λ = 0, ``reused(λ)`` otherwise; unbiased or MLE
fits) is run from a real sample :math:`S_0` and from copies :math:`S_0'` in which one
point (the first) is replaced by :math:`z'\sigma` for each ``z'`` in ``replacements``.
All runs share the synthetic randomness (common random numbers): every synthetic batch
is :math:`\hat\mu + \hat\sigma Z` with the same standard-normal vector Z in every run.
A fit depends on Z only through :math:`\bar Z` and :math:`\sum_j (Z_j - \bar Z)^2`, so
these two are drawn directly (:math:`N(0, 1/s)` and :math:`\chi^2_{s-1}`), which is
exactly the same coupling at a fraction of the cost.

The recorded quantity is, per replicate and generation, the worst case over the
replacements of :math:`d_{TV}(D_i, D_i')` (closed form between two Gaussians); its mean
over replicates estimates :math:`\gamma_n^i`. As in ``reused`` of
:mod:`verification.gaussian` (docs/theory.md §5.2), :math:`S_0` is the reused real part
(λn points) for λ > 0 and the n real points of the first fit for λ = 0.
"""

from __future__ import annotations

import numpy as np

from stl_bounds.domains import Domain
from stl_bounds.errors import ParameterError
from verification.gaussian import ESTIMATORS
from verification.tv import gaussian_tv

__all__ = ["coupled_gamma", "coupled_tv"]


def _whole_real_part(lam: float, n: int) -> int:
    real = lam * n
    if abs(real - round(real)) > 1e-9 * max(1.0, real):
        raise ParameterError(f"lam*n must be an integer (the reused real part); got lam*n = {real:g}")
    return round(real)


def coupled_tv(
    *,
    n: int,
    fits: int,
    replicates: int,
    rng: np.random.Generator,
    lam: float,
    replacements: tuple[float, ...] = (-3.0, 0.0, 3.0),
    sigma: float = 1.0,
    estimator: str = "unbiased",
) -> np.ndarray:
    r"""Worst-case :math:`d_{TV}(D_i(S_0), D_i(S_0'))` per replicate and generation.

    Parameters
    ----------
    n
        Training-set size of a generation.
    fits
        Generations i = 0..fits − 1 (fit t = i + 1).
    replicates
        Independent pairs of coupled runs.
    rng
        The only source of randomness.
    lam
        Real proportion in [0, 1): 0 gives ``replace``; otherwise ``reused`` with λn
        (an integer ≥ 2) real points.
    replacements
        Values z' (in units of σ) that replace the first point of :math:`S_0`.
    sigma
        Real standard deviation.
    estimator
        ``unbiased`` or ``mle``.

    Returns
    -------
    numpy.ndarray
        Shape (replicates, fits): :math:`\max_{z'} d_{TV}(D_i, D_i')`.
    """
    n = int(Domain(lower=2, integer=True).validate("n", n))
    fits = int(Domain(lower=1, integer=True).validate("fits", fits))
    replicates = int(Domain(lower=1, integer=True).validate("replicates", replicates))
    lam = float(Domain(0.0, 1.0, upper_open=True).validate("lam", lam))
    sigma = float(Domain(0.0, lower_open=True).validate("sigma", sigma))
    if estimator not in ESTIMATORS:
        raise ParameterError(f"estimator must be one of {', '.join(ESTIMATORS)}; got {estimator!r}")
    shifts = np.atleast_1d(Domain().validate("replacements", list(replacements)))
    real = _whole_real_part(lam, n) if lam > 0 else n
    if real < 2:
        raise ParameterError(f"lam*n must be >= 2 (the first fit uses the real part alone); got {real}")
    ddof, synthetic = ESTIMATORS[estimator], n - real if lam > 0 else n

    # run 0 starts from S_0, run j ≥ 1 from S_0 with its first point replaced by shifts[j - 1]·σ
    points = sigma * rng.standard_normal((replicates, real))
    starts = np.repeat(points[None], 1 + shifts.size, axis=0)
    starts[1:, :, 0] = sigma * shifts[:, None]
    real_mean = starts.mean(axis=2)
    real_ss = np.sum((starts - real_mean[..., None]) ** 2, axis=2)
    mean, var = real_mean, real_ss / (real - ddof)
    out = np.empty((replicates, fits))
    for j in range(fits):
        if j:
            z_bar = rng.standard_normal(replicates) / np.sqrt(synthetic)  # shared by all runs
            z_ss = rng.chisquare(synthetic - 1, size=replicates) if synthetic > 1 else np.zeros(replicates)
            std = np.sqrt(var)
            syn_mean, syn_ss = mean + std * z_bar, var * z_ss
            if lam > 0:  # pool with the reused real part of each run
                pooled = (real * real_mean + synthetic * syn_mean) / n
                syn_ss = real_ss + syn_ss + real * synthetic / n * (real_mean - syn_mean) ** 2
                syn_mean = pooled
            mean, var = syn_mean, syn_ss / (n - ddof)
        out[:, j] = gaussian_tv(mean[0], np.sqrt(var[0]), mean[1:], np.sqrt(var[1:])).max(axis=0)
    return out


def coupled_gamma(
    *,
    n: int,
    fits: int,
    replicates: int,
    rng: np.random.Generator,
    lam: float,
    replacements: tuple[float, ...] = (-3.0, 0.0, 3.0),
    sigma: float = 1.0,
    estimator: str = "unbiased",
) -> np.ndarray:
    r"""Estimated recursive stability :math:`\hat\gamma_n^i`, shape (fits,) (docs/theory.md §2, §6.5).

    The mean over replicates of :func:`coupled_tv` (same parameters). Expected: O(1/n)
    and bounded in i for λ > 0; growing with i for λ = 0 (variance collapse magnifies
    the perturbation).
    """
    return coupled_tv(
        n=n,
        fits=fits,
        replicates=replicates,
        rng=rng,
        lam=lam,
        replacements=replacements,
        sigma=sigma,
        estimator=estimator,
    ).mean(axis=0)
