r"""A 1-D Gaussian loop whose generator amplifies the drift of its training mix by κ (docs/theory.md §3 L4, §6.1 C4).

Generation 0 is the real distribution itself, :math:`D_0 = N(\mu_0, 1)` with
:math:`\mu_0 = 0` by default.  Generation i ≥ 1 fits the mean of a training set
of :math:`k = \lambda n` fresh real points from N(0, 1) and n − k synthetic
points from :math:`D_{i-1} = N(\mu_{i-1}, 1)`, and its generator outputs
:math:`D_i = N(\mu_i, 1)` with

.. math::

    \mu_i = \kappa\,\bar x_i, \qquad
    \bar x_i = \tfrac{n-k}{n}\,\mu_{i-1} + \xi_i, \quad \xi_i \sim N(0, 1/n)
    \text{ (the mean of the n unit-variance draws)},

so :math:`\mu_i = \rho\,\mu_{i-1} + \kappa\xi_i` is an AR(1) process with
:math:`\rho = (1-\lambda)\kappa`, the growth factor of Lemma L4.  Exactly (the
fit is linear in Gaussian draws, so :math:`\mu_i` is Gaussian):

.. math::

    E\mu_i = \rho^i \mu_0, \qquad
    \operatorname{Var}\mu_i = \rho^2 \operatorname{Var}\mu_{i-1} + \kappa^2/n,\ \operatorname{Var}\mu_0 = 0,

hence :math:`\operatorname{Var}\mu_i = (\kappa^2/n)\sum_{j<i}\rho^{2j}`: finite as
i → ∞ (stationary, :math:`\kappa^2/(n(1-\rho^2))`) iff ρ < 1, linear in i at
ρ = 1, geometric (:math:`\propto\rho^{2i}`) for ρ > 1.  The shift is the exact
total variation between two unit-variance Gaussians,
:math:`\Delta_i = d_{TV}(N(\mu_i,1), N(0,1)) = 2\Phi(|\mu_i|/2) - 1`.

The amplification acts on the mean: for a small drift it multiplies the total
variation by κ (the density of :math:`2\Phi(x/2) - 1` at 0 is linear), which is
the assumption of L4; for a large drift the total variation saturates at 1.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from stl_bounds.domains import Domain
from stl_bounds.errors import ParameterError

__all__ = ["MAX_GROWTH", "amplified_means", "exact_moments", "real_count", "shift", "validate"]

#: Largest allowed ρ^T: keeps μ_T² and its sums of squares inside float64.
MAX_GROWTH = 1e100


def real_count(lam: float, n: int) -> int:
    """k = λn, the real points per generation; :class:`ParameterError` unless λn is an integer."""
    real = lam * n
    if abs(real - round(real)) > 1e-9 * max(1.0, real):
        raise ParameterError(f"lam*n must be an integer (the real points of a generation); got lam*n = {real:g}")
    return round(real)


def validate(
    *, n: object, lam: object, kappa: object, generations: object, mu0: object = 0.0
) -> tuple[int, float, float, int, float, int, float]:
    r"""Validated ``(n, lam, kappa, generations, mu0, k, rho)``.

    Raises
    ------
    ParameterError
        n or generations not an integer ≥ 1, λ outside [0, 1] or λn not an
        integer, κ < 0, a non-finite μ_0, or :math:`\rho^T` above
        :data:`MAX_GROWTH` (float64 overflow of μ²).
    """
    n = int(Domain(lower=1, integer=True).validate("n", n))
    lam = float(Domain(0.0, 1.0).validate("lam", lam))
    kappa = float(Domain(lower=0.0).validate("kappa", kappa))
    generations = int(Domain(lower=1, integer=True).validate("generations", generations))
    mu0 = float(Domain().validate("mu0", mu0))
    k = real_count(lam, n)
    rho = (n - k) / n * kappa
    if rho > 1 and generations * math.log(rho) > math.log(MAX_GROWTH):
        raise ParameterError(
            f"generations must be <= {math.floor(math.log(MAX_GROWTH) / math.log(rho))} at rho = (1-lam)*kappa = "
            f"{rho:g} (rho^T beyond {MAX_GROWTH:g} overflows float64); got {generations}"
        )
    return n, lam, kappa, generations, mu0, k, rho


def amplified_means(
    *,
    n: int,
    lam: float,
    kappa: float,
    generations: int,
    replicates: int,
    rng: np.random.Generator,
    mu0: float = 0.0,
) -> np.ndarray:
    r"""The means :math:`\mu_0, \dots, \mu_T` of the amplified loop, per replicate.

    Parameters
    ----------
    n
        Training-set size of a generation.
    lam
        Real proportion λ ∈ [0, 1], with λn an integer.
    kappa
        Amplification κ ≥ 0 of the generator.
    generations
        T ≥ 1: generations 1..T are simulated after generation 0.
    replicates
        Independent trajectories.
    rng
        The only source of randomness.
    mu0
        Mean of generation 0 (0: the real distribution itself).

    Returns
    -------
    numpy.ndarray
        Shape (replicates, T + 1): :math:`\mu_i` for i = 0..T.

    Notes
    -----
    Every generation draws its n training points (k real from N(0, 1), n − k
    synthetic from :math:`N(\mu_{i-1}, 1)`) and sets :math:`\mu_i = \kappa` × their mean.
    """
    n, lam, kappa, generations, mu0, k, _ = validate(n=n, lam=lam, kappa=kappa, generations=generations, mu0=mu0)
    replicates = int(Domain(lower=1, integer=True).validate("replicates", replicates))
    mu = np.empty((replicates, generations + 1))
    mu[:, 0] = mu0
    for i in range(1, generations + 1):
        real = rng.standard_normal((replicates, k)).sum(axis=1)
        synthetic = (mu[:, i - 1, None] + rng.standard_normal((replicates, n - k))).sum(axis=1)
        mu[:, i] = kappa * (real + synthetic) / n
    return mu


def shift(mu: np.ndarray) -> np.ndarray:
    r""":math:`\Delta = d_{TV}(N(\mu, 1), N(0, 1)) = 2\Phi(|\mu|/2) - 1`, elementwise."""
    h = np.abs(np.asarray(mu, dtype=float)) / 2
    return norm.cdf(h) - norm.cdf(-h)


def exact_moments(
    *, n: int, lam: float, kappa: float, generations: int, mu0: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`(E\mu_i, \operatorname{Var}\mu_i)` for i = 0..T, from the recursions of the module docstring.

    :math:`E\mu_i = \rho E\mu_{i-1}` and :math:`\operatorname{Var}\mu_i = \rho^2\operatorname{Var}\mu_{i-1}
    + \kappa^2/n`, iterated from :math:`(\mu_0, 0)` with ρ = (1 − k/n)κ.
    """
    n, _, kappa, generations, mu0, _, rho = validate(n=n, lam=lam, kappa=kappa, generations=generations, mu0=mu0)
    mean = np.empty(generations + 1)
    var = np.empty(generations + 1)
    mean[0], var[0] = mu0, 0.0
    for i in range(1, generations + 1):
        mean[i] = rho * mean[i - 1]
        var[i] = rho**2 * var[i - 1] + kappa**2 / n
    return mean, var
