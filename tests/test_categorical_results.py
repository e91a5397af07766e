"""docs/theory.md §5.7: the exact results of categorical (Wright-Fisher) loops.

Every id is checked against its sympy derivation, against a direct iteration of the recursion of docs/theory.md
§5.7 in exact fractions written here, against the limits that §5.7 states, and (the two regimes whose recursion
is least obvious, fresh and accumulate_subsample, and the fixation probability) by a small seeded Monte Carlo
run of the loop itself.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import stl_bounds
from stl_bounds import ParameterError
from stl_bounds.library import categorical

THEORY_PARAMETERS = {
    "cat.replace.diversity": ("H0", "n", "t"),
    "cat.fresh.diversity": ("H0", "n", "lam", "t"),
    "cat.accumulate.diversity": ("H0", "n", "t"),
    "cat.accumulate_subsample.diversity": ("H0", "n", "t"),
    "cat.replace.fixation": ("p0k",),
    "cat.replace.fixation_time": ("K", "n"),
}
IDS = sorted(THEORY_PARAMETERS)


@pytest.mark.parametrize("bound_id", IDS)
def test_ids_parameters_and_metadata(bound_id: str) -> None:
    b = stl_bounds.get(bound_id)
    assert b.parameter_names == THEORY_PARAMETERS[bound_id]
    assert b.fidelity == ("external" if bound_id.endswith("fixation_time") else "exact")
    assert b.citation.theory == "docs/theory.md §5.7"
    assert b.kind == "identity"


# --- independent iterations in exact fractions (docs/theory.md §5.7) --------------------------------------------


def replace_iter(h0: Fraction, n: int, t: int) -> Fraction:
    return h0 * (1 - Fraction(1, n)) ** t


def fresh_iter(h0: Fraction, n: int, real: int, t: int) -> Fraction:
    """v_1 = 1/n, v_{t+1} = 1/n + (1 − λ)(1 − λ − 1/n) v_t with λ = real/n; E H = H₀(1 − v_t)."""
    q = 1 - Fraction(real, n)
    v = Fraction(1, n)
    for _ in range(t - 1):
        v = Fraction(1, n) + q * (q - Fraction(1, n)) * v
    return h0 * (1 - v)


def accumulate_iter(h0: Fraction, n: int, t: int) -> Fraction:
    value = h0
    for k in range(1, t + 1):
        value *= 1 - Fraction(1, n * k * k)
    return value


def subsample_iter(h0: Fraction, n: int, t: int) -> Fraction:
    def f(s: int) -> Fraction:
        return Fraction((s - 1) * n, s * n - 1)

    h = 1 - Fraction(1, n)
    for s in range(2, t + 1):
        h *= 1 - (1 + f(s - 1) * (1 - Fraction(1, n))) / (n * s * s)
    return h0 * h * (1 - f(t) / n)


@pytest.mark.parametrize("n", [2, 3, 10, 57])
def test_diversities_match_exact_iteration(n: int) -> None:
    h0 = Fraction(5, 8)
    for t in (1, 2, 3, 8, 30):
        expected = {
            "cat.replace.diversity": replace_iter(h0, n, t),
            "cat.accumulate.diversity": accumulate_iter(h0, n, t),
            "cat.accumulate_subsample.diversity": subsample_iter(h0, n, t),
        }
        for bound_id, want in expected.items():
            got = stl_bounds.get(bound_id).evaluate(H0=0.625, n=n, t=t).value
            assert got == pytest.approx(float(want), rel=1e-12), (bound_id, n, t)
        for real in range(n + 1):
            got = stl_bounds.get("cat.fresh.diversity").evaluate(H0=0.625, n=n, lam=real / n, t=t).value
            assert got == pytest.approx(float(fresh_iter(h0, n, real, t)), rel=1e-12, abs=1e-300), (n, real, t)


def test_fixation_time_values_by_hand() -> None:
    """docs/theory.md §5.7: −2n(K − 1) ln(1 − 1/K) ≈ 1823 fits for K = 6, n = 1000 (and 2n ln 2 for K = 2)."""
    b = stl_bounds.get("cat.replace.fixation_time")
    assert b.evaluate(K=6, n=1000).value == pytest.approx(10000 * math.log(1.2), rel=1e-14)
    assert round(b.evaluate(K=6, n=1000).value) == 1823
    assert b.evaluate(K=2, n=50).value == pytest.approx(100 * math.log(2), rel=1e-14)
    # large K: the expected time tends to 2n (the log1p form keeps full precision there)
    assert b.evaluate(K=10**8, n=1).value == pytest.approx(2 * (1 - 0.5e-8), rel=1e-14)


def test_fixation_is_the_initial_share() -> None:
    assert stl_bounds.get("cat.replace.fixation").evaluate(p0k=0.3).value == 0.3
    assert stl_bounds.get("cat.replace.fixation").derivation().result == categorical.p0k


# --- symbolic: the derivations and the registered forms ------------------------------------------------------


def test_replace_and_fresh_registered_forms_equal_rsolve() -> None:
    """The rsolve solutions of the §5.7 recursions are, symbolically, the registered expressions."""
    H0, n, t, lam = categorical.H0, categorical.n, categorical.t, categorical.lam
    replace = stl_bounds.get("cat.replace.diversity")
    assert sp.simplify(replace.derivation().result - replace.expr) == 0
    v_t, r = categorical.fresh_solution()
    assert sp.simplify(v_t.subs(t, 1) - 1 / n) == 0
    assert sp.simplify(v_t - (1 / n + r * v_t.subs(t, t - 1))) == 0  # v_t solves the recursion
    fresh = stl_bounds.get("cat.fresh.diversity")
    assert sp.cancel(fresh.derivation().result - fresh.expr) == 0
    # the same identity with r kept symbolic: c + 1 = n(1 − r), so H₀(c + r^t)/(c + 1) = H₀(1 − v_t)
    assert sp.expand(categorical.FRESH_C + 1 - n * (1 - categorical.FRESH_RATIO)) == 0
    assert sp.simplify(H0 * (1 - v_t) - H0 * (n * (1 - r) - 1 + r**t) / (n * (1 - r))) == 0
    assert lam in fresh.expr.free_symbols


def test_subsample_factor_and_roots() -> None:
    sol = categorical.subsample_solution()
    k = sp.Symbol("k", integer=True, positive=True)
    n = categorical.n
    roots = set(sol["roots"])
    assert 1 in roots and len(roots) == 3
    others = roots - {1}
    assert all(sp.simplify(x - categorical.SUB_R1) == 0 or sp.simplify(x - categorical.SUB_R2) == 0 for x in others)
    assert sp.simplify(sum(others) - 1 / n) == 0  # ρ₁ + ρ₂ = 1/n: the log x terms of LogGammaRatio cancel
    factored = (k - 1) * (k - categorical.SUB_R1) * (k - categorical.SUB_R2) / (k**2 * (k - 1 - 1 / n))
    assert sp.simplify(sol["factor"] - factored) == 0


DERIVATION_POINTS = [{"H0": 0.625, "n": 7, "t": 5}, {"H0": 0.3, "n": 40, "t": 13}, {"H0": 0.9, "n": 2, "t": 1}]


@pytest.mark.parametrize(
    "bound_id", ["cat.replace.diversity", "cat.accumulate.diversity", "cat.accumulate_subsample.diversity"]
)
def test_registered_form_equals_derivation(bound_id: str) -> None:
    b = stl_bounds.get(bound_id)
    derived = b.derivation().result
    for params in DERIVATION_POINTS:
        subs = {b.parameter_map[k].symbol: sp.nsimplify(v) for k, v in params.items()}
        exact = complex(sp.N(derived.xreplace(subs), 30))
        assert abs(exact.imag) < 1e-25
        assert b.evaluate(**params).value == pytest.approx(exact.real, rel=1e-12), params


def test_fixation_time_solves_the_backward_equation() -> None:
    check = categorical.fixation_time_check()
    assert check["generator"] == -1
    n, K = categorical.n, categorical.K
    b = stl_bounds.get("cat.replace.fixation_time")
    assert b.derivation().result == check["uniform"]
    for k_value, n_value in ((6, 1000), (3, 7)):
        want = float(check["uniform"].subs({K: k_value, n: n_value}))
        assert b.evaluate(K=k_value, n=n_value).value == pytest.approx(want, rel=1e-14)


# --- limits (docs/theory.md §5.7) ---------------------------------------------------------------------------


def test_replace_collapses() -> None:
    b = stl_bounds.get("cat.replace.diversity")
    assert b.limit_in_generations() == 0
    assert sp.limit(b.expr.subs(categorical.n, 10), categorical.t, sp.oo) == 0
    assert b.evaluate(H0=0.8, n=10, t=2000).value < 1e-90


@pytest.mark.parametrize(("n", "lam"), [(10, 0.3), (100, 0.01), (7, 1.0), (1000, 0.5)])
def test_fresh_tends_to_the_stated_limit(n: int, lam: float) -> None:
    """§5.7: E H → H₀(1 − v*), v* = 1/(n[1 − (1 − λ)(1 − λ − 1/n)]); the registered limit is that number."""
    v_star = 1 / (n * (1 - (1 - lam) * (1 - lam - 1 / n)))
    b = stl_bounds.get("cat.fresh.diversity")
    limit = b.limit_in_generations()
    at = {categorical.H0: sp.Rational(3, 4), categorical.n: n, categorical.lam: sp.nsimplify(lam)}
    assert float(limit.subs(at)) == pytest.approx(0.75 * (1 - v_star), rel=1e-13)
    assert b.evaluate(H0=0.75, n=n, lam=lam, t=50_000).value == pytest.approx(0.75 * (1 - v_star), rel=1e-12)
    assert all(b.evaluate(H0=0.75, n=n, lam=lam, t=np.arange(1, 200)).value >= 0.75 * (1 - v_star) * (1 - 1e-14))


@pytest.mark.parametrize("n", [2, 10, 1000])
def test_accumulate_tends_to_the_sine_ratio(n: int) -> None:
    x = math.pi / math.sqrt(n)
    got = stl_bounds.get("cat.accumulate.diversity").evaluate(H0=0.5, n=n, t=1e12).value
    assert got == pytest.approx(0.5 * math.sin(x) / x, rel=1e-10)


@pytest.mark.parametrize("n", [2, 5, 50, 1000])
def test_accumulate_subsample_is_bounded_below_accumulate(n: int) -> None:
    """§5.7: bounded away from 0 (the gammasimp limit, reached far out), and below accumulate at every t ≥ 2."""
    sub = stl_bounds.get("cat.accumulate_subsample.diversity")
    acc = stl_bounds.get("cat.accumulate.diversity")
    limit = float(0.5 * (1 - 1 / n) ** 2 * categorical.subsample_solution()["limit"].subs(categorical.n, n))
    assert 0 < limit < 0.5 * math.sin(math.pi / math.sqrt(n)) / (math.pi / math.sqrt(n))
    assert sub.evaluate(H0=0.5, n=n, t=1e9).value == pytest.approx(limit, rel=1e-8)
    t = np.arange(2, 300)
    assert np.all(sub.evaluate(H0=0.5, n=n, t=t).value < acc.evaluate(H0=0.5, n=n, t=t).value)
    assert np.all(sub.evaluate(H0=0.5, n=n, t=t).value > limit)


# --- invalid input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bound_id", "params", "message"),
    [
        ("cat.fresh.diversity", {"n": 10, "lam": 0.25}, "lam\\*n must be an integer"),
        ("cat.accumulate_subsample.diversity", {"n": 1}, "n must be >= 2"),
        ("cat.replace.diversity", {"H0": 1.0}, "H0"),
        ("cat.replace.fixation_time", {"K": 1}, "K"),
        ("cat.replace.fixation", {"p0k": 1.5}, "p0k"),
    ],
)
def test_invalid_input_raises_parameter_error(bound_id: str, params: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        stl_bounds.get(bound_id).evaluate(**params)


# --- a small seeded Monte Carlo run of the loops ------------------------------------------------------------------

P0 = np.array([0.4, 0.3, 0.2, 0.1])
H0_VALUE = float(1 - (P0**2).sum())


def _z(samples: np.ndarray, exact: float) -> float:
    return float((samples.mean() - exact) / (samples.std(ddof=1) / math.sqrt(samples.size)))


def _subsample(pool: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A uniform subsample of ``size`` of each row's pool (counts), without replacement: sequential hypergeometric."""
    out = np.zeros_like(pool)
    left, wanted = pool.sum(axis=1), np.full(len(pool), size)
    for k in range(pool.shape[1] - 1):
        good = pool[:, k]
        out[:, k] = rng.hypergeometric(good, left - good, wanted)
        left, wanted = left - good, wanted - out[:, k]
    out[:, -1] = wanted
    return out


