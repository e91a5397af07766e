"""Categorical loop simulators against the exact results of docs/theory.md §5.7.

Closed-form checks follow docs/theory.md §6.2: z = (MC mean − exact)/SE with SE = sd/√R, pass
iff |z| < Φ⁻¹(1 − α/(2k)), α = 1e-3, k = the number of quantities tested together (seeded).
The exact values are typed here from docs/theory.md §5.7; where the registry has the id, its
value must agree with the formula, so a wrong registry entry fails here too.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import stl_bounds
from stl_bounds import ParameterError
from verification.categorical import (
    gini_simpson,
    hypergeometric_subsample,
    run_to_fixation,
    simulate_categorical,
    total_variation,
)
from verification.categorical_coupling import coupled_categorical_tv, coupled_counts

ALPHA = 1e-3
P0 = np.array([0.4, 0.3, 0.2, 0.1])
H0 = 1.0 - float(np.sum(P0**2))
N, FITS, R = 20, 8, 20_000
T = np.arange(1, FITS + 1)
#: Error of the Kimura–Ohta diffusion approximation, in fits: O(1); measured −1.5 to −2.1 fits for
#: n = 20–200 and K = 2–4 (10⁴–10⁵ replicates to fixation), so 3 fits bounds it with room.
KIMURA_OHTA_ALLOWANCE = 3.0


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


def fresh_diversity(n: int, lam: float, t: np.ndarray) -> np.ndarray:
    """docs/theory.md §5.7 fresh(λ): H₀(1 − v_t), v_1 = 1/n, v_{t+1} = 1/n + (1−λ)(1−λ−1/n) v_t."""
    v = [1.0 / n]
    for _ in range(int(t.max()) - 1):
        v.append(1.0 / n + (1 - lam) * (1 - lam - 1.0 / n) * v[-1])
    return H0 * (1.0 - np.array(v)[t - 1])


def subsample_diversity(n: int, t: np.ndarray) -> np.ndarray:
    """docs/theory.md §5.7 accumulate_subsample: H₀ h_t (1 − f_t/n)."""
    f = (np.arange(1, t.max() + 1) - 1) * n / (np.arange(1, t.max() + 1) * n - 1)
    h = [1.0 - 1.0 / n]
    for s in range(2, int(t.max()) + 1):
        h.append(h[-1] * (1 - (1 + f[s - 2] * (1 - 1.0 / n)) / (n * s**2)))
    return H0 * np.array(h)[t - 1] * (1 - f[t - 1] / n)


EXPECTED = {
    "replace": lambda: reference("cat.replace.diversity", H0 * (1 - 1 / N) ** T, H0=H0, n=N, t=T),
    "fresh": lambda: reference("cat.fresh.diversity", fresh_diversity(N, 0.25, T), H0=H0, n=N, lam=0.25, t=T),
    "accumulate": lambda: reference("cat.accumulate.diversity", H0 * np.cumprod(1 - 1 / (N * T**2)), H0=H0, n=N, t=T),
    "accumulate_subsample": lambda: reference(
        "cat.accumulate_subsample.diversity", subsample_diversity(N, T), H0=H0, n=N, t=T
    ),
}


@pytest.mark.parametrize("regime", sorted(EXPECTED))
def test_diversity_matches_theory_5_7(regime: str) -> None:
    path = simulate_categorical(
        p0=P0, n=N, fits=FITS, replicates=R, rng=np.random.default_rng(7), regime=regime, lam=0.25
    )
    h = path.diversity()
    sq = np.sum((path.probs - P0) ** 2, axis=-1)
    exact = EXPECTED[regime]()
    # martingale E p_t = p0 (per category), and E‖p_t − p0‖² = H0 − E H(p_t)
    samples = {"diversity": h, "sq_dist": sq, **{f"p[{k}]": path.probs[:, :, k] for k in range(P0.size)}}
    targets = {"diversity": exact, "sq_dist": H0 - exact, **{f"p[{k}]": np.full(FITS, P0[k]) for k in range(P0.size)}}
    assert_means_match(samples, targets)


def test_reused_is_a_martingale_and_keeps_its_real_part() -> None:
    path = simulate_categorical(
        p0=P0, n=N, fits=FITS, replicates=R, rng=np.random.default_rng(8), regime="reused", lam=0.5
    )
    assert_means_match(
        {f"p[{k}]": path.probs[:, :, k] for k in range(P0.size)},
        {f"p[{k}]": np.full(FITS, P0[k]) for k in range(P0.size)},
    )
    # the λn = 10 reused points are in every later fit: p_t ≥ (λn/n)·(counts of R)/(λn) = p_1/2
    assert np.all(path.probs[:, 1:] >= 0.5 * path.probs[:, :1] - 1e-12)


def test_replace_diversity_collapses_and_fresh_stays_at_its_limit() -> None:
    rng = np.random.default_rng(9)
    replace = simulate_categorical(p0=P0, n=10, fits=200, replicates=2000, rng=rng).diversity()[:, -1]
    assert replace.mean() < 0.01  # E H = H0 (0.9)^200 ≈ 5e-10: almost every trajectory has fixed
    lam, n = 0.5, 10
    fresh = simulate_categorical(p0=P0, n=n, fits=60, replicates=20_000, rng=rng, regime="fresh", lam=lam)
    v_star = 1.0 / (n * (1 - (1 - lam) * (1 - lam - 1.0 / n)))
    assert_means_match({"late": fresh.diversity()[:, -1:]}, {"late": np.array([H0 * (1 - v_star)])})


def test_fits_are_empirical_distributions_of_the_right_sizes() -> None:
    rng = np.random.default_rng(1)
    for regime, size in (("replace", 20), ("fresh", 20), ("accumulate", None), ("accumulate_subsample", 20)):
        path = simulate_categorical(p0=P0, n=20, fits=5, replicates=50, rng=rng, regime=regime, lam=0.25)
        np.testing.assert_allclose(path.probs.sum(axis=-1), 1.0)
        for j in range(5):
            scale = size if size is not None else 20 * (j + 1)
            counts = path.probs[:, j] * scale
            np.testing.assert_allclose(counts, np.round(counts), atol=1e-9, err_msg=f"{regime}, fit {j + 1}")


def test_hypergeometric_subsample_has_the_exact_law() -> None:
    rng = np.random.default_rng(3)
    pool = np.array([12, 0, 7, 1, 20])
    total, size = pool.sum(), 15
    x = hypergeometric_subsample(np.broadcast_to(pool, (40_000, pool.size)), size, rng)
    assert np.all(x.sum(axis=1) == size) and np.all((x >= 0) & (x <= pool))
    q = pool / total
    mean = size * q
    var = size * q * (1 - q) * (total - size) / (total - 1)
    keep = pool > 0
    assert_means_match({"x": x[:, keep], "x2": x[:, keep] ** 2.0}, {"x": mean[keep], "x2": (var + mean**2)[keep]})


def test_gini_simpson_and_tv_are_exact() -> None:
    assert gini_simpson(np.array([1.0, 0, 0])) == 0.0
    assert gini_simpson(np.full(4, 0.25)) == pytest.approx(0.75)
    assert total_variation(np.array([0.5, 0.5, 0]), np.array([0, 0.5, 0.5])) == pytest.approx(0.5)


def test_fixation_survivors_and_time_match_kimura_ohta() -> None:
    p0, n, reps = np.array([0.6, 0.3, 0.1]), 50, 4000
    fix = run_to_fixation(p0=p0, n=n, replicates=reps, rng=np.random.default_rng(4))
    assert fix.censored == 0
    freq = np.bincount(fix.survivors, minlength=3) / reps
    expected = reference("cat.replace.fixation", p0, p0k=p0)
    crit = threshold(4)
    z = (freq - expected) / np.sqrt(expected * (1 - expected) / reps)
    assert np.all(np.abs(z) < crit), f"survivor frequencies {freq} vs p0 {expected}: z = {z}"
    kimura_ohta = -2 * n * np.sum((1 - p0) * np.log(1 - p0))
    se = fix.times.std(ddof=1) / np.sqrt(reps)
    gap = abs(fix.times.mean() - kimura_ohta)
    assert gap < crit * se + KIMURA_OHTA_ALLOWANCE, f"mean time {fix.times.mean():.2f} vs Kimura–Ohta {kimura_ohta:.2f}"


@pytest.mark.slow
def test_fixation_time_k6_n1000_matches_the_registry() -> None:
    reps = 4000
    fix = run_to_fixation(p0=np.full(6, 1 / 6), n=1000, replicates=reps, rng=np.random.default_rng(6))
    exact = float(reference("cat.replace.fixation_time", -2 * 1000 * 5 * np.log(5 / 6), K=6, n=1000))
    se = fix.times.std(ddof=1) / np.sqrt(reps)
    assert fix.censored == 0
    assert abs(fix.times.mean() - exact) < threshold(1) * se + KIMURA_OHTA_ALLOWANCE


def test_fixation_horizon_censors() -> None:
    fix = run_to_fixation(p0=np.full(4, 0.25), n=1000, replicates=20, rng=np.random.default_rng(0), max_fits=5)
    assert fix.censored == 20 and np.all(fix.survivors == -1)


def test_coupled_counts_are_multinomial_per_run_and_identical_for_equal_runs() -> None:
    rng = np.random.default_rng(2)
    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.1, 0.8])
    probs = np.stack(
        [np.broadcast_to(p, (20_000, 3)), np.broadcast_to(q, (20_000, 3)), np.broadcast_to(p, (20_000, 3))]
    )
    counts = coupled_counts(probs, 10, rng)
    assert np.array_equal(counts[0], counts[2])  # common random numbers: equal fits give equal draws
    assert np.all(counts.sum(axis=-1) == 10)
    mean = {"p": 10 * p, "q": 10 * q}
    second = {"p": 10 * p * (1 - p) + (10 * p) ** 2, "q": 10 * q * (1 - q) + (10 * q) ** 2}
    assert_means_match(
        {"p": counts[0], "q": counts[1], "p2": counts[0] ** 2.0, "q2": counts[1] ** 2.0},
        {**mean, "p2": second["p"], "q2": second["q"]},
    )


def test_coupled_tv_scales_as_one_over_n_and_grows_without_real_data() -> None:
    rng = np.random.default_rng(5)
    p0 = np.full(4, 0.25)
    gamma = {
        n: coupled_categorical_tv(p0=p0, n=n, fits=12, replicates=3000, rng=rng, lam=0.5).mean(0) for n in (20, 160)
    }
    assert gamma[20][0] == pytest.approx(1 / 10) and gamma[160][0] == pytest.approx(1 / 80)  # one of λn points moved
    ratio = gamma[20][-1] / gamma[160][-1]
    assert 6 < ratio < 10.7, f"γ ratio between n = 20 and 160 is {ratio:.2f}, expected ≈ 8 (slope −1)"
    replace = coupled_categorical_tv(p0=p0, n=40, fits=12, replicates=3000, rng=rng, lam=0.0)
    growth = replace[:, -1] - replace[:, 0]
    assert growth.mean() / (growth.std(ddof=1) / np.sqrt(growth.size)) > threshold(1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p0": [0.5, 0.6]}, "p0 must have non-negative entries summing to 1"),
        ({"p0": [1.0]}, "p0 must be a probability vector of K >= 2"),
        ({"regime": "bogus"}, "regime must be one of"),
        ({"regime": "fresh", "lam": 0.33}, "lam*n must be an integer"),
        ({"regime": "reused", "lam": 0.0}, "lam*n must be >= 1"),
        ({"n": 0}, "n"),
        ({"lam": 1.5}, "lam"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict, message: str) -> None:
    args = {"p0": P0, "n": 20, "fits": 3, "replicates": 2, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(ParameterError, match=message.replace("*", r"\*").replace("(", r"\(")):
        simulate_categorical(**args)


@pytest.mark.parametrize(("regime", "lam"), [("replace", 0.0), ("reused", 0.25), ("fresh", 0.5)])
def test_shift_quantities_obey_lemma_l3_per_trajectory(regime: str, lam: float) -> None:
    path = simulate_categorical(
        p0=P0, n=20, fits=10, replicates=500, rng=np.random.default_rng(10), regime=regime, lam=lam
    )
    eps, shift = path.shift_quantities()
    assert np.array_equal(eps[:, 0], shift[:, 0])  # ε_0 = Δ_0: D̃_0 = D_0
    np.testing.assert_allclose(shift, 0.5 * np.abs(path.probs - P0).sum(axis=-1), rtol=1e-12, atol=1e-15)
    assert np.all(eps[:, 1:] + (1 - lam) * shift[:, :-1] - shift[:, 1:] >= -1e-12)
    mixed = lam * P0 + (1 - lam) * path.probs[:, 3]
    np.testing.assert_allclose(eps[:, 4], 0.5 * np.abs(path.probs[:, 4] - mixed).sum(axis=-1), rtol=1e-12, atol=1e-15)
