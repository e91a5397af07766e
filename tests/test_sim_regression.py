"""Regression loop simulators against docs/theory.md §5.5.

Test errors contain inverse-Wishart factors tr(Σ(XᵀX)⁻¹), whose variance is finite
only for T > d + 3. The designs here use T − d − 1 ≥ 20, far inside that range, so the
plain z-test of docs/theory.md §6.2 (Bonferroni, α = 1e-3) with R = 10⁴ replicates applies;
``test_median_of_means_agrees`` repeats the replace check with a median-of-means
estimate as the robust cross-check docs/theory.md §6.2 suggests for heavy tails.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import stl_bounds
from stl_bounds import ParameterError
from verification.regression import mixed_expected_test_err, simulate_regression

ALPHA = 1e-3
ENGINES = ("exact", "sample")


def threshold(k: int) -> float:
    return float(stats.norm.ppf(1 - ALPHA / (2 * k)))


def z_scores(x: np.ndarray, exact: np.ndarray) -> np.ndarray:
    return (x.mean(axis=0) - exact) / (x.std(axis=0, ddof=1) / np.sqrt(x.shape[0]))


def reference(bound_id: str, formula: np.ndarray, **params: object) -> np.ndarray:
    """Registry value (checked against ``formula``, typed from docs/theory.md), or ``formula`` if not registered."""
    if bound_id not in stl_bounds.list_ids():
        return formula
    value = np.asarray(stl_bounds.get(bound_id).evaluate(**params).value, dtype=float)
    np.testing.assert_allclose(value, formula, rtol=1e-9, err_msg=bound_id)
    return value


@pytest.mark.parametrize("engine", ENGINES)
def test_replace_accumulate_two_size_match_theory(engine: str) -> None:
    T, d, sigma, fits = 30, 4, 1.5, 6
    t = np.arange(1, fits + 1)
    rng = np.random.default_rng(31)
    one_fit = sigma**2 * d / (T - d - 1)
    T0, sigma0 = 40, 0.7
    exact = {
        "replace": reference("regression.replace.test_err", t * one_fit, sigma=sigma, d=d, T=T, t=t),
        "accumulate": reference(
            "regression.accumulate.test_err", one_fit * np.cumsum(1 / t**2), sigma=sigma, d=d, T=T, t=t
        ),
        "two_size": reference(
            "regression.two_size.test_err",
            one_fit + t * sigma0**2 * d / (T0 - d - 1),
            sigma=sigma,
            sigma0=sigma0,
            d=d,
            T=T,
            T0=T0,
            t=t,
        ),
    }
    extra = {"two_size": {"T0": T0, "sigma0": sigma0}}
    k = 3 * fits
    for regime, value in exact.items():
        path = simulate_regression(
            regime, T=T, d=d, fits=fits, replicates=10_000, rng=rng, engine=engine, sigma=sigma, **extra.get(regime, {})
        )
        z = z_scores(path.test_err(), value)
        assert np.all(np.abs(z) < threshold(k)), f"{regime}: z = {np.round(z, 2)}"


def test_median_of_means_agrees() -> None:
    """Median of 20 block means: its z-statistic uses the block-mean spread (robust to heavy tails)."""
    T, d, fits = 12, 4, 5  # T − d − 1 = 7: closer to the heavy-tailed range
    path = simulate_regression("replace", T=T, d=d, fits=fits, replicates=20_000, rng=np.random.default_rng(32))
    blocks = path.test_err().reshape(20, -1, fits).mean(axis=1)
    exact = np.arange(1, fits + 1) * d / (T - d - 1)
    # the median of B normal block means has sd ≈ √(π/2)·sd(block)/√B
    z = (np.median(blocks, axis=0) - exact) / (np.sqrt(np.pi / 2) * blocks.std(axis=0, ddof=1) / np.sqrt(20))
    assert np.all(np.abs(z) < threshold(fits)), np.round(z, 2)


@pytest.mark.parametrize("engine", ENGINES)
def test_mixed_matches_conditional_recursion(engine: str) -> None:
    """MC mean vs the design average of the exact E[test error | X] (independent designs)."""
    T, d, lam, sigma, fits = 24, 4, 0.5, 1.0, 6
    rng = np.random.default_rng(33)
    path = simulate_regression("mixed", T=T, d=d, fits=fits, replicates=10_000, rng=rng, engine=engine, lam=lam)
    conditional = mixed_expected_test_err(rng.standard_normal((10_000, T, d)), lam, sigma, fits)
    sim, ref = path.test_err(), conditional
    se = np.sqrt(sim.var(axis=0, ddof=1) / len(sim) + ref.var(axis=0, ddof=1) / len(ref))
    z = (sim.mean(axis=0) - ref.mean(axis=0)) / se
    assert np.all(np.abs(z) < threshold(fits)), np.round(z, 2)


def test_mixed_expected_limits_and_shortcut() -> None:
    rng = np.random.default_rng(34)
    X = rng.standard_normal((200, 20, 3))
    gram_inv_trace = np.trace(np.linalg.inv(np.swapaxes(X, 1, 2) @ X), axis1=1, axis2=2)
    t = np.arange(1, 6)
    # λ = 0 is replace: t σ² tr G exactly; λ = 1 is a fresh real fit every time: σ² tr G
    np.testing.assert_allclose(mixed_expected_test_err(X, 0.0, 2.0, 5), 4 * t * gram_inv_trace[:, None], rtol=1e-10)
    np.testing.assert_allclose(
        mixed_expected_test_err(X, 1.0, 2.0, 5), np.repeat(4 * gram_inv_trace[:, None], 5, 1), rtol=1e-10
    )
    # docs/theory.md §5.5: the shortcut A ≈ (1 − λ)I underestimates at finite T
    lam, T, d = 0.5, 20, 3
    exact = mixed_expected_test_err(X, lam, 1.0, 5).mean(axis=0)
    shortcut = d / (T - d - 1) * np.cumsum((1 - lam) ** (2 * np.arange(5)))
    assert exact[0] == pytest.approx(shortcut[0], rel=0.1)
    assert np.all(exact[1:] > shortcut[1:]) and exact[-1] > 1.1 * shortcut[-1]
    # a row covariance Σ enters only through the test norm tr(Σ C_t)
    cov = np.diag([1.0, 2.0, 3.0])
    np.testing.assert_allclose(
        mixed_expected_test_err(X, 0.0, 1.0, 2, cov=cov)[:, 0],
        np.einsum("ij,rji->r", cov, np.linalg.inv(np.swapaxes(X, 1, 2) @ X)),
        rtol=1e-10,
    )


KS_CASES = [
    ("replace", {}),
    ("accumulate", {}),
    ("mixed", {"lam": 0.3}),
    ("two_size", {"T0": 15, "sigma0": 2.0}),
    ("replace", {"cov": np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])}),
]


@pytest.mark.parametrize(("regime", "extra"), KS_CASES)
def test_engines_agree_in_distribution(regime: str, extra: dict[str, object]) -> None:
    common = {"T": 12, "d": 3, "fits": 6, "replicates": 4000, **extra}
    exact = simulate_regression(regime, rng=np.random.default_rng(41), engine="exact", **common)
    sample = simulate_regression(regime, rng=np.random.default_rng(42), engine="sample", **common)
    level = ALPHA / (2 * len(KS_CASES))
    assert stats.ks_2samp(exact.test_err()[:, -1], sample.test_err()[:, -1]).pvalue > level
    assert stats.ks_2samp(exact.error[:, -1, 0], sample.error[:, -1, 0]).pvalue > level


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("regime", ["replace", "accumulate", "mixed", "two_size"])
def test_same_seed_same_path_different_seed_different(engine: str, regime: str) -> None:
    def run(seed: int) -> np.ndarray:
        T0 = 10 if regime == "two_size" else None
        return simulate_regression(
            regime, T=8, d=2, fits=3, replicates=20, rng=np.random.default_rng(seed), engine=engine, lam=0.5, T0=T0
        ).error

    np.testing.assert_array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))


def test_path_shapes() -> None:
    path = simulate_regression("mixed", T=10, d=3, fits=4, replicates=6, rng=np.random.default_rng(0), lam=0.4)
    assert path.error.shape == (6, 4, 3) and path.test_err().shape == (6, 4)
    np.testing.assert_array_equal(path.t, [1, 2, 3, 4])
    np.testing.assert_allclose(path.test_err(), np.sum(path.error**2, axis=-1))


BAD = [
    ({"regime": "bogus"}, "regime must be one of"),
    ({"engine": "fast"}, "engine must be one of"),
    ({"T": 5}, "T must be integer >= 6.*docs/theory.md §5.5"),
    ({"d": 0}, "d must be integer >= 1"),
    ({"fits": 0}, "fits must be integer >= 1"),
    ({"replicates": 0}, "replicates must be integer >= 1"),
    ({"lam": 2.0}, "lam must be"),
    ({"sigma": -1.0}, "sigma must be > 0"),
    ({"regime": "two_size"}, "T0 .* is required"),
    ({"regime": "two_size", "T0": 4}, "T0 must be integer >= 6"),
    ({"T0": 20}, "T0 is only used by regime 'two_size'"),
    ({"cov": np.eye(3)}, "cov must be a symmetric finite 4x4"),
    ({"cov": -np.eye(4)}, "cov must be positive definite"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_invalid_parameters_raise_before_any_draw(change: dict[str, object], message: str) -> None:
    kwargs = {"regime": "replace", "T": 10, "d": 4, "fits": 3, "replicates": 5, **change}
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    with pytest.raises(ParameterError, match=message):
        simulate_regression(kwargs.pop("regime"), rng=rng, **kwargs)
    assert rng.bit_generator.state == state


def test_mixed_expected_validates() -> None:
    with pytest.raises(ParameterError, match="T \\(rows of X\\) must be integer >= 6"):
        mixed_expected_test_err(np.ones((5, 4)), 0.5, 1.0, 3)
    with pytest.raises(ParameterError, match="lam must be"):
        mixed_expected_test_err(np.ones((10, 4)), 1.5, 1.0, 3)
