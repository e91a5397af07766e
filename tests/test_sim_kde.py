"""KDE loop simulators: scipy's law, and the exact results of docs/theory.md §5.8.

The sampler must have the law of ``scipy.stats.gaussian_kde(data).resample`` (two-sample tests at
α = 1e-3, seeded; a sampler with a kernel twice as wide is rejected by the same tests, so they have
power), and its bandwidth must equal gaussian_kde's ``covariance``.  Closed-form checks follow
docs/theory.md §6.2 (z-scores, Bonferroni, α = 1e-3); the exact values are typed here from
docs/theory.md §5.8 and, where the registry has the id, must agree with it.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

import stl_bounds
from stl_bounds import ParameterError
from verification.kde import kde_sample, scott_kernel_variance, simulate_kde, uniform_subsample

ALPHA = 1e-3
N, FITS, R = 50, 8, 20_000
T = np.arange(1, FITS + 1)


def threshold(k: int) -> float:
    return float(stats.norm.isf(ALPHA / (2 * k)))


def assert_means_match(samples: dict[str, np.ndarray], exact: dict[str, np.ndarray]) -> None:
    """Bonferroni z-test (docs/theory.md §6.2) of every column of every sample array (R, m) against ``exact``."""
    crit = threshold(sum(np.size(v) for v in exact.values()))
    for name, x in samples.items():
        z = (x.mean(axis=0) - exact[name]) / (x.std(axis=0, ddof=1) / np.sqrt(x.shape[0]))
        assert np.all(np.abs(z) < crit), f"{name}: z = {np.round(z, 2)} (threshold {crit:.2f})"


def reference(bound_id: str, formula: np.ndarray, **params: object) -> np.ndarray:
    """The registry value of ``bound_id`` (checked against ``formula``, typed from docs/theory.md), else ``formula``."""
    if bound_id not in stl_bounds.list_ids():
        return np.asarray(formula, dtype=float)
    value = np.asarray(stl_bounds.get(bound_id).evaluate(**params).value, dtype=float)
    np.testing.assert_allclose(value, formula, rtol=1e-9, atol=1e-14, err_msg=bound_id)
    return value


def fresh_matrix(n: int, lam: float) -> np.ndarray:
    """docs/theory.md §5.8: A = [[(1−λ)², (1−λ)a/n], [λ(1−λ), (1−1/n)(1−λ)a]], a = 1 + n^(−2/5) n/(n−1)."""
    a = 1 + n ** (-0.4) * n / (n - 1)
    return np.array([[(1 - lam) ** 2, (1 - lam) * a / n], [lam * (1 - lam), (1 - 1 / n) * (1 - lam) * a]])


def fresh_moments(n: int, lam: float, fits: int, sigma: float = 1.0) -> np.ndarray:
    """(E m_t², E v_t) for t = 1..fits: x_1 = σ²(1/n, 1 − 1/n), x_{t+1} = A x_t + σ²(λ/n, (1 − 1/n)λ)."""
    x = [sigma**2 * np.array([1 / n, 1 - 1 / n])]
    b = sigma**2 * np.array([lam / n, (1 - 1 / n) * lam])
    for _ in range(fits - 1):
        x.append(fresh_matrix(n, lam) @ x[-1] + b)
    return np.array(x)


def spectral_radius(n: int, lam: float) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(fresh_matrix(n, lam)))))


def scipy_resample(data: np.ndarray, size: int, seed: int) -> np.ndarray:
    return stats.gaussian_kde(data).resample(size, seed=seed)[0]


DATA = np.random.default_rng(12).gamma(2.0, size=40)  # skewed: any error in the kernel or the pick shows


def test_bandwidth_equals_gaussian_kde_covariance() -> None:
    rng = np.random.default_rng(0)
    for size in (2, 7, 50, 333):
        data = rng.standard_normal((3, size)) * np.array([[0.1], [1.0], [40.0]])
        ours = scott_kernel_variance(data)
        scipy_cov = [float(stats.gaussian_kde(row).covariance[0, 0]) for row in data]
        np.testing.assert_allclose(ours, scipy_cov, rtol=1e-12)


@pytest.mark.parametrize("wider", [1.0, 4.0])
def test_sampler_has_the_law_of_gaussian_kde_resample(wider: float) -> None:
    """Two-sample KS and Cramér–von Mises tests at α = 1e-3 against scipy's resample; a kernel twice as wide fails."""
    size = 20_000
    ours = kde_sample(DATA[None], wider * scott_kernel_variance(DATA[None]), size, np.random.default_rng(1))[0]
    theirs = scipy_resample(DATA, size, seed=2)
    p_ks = stats.ks_2samp(ours, theirs).pvalue
    p_cvm = stats.cramervonmises_2samp(ours, theirs).pvalue
    if wider == 1.0:
        assert min(p_ks, p_cvm) > ALPHA / 2, f"KS p = {p_ks:.2g}, CvM p = {p_cvm:.2g} (Bonferroni α/2 = {ALPHA / 2})"
    else:  # power: the tests see a kernel standard deviation twice too wide
        assert max(p_ks, p_cvm) < ALPHA, f"a 4x kernel variance passed: KS p = {p_ks:.2g}, CvM p = {p_cvm:.2g}"


