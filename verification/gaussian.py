r"""Monte Carlo simulators of Gaussian self-consuming loops (docs/theory.md §5.1–§5.4, §5.9).

The real distribution is :math:`N(0, \sigma^2 I_d)`. Fit t = 1 is the fit on real
data and fit t = i + 1 that of generation i (docs/theory.md §5). Every fit estimates a mean
and a covariance (``unbiased``: divisor N − 1; ``mle``: divisor N) from its training
set, whose composition is set by the regime:

============  =====================================================================
``replace``   n points from the previous fit (docs/theory.md §5.1)
``fresh``     λn fresh real points pooled with (1 − λ)n synthetic ones (§5.2)
``reused``    the same λn real points R pooled with (1 − λ)n synthetic ones; fit 1
              uses R alone (§5.2)
``accumulate``  all earlier data plus n new synthetic points (§5.3)
``accumulate_subsample``  the pool grows as in ``accumulate`` (n real points, then n points
              from each fit), but fit t uses a uniform subsample of n of the pool's tn
              points, without replacement (Kazdan et al. 2024; §5.9); fit 1 is the fit on
              the n real points
``weighted``  n fresh real and m = n/k synthetic points, estimated separately and
              combined as w·real + (1 − w)·synthetic (§5.4)
============  =====================================================================

Two engines produce the same law:

* ``sample`` draws every point and refits (the reference; :func:`gaussian_training_sets`
  exposes the training sets for sample-level learners, docs/theory.md §6.4);
* ``exact`` draws only the sufficient statistics of each batch with their exact laws
  (batch mean :math:`\sim N(\mu, \Sigma/N)`, scatter :math:`\sim W_d(N-1, \Sigma)`, by the
  Bartlett decomposition) and pools batches exactly:
  :math:`\bar x = \sum_j N_j \bar x_j / N`,
  :math:`S = \sum_j S_j + \sum_j N_j (\bar x_j - \bar x)(\bar x_j - \bar x)^\top`.
  Under ``replace`` the fitted covariance is :math:`L A A^\top L^\top/(n - \mathrm{ddof})` with
  L the previous Cholesky factor and A the lower-triangular Bartlett factor, so
  :math:`L A/\sqrt{n - \mathrm{ddof}}` *is* the next Cholesky factor: no factorization per fit
  (:func:`_replace_exact`).
  ``accumulate_subsample`` has no finite sufficient statistic (a subsample depends on which
  points were drawn), so both engines draw every point for it.

Both take a ``numpy.random.Generator`` and are vectorized over replicates (leading axis).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from stl_bounds.domains import Domain
from stl_bounds.errors import EvaluationError, ParameterError
from verification.tv import gaussian_tv

__all__ = [
    "ENGINES",
    "ESTIMATORS",
    "REGIMES",
    "GaussianPath",
    "TrainingSet",
    "gaussian_training_sets",
    "simulate_gaussian",
    "wishart",
    "wishart_root",
]

REGIMES = ("replace", "fresh", "reused", "accumulate", "accumulate_subsample", "weighted")
ENGINES = ("exact", "sample")
#: Estimator name → ddof (divisor N − ddof of the scatter matrix).
ESTIMATORS = {"unbiased": 1, "mle": 0}


def wishart(df: int, chol: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    r"""Draw :math:`W \sim W_d(\nu, L L^\top)` for every replicate.

    Parameters
    ----------
    df
        Degrees of freedom ν ≥ 0 (an integer: W is a sum of ν outer products).
    chol
        Lower Cholesky factors L, shape (replicates, d, d).
    rng
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        Shape (replicates, d, d).

    Notes
    -----
    For ν ≥ d, the Bartlett decomposition :math:`W = L A A^\top L^\top` with A lower
    triangular, :math:`A_{jj}^2 \sim \chi^2_{\nu - j}` (j = 0..d−1) and standard normal
    entries below the diagonal; for ν < d (singular W), :math:`W = L Z^\top Z L^\top`
    with Z a ν × d standard normal matrix. In 1-D, :math:`W = \sigma^2\chi^2_\nu`.
    """
    replicates, d, _ = chol.shape
    if d == 1 and df >= 1:  # 1-D: σ²χ²_ν, the same draws as the Bartlett branch below, without the matmuls
        return chol * chol * rng.chisquare(df, size=(replicates, 1))[:, :, None]
    root = wishart_root(df, chol, rng)
    return root @ np.swapaxes(root, 1, 2)


def wishart_root(df: int, chol: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    r"""A root R of :math:`W = R R^\top \sim W_d(\nu, L L^\top)` for every replicate (docs/theory.md §5.1).

    Parameters are those of :func:`wishart`.

    Returns
    -------
    numpy.ndarray
        For ν ≥ d, :math:`R = L A` with A the Bartlett factor (lower triangular,
        :math:`A_{jj} = \sqrt{\chi^2_{\nu - j}}`, standard normal entries below the diagonal),
        shape (replicates, d, d): a product of lower-triangular matrices with positive
        diagonals, hence the Cholesky factor of W. For ν < d, :math:`R = L Z^\top`, shape
        (replicates, d, ν). :func:`wishart` draws the same numbers in the same order.
    """
    replicates, d, _ = chol.shape
    if df >= d:
        factor = np.zeros((replicates, d * d))  # row-major d × d: entry (i, j) at i·d + j
        below = np.tril_indices(d, -1)
        factor[:, below[0] * d + below[1]] = rng.standard_normal((replicates, below[0].size))
        diag = np.arange(d)
        factor[:, diag * (d + 1)] = np.sqrt(rng.chisquare(df - diag, size=(replicates, d)))
        factor = factor.reshape(replicates, d, d)
    else:
        factor = np.swapaxes(rng.standard_normal((replicates, df, d)), 1, 2)
    return chol @ factor


@dataclass(frozen=True)
class _Stats:
    """Sufficient statistics of a batch: size, mean (R, d) and scatter matrix (R, d, d)."""

    count: int
    mean: np.ndarray
    scatter: np.ndarray


class _ExactEngine:
    """Batches as :class:`_Stats`, drawn from their exact laws."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def draw(self, size: int, mean: np.ndarray, chol: np.ndarray) -> _Stats:
        """Statistics of ``size`` points from N(mean, chol cholᵀ): N(mean, Σ/size) and W(size − 1, Σ)."""
        if size == 0:
            return _Stats(0, np.zeros_like(mean), np.zeros_like(chol))
        z = self.rng.standard_normal(mean.shape)
        batch_mean = mean + np.einsum("rij,rj->ri", chol, z) / np.sqrt(size)
        return _Stats(size, batch_mean, wishart(size - 1, chol, self.rng))

    def pool(self, *parts: _Stats) -> _Stats:
        """Statistics of the union of the batches."""
        count = sum(p.count for p in parts)
        mean = sum(p.count * p.mean for p in parts) / count
        scatter = sum(p.scatter for p in parts)
        for p in parts:
            dev = p.mean - mean
            scatter = scatter + p.count * dev[:, :, None] * dev[:, None, :]
        return _Stats(count, mean, scatter)

    def estimate(self, part: _Stats, ddof: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance S / (N − ddof)."""
        return part.mean, part.scatter / (part.count - ddof)


class _SampleEngine:
    """Batches as arrays of points, shape (R, N, d)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def draw(self, size: int, mean: np.ndarray, chol: np.ndarray) -> np.ndarray:
        """``size`` points per replicate from N(mean, chol cholᵀ)."""
        z = self.rng.standard_normal((mean.shape[0], size, mean.shape[1]))
        if mean.shape[1] == 1:  # 1-D: chol is σ̂; scale in place (the reference engine's hot loop)
            z *= chol[:, None, 0, :]
        else:
            z = np.einsum("rij,rnj->rni", chol, z)
        z += mean[:, None, :]
        return z

    def pool(self, *parts: np.ndarray) -> np.ndarray:
        """The union of the batches."""
        return np.concatenate(parts, axis=1)

    def estimate(self, part: np.ndarray, ddof: int) -> tuple[np.ndarray, np.ndarray]:
        """Sample mean and covariance with divisor N − ddof."""
        mean = part.mean(axis=1)
        dev = part - mean[:, None, :]
        return mean, np.einsum("rni,rnj->rij", dev, dev) / (part.shape[1] - ddof)

    def subsample(self, part: np.ndarray, size: int) -> np.ndarray:
        """A uniform subset of ``size`` of the N points of every replicate, without replacement
        (the ``size`` smallest of N i.i.d. uniform keys index a uniformly random subset)."""
        keys = self.rng.random(part.shape[:2])
        chosen = np.argpartition(keys, size - 1, axis=1)[:, :size]
        return np.take_along_axis(part, chosen[:, :, None], axis=1)


@dataclass(frozen=True)
class _Spec:
    """Validated parameters of one Gaussian loop."""

    regime: str
    estimator: str
    n: int
    fits: int
    replicates: int
    lam: float
    w: float
    k: float
    d: int
    sigma: float

    @property
    def ddof(self) -> int:
        return ESTIMATORS[self.estimator]

    @property
    def real_size(self) -> int:
        """λn (fresh, reused) — the real points of a later fit."""
        return round(self.lam * self.n)

    @property
    def synthetic_size(self) -> int:
        """Synthetic points of a fit t ≥ 2."""
        if self.regime in ("fresh", "reused"):
            return self.n - self.real_size
        if self.regime == "weighted":
            return round(self.n / self.k)
        return self.n


def _integer(name: str, value: object, lowest: int) -> int:
    return int(Domain(lower=lowest, integer=True).validate(name, value))


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ParameterError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return str(value)


def _whole(name: str, value: float, why: str) -> int:
    """``value`` as an integer, or an error if it is not one (up to rounding)."""
    if abs(value - round(value)) > 1e-9 * max(1.0, abs(value)):
        raise ParameterError(f"{name} must be an integer {why}; got {name} = {value:g}")
    return round(value)


def _validate(
    regime: object,
    engine: object,
    estimator: object,
    *,
    n: object,
    fits: object,
    replicates: object,
    lam: object,
    w: object,
    k: object,
    d: object,
    sigma: object,
) -> _Spec:
    regime = _choice("regime", regime, REGIMES)
    _choice("engine", engine, ENGINES)
    estimator = _choice("estimator", estimator, tuple(ESTIMATORS))
    d = _integer("d", d, 1)
    n = _integer("n", n, 1)
    spec = _Spec(
        regime=regime,
        estimator=estimator,
        n=n,
        fits=_integer("fits", fits, 1),
        replicates=_integer("replicates", replicates, 1),
        lam=float(Domain(0.0, 1.0).validate("lam", lam)),
        w=float(Domain(0.0, 1.0).validate("w", w)),
        k=float(Domain(0.0, lower_open=True).validate("k", k)),
        d=d,
        sigma=float(Domain(0.0, lower_open=True).validate("sigma", sigma)),
    )
    smallest = {"n": n}
    if regime in ("fresh", "reused"):
        _whole("lam*n", spec.lam * n, f"for regime {regime!r} (docs/theory.md §5.2)")
    if regime == "reused":
        smallest = {"lam*n (the reused real part, fitted alone at t = 1)": spec.real_size}
    if regime == "weighted":
        _whole("n/k", n / spec.k, "for regime 'weighted' (m = n/k synthetic points, docs/theory.md §5.4)")
        smallest["m = n/k"] = spec.synthetic_size
    for name, size in smallest.items():
        if size < d + 1:
            raise ParameterError(
                f"{name} must be >= d + 1 = {d + 1} so that every fitted covariance is nonsingular; got {size}"
            )
    return spec


def _cholesky(cov: np.ndarray, t: int) -> np.ndarray:
    if cov.shape[-1] == 1 and np.all(cov > 0):
        return np.sqrt(cov)  # 1-D: the Cholesky factor is the standard deviation
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError as exc:
        raise EvaluationError(f"the covariance fitted at t = {t} is singular (variance collapse underflowed)") from exc


def _fits(spec: _Spec, engine: _ExactEngine | _SampleEngine) -> Iterator[tuple[object, np.ndarray, np.ndarray]]:
    """(training set, fitted mean, fitted covariance) for t = 1..fits, in the engine's representation."""
    zero = np.zeros((spec.replicates, spec.d))
    real_chol = np.broadcast_to(spec.sigma * np.eye(spec.d), (spec.replicates, spec.d, spec.d))

    def real(size: int) -> object:
        return engine.draw(size, zero, real_chol)

    reused = real(spec.real_size) if spec.regime == "reused" else None
    train = reused if reused is not None else real(spec.n)
    pool = train  # accumulate_subsample: every point so far
    mean, cov = engine.estimate(train, spec.ddof)
    yield train, mean, cov
    for t in range(2, spec.fits + 1):
        synthetic = engine.draw(spec.synthetic_size, mean, _cholesky(cov, t - 1))
        if spec.regime == "weighted":  # separate estimates, combined with weight w (docs/theory.md §5.4)
            fresh = real(spec.n)
            real_fit, synthetic_fit = engine.estimate(fresh, spec.ddof), engine.estimate(synthetic, spec.ddof)
            mean, cov = (spec.w * a + (1 - spec.w) * b for a, b in zip(real_fit, synthetic_fit, strict=True))
            train = engine.pool(fresh, synthetic)
        else:
            if spec.regime == "replace":
                train = synthetic
            elif spec.regime == "fresh":
                train = engine.pool(real(spec.real_size), synthetic)
            elif spec.regime == "reused":
                train = engine.pool(reused, synthetic)
            elif spec.regime == "accumulate_subsample":  # docs/theory.md §5.9; the sample engine (_backend)
                pool = engine.pool(pool, synthetic)
                train = engine.subsample(pool, spec.n)
            else:  # accumulate
                train = engine.pool(train, synthetic)
            mean, cov = engine.estimate(train, spec.ddof)
        yield train, mean, cov


def _backend(spec: _Spec, engine: str, rng: np.random.Generator) -> _ExactEngine | _SampleEngine:
    """The engine that simulates ``spec``; ``accumulate_subsample`` always draws every point (module docstring)."""
    if engine == "exact" and spec.regime != "accumulate_subsample":
        return _ExactEngine(rng)
    return _SampleEngine(rng)


def _replace_exact(spec: _Spec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Fitted means (fits, R, d) and covariances (fits, R, d, d) of ``replace`` with the exact engine.

    Fit t draws :math:`\hat\mu_t = \hat\mu_{t-1} + L_{t-1} z_t/\sqrt n` and the Bartlett factor
    :math:`A_t` of :math:`W_t \sim W_d(n-1, I)`; the scatter of the batch is
    :math:`L_{t-1} A_t A_t^\top L_{t-1}^\top`, so :math:`L_t = L_{t-1} A_t/\sqrt{n - \mathrm{ddof}}` (lower
    triangular, positive diagonal) is the Cholesky factor of :math:`\hat\Sigma_t = L_t L_t^\top`: no
    factorization per fit (:math:`L_0 = \sigma I`, :math:`\hat\mu_0 = 0`; docs/theory.md §5.1).  The draws are
    those of the generic exact engine, in the same order (batch mean, then :func:`wishart_root`).
    """
    fits, replicates, d = spec.fits, spec.replicates, spec.d
    means, covs = np.empty((fits, replicates, d)), np.empty((fits, replicates, d, d))
    chol = np.broadcast_to(spec.sigma * np.eye(d), (replicates, d, d))
    mean = np.zeros((replicates, d))
    shrink = 1.0 / np.sqrt(spec.n - spec.ddof)
    for j in range(fits):
        if j and not np.all(np.diagonal(covs[j - 1], axis1=1, axis2=2) > 0):
            raise EvaluationError(f"the covariance fitted at t = {j} is singular (variance collapse underflowed)")
        mean = mean + np.einsum("rij,rj->ri", chol, rng.standard_normal((replicates, d))) / np.sqrt(spec.n)
        chol = wishart_root(spec.n - 1, chol, rng)
        chol *= shrink
        means[j] = mean
        np.matmul(chol, np.swapaxes(chol, 1, 2), out=covs[j])
    return means, covs


@dataclass(frozen=True, eq=False)
class GaussianPath:
    r"""Fitted parameters of every fit of a Gaussian loop, for every replicate.

    Attributes
    ----------
    regime, engine, estimator
        How the path was simulated.
    n, lam, w, k, sigma
        Loop parameters (``lam`` used by fresh/reused, ``w``, ``k`` by weighted); the
        real distribution is :math:`N(0, \sigma^2 I_d)`.
    mean
        Fitted means :math:`\hat\mu_t`: shape (replicates, fits) in 1-D, (replicates, fits, d)
        in d dimensions. Column j is fit t = j + 1 (generation i = j).
    cov
        Fitted variances :math:`\hat\sigma_t^2`, shape (replicates, fits), in 1-D; fitted
        covariance matrices :math:`\hat\Sigma_t`, shape (replicates, fits, d, d), in d dimensions.
    """

    regime: str
    engine: str
    estimator: str
    n: int
    lam: float
    sigma: float
    mean: np.ndarray
    cov: np.ndarray
    w: float = 0.5
    k: float = 1.0

    @property
    def d(self) -> int:
        """Dimension (1 for the 1-D representation)."""
        return 1 if self.mean.ndim == 2 else self.mean.shape[-1]

    @property
    def replicates(self) -> int:
        return self.mean.shape[0]

    @property
    def fits(self) -> int:
        return self.mean.shape[1]

    @property
    def t(self) -> np.ndarray:
        """Fit numbers 1..fits (docs/theory.md §5: t = i + 1)."""
        return np.arange(1, self.fits + 1)

    def _one_dimensional(self, what: str) -> np.ndarray:
        if self.d != 1:
            raise ParameterError(f"{what} is defined for 1-D paths; got d = {self.d} (use cov_trace or det_ratio)")
        return self.cov

    def mean_sq_err(self) -> np.ndarray:
        r""":math:`\|\hat\mu_t - \mu\|^2` with μ = 0, shape (replicates, fits) (docs/theory.md §5.1–5.4)."""
        return self.mean**2 if self.d == 1 else np.sum(self.mean**2, axis=-1)

    def var(self) -> np.ndarray:
        r"""1-D fitted variance :math:`\hat\sigma_t^2`, shape (replicates, fits)."""
        return self._one_dimensional("var")

    def std(self) -> np.ndarray:
        r"""1-D fitted standard deviation :math:`\hat\sigma_t`."""
        return np.sqrt(self._one_dimensional("std"))

    def log_var(self) -> np.ndarray:
        r"""1-D :math:`\log\hat\sigma_t^2` (its mean drifts to −∞ under ``replace``, docs/theory.md §5.1)."""
        return np.log(self._one_dimensional("log_var"))

    def w2_sq(self) -> np.ndarray:
        r"""1-D :math:`W_2^2(N(\hat\mu_t,\hat\sigma_t^2), N(0,\sigma^2)) = \hat\mu_t^2 + (\hat\sigma_t - \sigma)^2`."""
        return self.mean**2 + (self.std() - self.sigma) ** 2

    def tv_to_real(self) -> np.ndarray:
        r"""1-D :math:`\Delta_i = d_{TV}(N(\hat\mu_t,\hat\sigma_t^2), N(0,\sigma^2))`, exact (docs/theory.md §6.3)."""
        return gaussian_tv(self.mean, self.std(), 0.0, self.sigma)

    def cov_trace(self) -> np.ndarray:
        r""":math:`\operatorname{tr}\hat\Sigma_t` (the variance in 1-D), shape (replicates, fits); §5.3."""
        return self.cov if self.d == 1 else np.trace(self.cov, axis1=-2, axis2=-1)

    def det_ratio(self) -> np.ndarray:
        r""":math:`\det\hat\Sigma_t / \det(\sigma^2 I_d)`, shape (replicates, fits) (docs/theory.md §5.1)."""
        if self.d == 1:
            return self.cov / self.sigma**2
        sign, logdet = np.linalg.slogdet(self.cov)
        return sign * np.exp(logdet - 2 * self.d * np.log(self.sigma))


@dataclass(frozen=True, eq=False)
class TrainingSet:
    """The training set of one fit and the parameters fitted on it, for every replicate.

    Attributes
    ----------
    t
        Fit number (generation i = t − 1).
    sample
        Training points: shape (replicates, N_t) in 1-D, (replicates, N_t, d) in d dims.
    mean, cov
        Fitted parameters: (replicates,) / (replicates,) in 1-D; (replicates, d) /
        (replicates, d, d) in d dims. For ``weighted`` they are the weighted combination
        of the estimates on the real and synthetic parts (``sample`` holds both parts).
    """

    t: int
    sample: np.ndarray
    mean: np.ndarray
    cov: np.ndarray


def _squeeze(spec: _Spec, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (mean[..., 0], cov[..., 0, 0]) if spec.d == 1 else (mean, cov)


def gaussian_training_sets(
    regime: str,
    *,
    n: int,
    fits: int,
    replicates: int,
    rng: np.random.Generator,
    estimator: str = "unbiased",
    lam: float = 0.0,
    w: float = 0.5,
    k: float = 1.0,
    d: int = 1,
    sigma: float = 1.0,
) -> Iterator[TrainingSet]:
    """Run the ``sample`` engine and yield every fit's training set (docs/theory.md §6.4).

    Parameters are those of :func:`simulate_gaussian`; they are validated before this
    function returns. Collecting ``mean`` and ``cov`` of the yielded sets gives exactly
    ``simulate_gaussian(..., engine="sample")`` with the same ``rng`` state.

    Yields
    ------
    TrainingSet
        One per fit t = 1..fits. (For ``accumulate`` the set grows to t·n points; for
        ``accumulate_subsample`` it is the subsample of n points.)
    """
    spec = _validate(
        regime, "sample", estimator, n=n, fits=fits, replicates=replicates, lam=lam, w=w, k=k, d=d, sigma=sigma
    )

    def generate() -> Iterator[TrainingSet]:
        for t, (train, mean, cov) in enumerate(_fits(spec, _SampleEngine(rng)), start=1):
            sample = train[..., 0] if spec.d == 1 else train
            yield TrainingSet(t, sample, *_squeeze(spec, mean, cov))

    return generate()


def simulate_gaussian(
    regime: str,
    *,
    n: int,
    fits: int,
    replicates: int,
    rng: np.random.Generator,
    engine: str = "exact",
    estimator: str = "unbiased",
    lam: float = 0.0,
    w: float = 0.5,
    k: float = 1.0,
    d: int = 1,
    sigma: float = 1.0,
) -> GaussianPath:
    r"""Simulate a Gaussian self-consuming loop (docs/theory.md §5.1–§5.4, §5.9).

    Parameters
    ----------
    regime
        ``replace``, ``fresh``, ``reused``, ``accumulate``, ``accumulate_subsample`` or ``weighted``
        (module docstring).
    n
        Points per fit (fresh real points per round for ``weighted``); ≥ d + 1.
    fits
        Number of fits t = 1..fits; t = 1 is the fit on real data.
    replicates
        Independent loops simulated at once (leading axis of every array).
    rng
        The only source of randomness.
    engine
        ``exact`` (sufficient statistics) or ``sample`` (every point); same law.
    estimator
        ``unbiased`` (divisor N − 1) or ``mle`` (divisor N).
    lam
        Proportion of real data for ``fresh`` and ``reused``; λn must be an integer
        (≥ d + 1 for ``reused``, whose first fit uses the λn real points alone).
    w
        Weight of the real estimate for ``weighted``, in [0, 1].
    k
        n/m for ``weighted`` (m = n/k synthetic points, an integer ≥ d + 1).
    d
        Dimension; d = 1 gives the 1-D arrays described in :class:`GaussianPath`.
    sigma
        Real standard deviation σ > 0 (real distribution :math:`N(0, \sigma^2 I_d)`).

    Returns
    -------
    GaussianPath

    Raises
    ------
    stl_bounds.ParameterError
        For an unknown regime, engine or estimator, or sizes and proportions outside
        their domains, before any simulation.
    stl_bounds.EvaluationError
        If a fitted covariance underflows to a singular matrix (extreme collapse).
    """
    spec = _validate(
        regime, engine, estimator, n=n, fits=fits, replicates=replicates, lam=lam, w=w, k=k, d=d, sigma=sigma
    )
    # fit-major buffers, filled in place one contiguous block per fit, returned as (replicates, fits, ...) views
    if engine == "exact" and spec.regime == "replace":
        means, covs = _replace_exact(spec, rng)
    else:
        means = np.empty((spec.fits, spec.replicates, spec.d))
        covs = np.empty((spec.fits, spec.replicates, spec.d, spec.d))
        for j, (_, fitted_mean, fitted_cov) in enumerate(_fits(spec, _backend(spec, str(engine), rng))):
            means[j], covs[j] = fitted_mean, fitted_cov
    mean, cov = _squeeze(spec, np.moveaxis(means, 0, 1), np.moveaxis(covs, 0, 1))
    return GaussianPath(
        regime=spec.regime,
        engine=str(engine),
        estimator=spec.estimator,
        n=spec.n,
        lam=spec.lam,
        sigma=spec.sigma,
        mean=mean,
        cov=cov,
        w=spec.w,
        k=spec.k,
    )
