"""Gaussian loop simulators against the exact results of docs/theory.md §5.1–§5.4.

Closed-form checks follow docs/theory.md §6.2: z = (MC mean − exact)/SE with SE = sd/√R, pass
iff |z| < Φ⁻¹(1 − α/(2k)), α = 1e-3, k = the number of quantities tested together.
The exact values come from the registry; each is also computed here from the
formula and the two must agree, so a wrong registry entry fails here too.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

import stl_bounds
from stl_bounds import EvaluationError, ParameterError
from verification.gaussian import gaussian_training_sets, simulate_gaussian
from verification.tv import gaussian_tv

ALPHA = 1e-3
ENGINES = ("exact", "sample")


def assert_means_match(samples: dict[str, np.ndarray], exact: dict[str, np.ndarray]) -> None:
    """Bonferroni z-test (docs/theory.md §6.2) of every column of every sample array (R, m) against ``exact``."""
    k = sum(np.size(v) for v in exact.values())
    threshold = stats.norm.ppf(1 - ALPHA / (2 * k))
    for name, x in samples.items():
        z = (x.mean(axis=0) - exact[name]) / (x.std(axis=0, ddof=1) / np.sqrt(x.shape[0]))
        assert np.all(np.abs(z) < threshold), f"{name}: z = {np.round(z, 2)} (threshold {threshold:.2f})"


def reference(bound_id: str, formula: np.ndarray, **params: object) -> np.ndarray:
    """The registry value of ``bound_id`` (checked against ``formula``, typed from docs/theory.md), else ``formula``."""
    if bound_id not in stl_bounds.list_ids():
        return formula
    value = np.asarray(stl_bounds.get(bound_id).evaluate(**params).value, dtype=float)
    np.testing.assert_allclose(value, formula, rtol=1e-9, atol=1e-14, err_msg=bound_id)
    return value


def c(n: int) -> float:
    """E σ̂/σ for the unbiased estimator on n points: √(2/(n−1)) Γ(n/2)/Γ((n−1)/2)."""
    return float(np.sqrt(2 / (n - 1)) * np.exp(special.gammaln(n / 2) - special.gammaln((n - 1) / 2)))


def fresh_recursion(n: int, lam: float, fits: int, sigma: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """docs/theory.md §5.2 fresh(λ): (E(μ̂_t − μ)², E σ̂_t²) for t = 1..fits."""
    m, v = [sigma**2 / n], [sigma**2]
    for _ in range(fits - 1):
        m_t, v_t = m[-1], v[-1]
        m.append((1 - lam) ** 2 * m_t + lam * sigma**2 / n + (1 - lam) * v_t / n)
        v.append(lam * sigma**2 + (1 - lam) * v_t + n * lam * (1 - lam) / (n - 1) * m_t)
    return np.array(m), np.array(v)


def reused_recursion(n: int, lam: float, fits: int, sigma: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """docs/theory.md §5.2 reused(λ): (σ²/(λn) + u_t, v_t) for t = 1..fits."""
    u, v = [0.0], [sigma**2]
    for _ in range(fits - 1):
        u_t, v_t = u[-1], v[-1]
        u.append((1 - lam) ** 2 * u_t + (1 - lam) * v_t / n)
        v.append((lam * n - 1) * sigma**2 / (n - 1) + (1 - lam) * v_t + n * lam * (1 - lam) / (n - 1) * u_t)
    return sigma**2 / (lam * n) + np.array(u), np.array(v)


@pytest.mark.parametrize("engine", ENGINES)
def test_replace_unbiased_matches_theory_5_1(engine: str) -> None:
    n, sigma, t = 30, 1.5, np.array([1, 3, 8])
    path = simulate_gaussian(
        "replace", n=n, fits=8, replicates=20_000, rng=np.random.default_rng(11), engine=engine, sigma=sigma
    )
    cols = t - 1
    p = {"sigma": sigma, "n": n, "t": t}
    drift = special.digamma((n - 1) / 2) + np.log(2 / (n - 1))
    exact = {
        "mean_sq_err": reference("gauss.replace.unbiased.mean_sq_err", sigma**2 * t / n, **p),
        "var": reference("gauss.replace.unbiased.var", np.full(3, sigma**2), **p),
        "std": reference("gauss.replace.unbiased.std", sigma * c(n) ** t, **p),
        "log_var": reference("gauss.replace.unbiased.log_var", np.log(sigma**2) + t * drift, **p),
        "w2_sq": reference("gauss.replace.unbiased.w2_sq", sigma**2 * (t / n + 2 - 2 * c(n) ** t), **p),
    }
    samples = {name: getattr(path, name)()[:, cols] for name in exact}
    assert_means_match(samples, exact)


@pytest.mark.parametrize("engine", ENGINES)
def test_replace_mle_matches_theory_5_1(engine: str) -> None:
    n, t = 25, np.array([1, 4, 10])
    path = simulate_gaussian(
        "replace", n=n, fits=10, replicates=20_000, rng=np.random.default_rng(12), engine=engine, estimator="mle"
    )
    p = {"sigma": 1.0, "n": n, "t": t}
    shrink = (1 - 1 / n) ** t
    exact = {
        "var": reference("gauss.replace.mle.var", shrink, **p),
        "mean_sq_err": reference("gauss.replace.mle.mean_sq_err", 1 - shrink, **p),
    }
    assert_means_match({name: getattr(path, name)()[:, t - 1] for name in exact}, exact)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("estimator", ["unbiased", "mle"])
def test_det_ratio_collapses_as_theory_5_1(engine: str, estimator: str) -> None:
    n, d, t = 30, 3, np.array([1, 3, 6])
    path = simulate_gaussian(
        "replace",
        n=n,
        fits=6,
        replicates=20_000,
        rng=np.random.default_rng(13),
        engine=engine,
        estimator=estimator,
        d=d,
        sigma=0.7,
    )
    k = n - 1 if estimator == "unbiased" else n
    formula = np.prod([(n - 1 - j) / k for j in range(d)]) ** t
    exact = {"det_ratio": reference(f"gauss.replace.{estimator}.det_ratio", formula, d=d, n=n, t=t)}
    assert_means_match({"det_ratio": path.det_ratio()[:, t - 1]}, exact)


@pytest.mark.parametrize("engine", ENGINES)
def test_fresh_and_reused_match_recursions_5_2(engine: str) -> None:
    n, lam, fits, sigma = 20, 0.25, 8, 1.3
    t = np.array([1, 2, 4, 8])
    rng = np.random.default_rng(14)
    samples, exact = {}, {}
    for regime, recursion in (("fresh", fresh_recursion), ("reused", reused_recursion)):
        path = simulate_gaussian(
            regime, n=n, fits=fits, replicates=20_000, rng=rng, engine=engine, lam=lam, sigma=sigma
        )
        mse, var = recursion(n, lam, fits, sigma)
        p = {"sigma": sigma, "n": n, "lam": lam, "t": t}
        exact[f"{regime}.mean_sq_err"] = reference(f"gauss.{regime}.mean_sq_err", mse[t - 1], **p)
        exact[f"{regime}.var"] = reference(f"gauss.{regime}.var", var[t - 1], **p)
        samples[f"{regime}.mean_sq_err"] = path.mean_sq_err()[:, t - 1]
        samples[f"{regime}.var"] = path.var()[:, t - 1]
    assert_means_match(samples, exact)


@pytest.mark.parametrize("engine", ENGINES)
def test_accumulate_matches_theory_5_3(engine: str) -> None:
    n, fits, sigma = 10, 8, 2.0
    t = np.array([1, 2, 4, 8])
    rng = np.random.default_rng(15)
    k = np.arange(1, fits + 1)
    shrink = np.cumprod(1 - 1 / (k**2 * n))
    mle_mse = sigma**2 / n * np.cumsum(np.concatenate([[1.0], shrink[:-1]]) / k**2)
    unbiased_var = sigma**2 * np.cumprod(np.where(k == 1, 1.0, 1 - 1 / (k * (k * n - 1))))
    p = {"sigma": sigma, "n": n, "t": t}
    exact = {
        "mle.var": reference("gauss.accumulate.mle.var", sigma**2 * shrink[t - 1], **p),
        "mle.mean_sq_err": reference("gauss.accumulate.mle.mean_sq_err", mle_mse[t - 1], **p),
        "unbiased.var": reference("gauss.accumulate.unbiased.var", unbiased_var[t - 1], **p),
        "mle.d2.cov_trace": 2 * sigma**2 * shrink[t - 1],  # tr Σ = dσ²
        "mle.d2.mean_sq_err": 2 * mle_mse[t - 1],
    }
    common = {"n": n, "fits": fits, "replicates": 20_000, "rng": rng, "engine": engine, "sigma": sigma}
    mle = simulate_gaussian("accumulate", estimator="mle", **common)
    unbiased = simulate_gaussian("accumulate", **common)
    mle_2d = simulate_gaussian("accumulate", estimator="mle", d=2, **common)
    samples = {
        "mle.var": mle.var()[:, t - 1],
        "mle.mean_sq_err": mle.mean_sq_err()[:, t - 1],
        "unbiased.var": unbiased.var()[:, t - 1],
        "mle.d2.cov_trace": mle_2d.cov_trace()[:, t - 1],
        "mle.d2.mean_sq_err": mle_2d.mean_sq_err()[:, t - 1],
    }
    assert_means_match(samples, exact)


@pytest.mark.parametrize("engine", ENGINES)
def test_weighted_reaches_stationary_error_5_4(engine: str) -> None:
    # at the optimal weight w*(1) = 1/φ, (1 − w)^(2t) < 1e-12 after 30 fits: the last fit is stationary
    n, k, sigma = 20, 1.0, 1.0
    w = float(reference("gauss.weighted.w_opt", np.array((np.sqrt(k**2 + 4 * k) - k) / 2), k=k))
    assert w == pytest.approx((np.sqrt(5) - 1) / 2)
    path = simulate_gaussian(
        "weighted", n=n, fits=31, replicates=20_000, rng=np.random.default_rng(16), engine=engine, w=w, k=k
    )
    formula = sigma**2 / n * (w**2 + k * (1 - w) ** 2) / (w * (2 - w))
    v_inf = reference("gauss.weighted.stationary_mean_sq_err", np.array(formula), sigma=sigma, n=n, k=k, w=w)
    assert_means_match(
        {"mean_sq_err": path.mean_sq_err()[:, -1:], "var": path.var()[:, -1:]},
        {"mean_sq_err": np.atleast_1d(v_inf), "var": np.array([sigma**2])},
    )


KS_CASES = [
    ("replace", {}),
    ("replace", {"estimator": "mle"}),
    ("fresh", {"lam": 0.5}),
    ("reused", {"lam": 0.3}),
    ("accumulate", {}),
    ("weighted", {"w": 0.6, "k": 2.0}),
    ("replace", {"d": 2}),
    ("reused", {"lam": 0.5, "d": 2}),
]


@pytest.mark.parametrize(("regime", "extra"), KS_CASES)
def test_engines_agree_in_distribution(regime: str, extra: dict[str, object]) -> None:
    """Two-sample KS on the final-fit mean and variance, Bonferroni over all cases."""
    common = {"n": 20, "fits": 10, "replicates": 3000, **extra}
    exact = simulate_gaussian(regime, rng=np.random.default_rng(21), engine="exact", **common)
    sample = simulate_gaussian(regime, rng=np.random.default_rng(22), engine="sample", **common)
    level = ALPHA / (3 * len(KS_CASES))  # three KS tests per case
    for name in ("mean_sq_err", "cov_trace"):
        p_value = stats.ks_2samp(getattr(exact, name)()[:, -1], getattr(sample, name)()[:, -1]).pvalue
        assert p_value > level, f"{regime} {extra}: {name} KS p = {p_value:.2g}"
    first = exact.mean[:, -1] if exact.d == 1 else exact.mean[:, -1, 0]
    second = sample.mean[:, -1] if sample.d == 1 else sample.mean[:, -1, 0]
    assert stats.ks_2samp(first, second).pvalue > level


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("regime", ["replace", "fresh", "reused", "accumulate", "weighted"])
def test_same_seed_same_path_different_seed_different(engine: str, regime: str) -> None:
    def run(seed: int) -> np.ndarray:
        path = simulate_gaussian(
            regime, n=10, fits=4, replicates=50, rng=np.random.default_rng(seed), engine=engine, lam=0.5, k=2.0
        )
        return np.concatenate([path.mean, path.cov], axis=1)

    np.testing.assert_array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))


def test_training_sets_are_the_sample_engine() -> None:
    kwargs = {"n": 12, "fits": 5, "replicates": 40, "lam": 0.5}
    sets = list(gaussian_training_sets("reused", rng=np.random.default_rng(5), **kwargs))
    path = simulate_gaussian("reused", rng=np.random.default_rng(5), engine="sample", **kwargs)
    np.testing.assert_array_equal(np.stack([s.mean for s in sets], axis=1), path.mean)
    np.testing.assert_array_equal(np.stack([s.cov for s in sets], axis=1), path.cov)
    assert [s.sample.shape for s in sets] == [(40, 6)] + [(40, 12)] * 4
    for s in sets:  # the fit is the refit of the training set, and the real part is reused
        np.testing.assert_allclose(s.mean, s.sample.mean(axis=1), rtol=1e-12)
        np.testing.assert_allclose(s.cov, s.sample.var(axis=1, ddof=1), rtol=1e-12)
        np.testing.assert_array_equal(s.sample[:, :6], sets[0].sample)


def test_accumulate_training_sets_grow() -> None:
    sets = gaussian_training_sets("accumulate", n=5, fits=4, replicates=3, rng=np.random.default_rng(0), d=2)
    shapes = [s.sample.shape for s in sets]
    assert shapes == [(3, 5, 2), (3, 10, 2), (3, 15, 2), (3, 20, 2)]


def test_path_accessors() -> None:
    path = simulate_gaussian("replace", n=10, fits=3, replicates=7, rng=np.random.default_rng(0), sigma=2.0)
    assert path.mean.shape == path.cov.shape == (7, 3)
    assert (path.d, path.replicates, path.fits) == (1, 7, 3)
    np.testing.assert_array_equal(path.t, [1, 2, 3])
    np.testing.assert_allclose(path.cov_trace(), path.var())
    np.testing.assert_allclose(path.det_ratio(), path.var() / 4)
    np.testing.assert_allclose(path.std() ** 2, path.var())
    np.testing.assert_allclose(path.tv_to_real(), gaussian_tv(path.mean, path.std(), 0.0, 2.0))
    multi = simulate_gaussian("replace", n=10, fits=3, replicates=7, rng=np.random.default_rng(0), d=3)
    assert multi.mean.shape == (7, 3, 3) and multi.cov.shape == (7, 3, 3, 3) and multi.d == 3
    np.testing.assert_allclose(multi.det_ratio(), np.linalg.det(multi.cov))
    np.testing.assert_allclose(multi.mean_sq_err(), np.sum(multi.mean**2, axis=-1))
    with pytest.raises(ParameterError, match="1-D"):
        multi.var()


BAD = [
    ({"regime": "bogus"}, "regime must be one of"),
    ({"engine": "fast"}, "engine must be one of"),
    ({"estimator": "ml"}, "estimator must be one of"),
    ({"n": 1}, "n must be >= d \\+ 1"),
    ({"n": 0}, "n must be integer >= 1"),
    ({"n": 10.5}, "n must be integer"),
    ({"fits": 0}, "fits must be integer >= 1"),
    ({"replicates": -3}, "replicates must be integer >= 1"),
    ({"d": 0}, "d must be integer >= 1"),
    ({"d": 3, "n": 3}, "n must be >= d \\+ 1 = 4"),
    ({"sigma": 0.0}, "sigma must be > 0"),
    ({"regime": "fresh", "lam": 1.5}, "lam must be \\[0, 1\\]"),
    ({"regime": "fresh", "lam": 0.33}, "lam\\*n must be an integer"),
    ({"regime": "reused", "lam": 0.1}, "lam\\*n \\(the reused real part"),
    ({"regime": "reused", "lam": 0.0}, "lam\\*n \\(the reused real part"),
    ({"regime": "weighted", "k": 3.0}, "n/k must be an integer"),
    ({"regime": "weighted", "k": 0.0}, "k must be > 0"),
    ({"regime": "weighted", "k": 10.0}, "m = n/k must be >= d \\+ 1"),
    ({"regime": "weighted", "w": -0.1}, "w must be \\[0, 1\\]"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_invalid_parameters_raise_before_any_draw(change: dict[str, object], message: str) -> None:
    kwargs = {"regime": "replace", "n": 10, "fits": 3, "replicates": 5, **change}
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    with pytest.raises(ParameterError, match=message):
        simulate_gaussian(kwargs.pop("regime"), rng=rng, **kwargs)
    assert rng.bit_generator.state == state
    if "engine" not in change:
        with pytest.raises(ParameterError, match=message):
            gaussian_training_sets(
                change.get("regime", "replace"), rng=rng, **{k: v for k, v in kwargs.items() if k != "engine"}
            )


def test_collapse_underflow_is_an_evaluation_error() -> None:
    # MLE on 2 points: E log σ̂² drops by ~1.96 per fit, so float64 underflows within ~400 fits
    with pytest.raises(EvaluationError, match="singular"):
        simulate_gaussian("replace", n=2, fits=2000, replicates=2, rng=np.random.default_rng(0), estimator="mle")
