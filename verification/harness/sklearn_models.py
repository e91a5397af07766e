r"""scikit-learn models for the loop harness (optional extra ``sklearn``): ``gaussian_mixture``, ``kernel_density``.

* :class:`GaussianMixtureModel` — ``sklearn.mixture.GaussianMixture`` (full covariances, EM),
  seeded from the harness's generator at every fit and every draw;
* :class:`KernelDensityModel` — ``sklearn.neighbors.KernelDensity`` with a Gaussian kernel and
  Scott's bandwidth (the sklearn counterpart of the ``kde`` model).

scikit-learn is imported only when one of them is fitted; :func:`require_sklearn` checks for it
up front and names both install commands (:data:`stl_bounds.extras.SKLEARN_INSTALL`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from stl_bounds.errors import ParameterError
from stl_bounds.extras import SKLEARN_INSTALL

__all__ = ["GaussianMixtureModel", "KernelDensityModel", "require_sklearn"]

#: Largest seed handed to scikit-learn (its ``random_state`` must fit in 32 bits).
_SEED_MAX = 2**31 - 1


def require_sklearn(model: str) -> None:
    """Raise :class:`ParameterError` with the install hint unless scikit-learn imports."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ParameterError(f"model {model!r} needs scikit-learn: {SKLEARN_INSTALL}") from None


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(_SEED_MAX))


@dataclass(frozen=True, eq=False)
class GaussianMixtureModel:
    r"""A Gaussian mixture with ``components`` full-covariance components, fitted by EM.

    ``moments()`` is exact for the fitted mixture: mean :math:`\sum_k w_k \mu_k`, covariance trace
    :math:`\sum_k w_k (\operatorname{tr}\Sigma_k + \|\mu_k\|^2) - \|\sum_k w_k \mu_k\|^2`.
    ``sample`` shuffles the draws (scikit-learn returns them sorted by component).
    """

    components: int = 2
    estimator: Any = None

    def fit(self, data: np.ndarray, rng: np.random.Generator) -> GaussianMixtureModel:
        """EM on ``data`` (shape (N, d)), initialized from a seed drawn from ``rng``."""
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(n_components=self.components, covariance_type="full", random_state=_seed(rng))
        return replace(self, estimator=gm.fit(np.asarray(data, dtype=float)))

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` points of the fitted mixture, in random order, shape (size, d)."""
        self.estimator.random_state = _seed(rng)
        points, _ = self.estimator.sample(size)
        return rng.permutation(points)

    def moments(self) -> tuple[np.ndarray, float]:
        """Exact mean and covariance trace of the fitted mixture."""
        w, mu, cov = self.estimator.weights_, self.estimator.means_, self.estimator.covariances_
        mean = w @ mu
        second = float(np.sum(w * (np.trace(cov, axis1=1, axis2=2) + np.sum(mu**2, axis=1))))
        return mean, second - float(mean @ mean)


@dataclass(frozen=True, eq=False)
class KernelDensityModel:
    r"""Gaussian-kernel density estimate with Scott's bandwidth :math:`h` (``bandwidth="scott"``).

    The fitted law is :math:`\frac1N\sum_j N(x_j, h^2 I_d)`: mean :math:`\bar x`, covariance trace
    :math:`\frac1N\sum_j\|x_j - \bar x\|^2 + d h^2`.
    """

    estimator: Any = None
    data: np.ndarray | None = None

    def fit(self, data: np.ndarray, rng: np.random.Generator) -> KernelDensityModel:
        """``KernelDensity(kernel="gaussian", bandwidth="scott")`` on ``data``; ``rng`` is not used."""
        from sklearn.neighbors import KernelDensity

        x = np.asarray(data, dtype=float)
        return replace(self, estimator=KernelDensity(kernel="gaussian", bandwidth="scott").fit(x), data=x)

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``estimator.sample(size, random_state=...)`` with a seed drawn from ``rng``, shape (size, d)."""
        return self.estimator.sample(size, random_state=_seed(rng))

    def moments(self) -> tuple[np.ndarray, float]:
        """Exact mean and covariance trace of the kernel mixture."""
        x = self.data
        mean = x.mean(axis=0)
        return mean, float(np.sum((x - mean) ** 2) / x.shape[0] + x.shape[1] * self.estimator.bandwidth_**2)