def test_replace_loop_matches_a_loop_around_gaussian_kde() -> None:
    """The vectorized loop and a per-replicate loop around scipy's gaussian_kde give the same law of v_t."""
    n, fits, reps = 30, 6, 400
    rng = np.random.default_rng(3)
    scipy_var = np.empty(reps)
    for r in range(reps):
        data = rng.standard_normal(n)
        for _ in range(fits - 1):
            data = stats.gaussian_kde(data).resample(n, seed=rng)[0]
        scipy_var[r] = data.var()
    ours = simulate_kde(n=n, fits=fits, replicates=4000, rng=np.random.default_rng(4)).var[:, -1]
    assert stats.ks_2samp(ours, scipy_var).pvalue > ALPHA


def test_replace_variance_grows_geometrically() -> None:
    path = simulate_kde(n=N, fits=FITS, replicates=R, rng=np.random.default_rng(5))
    rho = 1 - 1 / N + N ** (-0.4)
    exact = reference("kde.replace.var", (1 - 1 / N) * rho ** (T - 1), sigma=1.0, n=N, t=T)
    assert_means_match({"var": path.var}, {"var": exact})
    assert rho > 1


def test_fixed_bandwidth_variance() -> None:
    h = 0.3
    path = simulate_kde(n=N, fits=FITS, replicates=R, rng=np.random.default_rng(6), regime="fixed_bandwidth", h=h)
    v = [1 - 1 / N]
    for _ in range(FITS - 1):
        v.append((1 - 1 / N) * (v[-1] + h * h))
    exact = reference("kde.fixed_bandwidth.var", np.array(v), sigma=1.0, n=N, t=T, h=h)
    assert_means_match({"var": path.var}, {"var": exact})
    assert np.all(path.kernel_var == h * h)


@pytest.mark.parametrize("lam", [0.1, 0.4])
def test_fresh_moments_follow_the_2x2_recursion(lam: float) -> None:
    path = simulate_kde(n=N, fits=FITS, replicates=R, rng=np.random.default_rng(7), regime="fresh", lam=lam)
    x = fresh_moments(N, lam, FITS)
    p = {"sigma": 1.0, "n": N, "lam": lam, "t": T}
    exact = {
        "mean_sq": reference("kde.fresh.mean_sq", x[:, 0], **p),
        "var": reference("kde.fresh.var", x[:, 1], **p),
    }
    assert_means_match({"mean_sq": path.mean**2, "var": path.var}, exact)


def test_fresh_threshold_is_where_the_spectral_radius_is_one() -> None:
    for n in (20, 50, 200):
        lam_star = optimize.brentq(lambda lam, n=n: spectral_radius(n, lam) - 1.0, 1e-9, 1 - 1e-9, xtol=1e-14)
        rho = 1 - 1 / n + n ** (-0.4)
        assert abs(lam_star - (1 - 1 / rho)) < 0.05  # close to the C4 threshold 1 − 1/κ with κ = ρ
        reference("kde.fresh.threshold", np.array(lam_star), n=n)


def test_accumulating_regimes_train_on_the_right_sets() -> None:
    rng = np.random.default_rng(8)
    acc = simulate_kde(n=20, fits=5, replicates=2000, rng=rng, regime="accumulate")
    sub = simulate_kde(n=20, fits=5, replicates=2000, rng=rng, regime="accumulate_subsample")
    for path, sizes in ((acc, 20 * T[:5]), (sub, np.full(5, 20))):
        expected = path.var * sizes / (sizes - 1) * sizes ** (-0.4)  # Scott's rule on the training set's size
        np.testing.assert_allclose(path.kernel_var, expected, rtol=1e-10)
        assert_means_match({"mean": path.mean}, {"mean": np.zeros(5)})  # symmetric law: E m_t = 0


def test_uniform_subsample_is_uniform_without_replacement() -> None:
    rng = np.random.default_rng(9)
    data = np.broadcast_to(np.arange(10.0), (30_000, 10))
    sub = uniform_subsample(data, 4, rng)
    assert np.all(np.sort(sub, axis=1)[:, 1:] > np.sort(sub, axis=1)[:, :-1])  # distinct points
    hits = np.stack([(sub == k).any(axis=1) for k in range(10)], axis=1).astype(float)
    assert_means_match({"hit": hits}, {"hit": np.full(10, 0.4)})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"regime": "bogus"}, "regime must be one of"),
        ({"regime": "fixed_bandwidth"}, "h .* is required"),
        ({"regime": "fixed_bandwidth", "h": -1.0}, "h"),
        ({"regime": "fresh", "lam": 0.33}, r"lam\*n must be an integer"),
        ({"n": 1}, "n"),
        ({"lam": 1.0}, "lam"),
        ({"sigma": 0.0}, "sigma"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict, message: str) -> None:
    args = {"n": 20, "fits": 3, "replicates": 2, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(ParameterError, match=message):
        simulate_kde(**args)


@pytest.mark.slow
def test_scipys_own_gaussian_kde_loop_obeys_the_fresh_recursion() -> None:
    """docs/theory.md §5.8 checked on scipy's estimator itself (not on the vectorized sampler)."""
    n, lam, fits, reps = 50, 0.2, 6, 3000
    rng = np.random.default_rng(13)
    real = round(lam * n)
    var, mean_sq = np.empty((reps, fits)), np.empty((reps, fits))
    for r in range(reps):
        data = rng.standard_normal(n)
        for j in range(fits):
            if j:
                synthetic = stats.gaussian_kde(data).resample(n - real, seed=rng)[0]
                data = np.concatenate([rng.standard_normal(real), synthetic])
            var[r, j], mean_sq[r, j] = data.var(), data.mean() ** 2
    x = fresh_moments(n, lam, fits)
    assert_means_match({"var": var, "mean_sq": mean_sq}, {"var": x[:, 1], "mean_sq": x[:, 0]})
