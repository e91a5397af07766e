"""docs/theory.md §5.9: the Gaussian accumulate_subsample loop, its simulator and its exact moments.

The registry's E(μ̂_t − μ)² and E σ̂_t² are checked against the unreduced pool recursion iterated here in
exact rational arithmetic, against the sympy derivation, against the categorical result of §5.7 (the same
finite-population algebra), at t → ∞, and against the simulator by Monte Carlo (docs/theory.md §6.2:
z = (MC mean − exact)/SE, |z| < Φ⁻¹(1 − α/(2k)), α = 1e-3, k quantities tested together).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import stl_bounds
from stl_bounds import ParameterError
from stl_bounds.library import gaussian
from verification.gaussian import gaussian_training_sets, simulate_gaussian

ALPHA = 1e-3
VAR = "gauss.accumulate_subsample.mle.var"
MSE = "gauss.accumulate_subsample.mle.mean_sq_err"


def pool_recursion(n: int, fits: int) -> tuple[list[Fraction], list[Fraction]]:
    """(E μ̂_t², E σ̂_t²)/σ² for t = 1..fits, iterating the pool's (E m², E V) exactly (docs/theory.md §5.9).

    Pool of N = tn points, mean m, variance V (divisor N); a uniform n-subsample without replacement has
    Var(μ̂ | pool) = V(N − n)/(n(N − 1)), E[σ̂² | pool] = V·N(n − 1)/(n(N − 1)); the n new points from
    N(μ̂, σ̂²) (mean x̄, divisor-n variance V_new) give N'm' = Nm + nx̄ and
    N'V' = NV + nV_new + (Nn/N')(m − x̄)².
    """
    a, v = Fraction(1, n), Fraction(n - 1, n)  # the n real points: E m² = σ²/n, E V = (1 − 1/n)σ²
    mean_sq, var = [], []
    for t in range(1, fits + 1):
        big, new = t * n, (t + 1) * n
        cond = v * (big - n) / (n * (big - 1))
        e, s = a + cond, v * big * (n - 1) / (n * (big - 1))
        mean_sq.append(e)
        var.append(s)
        a = (big**2 * a + 2 * big * n * a + n**2 * (e + s / n)) / new**2
        v = (big * v + (n - 1) * s + Fraction(big * n, new) * (cond + s / n)) / new
    return mean_sq, var


@pytest.mark.parametrize("n", [2, 3, 10, 57])
def test_registry_matches_exact_pool_recursion(n: int) -> None:
    fits, sigma = 40, 1.7
    mean_sq, var = pool_recursion(n, fits)
    t = np.arange(1, fits + 1)
    got_var = stl_bounds.get(VAR).evaluate(sigma=sigma, n=n, t=t).value
    got_mse = stl_bounds.get(MSE).evaluate(sigma=sigma, n=n, t=t).value
    np.testing.assert_allclose(got_var, sigma**2 * np.array([float(x) for x in var]), rtol=1e-12)
    np.testing.assert_allclose(got_mse, sigma**2 * np.array([float(x) for x in mean_sq]), rtol=1e-12)
    assert all(e + s == 1 for e, s in zip(mean_sq, var, strict=True))  # E μ̂_t² + E σ̂_t² = σ²


def test_matches_the_categorical_diversity_of_5_7() -> None:
    """E σ̂_t²/σ² = h_t(1 − f_t/n), the expression of E H(p_t)/H₀ for categorical accumulate_subsample."""
    for n in (2, 5, 13):
        _, var = pool_recursion(n, 25)
        h = Fraction(n - 1, n)
        for t in range(1, 26):
            f_t = Fraction((t - 1) * n, t * n - 1)
            if t > 1:
                f_prev = Fraction((t - 2) * n, (t - 1) * n - 1)
                h *= 1 - (1 + f_prev * Fraction(n - 1, n)) / (n * t**2)
            assert var[t - 1] == h * (1 - f_t / n), (n, t)


def test_derivation_equals_registered_form_and_limit() -> None:
    sol = gaussian.accumulate_subsample_solution()
    # the pool factor c_t is 1 − (2tn − n − t)/(n(t + 1)²(tn − 1)) ≤ 1
    n_, t_ = gaussian.n, gaussian.t
    assert sp.cancel(sol.pool_factor - (1 - (2 * t_ * n_ - n_ - t_) / (n_ * (t_ + 1) ** 2 * (t_ * n_ - 1)))) == 0
    assert sol.second_moment_step == sp.Symbol("q", positive=True)
    for bound_id in (VAR, MSE):
        b = stl_bounds.get(bound_id)
        text = b.derivation().text()
        assert "sympy.product" in text and "MISMATCH" not in text
        derived = b.derivation().result
        for params in ({"sigma": 1.5, "n": 7, "t": 5}, {"sigma": 0.5, "n": 3, "t": 20}, {"sigma": 2, "n": 2, "t": 1}):
            subs = {b.parameter_map[name].symbol: sp.nsimplify(v) for name, v in params.items()}
            exact = complex(sp.N(derived.xreplace(subs), 30))
            assert abs(exact.imag) < 1e-25
            assert b.evaluate(**params).value == pytest.approx(exact.real, rel=1e-12), (bound_id, params)
        limit = b.limit_in_generations()
        for n in (2, 5, 50):
            at = {n_: n, gaussian.sigma: 1}
            expected = float(sol.var_limit.subs(at)) if bound_id == VAR else 1 - float(sol.var_limit.subs(at))
            assert float(limit.subs(at)) == pytest.approx(expected, rel=1e-13)
            assert b.evaluate(n=n, t=1e9).value == pytest.approx(expected, rel=1e-8)


def test_bounded_away_from_zero_and_below_accumulate() -> None:
    t = np.arange(1, 200)
    sub = stl_bounds.get(VAR).evaluate(n=10, t=t).value
    acc = stl_bounds.get("gauss.accumulate.mle.var").evaluate(n=10, t=t).value
    assert sub[0] == pytest.approx(acc[0]) and np.all(sub[1:] < acc[1:])
    assert np.all(np.diff(sub) < 0) and sub[-1] > 0.5


def test_n_below_two_is_rejected() -> None:
    with pytest.raises(ParameterError, match="n must be >= 2"):
        stl_bounds.get(VAR).evaluate(n=1, t=3)


# --- the simulator ---------------------------------------------------------------------------------------


def test_training_sets_are_n_distinct_points() -> None:
    n, fits = 6, 5
    sets = list(
        gaussian_training_sets("accumulate_subsample", n=n, fits=fits, replicates=30, rng=np.random.default_rng(4))
    )
    acc = list(gaussian_training_sets("accumulate", n=n, fits=fits, replicates=30, rng=np.random.default_rng(4)))
    assert [s.sample.shape for s in sets] == [(30, n)] * fits
    np.testing.assert_array_equal(sets[0].sample, acc[0].sample)  # fit 1: the n real points
    for s in sets[1:]:
        for r in range(30):  # without replacement: n distinct points (with replacement, ties are likely)
            assert len(np.unique(s.sample[r])) == n
        np.testing.assert_allclose(s.mean, s.sample.mean(axis=1), rtol=1e-12)
        np.testing.assert_allclose(s.cov, s.sample.var(axis=1, ddof=1), rtol=1e-12)


def test_subsample_is_uniform_over_the_pool() -> None:
    """Fit 2 draws n of the 2n pool points: each real point is in it with probability 1/2 (binomial test)."""
    n, replicates = 4, 4000
    sets = list(
        gaussian_training_sets("accumulate_subsample", n=n, fits=2, replicates=replicates, rng=np.random.default_rng(9))
    )
    real, chosen = sets[0].sample, sets[1].sample
    per_row = (real[:, :, None] == chosen[:, None, :]).any(axis=2)  # real point j of replicate r is chosen
    counts = per_row.sum(axis=0)
    for c in counts:
        assert stats.binomtest(int(c), replicates, 0.5).pvalue > ALPHA / n, counts
    # without replacement: the number of real points chosen is hypergeometric (2n points, n real, n drawn)
    observed = np.bincount(per_row.sum(axis=1), minlength=n + 1)
    expected = stats.hypergeom(2 * n, n, n).pmf(np.arange(n + 1)) * replicates
    assert stats.chisquare(observed, expected).pvalue > ALPHA


def test_exact_engine_draws_the_points_and_seeds_reproduce() -> None:
    kwargs = {"n": 5, "fits": 4, "replicates": 20, "estimator": "mle"}
    exact = simulate_gaussian("accumulate_subsample", rng=np.random.default_rng(2), engine="exact", **kwargs)
    sample = simulate_gaussian("accumulate_subsample", rng=np.random.default_rng(2), engine="sample", **kwargs)
    np.testing.assert_array_equal(exact.mean, sample.mean)
    np.testing.assert_array_equal(exact.cov, sample.cov)
    other = simulate_gaussian("accumulate_subsample", rng=np.random.default_rng(3), **kwargs)
    assert not np.array_equal(exact.cov, other.cov)
    assert exact.regime == "accumulate_subsample" and exact.mean.shape == (20, 4)


def _z_scores(n: int, fits: int, replicates: int, seed: int, sigma: float, d: int = 1) -> dict[str, np.ndarray]:
    """z of E‖μ̂_t − μ‖² and E tr Σ̂_t against d times the 1-D values (each coordinate is a 1-D loop)."""
    path = simulate_gaussian(
        "accumulate_subsample",
        n=n,
        fits=fits,
        replicates=replicates,
        rng=np.random.default_rng(seed),
        estimator="mle",
        sigma=sigma,
        d=d,
    )
    t = np.arange(1, fits + 1)
    out = {}
    for name, bound_id, x in (("mean_sq_err", MSE, path.mean_sq_err()), ("var", VAR, path.cov_trace())):
        exact = d * stl_bounds.get(bound_id).evaluate(sigma=sigma, n=n, t=t).value
        out[name] = (x.mean(axis=0) - exact) / (x.std(axis=0, ddof=1) / np.sqrt(replicates))
    return out


def _assert_small(z: dict[str, np.ndarray]) -> None:
    k = sum(v.size for v in z.values())
    threshold = stats.norm.ppf(1 - ALPHA / (2 * k))
    for name, values in z.items():
        assert np.all(np.abs(values) < threshold), f"{name}: z = {np.round(values, 2)} (threshold {threshold:.2f})"


def test_monte_carlo_matches_theory_5_9() -> None:
    one, two = (_z_scores(n=5, fits=6, replicates=20_000, seed=59 + d, sigma=1.3, d=d) for d in (1, 2))
    _assert_small({**one, **{f"d=2 {name}": z for name, z in two.items()}})


@pytest.mark.slow
@pytest.mark.parametrize(("n", "fits", "seed"), [(3, 10, 591), (20, 8, 592)])
def test_monte_carlo_matches_theory_5_9_large(n: int, fits: int, seed: int) -> None:
    _assert_small(_z_scores(n=n, fits=fits, replicates=400_000, seed=seed, sigma=0.8))


def test_z_test_fails_on_a_wrong_reference() -> None:
    """Negative control: the same Monte Carlo against E σ̂_t² of plain accumulate fails, naming var."""
    replicates = 30_000
    path = simulate_gaussian(
        "accumulate_subsample", n=3, fits=6, replicates=replicates, rng=np.random.default_rng(60), estimator="mle"
    )
    wrong_reference = stl_bounds.get("gauss.accumulate.mle.var").evaluate(n=3, t=np.arange(1, 7)).value
    x = path.var()
    wrong = {"var": (x.mean(axis=0) - wrong_reference) / (x.std(axis=0, ddof=1) / np.sqrt(replicates))}
    with pytest.raises(AssertionError, match="var: z ="):
        _assert_small(wrong)
