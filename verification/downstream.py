r"""The downstream learner of docs/theory.md §6.4: the generalization gap of a clipped mean.

Generation i trains the learner :math:`h = \operatorname{mean}(S_i)` on its training set
:math:`S_i` (1-D Gaussian loop, ``sample`` engine) with the clipped squared loss
:math:`\ell(h, z) = \min((z - h)^2, M) \in [0, M]`. Its population risk under the real
distribution :math:`D_0 = N(0, \sigma^2)` has a closed form (:func:`population_risk`), so
:math:`\mathrm{Gap}_i = R_{D_0}(h) - \hat R_{S_i}(h)` is exact on every trajectory. The
same run gives the learning errors :math:`\varepsilon_i = d_{TV}(D_i, \tilde D_i)` that
instantiate the template bound (:meth:`DownstreamRun.mean_eps`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from stl_bounds.domains import Domain
from stl_bounds.errors import ParameterError
from verification.gaussian import GaussianPath, gaussian_training_sets
from verification.tv import shift_quantities

__all__ = [
    "REGIMES",
    "DownstreamRun",
    "empirical_risk",
    "expected_iid_gap",
    "gaussian_mean_gap",
    "population_risk",
    "run_downstream",
]

#: Loops of docs/theory.md §1 (a fixed real proportion λ), for which ε_i and Δ_i are defined.
REGIMES = ("replace", "fresh", "reused")


def population_risk(h: object, M: float, sigma: float = 1.0) -> np.ndarray:
    r"""Closed-form :math:`R_{D_0}(h) = E\min((Z - h)^2, M)` for :math:`Z \sim N(0, \sigma^2)`.

    Parameters
    ----------
    h
        Predictions (any shape).
    M
        Clipping level M > 0.
    sigma
        Standard deviation σ > 0 of :math:`D_0`.

    Returns
    -------
    numpy.ndarray
        The risk, shape of ``h``.

    Notes
    -----
    With :math:`c = \sqrt M`, :math:`a = (h - c)/\sigma`, :math:`b = (h + c)/\sigma` and
    :math:`P = \Phi(b) - \Phi(a)`, integrating :math:`(\sigma u - h)^2\varphi(u)` over
    (a, b) with :math:`\int u\varphi = -\varphi` and :math:`\int u^2\varphi = \Phi - u\varphi`:

    .. math:: R(h) = (\sigma^2 + h^2)P + \sigma[(h - c)\varphi(b) - (h + c)\varphi(a)] + M(1 - P),

    with :math:`1 - P = \Phi(a) + \Phi(-b)`. As M → ∞ it tends to σ² + h². docs/theory.md §6.4.
    """
    h = np.asarray(h, dtype=float)
    M = float(Domain(0.0, lower_open=True).validate("M", M))
    sigma = float(Domain(0.0, lower_open=True).validate("sigma", sigma))
    c = np.sqrt(M)
    a, b = (h - c) / sigma, (h + c) / sigma
    outside = special.ndtr(a) + special.ndtr(-b)
    pdf_a, pdf_b = np.exp(-0.5 * a**2) / np.sqrt(2 * np.pi), np.exp(-0.5 * b**2) / np.sqrt(2 * np.pi)
    return (sigma**2 + h**2) * (1 - outside) + sigma * ((h - c) * pdf_b - (h + c) * pdf_a) + M * outside


def empirical_risk(h: np.ndarray, sample: np.ndarray, M: float) -> np.ndarray:
    r""":math:`\hat R_S(h) = \frac1{|S|}\sum_{z\in S}\min((z - h)^2, M)`; ``sample`` has shape (..., N), ``h`` (...)."""
    return np.mean(np.minimum((sample - np.asarray(h)[..., None]) ** 2, M), axis=-1)


def expected_iid_gap(n: int, M: float, sigma: float = 1.0) -> float:
    r"""Exact :math:`E\,\mathrm{Gap}` of the mean learner on n i.i.d. points of :math:`N(0, \sigma^2)`.

    Notes
    -----
    :math:`Z - \bar z \sim N(0, \sigma^2(1 + 1/n))` for a fresh Z and
    :math:`z_j - \bar z \sim N(0, \sigma^2(1 - 1/n))` for a training point, so
    :math:`E\,\mathrm{Gap} = \rho(\sigma\sqrt{1 + 1/n}) - \rho(\sigma\sqrt{1 - 1/n})` with
    :math:`\rho(s) = R(0)` at standard deviation s (:func:`population_risk`): positive and
    O(M/n), the gap of generation 0 (docs/theory.md §6.4).
    """
    n = int(Domain(lower=2, integer=True).validate("n", n))
    wide, narrow = sigma * np.sqrt(1 + 1 / n), sigma * np.sqrt(1 - 1 / n)
    return float(population_risk(0.0, M, wide) - population_risk(0.0, M, narrow))


@dataclass(frozen=True, eq=False)
class DownstreamRun:
    r"""Gaps of the clipped-mean learner and the loop they came from.

    Attributes
    ----------
    gap
        :math:`\mathrm{Gap}_i`, shape (replicates, fits); column j is generation i = j.
    path
        The fitted generators :math:`D_i = N(\hat\mu_i, \hat\sigma_i^2)` of the same run.
    lam
        λ of the loop (defines :math:`\tilde D_i`).
    """

    gap: np.ndarray
    path: GaussianPath
    lam: float

    def eps(self) -> np.ndarray:
        r""":math:`\varepsilon_i = d_{TV}(D_i, \tilde D_i)` per replicate and generation (docs/theory.md §1, §6.3)."""
        return shift_quantities(self.path, self.lam)[0]

    def mean_eps(self) -> np.ndarray:
        r"""Measured mean learning error per generation, shape (fits,) — the ε of docs/theory.md §6.4."""
        return self.eps().mean(axis=0)


def run_downstream(
    regime: str,
    *,
    n: int,
    fits: int,
    replicates: int,
    rng: np.random.Generator,
    lam: float,
    M: float,
    sigma: float = 1.0,
    estimator: str = "unbiased",
) -> DownstreamRun:
    r"""Simulate the 1-D Gaussian loop with the ``sample`` engine and the gap of every generation.

    Parameters
    ----------
    regime
        ``replace`` (λ = 0), ``fresh`` or ``reused`` (see :mod:`verification.gaussian`).
    n, fits, replicates, rng, lam, sigma, estimator
        As in :func:`verification.gaussian.simulate_gaussian`.
    M
        Clipping level of the loss.

    Returns
    -------
    DownstreamRun
    """
    if regime not in REGIMES:
        raise ParameterError(f"regime must be one of {', '.join(REGIMES)}; got {regime!r}")
    if regime == "replace" and lam != 0:
        raise ParameterError(f"lam must be 0 for regime 'replace'; got {lam}")
    M = float(Domain(0.0, lower_open=True).validate("M", M))
    sets = gaussian_training_sets(
        regime, n=n, fits=fits, replicates=replicates, rng=rng, estimator=estimator, lam=lam, sigma=sigma
    )
    gaps, means, variances = [], [], []
    for training in sets:
        h = training.sample.mean(axis=1)
        gaps.append(population_risk(h, M, sigma) - empirical_risk(h, training.sample, M))
        means.append(training.mean)
        variances.append(training.cov)
    path = GaussianPath(
        regime=regime,
        engine="sample",
        estimator=estimator,
        n=int(n),
        lam=float(lam),
        sigma=float(sigma),
        mean=np.stack(means, axis=1),
        cov=np.stack(variances, axis=1),
    )
    return DownstreamRun(np.stack(gaps, axis=1), path, float(lam))


def gaussian_mean_gap(
    regime: str,
    *,
    n: int,
    fits: int,
    replicates: int,
    rng: np.random.Generator,
    lam: float,
    M: float,
    sigma: float = 1.0,
) -> np.ndarray:
    r""":math:`\mathrm{Gap}_i = R_{D_0}(h) - \hat R_{S_i}(h)` for :math:`h = \operatorname{mean}(S_i)`.

    Shape (replicates, fits); column j is generation i = j. See :func:`run_downstream`
    (which also returns the measured ε_i of the same run). docs/theory.md §6.4.
    """
    return run_downstream(regime, n=n, fits=fits, replicates=replicates, rng=rng, lam=lam, M=M, sigma=sigma).gap
