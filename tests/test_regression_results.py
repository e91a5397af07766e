"""docs/theory.md §5.5: test errors of OLS retrained on its own labels (replace, accumulate, two sizes).

Values are checked by hand, against the error recursions iterated in exact fractions, against
the sympy derivations, float64 against mpmath, on grids and on invalid input.  The recursions
themselves (e_t = e_{t−1} + η_t, resp. + η_t/t) are checked per realization by running the
actual least-squares fits, and the expectation over designs and noise by a small Monte Carlo run.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import stl_bounds
from stl_bounds import ParameterError
from stl_bounds.library import regression

IDS = {
    "regression.replace.test_err": ("sigma", "d", "T", "t"),
    "regression.accumulate.test_err": ("sigma", "d", "T", "t"),
    "regression.two_size.test_err": ("sigma", "sigma0", "d", "T", "T0", "t"),
}
T_GRID = np.arange(1, 51)


def get(bound_id: str) -> stl_bounds.Bound:
    return stl_bounds.get(bound_id)


def one_fit(sigma: Fraction, d: int, rows: int) -> Fraction:
    return sigma**2 * d / (rows - d - 1)


@pytest.mark.parametrize("bound_id", sorted(IDS))
def test_ids_parameters_and_metadata(bound_id: str) -> None:
    b = get(bound_id)
    assert b.parameter_names == IDS[bound_id]
    assert (b.kind, b.fidelity, b.generation) == ("identity", "external", "t")
    assert b.citation.theory == "docs/theory.md §5.5"
    assert "MISMATCH" not in b.derivation().text()


@pytest.mark.parametrize(
    ("bound_id", "params", "expected"),
    [
        ("regression.replace.test_err", {"sigma": 2, "d": 3, "T": 10, "t": 4}, 8.0),
        ("regression.accumulate.test_err", {"sigma": 1, "d": 2, "T": 5, "t": 2}, 1.25),
        ("regression.two_size.test_err", {"sigma": 1, "sigma0": 2, "d": 1, "T": 4, "T0": 3, "t": 3}, 12.5),
        ("regression.replace.test_err", {}, 10 * 5 / 94),
        ("regression.accumulate.test_err", {}, 5 / 94 * sum(1 / k**2 for k in range(1, 11))),
        ("regression.two_size.test_err", {}, 5 / 94 + 10 * 5 / 94),
    ],
)
def test_hand_computed_values(bound_id: str, params: dict, expected: float) -> None:
    assert get(bound_id).evaluate(**params).value == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize(("d", "rows"), [(1, 3), (5, 7), (10, 100)])
def test_matches_iteration_of_the_error_recursions(d: int, rows: int) -> None:
    sigma, sigma0, rows0 = Fraction(3, 2), Fraction(1, 3), rows + 4
    g, g0 = one_fit(sigma, d, rows), one_fit(sigma0, d, rows0)
    replace, accumulate, fake = [], [], []
    c_replace = c_accumulate = c_fake = Fraction(0)
    for t in T_GRID:
        c_replace += g  # e_t = e_{t-1} + η_t
        c_accumulate += g / int(t) ** 2  # e_t = e_{t-1} + η_t / t
        c_fake += g0
        replace.append(float(c_replace))
        accumulate.append(float(c_accumulate))
        fake.append(float(c_fake + g))
    params = {"sigma": 1.5, "d": d, "T": rows, "t": T_GRID}
    np.testing.assert_allclose(get("regression.replace.test_err").evaluate(**params).value, replace, rtol=1e-13)
    np.testing.assert_allclose(get("regression.accumulate.test_err").evaluate(**params).value, accumulate, rtol=1e-13)
    two = get("regression.two_size.test_err").evaluate(**params, sigma0=1 / 3, T0=rows0).value
    np.testing.assert_allclose(two, fake, rtol=1e-13)


def test_accumulate_is_bounded_by_pi_squared_over_six_fits() -> None:
    """docs/theory.md §5.5 and §6.1 C7: replace grows linearly, accumulate stays below (π²/6) × one fit."""
    t = np.array([1.0, 10.0, 1e3, 1e8])
    acc = get("regression.accumulate.test_err").evaluate(t=t).value
    one = get("regression.replace.test_err").evaluate(t=1).value
    assert np.all(np.diff(acc) > 0) and np.all(acc < math.pi**2 / 6 * one)
    assert acc[-1] == pytest.approx(math.pi**2 / 6 * one, rel=1e-7)
    sol = regression.regression_solution()
    assert (
        sp.simplify(sol["accumulate_limit"] - sp.pi**2 / 6 * regression.one_fit_error(regression.sigma, regression.T))
        == 0
    )


POINTS = [
    {"sigma": 1.5, "d": 3, "T": 9, "t": 4},
    {"sigma": 0.2, "d": 12, "T": 300, "t": 37},
]


@pytest.mark.parametrize("bound_id", sorted(IDS))
def test_registered_form_equals_derivation(bound_id: str) -> None:
    b = get(bound_id)
    derived = b.derivation().result
    for base in POINTS:
        params = {**base, "sigma0": 0.7, "T0": base["T"] + 3} if "T0" in b.parameter_names else base
        subs = {b.parameter_map[k].symbol: sp.nsimplify(v) for k, v in params.items()}
        exact = float(sp.N(derived.xreplace(subs), 30))
        assert b.evaluate(**params).value == pytest.approx(exact, rel=1e-13)


def _fits(x: np.ndarray, w_star: np.ndarray, noises: list[np.ndarray], accumulate: bool) -> list[np.ndarray]:
    """The loop itself: OLS on the labels of the previous fit (or on all stacked copies so far)."""
    fits, labels = [], []
    w = w_star
    for eps in noises:
        labels.append(x @ w + eps)
        if accumulate:
            w = np.linalg.lstsq(np.vstack([x] * len(labels)), np.concatenate(labels), rcond=None)[0]
        else:
            w = np.linalg.lstsq(x, labels[-1], rcond=None)[0]
        fits.append(w)
    return fits


def test_error_recursions_hold_per_realization() -> None:
    """e_t = Σ_{s≤t} η_s (replace) and e_t = Σ_{s≤t} η_s/s (accumulate), η_s = (XᵀX)⁻¹Xᵀε_s, exactly."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((9, 3))
    w_star = rng.standard_normal(3)
    noises = [rng.standard_normal(9) for _ in range(6)]
    eta = [np.linalg.solve(x.T @ x, x.T @ eps) for eps in noises]
    for t, w in enumerate(_fits(x, w_star, noises, accumulate=False), start=1):
        np.testing.assert_allclose(w - w_star, sum(eta[:t]), rtol=1e-10, atol=1e-12)
    for t, w in enumerate(_fits(x, w_star, noises, accumulate=True), start=1):
        np.testing.assert_allclose(
            w - w_star, sum(e / s for s, e in enumerate(eta[:t], start=1)), rtol=1e-10, atol=1e-12
        )


