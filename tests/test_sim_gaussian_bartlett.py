"""The exact engine's ``replace`` loop in d dimensions: Bartlett factor times the previous Cholesky factor.

docs/theory.md §5.1: Σ̂_t = L_t L_tᵀ with L_t = L_{t−1} A_t/√(n − ddof), A_t the Bartlett factor of a
W_d(n − 1, I) draw.  Checked: the law (E det Σ̂_t/det Σ, E log det Σ̂_t and E Σ̂_t entry by entry, z-tests with
a Bonferroni threshold, α = 1e-3), the identity with the generic engine that factorizes every fit (same
draws), and the underflow error.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

import stl_bounds
from stl_bounds import EvaluationError
from verification import gaussian
from verification.gaussian import simulate_gaussian

ALPHA = 1e-3


def z_scores(x: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """(mean − exact)/SE over the leading (replicate) axis."""
    return (x.mean(axis=0) - exact) / (x.std(axis=0, ddof=1) / np.sqrt(x.shape[0]))


@pytest.mark.parametrize("estimator", ["mle", "unbiased"])
def test_law_of_the_replace_loop_in_d_dimensions(estimator: str) -> None:
    d, n, fits, sigma, replicates = 4, 12, 6, 0.8, 20_000
    path = simulate_gaussian(
        "replace",
        n=n,
        fits=fits,
        replicates=replicates,
        rng=np.random.default_rng(71),
        estimator=estimator,
        d=d,
        sigma=sigma,
    )
    t = np.arange(1, fits + 1)
    k = n if estimator == "mle" else n - 1
    det_ratio = stl_bounds.get(f"gauss.replace.{estimator}.det_ratio").evaluate(d=d, n=n, t=t).value
    np.testing.assert_allclose(det_ratio, np.prod([(n - 1 - j) / k for j in range(d)]) ** t, rtol=1e-12)
    log_det = t * np.sum(special.digamma((n - 1 - np.arange(d)) / 2) + np.log(2 / k))  # E log ∏ χ²_{n−1−j}/k
    shrink = ((n - 1) / k) ** t  # E Σ̂_t = ((n − 1)/k)^t Σ
    mean_cov = shrink[:, None, None] * sigma**2 * np.eye(d)
    rows, cols = np.tril_indices(d)
    z = {
        "det_ratio": z_scores(path.det_ratio(), det_ratio),
        "log_det": z_scores(np.linalg.slogdet(path.cov)[1] - 2 * d * np.log(sigma), log_det),
        "cov": z_scores(path.cov[:, :, rows, cols], mean_cov[:, rows, cols]),
        "mean_sq_err": z_scores(path.mean_sq_err(), d * sigma**2 / n * np.cumsum(np.r_[1.0, shrink[:-1]])),
    }
    threshold = stats.norm.ppf(1 - ALPHA / (2 * sum(v.size for v in z.values())))
    for name, values in z.items():
        assert np.all(np.abs(values) < threshold), f"{name}: z = {np.round(values, 2)} (threshold {threshold:.2f})"


def test_same_draws_as_the_engine_that_factorizes_every_fit() -> None:
    kwargs = {"n": 9, "fits": 12, "replicates": 50, "lam": 0.0, "w": 0.5, "k": 1.0, "d": 5, "sigma": 1.3}
    spec = gaussian._validate("replace", "exact", "mle", **kwargs)
    generic = list(gaussian._fits(spec, gaussian._ExactEngine(np.random.default_rng(8))))
    kwargs = {key: value for key, value in kwargs.items() if key not in ("lam", "w", "k")}
    path = simulate_gaussian("replace", rng=np.random.default_rng(8), estimator="mle", **kwargs)
    np.testing.assert_allclose(path.mean, np.stack([m for _, m, _ in generic], axis=1), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(path.cov, np.stack([c for _, _, c in generic], axis=1), rtol=1e-9, atol=1e-14)


def test_a_wrong_shrink_factor_fails_the_law_check() -> None:
    """Negative control: the same draws with Σ̂ off by 2 % are rejected by the z-test of E Σ̂_t."""
    path = simulate_gaussian(
        "replace", n=12, fits=3, replicates=40_000, rng=np.random.default_rng(72), estimator="mle", d=3
    )
    diag = np.diagonal(path.cov, axis1=2, axis2=3) * 1.02
    exact = ((11 / 12) ** np.arange(1, 4))[:, None] * np.ones(3)
    assert np.max(np.abs(z_scores(diag, exact))) > stats.norm.ppf(1 - ALPHA / 18)


def test_underflow_in_d_dimensions_is_an_evaluation_error() -> None:
    # MLE on n = 3 points in d = 2: E log det Σ̂ drops by about 3.6 per fit, so float64 underflows within ~400 fits
    with pytest.raises(EvaluationError, match="singular"):
        simulate_gaussian("replace", n=3, fits=3000, replicates=2, rng=np.random.default_rng(0), estimator="mle", d=2)
