r"""Monte Carlo simulators of self-consuming linear regression (docs/theory.md §5.5).

Fixed design :math:`X \in \mathbb R^{T\times d}` per replicate with rows
:math:`N(0, \Sigma)`, true weights :math:`w^* \sim N(0, I_d)`, OLS fits; fit 1 uses
real labels :math:`y = Xw^* + \sigma\varepsilon` and fit t + 1 labels regenerated from
fit t with fresh noise. With :math:`e_t = \hat w_t - w^*`, :math:`G = (X^\top X)^{-1}`
and :math:`e_0 = 0`:

============  ==========================================================================
``replace``   :math:`e_t = e_{t-1} + \eta_t`, :math:`\eta_t \sim N(0, \sigma^2 G)`
``accumulate``  OLS on every earlier copy of X with its labels:
              :math:`e_t = \frac1t\sum_{k\le t}(e_{k-1} + \eta_k)`
``mixed``     the first :math:`S = \lfloor\lambda T\rfloor` rows keep real labels (fresh noise):
              :math:`e_t = A e_{t-1} + \eta_t`, :math:`A = G X_S^\top X_S` (X_S the other rows)
``two_size``  t fake fits on a design of T0 rows with noise σ0², then a final OLS on T fresh
              rows with noise σ², labelled by fake fit t
============  ==========================================================================

Engines: ``sample`` draws X, w* and the labels and solves the normal equations (batched
``numpy.linalg.solve``); ``exact`` draws only the Gram matrices, which are Wishart
(:math:`X_R^\top X_R \sim W_d(S, \Sigma)` and :math:`X_S^\top X_S \sim W_d(T - S, \Sigma)`,
independent), and the Gaussian errors :math:`\eta_t` through the Cholesky factor of G —
the OLS error does not depend on :math:`w^*`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from stl_bounds.domains import Domain
from stl_bounds.errors import ParameterError
from verification.gaussian import wishart

__all__ = ["REGIMES", "RegressionPath", "mixed_expected_test_err", "simulate_regression"]

REGIMES = ("replace", "accumulate", "mixed", "two_size")


@dataclass(frozen=True, eq=False)
class RegressionPath:
    r"""OLS errors of every fit of a regression loop, for every replicate.

    Attributes
    ----------
    regime, engine
        How the path was simulated.
    T, d
        Design rows (of the final fit for ``two_size``) and dimension.
    error
        :math:`\hat w_t - w^*`, shape (replicates, fits, d); column j is fit t = j + 1
        (for ``two_size``: the final OLS after t = j + 1 fake fits).
    cov
        Row covariance Σ, shape (d, d).
    """

    regime: str
    engine: str
    T: int
    d: int
    error: np.ndarray
    cov: np.ndarray

    @property
    def fits(self) -> int:
        return self.error.shape[1]

    @property
    def t(self) -> np.ndarray:
        """Fit numbers 1..fits."""
        return np.arange(1, self.fits + 1)

    def test_err(self) -> np.ndarray:
        r""":math:`\|\hat w_t - w^*\|_\Sigma^2 = e_t^\top \Sigma e_t`, shape (replicates, fits), docs/theory.md §5.5."""
        return np.einsum("rfi,ij,rfj->rf", self.error, self.cov, self.error)


def _real_rows(lam: float, T: int) -> int:
    """S = ⌊λT⌋, robust to λT landing just below an integer in floating point."""
    return math.floor(lam * T * (1 + 1e-12))


def _row_cov(cov: object, d: int) -> np.ndarray:
    if cov is None:
        return np.eye(d)
    matrix = np.asarray(cov, dtype=float)
    if matrix.shape != (d, d) or not np.all(np.isfinite(matrix)) or not np.allclose(matrix, matrix.T):
        raise ParameterError(f"cov must be a symmetric finite {d}x{d} matrix; got shape {matrix.shape}")
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError as exc:
        raise ParameterError("cov must be positive definite") from exc
    return matrix


@dataclass(frozen=True)
class _Spec:
    regime: str
    T: int
    d: int
    fits: int
    replicates: int
    lam: float
    sigma: float
    sigma0: float
    T0: int | None
    cov: np.ndarray

    @property
    def chol(self) -> np.ndarray:
        """Cholesky factor of Σ broadcast over replicates."""
        return np.broadcast_to(np.linalg.cholesky(self.cov), (self.replicates, self.d, self.d))


def _rows(name: str, value: object, d: int) -> int:
    """A design size: an integer ≥ d + 2, so that E (XᵀX)⁻¹ = Σ⁻¹/(T − d − 1) is finite (docs/theory.md §5.5)."""
    try:
        return int(Domain(lower=d + 2, integer=True).validate(name, value))
    except ParameterError as exc:
        raise ParameterError(f"{exc} (d + 2 rows are needed for finite OLS moments, docs/theory.md §5.5)") from None


def _validate(
    regime: object,
    engine: object,
    *,
    T: object,
    d: object,
    fits: object,
    replicates: object,
    lam: object,
    sigma: object,
    sigma0: object,
    T0: object,
    cov: object,
) -> _Spec:
    if regime not in REGIMES:
        raise ParameterError(f"regime must be one of {', '.join(REGIMES)}; got {regime!r}")
    if engine not in ("exact", "sample"):
        raise ParameterError(f"engine must be one of exact, sample; got {engine!r}")
    d = int(Domain(lower=1, integer=True).validate("d", d))
    if regime == "two_size":
        if T0 is None:
            raise ParameterError("T0 (rows of the fake generations) is required for regime 'two_size'")
        T0 = _rows("T0", T0, d)
    elif T0 is not None:
        raise ParameterError(f"T0 is only used by regime 'two_size'; got T0 = {T0} with regime {regime!r}")
    positive = Domain(0.0, lower_open=True)
    return _Spec(
        regime=str(regime),
        T=_rows("T", T, d),
        d=d,
        fits=int(Domain(lower=1, integer=True).validate("fits", fits)),
        replicates=int(Domain(lower=1, integer=True).validate("replicates", replicates)),
        lam=float(Domain(0.0, 1.0).validate("lam", lam)),
        sigma=float(positive.validate("sigma", sigma)),
        sigma0=float(positive.validate("sigma0", sigma0)),
        T0=T0,
        cov=_row_cov(cov, d),
    )


def _gaussian(rng: np.random.Generator, chol: np.ndarray, scale: float) -> np.ndarray:
    """One N(0, scale² · chol cholᵀ) vector per replicate."""
    return scale * np.einsum("rij,rj->ri", chol, rng.standard_normal(chol.shape[:2]))


def _exact(spec: _Spec, rng: np.random.Generator) -> np.ndarray:
    """Errors (R, fits, d) from Wishart Gram matrices and Gaussian OLS noise."""
    chol_cov = spec.chol
    errors = np.empty((spec.replicates, spec.fits, spec.d))
    if spec.regime == "two_size":
        chol_fake = np.linalg.cholesky(np.linalg.inv(wishart(spec.T0, chol_cov, rng)))
        chol_final = np.linalg.cholesky(np.linalg.inv(wishart(spec.T, chol_cov, rng)))
        fake = np.zeros((spec.replicates, spec.d))
        for j in range(spec.fits):
            fake = fake + _gaussian(rng, chol_fake, spec.sigma0)
            errors[:, j] = fake + _gaussian(rng, chol_final, spec.sigma)
        return errors
    real = _real_rows(spec.lam, spec.T) if spec.regime == "mixed" else 0
    gram_synthetic = wishart(spec.T - real, chol_cov, rng)
    gram = gram_synthetic + wishart(real, chol_cov, rng) if real else gram_synthetic
    inverse = np.linalg.inv(gram)
    chol_noise = np.linalg.cholesky(inverse)
    contraction = inverse @ gram_synthetic if real else None
    error, total = np.zeros((spec.replicates, spec.d)), np.zeros((spec.replicates, spec.d))
    for j in range(spec.fits):
        noise = _gaussian(rng, chol_noise, spec.sigma)
        if spec.regime == "accumulate":
            total = total + error + noise
            error = total / (j + 1)
        elif contraction is None:
            error = error + noise
        else:
            error = np.einsum("rij,rj->ri", contraction, error) + noise
        errors[:, j] = error
    return errors


def _ols(gram: np.ndarray, moment: np.ndarray) -> np.ndarray:
    """Solve the normal equations gram · w = moment for every replicate."""
    return np.linalg.solve(gram, moment[..., None])[..., 0]


def _design(spec: _Spec, rows: int, rng: np.random.Generator) -> np.ndarray:
    """X with i.i.d. N(0, Σ) rows, shape (R, rows, d)."""
    return np.einsum("rij,rnj->rni", spec.chol, rng.standard_normal((spec.replicates, rows, spec.d)))


def _labels(
    X: np.ndarray,
    w: np.ndarray,
    sigma: float,
    rng: np.random.Generator,
    *,
    real: int = 0,
    w_real: np.ndarray | None = None,
) -> np.ndarray:
    """y = X w + σε, except that the first ``real`` rows are labelled by ``w_real``."""
    mean = np.einsum("rni,ri->rn", X, w)
    if real:
        mean[:, :real] = np.einsum("rni,ri->rn", X[:, :real], w_real)
    return mean + sigma * rng.standard_normal(X.shape[:2])


def _sample(spec: _Spec, rng: np.random.Generator) -> np.ndarray:
    """Errors (R, fits, d) from explicit designs, labels and OLS solves."""
    w_star = rng.standard_normal((spec.replicates, spec.d))
    errors = np.empty((spec.replicates, spec.fits, spec.d))
    if spec.regime == "two_size":
        X0, X = _design(spec, spec.T0, rng), _design(spec, spec.T, rng)
        gram0, gram = np.swapaxes(X0, 1, 2) @ X0, np.swapaxes(X, 1, 2) @ X
        previous = w_star
        for j in range(spec.fits):
            previous = _ols(gram0, np.einsum("rni,rn->ri", X0, _labels(X0, previous, spec.sigma0, rng)))
            final = _ols(gram, np.einsum("rni,rn->ri", X, _labels(X, previous, spec.sigma, rng)))
            errors[:, j] = final - w_star
        return errors
    X = _design(spec, spec.T, rng)
    gram = np.swapaxes(X, 1, 2) @ X
    real = _real_rows(spec.lam, spec.T) if spec.regime == "mixed" else 0
    previous, moment = w_star, np.zeros((spec.replicates, spec.d))
    for j in range(spec.fits):
        y = _labels(X, previous, spec.sigma, rng, real=real, w_real=w_star)
        if spec.regime == "accumulate":
            moment = moment + np.einsum("rni,rn->ri", X, y)  # stacked design: Gram (j + 1)·XᵀX
            previous = _ols((j + 1) * gram, moment)
        else:
            previous = _ols(gram, np.einsum("rni,rn->ri", X, y))
        errors[:, j] = previous - w_star
    return errors


def simulate_regression(
    regime: str,
    *,
    T: int,
    d: int,
    fits: int,
    replicates: int,
    rng: np.random.Generator,
    engine: str = "exact",
    lam: float = 0.0,
    sigma: float = 1.0,
    sigma0: float = 1.0,
    T0: int | None = None,
    cov: np.ndarray | None = None,
) -> RegressionPath:
    r"""Simulate a self-consuming OLS loop (docs/theory.md §5.5).

    Parameters
    ----------
    regime
        ``replace``, ``accumulate``, ``mixed`` or ``two_size`` (module docstring).
    T
        Design rows (≥ d + 2); for ``two_size``, the rows of the final fit.
    d
        Dimension.
    fits
        Number of fits t = 1..fits (``two_size``: numbers of fake fits).
    replicates
        Independent loops (leading axis).
    rng
        The only source of randomness.
    engine
        ``exact`` (Wishart Gram matrices + Gaussian errors) or ``sample`` (labels and OLS).
    lam
        Real proportion for ``mixed``: S = ⌊λT⌋ rows keep real labels.
    sigma
        Label noise σ (of every fit; of the final fit for ``two_size``).
    sigma0
        Label noise σ0 of the fake fits (``two_size`` only).
    T0
        Design rows of the fake fits (``two_size`` only, required there, ≥ d + 2).
    cov
        Row covariance Σ (d × d, positive definite); identity by default.

    Returns
    -------
    RegressionPath

    Raises
    ------
    stl_bounds.ParameterError
        For an unknown regime or engine or out-of-domain sizes, before any simulation.
    """
    spec = _validate(
        regime,
        engine,
        T=T,
        d=d,
        fits=fits,
        replicates=replicates,
        lam=lam,
        sigma=sigma,
        sigma0=sigma0,
        T0=T0,
        cov=cov,
    )
    errors = _exact(spec, rng) if engine == "exact" else _sample(spec, rng)
    return RegressionPath(spec.regime, str(engine), spec.T, spec.d, errors, spec.cov)


def mixed_expected_test_err(
    X: np.ndarray, lam: float, sigma: float, fits: int, cov: np.ndarray | None = None
) -> np.ndarray:
    r"""Exact :math:`E[\|\hat w_t - w^*\|_\Sigma^2 \mid X]` of the ``mixed(λ)`` loop (docs/theory.md §5.5).

    Parameters
    ----------
    X
        Designs, shape (..., T, d); the first ⌊λT⌋ rows keep real labels.
    lam
        Real proportion λ in [0, 1].
    sigma
        Label noise σ > 0.
    fits
        Number of fits t = 1..fits.
    cov
        Row covariance Σ defining the test norm (identity by default).

    Returns
    -------
    numpy.ndarray
        Shape (..., fits).

    Notes
    -----
    With :math:`G = (X^\top X)^{-1}` and :math:`A = G X_S^\top X_S`:
    :math:`C_1 = \sigma^2 G`, :math:`C_t = A C_{t-1} A^\top + \sigma^2 G`, and the test
    error is :math:`\operatorname{tr}(\Sigma C_t)`. The average over designs is the
    reference for ``mixed``; the shortcut A ≈ (1 − λ)I is not (it underestimates).
    """
    X = np.asarray(X, dtype=float)
    if X.ndim < 2:
        raise ParameterError(f"X must have shape (..., T, d); got shape {X.shape}")
    T, d = X.shape[-2:]
    _rows("T (rows of X)", T, d)
    lam = float(Domain(0.0, 1.0).validate("lam", lam))
    sigma = float(Domain(0.0, lower_open=True).validate("sigma", sigma))
    fits = int(Domain(lower=1, integer=True).validate("fits", fits))
    test_cov = _row_cov(cov, d)
    synthetic = X[..., _real_rows(lam, T) :, :]
    inverse = np.linalg.inv(np.swapaxes(X, -1, -2) @ X)
    contraction = inverse @ (np.swapaxes(synthetic, -1, -2) @ synthetic)
    noise = sigma**2 * inverse
    error_cov = noise
    out = np.empty((*X.shape[:-2], fits))
    for j in range(fits):
        if j:
            error_cov = contraction @ error_cov @ np.swapaxes(contraction, -1, -2) + noise
        out[..., j] = np.trace(test_cov @ error_cov, axis1=-2, axis2=-1)
    return out
