"""docs/theory.md §5.6: risks of linear in-context predictors with Λ = I (OLS, averaging, optimal LSA).

Values are checked by hand, against the risk(γ) of a scaled gradient step (symbolically
and by a numeric minimization), against the sympy derivations, float64 against mpmath, on grids,
on invalid input and by a small seeded Monte Carlo run.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize_scalar

import stl_bounds
from stl_bounds import ParameterError
from stl_bounds.library import icl

IDS = ("icl.averaging.risk", "icl.lsa_opt.risk", "icl.ols.risk")


def get(bound_id: str) -> stl_bounds.Bound:
    return stl_bounds.get(bound_id)


def theory_risk(gamma: float, d: float, N: float, sigma2: float) -> float:
    """docs/theory.md §5.6: d[γ²(1 + (d+1+σ²)/N) − 2γ + 1]."""
    return d * (gamma**2 * (1 + (d + 1 + sigma2) / N) - 2 * gamma + 1)


@pytest.mark.parametrize("bound_id", IDS)
def test_ids_parameters_and_metadata(bound_id: str) -> None:
    b = get(bound_id)
    assert b.parameter_names == ("d", "N", "sigma2")
    assert b.kind == "identity" and b.generation is None
    assert b.fidelity == ("external" if bound_id == "icl.lsa_opt.risk" else "exact")
    assert b.citation.theory == "docs/theory.md §5.6"


@pytest.mark.parametrize(
    ("bound_id", "params", "expected"),
    [
        ("icl.ols.risk", {"d": 2, "N": 5, "sigma2": 1}, 1.0),
        ("icl.averaging.risk", {"d": 2, "N": 4, "sigma2": 1}, 2.0),
        ("icl.lsa_opt.risk", {"d": 2, "N": 4, "sigma2": 1}, 1.0),
        ("icl.ols.risk", {}, 0.25 * 5 / 14),
        ("icl.averaging.risk", {}, 5 * 6.25 / 20),
        ("icl.lsa_opt.risk", {}, 5 * 6.25 / 26.25),
        ("icl.lsa_opt.risk", {"d": 3, "N": 7, "sigma2": 0}, 3 * 4 / 11),
    ],
)
def test_hand_computed_values(bound_id: str, params: dict, expected: float) -> None:
    assert get(bound_id).evaluate(**params).value == pytest.approx(expected, rel=1e-13)


def test_one_step_risk_derivation() -> None:
    sol = icl.one_step_risk()
    d, N, s2, g = icl.d, icl.N, icl.sigma2, icl.gamma
    assert sp.simplify(sol["trace_s2"] - d * (N + d + 1) / N) == 0  # Wishart: E W² = N(N + d + 1) I
    assert sp.simplify(sol["risk"] - d * (g**2 * (1 + (d + 1 + s2) / N) - 2 * g + 1)) == 0
    assert sp.simplify(sol["gamma_star"] - N / (N + d + 1 + s2)) == 0
    assert sp.simplify(sol["curvature"]).is_positive
    for bound_id, key in (("icl.averaging.risk", "averaging"), ("icl.lsa_opt.risk", "optimum")):
        b = get(bound_id)
        assert sp.simplify(b.derivation().result - b.expr) == 0
        assert sp.simplify(sol[key] - b.expr) == 0
    assert get("icl.ols.risk").derivation().result == get("icl.ols.risk").expr


@pytest.mark.parametrize(("d", "N", "sigma2"), [(1, 1, 0.0), (5, 20, 0.25), (30, 10, 4.0), (2, 1000, 0.01)])
def test_lsa_optimum_is_the_minimum_of_the_scaled_step(d: int, N: int, sigma2: float) -> None:
    res = minimize_scalar(
        lambda g: theory_risk(g, d, N, sigma2), bounds=(0, 2), method="bounded", options={"xatol": 1e-12}
    )
    params = {"d": d, "N": N, "sigma2": sigma2}
    lsa = get("icl.lsa_opt.risk").evaluate(**params).value
    assert lsa == pytest.approx(res.fun, rel=1e-9)
    assert get("icl.averaging.risk").evaluate(**params).value == pytest.approx(theory_risk(1, d, N, sigma2), rel=1e-13)
    assert lsa <= min(d, theory_risk(1, d, N, sigma2))


def test_monte_carlo_ols_and_averaging() -> None:
    """Risk E‖ŵ − w‖² over w, X and noise (Λ = I, so the query expectation is the squared norm)."""
    rng = np.random.default_rng(42)
    reps, d, N, sigma2 = 40_000, 3, 12, 0.5
    x = rng.standard_normal((reps, N, d))
    w = rng.standard_normal((reps, d, 1))
    y = x @ w + math.sqrt(sigma2) * rng.standard_normal((reps, N, 1))
    xty = x.transpose(0, 2, 1) @ y
    predictors = {
        "icl.ols.risk": np.linalg.solve(x.transpose(0, 2, 1) @ x, xty),
        "icl.averaging.risk": xty / N,
    }
    for bound_id, w_hat in predictors.items():
        samples = np.sum((w_hat - w)[..., 0] ** 2, axis=1)
        exact = get(bound_id).evaluate(d=d, N=N, sigma2=sigma2).value
        z = abs(samples.mean() - exact) / (samples.std(ddof=1) / math.sqrt(reps))
        assert z < 4, (bound_id, samples.mean(), exact)


@pytest.mark.parametrize("bound_id", IDS)
def test_float64_agrees_with_mpmath_and_grids(bound_id: str) -> None:
    b = get(bound_id)
    for params in ({}, {"d": 50, "N": 52, "sigma2": 0}, {"d": 1, "N": 10**4, "sigma2": 10.0}):
        fast = b.evaluate(**params)
        ref = b.evaluate(precision="mp", dps=40, **params)
        assert fast.value == pytest.approx(float(ref.value), rel=1e-13)
    grid = b.evaluate(N=np.arange(10, 20)[:, None], sigma2=np.array([0.0, 0.5, 2.0]))
    assert grid.shape == (10, 3)
    assert grid.value[3, 2] == pytest.approx(b.evaluate(N=13, sigma2=2.0).value, rel=1e-14)


@pytest.mark.parametrize(
    ("bound_id", "params", "message"),
    [
        ("icl.ols.risk", {"d": 5, "N": 6}, "N must be >= d + 2"),
        ("icl.ols.risk", {"d": np.array([1, 30]), "N": 20}, "N must be >= d + 2"),
        ("icl.averaging.risk", {"N": 0}, "N must be integer >= 1"),
        ("icl.lsa_opt.risk", {"sigma2": -0.1}, "sigma2 must be >= 0"),
    ],
)
def test_invalid_input_raises_parameter_error(bound_id: str, params: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(message)):
        get(bound_id).evaluate(**params)
