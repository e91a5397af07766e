"""docs/theory.md §5.1-§5.4: the exact Gaussian results and the special functions they use.

Every registered id is checked against hand-computed values, against a direct iteration of the
recursion of docs/theory.md §5 written here independently (exact fractions, or χ² moments by numeric
quadrature), against its sympy derivation, float64 against mpmath, on grids and on invalid input;
two results are checked by a small seeded Monte Carlo run.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from functools import cache

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize_scalar

import stl_bounds
from stl_bounds import ParameterError
from stl_bounds.library import gaussian
from stl_bounds.special import (
    DigammaMinusLog,
    DividedPower,
    LogGammaRatio,
    digamma_minus_log_mpmath,
    digamma_minus_log_numpy,
    divided_power_mpmath,
    divided_power_numpy,
    log_gamma_ratio_mpmath,
    log_gamma_ratio_numpy,
)

#: docs/theory.md §7: ids and parameter names (in order).
THEORY_PARAMETERS = {
    **{
        f"gauss.replace.{key}": ("sigma", "n", "t")
        for key in ("unbiased.mean_sq_err", "unbiased.var", "unbiased.std", "unbiased.log_var", "unbiased.w2_sq")
    },
    "gauss.replace.mle.var": ("sigma", "n", "t"),
    "gauss.replace.mle.mean_sq_err": ("sigma", "n", "t"),
    "gauss.replace.unbiased.det_ratio": ("d", "n", "t"),
    "gauss.replace.mle.det_ratio": ("d", "n", "t"),
    "gauss.fresh.mean_sq_err": ("sigma", "n", "lam", "t"),
    "gauss.fresh.var": ("sigma", "n", "lam", "t"),
    "gauss.reused.mean_sq_err": ("sigma", "n", "lam", "t"),
    "gauss.reused.var": ("sigma", "n", "lam", "t"),
    "gauss.accumulate.mle.var": ("sigma", "n", "t"),
    "gauss.accumulate.mle.mean_sq_err": ("sigma", "n", "t"),
    "gauss.accumulate.unbiased.var": ("sigma", "n", "t"),
    "gauss.weighted.stationary_mean_sq_err": ("sigma", "n", "k", "w"),
    "gauss.weighted.w_opt": ("k",),
}
IDS = sorted(THEORY_PARAMETERS)
T = np.arange(1, 51)


def get(bound_id: str) -> stl_bounds.Bound:
    return stl_bounds.get(bound_id)


# --- independent references ---------------------------------------------------------------------


@cache
def chi2_moments(f: int) -> tuple[float, float, float]:
    """E X, E sqrt(X), E log X for X ~ χ²_f by numeric quadrature of the χ² density."""
    half = mpmath.mpf(f) / 2

    def density(x: mpmath.mpf) -> mpmath.mpf:
        return x ** (half - 1) * mpmath.exp(-x / 2) / (2**half * mpmath.gamma(half))

    with mpmath.workdps(30):
        moments = [
            mpmath.quad(lambda x, g=g: g(x) * density(x), [0, f, mpmath.inf])
            for g in (lambda x: x, mpmath.sqrt, mpmath.log)
        ]
    return tuple(float(m) for m in moments)


def chi2_ratio_moments(n: int, k: int) -> tuple[float, float, float]:
    """E Y, E sqrt(Y), E log Y for Y = χ²_{n−1}/k."""
    mean, root, log = chi2_moments(n - 1)
    return mean / k, root / math.sqrt(k), log - math.log(k)


def replace_iteration(sigma: float, n: int, estimator: str, steps: int) -> dict[str, np.ndarray]:
    """docs/theory.md §5.1 by iteration: σ̂_t² = σ̂_{t−1}² Y_t, μ̂_t = μ̂_{t−1} + N(0, σ̂_{t−1}²/n)."""
    mean_y, sqrt_y, log_y = chi2_ratio_moments(n, n - 1 if estimator == "unbiased" else n)
    v, m, s, ell = sigma**2, 0.0, sigma, math.log(sigma**2)
    out: dict[str, list[float]] = {"var": [], "mean_sq_err": [], "std": [], "log_var": [], "w2_sq": []}
    for _ in range(steps):
        v, m, s, ell = v * mean_y, m + v / n, s * sqrt_y, ell + log_y
        out["var"].append(v)
        out["mean_sq_err"].append(m)
        out["std"].append(s)
        out["log_var"].append(ell)
        out["w2_sq"].append(m + v - 2 * sigma * s + sigma**2)
    return {key: np.array(values) for key, values in out.items()}


def mixed_iteration(regime: str, n: int, real: int, steps: int) -> tuple[list[Fraction], list[Fraction]]:
    """docs/theory.md §5.2 recursions as written there, in exact fractions (σ = 1, λ = real/n)."""
    lam = Fraction(real, n)
    q = 1 - lam
    if regime == "fresh":
        m, v = Fraction(1, n), Fraction(1)
    else:
        m, v = Fraction(0), Fraction(1)
    means, variances = [], []
    for _ in range(steps):
        means.append(m + (1 / (lam * n) if regime == "reused" else 0))
        variances.append(v)
        base = lam if regime == "fresh" else Fraction(real - 1, n - 1)
        m, v = (
            q**2 * m + (lam / n if regime == "fresh" else 0) + q * v / n,
            base + q * v + n * lam * q / (n - 1) * m,
        )
    return means, variances


def accumulate_iteration(n: int, steps: int) -> dict[str, list[Fraction]]:
    """docs/theory.md §5.3 as written: the products, and the mean error as the sum over k (not telescoped)."""
    out: dict[str, list[Fraction]] = {"mle.var": [], "mle.mean_sq_err": [], "unbiased.var": []}
    product, unbiased, total = Fraction(1), Fraction(1), Fraction(0)
    for t in range(1, steps + 1):
        total += product / t**2  # (1/k²) ∏_{j<k}(1 − 1/(j²n))
        product *= 1 - Fraction(1, t * t * n)
        if t >= 2:
            unbiased *= 1 - Fraction(1, t * (t * n - 1))
        out["mle.var"].append(product)
        out["mle.mean_sq_err"].append(total / n)
        out["unbiased.var"].append(unbiased)
    return out


# --- metadata -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bound_id", IDS)
def test_ids_parameters_and_metadata(bound_id: str) -> None:
    b = get(bound_id)
    assert b.parameter_names == THEORY_PARAMETERS[bound_id]
    assert b.kind == "identity"
    assert b.fidelity == ("external" if ".weighted." in bound_id else "exact")
    assert b.citation.theory.startswith("docs/theory.md §5.")
    assert b.generation == ("t" if "t" in b.parameter_names else None)
    assert "MISMATCH" not in b.derivation().text()


def test_regimes() -> None:
    assert get("gauss.replace.unbiased.mean_sq_err").evaluate().regime == "critical"
    assert get("gauss.replace.mle.mean_sq_err").evaluate().regime == "converges"
    fresh = get("gauss.fresh.mean_sq_err").evaluate(lam=np.array([0.0, 0.01, 1.0]))
    assert list(fresh.regime) == ["critical", "converges", "converges"]
    assert get("gauss.reused.var").evaluate(lam=0.02).regime == "converges"


# --- hand-computed values -------------------------------------------------------------------------

HAND = [
    ("gauss.replace.unbiased.mean_sq_err", {"sigma": 2, "n": 5, "t": 3}, 4 * 3 / 5),
    ("gauss.replace.unbiased.var", {"sigma": 3, "n": 4, "t": 7}, 9.0),
    ("gauss.replace.unbiased.std", {"sigma": 1, "n": 3, "t": 2}, math.pi / 4),  # c(3) = √π/2
    ("gauss.replace.unbiased.log_var", {"sigma": 2, "n": 3, "t": 2}, math.log(4) - 2 * 0.5772156649015329),
    ("gauss.replace.unbiased.w2_sq", {"sigma": 1, "n": 3, "t": 2}, 2 / 3 + 2 - math.pi / 2),
    ("gauss.replace.mle.var", {"sigma": 2, "n": 2, "t": 3}, 0.5),
    ("gauss.replace.mle.mean_sq_err", {"sigma": 2, "n": 2, "t": 3}, 3.5),
    ("gauss.replace.mle.mean_sq_err", {"sigma": 1, "n": 1, "t": 4}, 1.0),
    ("gauss.replace.unbiased.det_ratio", {"d": 2, "n": 4, "t": 2}, 4 / 9),
    ("gauss.replace.mle.det_ratio", {"d": 2, "n": 4, "t": 2}, 9 / 64),
    ("gauss.replace.unbiased.det_ratio", {"d": 1, "n": 9, "t": 30}, 1.0),
    ("gauss.fresh.mean_sq_err", {"sigma": 1, "n": 2, "lam": 0.5, "t": 2}, 5 / 8),
    ("gauss.fresh.var", {"sigma": 1, "n": 2, "lam": 0.5, "t": 2}, 5 / 4),
    ("gauss.fresh.mean_sq_err", {"sigma": 1, "n": 10, "lam": 0.0, "t": 7}, 0.7),
    ("gauss.reused.mean_sq_err", {"sigma": 1, "n": 4, "lam": 0.5, "t": 2}, 1 / 2 + 1 / 8),
    ("gauss.reused.var", {"sigma": 1, "n": 4, "lam": 0.5, "t": 2}, 5 / 6),  # (λn − 1)/(n − 1) + q
    ("gauss.accumulate.mle.var", {"sigma": 1, "n": 4, "t": 2}, 45 / 64),
    ("gauss.accumulate.mle.mean_sq_err", {"sigma": 1, "n": 4, "t": 2}, 19 / 64),
    ("gauss.accumulate.mle.mean_sq_err", {"sigma": 1, "n": 1, "t": 3}, 1.0),
    ("gauss.accumulate.unbiased.var", {"sigma": 1, "n": 3, "t": 3}, 69 / 80),
    ("gauss.weighted.stationary_mean_sq_err", {"sigma": 1, "n": 1, "k": 1, "w": 0.5}, 2 / 3),
    ("gauss.weighted.w_opt", {"k": 1}, (math.sqrt(5) - 1) / 2),
    ("gauss.weighted.w_opt", {"k": 2}, math.sqrt(3) - 1),
]


@pytest.mark.parametrize(("bound_id", "params", "expected"), HAND)
def test_hand_computed_values(bound_id: str, params: dict[str, float], expected: float) -> None:
    assert get(bound_id).evaluate(**params).value == pytest.approx(expected, rel=1e-13)


def test_default_values() -> None:
    """At the defaults (σ = 1, n = 100, t = 10, λ = 0.5, d = 5, k = 1, w = 0.5), from docs/theory.md §5."""
    c = math.sqrt(2 / 99) * math.exp(math.lgamma(50) - math.lgamma(49.5))
    expected = {
        "gauss.replace.unbiased.mean_sq_err": 0.1,
        "gauss.replace.unbiased.var": 1.0,
        "gauss.replace.unbiased.std": c**10,
        "gauss.replace.unbiased.w2_sq": 0.1 + 2 - 2 * c**10,
        "gauss.replace.unbiased.log_var": 10 * float(mpmath.digamma(49.5) + mpmath.log(2 / 99)),
        "gauss.replace.mle.var": 0.99**10,
        "gauss.replace.mle.mean_sq_err": 1 - 0.99**10,
        "gauss.replace.unbiased.det_ratio": math.prod((99 - j) / 99 for j in range(5)) ** 10,
        "gauss.replace.mle.det_ratio": math.prod((99 - j) / 100 for j in range(5)) ** 10,
        "gauss.accumulate.mle.var": math.prod(1 - 1 / (k * k * 100) for k in range(1, 11)),
        "gauss.accumulate.unbiased.var": math.prod(1 - 1 / (k * (100 * k - 1)) for k in range(2, 11)),
        "gauss.weighted.stationary_mean_sq_err": (0.25 + 0.25) / (0.5 * 1.5) / 100,
        "gauss.weighted.w_opt": (math.sqrt(5) - 1) / 2,
    }
    expected["gauss.accumulate.mle.mean_sq_err"] = 1 - expected["gauss.accumulate.mle.var"]
    for bound_id, value in expected.items():
        assert get(bound_id).evaluate().value == pytest.approx(value, rel=1e-11), bound_id
    for bound_id in ("gauss.fresh.mean_sq_err", "gauss.fresh.var", "gauss.reused.mean_sq_err", "gauss.reused.var"):
        means, variances = mixed_iteration(bound_id.split(".")[1], 100, 50, 10)
        exact = means[-1] if bound_id.endswith("mean_sq_err") else variances[-1]
        assert get(bound_id).evaluate().value == pytest.approx(float(exact), rel=1e-12), bound_id


# --- direct iteration of the recursions, t = 1..50 ------------------------------------------------


@pytest.mark.parametrize("estimator", ["unbiased", "mle"])
@pytest.mark.parametrize("n", [2, 3, 10, 57])
def test_replace_matches_iteration(estimator: str, n: int) -> None:
    ref = replace_iteration(1.7, n, estimator, len(T))
    keys = ("var", "mean_sq_err", "std", "log_var", "w2_sq") if estimator == "unbiased" else ("var", "mean_sq_err")
    for key in keys:
        got = get(f"gauss.replace.{estimator}.{key}").evaluate(sigma=1.7, n=n, t=T).value
        np.testing.assert_allclose(got, ref[key], rtol=1e-12, atol=1e-300, err_msg=key)


@pytest.mark.parametrize("estimator", ["unbiased", "mle"])
@pytest.mark.parametrize(("d", "n"), [(1, 2), (2, 3), (3, 7), (5, 40)])
def test_det_ratio_matches_iteration(estimator: str, d: int, n: int) -> None:
    k = n - 1 if estimator == "unbiased" else n
    factor = math.prod(Fraction(n - 1 - j, k) for j in range(d))
    ref = [float(factor ** int(t)) for t in T]
    got = get(f"gauss.replace.{estimator}.det_ratio").evaluate(d=d, n=n, t=T).value
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("regime", ["fresh", "reused"])
@pytest.mark.parametrize("n", [2, 3, 4, 10, 33])
def test_mixed_matches_iteration(regime: str, n: int) -> None:
    """Every admissible λ = a/n, including λ = 0 and 1 (repeated eigenvalues) and λ = (n−1)/n (β = 0)."""
    for real in range(0 if regime == "fresh" else 2, n + 1):
        means, variances = mixed_iteration(regime, n, real, len(T))
        params = {"n": n, "lam": real / n, "t": T}
        for key, ref in (("mean_sq_err", means), ("var", variances)):
            got = get(f"gauss.{regime}.{key}").evaluate(**params).value
            np.testing.assert_allclose(got, [float(x) for x in ref], rtol=1e-12, err_msg=f"{key} λn={real}")


@pytest.mark.parametrize("n", [1, 2, 3, 10, 100])
def test_accumulate_matches_iteration(n: int) -> None:
    ref = accumulate_iteration(n, len(T))
    for key, values in ref.items():
        if key.startswith("unbiased") and n == 1:
            continue
        got = get(f"gauss.accumulate.{key}").evaluate(n=n, t=T).value
        np.testing.assert_allclose(got, [float(x) for x in values], rtol=1e-12, atol=1e-300, err_msg=key)


def test_accumulate_stays_below_theory_bounds() -> None:
    """docs/theory.md §5.3: E σ̂_t² ↓ σ² sin(π/√n)/(π/√n) and E(μ̂_t − μ)² ≤ (π²/6)σ²/n."""
    n = np.array([[2.0], [5.0], [100.0]])
    t = np.array([1.0, 10.0, 1e3, 1e6])
    var = get("gauss.accumulate.mle.var").evaluate(n=n, t=t).value
    limit = np.sinc(1 / np.sqrt(n))
    assert np.all(np.diff(var, axis=1) < 0) and np.all(var > limit)
    np.testing.assert_allclose(var[:, -1], limit[:, 0], rtol=1e-6)
    mean = get("gauss.accumulate.mle.mean_sq_err").evaluate(n=n, t=t).value
    assert np.all(mean <= math.pi**2 / 6 / n)


def test_weighted_matches_iteration_and_numeric_minimum() -> None:
    sigma, n, k = 1.3, 20, 0.7
    for w in (0.2, 0.5, 0.9, 1.0):
        v = 0.0
        for _ in range(2000):  # V_{t+1} = (1 − w)²(V_t + σ²/m) + w²σ²/n, m = n/k
            v = (1 - w) ** 2 * (v + sigma**2 * k / n) + w**2 * sigma**2 / n
        got = get("gauss.weighted.stationary_mean_sq_err").evaluate(sigma=sigma, n=n, k=k, w=w).value
        assert got == pytest.approx(v, rel=1e-12)
    for k in (0.01, 0.5, 1.0, 3.0, 500.0):
        res = minimize_scalar(
            lambda w, k=k: get("gauss.weighted.stationary_mean_sq_err").evaluate(k=k, w=w).value,
            bounds=(1e-6, 1.0),
            method="bounded",
            options={"xatol": 1e-10},
        )
        assert get("gauss.weighted.w_opt").evaluate(k=k).value == pytest.approx(res.x, abs=1e-6)


# --- the sympy derivations --------------------------------------------------------------------------

DERIVATION_POINTS = {
    "gauss.replace": [{"sigma": 1.5, "n": 7, "t": 5}, {"sigma": 0.25, "n": 40, "t": 13}],
    "gauss.replace.unbiased.det_ratio": [{"d": 3, "n": 7, "t": 4}, {"d": 1, "n": 3, "t": 9}],
    "gauss.replace.mle.det_ratio": [{"d": 3, "n": 7, "t": 4}, {"d": 6, "n": 30, "t": 2}],
    "gauss.accumulate": [{"sigma": 1.5, "n": 7, "t": 5}, {"sigma": 0.5, "n": 3, "t": 20}],
    "gauss.weighted": [{"sigma": 1.5, "n": 9, "k": 0.4, "w": 0.3}, {"k": 2.5}],
}


def _points(bound_id: str) -> list[dict[str, float]]:
    if bound_id.startswith(("gauss.fresh", "gauss.reused")):
        return [{"sigma": 1.5, "n": 10, "lam": lam, "t": t} for lam, t in ((0.3, 7), (0.8, 12), (0.9, 3), (1.0, 4))]
    key = next(k for k in sorted(DERIVATION_POINTS, key=len, reverse=True) if bound_id.startswith(k))
    names = set(get(bound_id).parameter_names)
    return [p for p in DERIVATION_POINTS[key] if set(p) == names]


@pytest.mark.parametrize("bound_id", IDS)
def test_registered_form_equals_derivation(bound_id: str) -> None:
    b = get(bound_id)
    derived = b.derivation().result
    points = _points(bound_id)
    assert points
    for params in points:
        subs = {b.parameter_map[k].symbol: sp.nsimplify(v) for k, v in params.items()}
        exact = complex(sp.N(derived.xreplace(subs), 30))
        assert abs(exact.imag) < 1e-25
        assert b.evaluate(**params).value == pytest.approx(exact.real, rel=1e-12), params


def test_mixed_closed_form_limits_and_fixed_points() -> None:
    for regime in ("fresh", "reused"):
        system = gaussian.mixed_system(regime)
        assert system.limit_is_fixed_point
        # A s* + b = s*
        residual = (system.matrix * system.fixed_point + system.b - system.fixed_point).applyfunc(sp.cancel)
        assert residual == sp.zeros(2, 1)
    for bound_id in ("gauss.fresh.mean_sq_err", "gauss.fresh.var", "gauss.reused.mean_sq_err", "gauss.reused.var"):
        b = get(bound_id)
        limit = b.limit_in_generations()
        for lam in (0.2, 0.5, 1.0):
            params = {"sigma": 1.3, "n": 10, "lam": lam}
            expected = float(limit.xreplace({b.parameter_map[k].symbol: sp.nsimplify(v) for k, v in params.items()}))
            assert b.evaluate(**params, t=3000).value == pytest.approx(expected, rel=1e-12)


def test_other_limits() -> None:
    assert sp.simplify(get("gauss.replace.mle.mean_sq_err").limit_in_generations() - gaussian.sigma**2) == 0
    sol = gaussian.accumulate_solution()
    n = gaussian.n
    assert sp.simplify(sol.mle_var_limit - sp.sin(sp.pi / sp.sqrt(n)) / (sp.pi / sp.sqrt(n))) == 0
    assert sol.log_gamma_limit == 0
    for value in (2, 3, 50):
        far = get("gauss.accumulate.unbiased.var").evaluate(n=value, t=1e9).value
        assert far == pytest.approx(float(sol.unbiased_var_limit.subs(n, value)), rel=1e-8)
    weighted = gaussian.weighted_solution()
    k = gaussian.k
    assert sp.simplify(weighted.w_opt - (sp.sqrt(k**2 + 4 * k) - k) / 2) == 0
    assert sp.simplify(weighted.minimum - gaussian.sigma**2 * weighted.w_opt / gaussian.n) == 0
    assert sp.simplify(weighted.w_opt.subs(k, 1) - 2 / (1 + sp.sqrt(5))) == 0  # 1/φ


def test_chi2_moments_from_sympy() -> None:
    y = gaussian.chi2_ratio_moments(gaussian.n - 1)
    for n in (2, 5, 31):
        mean_y, sqrt_y, log_y = chi2_ratio_moments(n, n - 1)
        assert float(y["mean"].subs(gaussian.n, n)) == pytest.approx(mean_y, rel=1e-14)
        assert float(y["sqrt"].subs(gaussian.n, n)) == pytest.approx(sqrt_y, rel=1e-14)
        assert float(y["log"].subs(gaussian.n, n)) == pytest.approx(log_y, rel=1e-13)


# --- numerics ------------------------------------------------------------------------------------

MP_POINTS = [
    {"sigma": 0.7, "n": 2, "t": 1},
    {"sigma": 3.0, "n": 17, "t": 200},
    {"sigma": 1.0, "n": 10**6, "t": 1},
    {"sigma": 1e-3, "n": 123456, "t": 77},
    {"d": 50, "n": 51, "t": 3},
    {"d": 7, "n": 10**6, "t": 200},
    {"sigma": 2.0, "n": 1000, "lam": 0.001, "t": 150},
    {"sigma": 2.0, "n": 1000, "lam": 0.999, "t": 150},
    {"sigma": 2.0, "n": 10**6, "lam": 0.5, "t": 9},
    {"d": 1, "n": 2, "t": 100},
    {"sigma": 1.0, "n": 3, "k": 1e-3, "w": 1.0},
    {"sigma": 1.0, "n": 3, "k": 1e3, "w": 1e-3},
    {"k": 1e3},
    {"k": 1e-3},
]


@pytest.mark.parametrize("bound_id", IDS)
def test_float64_agrees_with_mpmath(bound_id: str) -> None:
    b = get(bound_id)
    names = set(b.parameter_names)
    points = [p for p in MP_POINTS if set(p) == names] + [{}]
    for params in points:
        try:
            b.check(**params)
        except ParameterError:
            continue
        fast = b.evaluate(**params)
        ref = b.evaluate(precision="mp", dps=40, **params)
        for name, value in fast.terms.items():
            assert value == pytest.approx(float(ref.terms[name]), rel=1e-10, abs=1e-300), (params, name)


@pytest.mark.parametrize("bound_id", IDS)
def test_grids_have_the_broadcast_shape_and_equal_points(bound_id: str) -> None:
    b = get(bound_id)
    first = b.parameter_names[0]
    default = float(b.parameter_map[first].default)
    column = np.array([default, 2 * default, 3 * default])[:, None]
    grid = {first: column}
    if "t" in b.parameter_names:
        grid["t"] = np.array([1.0, 4.0, 9.0, 40.0])
    r = b.evaluate(**grid)
    assert r.shape == np.broadcast_shapes(*(v.shape for v in grid.values()))
    assert np.all(np.isfinite(r.value))
    flat = r.points()
    for point in flat[:5]:
        single = b.evaluate(**{k: v for k, v in point.params.items() if k in b.parameter_names})
        assert single.value == pytest.approx(point.value, rel=1e-14)


INVALID = [
    ("gauss.replace.unbiased.var", {"n": 1}, "n must be >= 2"),
    ("gauss.replace.unbiased.std", {"n": 1}, "n must be >= 2"),
    ("gauss.replace.unbiased.log_var", {"n": 1}, "n must be >= 2"),
    ("gauss.replace.unbiased.mean_sq_err", {"t": 0}, "t must be integer >= 1"),
    ("gauss.replace.mle.var", {"n": 2.5}, "n must be integer >= 1"),
    ("gauss.replace.unbiased.w2_sq", {"sigma": 0}, "sigma must be > 0"),
    ("gauss.replace.unbiased.det_ratio", {"d": 5, "n": 5}, "n must be >= d + 1"),
    ("gauss.replace.mle.det_ratio", {"d": 9, "n": np.array([20, 8])}, "n must be >= d + 1"),
    ("gauss.fresh.mean_sq_err", {"n": 10, "lam": 0.25}, "lam*n must be an integer"),
    ("gauss.fresh.var", {"n": 1, "lam": 1.0}, "n must be >= 2"),
    ("gauss.fresh.var", {"lam": 1.5}, "lam must be [0, 1]"),
    ("gauss.reused.mean_sq_err", {"n": 10, "lam": 0.1}, "lam*n must be >= 2"),
    ("gauss.reused.var", {"n": 10, "lam": 0.0}, "lam*n must be >= 2"),
    ("gauss.reused.var", {"n": 10, "lam": 0.55}, "lam*n must be an integer"),
    ("gauss.accumulate.unbiased.var", {"n": 1}, "n must be >= 2"),
    ("gauss.weighted.stationary_mean_sq_err", {"w": 0}, "w must be (0, 1]"),
    ("gauss.weighted.w_opt", {"k": 0}, "k must be > 0"),
]


@pytest.mark.parametrize(("bound_id", "params", "message"), INVALID)
def test_invalid_input_raises_parameter_error(bound_id: str, params: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(message)):
        get(bound_id).evaluate(**params)


def test_mixed_loops_do_not_accept_m() -> None:
    """n is the size of every fit in docs/theory.md §5.2, so λ = n/(n+m) of docs/theory.md §1 does not apply."""
    with pytest.raises(ParameterError, match="unknown parameter 'm'"):
        get("gauss.fresh.var").evaluate(m=10)


# --- Monte Carlo sanity checks (small; the full campaign lives in verification/) ---------------


def _z(samples: np.ndarray, exact: float) -> float:
    return abs(samples.mean() - exact) / (samples.std(ddof=1) / math.sqrt(samples.size))


def test_monte_carlo_unbiased_replace() -> None:
    rng = np.random.default_rng(20250501)
    reps, n, fits, sigma = 40_000, 5, 4, 1.5
    mu, sd = np.zeros(reps), np.full(reps, sigma)
    for _ in range(fits):
        x = mu[:, None] + sd[:, None] * rng.standard_normal((reps, n))
        mu, sd = x.mean(axis=1), x.std(axis=1, ddof=1)
    params = {"sigma": sigma, "n": n, "t": fits}
    for key, samples in (
        ("mean_sq_err", mu**2),
        ("var", sd**2),
        ("std", sd),
        ("log_var", np.log(sd**2)),
        ("w2_sq", mu**2 + (sd - sigma) ** 2),
    ):
        assert _z(samples, get(f"gauss.replace.unbiased.{key}").evaluate(**params).value) < 4, key


def test_monte_carlo_fresh_mixed_loop() -> None:
    rng = np.random.default_rng(7)
    reps, n, real, fits = 40_000, 10, 3, 6
    mu, sd = np.zeros(reps), np.ones(reps)
    for fit in range(fits):
        synthetic = n - real if fit else 0
        x = np.concatenate(
            [
                rng.standard_normal((reps, n - synthetic)),
                mu[:, None] + sd[:, None] * rng.standard_normal((reps, synthetic)),
            ],
            axis=1,
        )
        mu, sd = x.mean(axis=1), x.std(axis=1, ddof=1)
    params = {"n": n, "lam": real / n, "t": fits}
    assert _z(mu**2, get("gauss.fresh.mean_sq_err").evaluate(**params).value) < 4
    assert _z(sd**2, get("gauss.fresh.var").evaluate(**params).value) < 4


# --- the special functions of docs/theory.md §5 ------------------------------------------------------------


def test_divided_power_symbolic_forms() -> None:
    a, b, k = sp.symbols("a b k")
    assert DividedPower(5, a, a) == 5 * a**4
    assert DividedPower(1, a, b, 1) == 0
    assert DividedPower(3, a, b).doit() == a**2 + a * b + b**2
    assert sp.simplify(DividedPower(6, a, b, 1).rewrite(sp.Pow) - DividedPower(6, a, b, 1).doit()) == 0
    assert sp.simplify(DividedPower(k, a, 1).rewrite(sp.Pow) - (1 - a**k) / (1 - a)) == 0  # GeometricSum
    assert DividedPower(7, sp.Rational(1, 3), sp.Rational(1, 2), 1).evalf(20) == pytest.approx(
        float(DividedPower(7, sp.Rational(1, 3), sp.Rational(1, 2), 1).doit()), rel=1e-15
    )
    assert r"\left[" in sp.latex(DividedPower(k, a, b))


@pytest.mark.parametrize("seed", range(3))
def test_divided_power_numpy_matches_mpmath(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(60):
        k = int(rng.integers(0, 400))
        nodes = list(rng.uniform(0, 1.2, size=int(rng.integers(1, 5))))
        if rng.uniform() < 0.4:  # coincident nodes
            nodes = [nodes[0]] * len(nodes)
        with mpmath.workdps(40):
            exact = divided_power_mpmath(k, *nodes)
        assert float(divided_power_numpy(float(k), *nodes)) == pytest.approx(float(exact), rel=1e-12, abs=1e-300)


def test_divided_power_numpy_grids_and_input() -> None:
    k = np.array([0.0, 1.0, 2.0, 3.0, 10.0])
    np.testing.assert_array_equal(divided_power_numpy(k, 1.0, 1.0, 1.0), [0, 0, 1, 3, 45])  # C(k, 2)
    grid = divided_power_numpy(k[:, None], np.array([0.2, 0.9]), 0.5)
    assert grid.shape == (5, 2)
    assert grid[4, 1] == divided_power_numpy(10.0, 0.9, 0.5)
    with pytest.raises(ValueError, match="integer exponents"):
        divided_power_numpy(2.5, 0.1, 0.2)


def test_log_gamma_ratio_and_digamma_minus_log_match_mpmath() -> None:
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(0.05, 30, 300), 10 ** rng.uniform(1, 9, 300), [0.5, 9.999, 10.0, 1e15]])
    for a in (rng.uniform(-0.04, 0.9, x.size), rng.choice([-1e-7, 1e-4, 0.5, 3.0, 40.0], x.size)):
        a = np.where(x + a > 0, a, 0.5)
        got = log_gamma_ratio_numpy(x, a)
        with mpmath.workdps(40):
            ref = [log_gamma_ratio_mpmath(xi, ai) for xi, ai in zip(x, a)]
        np.testing.assert_allclose(got, [float(r) for r in ref], rtol=1e-12, atol=0)
    got = digamma_minus_log_numpy(x)
    with mpmath.workdps(40):
        ref = [digamma_minus_log_mpmath(xi) for xi in x]
    np.testing.assert_allclose(got, [float(r) for r in ref], rtol=1e-13, atol=0)
    with pytest.raises(ValueError, match="positive"):
        log_gamma_ratio_numpy(1.0, -2.0)
    with pytest.raises(ValueError, match="positive"):
        digamma_minus_log_numpy(0.0)


def test_log_gamma_ratio_symbolic_forms() -> None:
    x, a = sp.symbols("x a", positive=True)
    assert LogGammaRatio(x, 0) == 0
    assert LogGammaRatio(x, a).rewrite(sp.loggamma) == sp.loggamma(x + a) - sp.loggamma(x) - a * sp.log(x)
    assert float(LogGammaRatio(sp.Rational(7, 2), sp.Rational(1, 2)).evalf(30)) == pytest.approx(
        math.lgamma(4) - math.lgamma(3.5) - 0.5 * math.log(3.5), rel=1e-14
    )
    assert float(DigammaMinusLog(3).evalf(30)) == pytest.approx(1.5 - 0.5772156649015329 - math.log(3), rel=1e-14)