def test_monte_carlo_fresh_and_accumulate_subsample() -> None:
    """4,000 seeded replicates, K = 4, n = 10, λ = 0.3, fits 1..5: |z| below the Bonferroni bound of 10 tests at
    α = 1e−3 (3.89)."""
    rng = np.random.default_rng(20261201)
    reps, n, real, fits = 4000, 10, 3, 5
    z_bound = 3.89
    fresh = stl_bounds.get("cat.fresh.diversity")
    sub = stl_bounds.get("cat.accumulate_subsample.diversity")
    p_fresh = np.tile(P0, (reps, 1))
    p_sub = np.tile(P0, (reps, 1))
    pool = np.zeros((reps, 4), dtype=np.int64)
    for t in range(1, fits + 1):
        counts = rng.multinomial(real, np.tile(P0, (reps, 1))) + rng.multinomial(n - real, p_fresh)
        p_fresh = counts / n
        exact = fresh.evaluate(H0=H0_VALUE, n=n, lam=real / n, t=t).value
        assert abs(_z(1 - (p_fresh**2).sum(axis=1), exact)) < z_bound, ("fresh", t)
        pool += rng.multinomial(n, p_sub)
        p_sub = _subsample(pool, n, rng) / n
        exact = sub.evaluate(H0=H0_VALUE, n=n, t=t).value
        assert abs(_z(1 - (p_sub**2).sum(axis=1), exact)) < z_bound, ("accumulate_subsample", t)


def test_monte_carlo_fixation_probability() -> None:
    """Replace loop, n = 8, run until one category is left (4,000 replicates): the survivor shares are p⁰_k."""
    rng = np.random.default_rng(7)
    p = np.tile(P0, (4000, 1))
    while np.any((p > 0).sum(axis=1) > 1):
        p = rng.multinomial(8, p) / 8
    shares = (p == 1).mean(axis=0)
    se = np.sqrt(P0 * (1 - P0) / 4000)
    want = [stl_bounds.get("cat.replace.fixation").evaluate(p0k=x).value for x in P0]
    assert np.all(np.abs(shares - want) < 3.5 * se), (shares, want)