def test_monte_carlo_replace_and_accumulate() -> None:
    """Expectation over Gaussian designs (Σ = I) and noise; z < 4 with the sample standard error."""
    rng = np.random.default_rng(2024)
    reps, rows, d, fits, sigma = 20_000, 12, 3, 3, 1.0
    x = rng.standard_normal((reps, rows, d))
    gram = x.transpose(0, 2, 1) @ x
    eta = [
        np.linalg.solve(gram, (x.transpose(0, 2, 1) @ (sigma * rng.standard_normal((reps, rows, 1)))))
        for _ in range(fits)
    ]
    replace = sum(eta)[..., 0]
    accumulate = sum(e / s for s, e in enumerate(eta, start=1))[..., 0]
    params = {"sigma": sigma, "d": d, "T": rows, "t": fits}
    for key, err in (("replace", replace), ("accumulate", accumulate)):
        samples = np.sum(err**2, axis=1)
        exact = get(f"regression.{key}.test_err").evaluate(**params).value
        z = abs(samples.mean() - exact) / (samples.std(ddof=1) / math.sqrt(reps))
        assert z < 4, (key, samples.mean(), exact)


@pytest.mark.parametrize("bound_id", sorted(IDS))
def test_float64_agrees_with_mpmath_and_grids(bound_id: str) -> None:
    b = get(bound_id)
    for params in ({}, {"d": 50, "T": 52, "t": 200}, {"sigma": 1e-3, "d": 1, "T": 10**5, "t": 1}):
        fast = b.evaluate(**params)
        ref = b.evaluate(precision="mp", dps=40, **params)
        for name, value in fast.terms.items():
            assert value == pytest.approx(float(ref.terms[name]), rel=1e-12)
    grid = b.evaluate(d=np.array([[1.0], [4.0]]), t=T_GRID)
    assert grid.shape == (2, len(T_GRID))
    assert grid.value[1, 6] == pytest.approx(b.evaluate(d=4, t=7).value, rel=1e-14)


@pytest.mark.parametrize(
    ("bound_id", "params", "message"),
    [
        ("regression.replace.test_err", {"d": 5, "T": 6}, "T must be >= d + 2"),
        ("regression.accumulate.test_err", {"d": np.array([1, 99]), "T": 100}, "T must be >= d + 2"),
        ("regression.two_size.test_err", {"d": 5, "T0": 6}, "T0 must be >= d + 2"),
        ("regression.replace.test_err", {"t": 0}, "t must be integer >= 1"),
        ("regression.two_size.test_err", {"sigma0": -1}, "sigma0 must be > 0"),
    ],
)
def test_invalid_input_raises_parameter_error(bound_id: str, params: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(message)):
        get(bound_id).evaluate(**params)
