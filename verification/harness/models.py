r"""Built-in models of the loop harness (numpy and scipy only): ``gaussian``, ``categorical``, ``kde``.

Each is a frozen record; ``fit`` returns a new fitted record, ``sample`` draws from it.

* :class:`GaussianModel` — the maximum-likelihood Gaussian :math:`N(\bar x, S/N)` (divisor N), the
  MLE fit of docs/theory.md §5.1 (in replace, :math:`E\,\hat\sigma_t^2 = \sigma^2(1 - 1/n)^t`);
* :class:`CategoricalModel` — the empirical distribution counts/N over K categories, the fit of
  docs/theory.md §5.7 (Wright–Fisher drift);
* :class:`KdeModel` — ``scipy.stats.gaussian_kde`` with Scott's rule, the generator of
  docs/theory.md §5.8.

All three expose the optional ``moments()`` (exact mean and covariance trace of the fitted law);
the categorical model also ``probabilities()``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

__all__ = ["CategoricalModel", "GaussianModel", "KdeModel"]


def _unfitted(name: str) -> RuntimeError:
    return RuntimeError(f"{name} is not fitted: call fit(data, rng) first")


@dataclass(frozen=True, eq=False)
class GaussianModel:
    r"""Maximum-likelihood Gaussian in d dimensions.

    ``fit`` sets :math:`\hat\mu = \bar x` and :math:`\hat\Sigma = \frac1N \sum_j (x_j - \bar x)(x_j - \bar x)^\top`;
    ``sample`` draws :math:`\hat\mu + A z` with :math:`A A^\top = \hat\Sigma` (symmetric square root
    by ``eigh``, so a singular :math:`\hat\Sigma` after collapse still samples).
    """

    mean: np.ndarray | None = None
    cov: np.ndarray | None = None
    root: np.ndarray | None = None

    def fit(self, data: np.ndarray, rng: np.random.Generator) -> GaussianModel:
        """MLE mean and covariance of ``data`` (shape (N, d)); ``rng`` is not used."""
        x = np.asarray(data, dtype=float)
        mean = x.mean(axis=0)
        centred = x - mean
        cov = centred.T @ centred / x.shape[0]
        w, v = np.linalg.eigh(cov)
        return replace(self, mean=mean, cov=cov, root=v * np.sqrt(np.clip(w, 0.0, None)))

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` points of :math:`N(\\hat\\mu, \\hat\\Sigma)`, shape (size, d)."""
        if self.mean is None or self.root is None:
            raise _unfitted("GaussianModel")
        return self.mean + rng.standard_normal((size, self.mean.size)) @ self.root.T

    def moments(self) -> tuple[np.ndarray, float]:
        """:math:`(\\hat\\mu, \\operatorname{tr}\\hat\\Sigma)`."""
        if self.mean is None or self.cov is None:
            raise _unfitted("GaussianModel")
        return self.mean, float(np.trace(self.cov))


@dataclass(frozen=True, eq=False)
class CategoricalModel:
    r"""Empirical distribution over ``categories`` categories: :math:`\hat p_k = \#\{j: x_j = k\}/N`.

    Its covariance trace (of the one-hot vectors) is the Gini–Simpson diversity
    :math:`H(\hat p) = 1 - \sum_k \hat p_k^2` of docs/theory.md §5.7.
    """

    categories: int
    p: np.ndarray | None = None

    def fit(self, data: np.ndarray, rng: np.random.Generator) -> CategoricalModel:
        """Counts over N, from integer ``data`` of shape (N,); ``rng`` is not used."""
        counts = np.bincount(np.asarray(data), minlength=self.categories)
        return replace(self, p=counts / counts.sum())

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` i.i.d. category indices from :math:`\\hat p`, shape (size,)."""
        if self.p is None:
            raise _unfitted("CategoricalModel")
        return rng.choice(self.categories, size=size, p=self.p)

    def probabilities(self) -> np.ndarray:
        """:math:`\\hat p`, length K."""
        if self.p is None:
            raise _unfitted("CategoricalModel")
        return self.p

    def moments(self) -> tuple[np.ndarray, float]:
        """Mean of the one-hot vector (:math:`\\hat p`) and its covariance trace :math:`H(\\hat p)`."""
        p = self.probabilities()
        return p, float(1.0 - np.sum(p**2))


@dataclass(frozen=True, eq=False)
class KdeModel:
    r"""``scipy.stats.gaussian_kde`` (Scott's rule) on the training points (docs/theory.md §5.8).

    The fitted law is the mixture :math:`\frac1N \sum_j N(x_j, H)` with kernel covariance
    :math:`H` = ``kde.covariance``: its mean is :math:`\bar x` and its covariance
    :math:`\frac1N \sum_j (x_j - \bar x)(x_j - \bar x)^\top + H`.
    """

    kde: stats.gaussian_kde | None = None

    def fit(self, data: np.ndarray, rng: np.random.Generator) -> KdeModel:
        """``gaussian_kde`` on ``data`` (shape (N, d)); ``rng`` is not used."""
        return replace(self, kde=stats.gaussian_kde(np.asarray(data, dtype=float).T))

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``kde.resample(size, seed=rng)``, shape (size, d)."""
        if self.kde is None:
            raise _unfitted("KdeModel")
        return self.kde.resample(size, seed=rng).T

    def moments(self) -> tuple[np.ndarray, float]:
        """Exact mean and covariance trace of the kernel mixture."""
        if self.kde is None:
            raise _unfitted("KdeModel")
        x = self.kde.dataset.T
        mean = x.mean(axis=0)
        return mean, float(np.sum((x - mean) ** 2) / x.shape[0] + np.trace(self.kde.covariance))
