"""fu2025.thm1 / thm2 / optimal_m (docs/theory.md §4) against independent hand computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import stl_bounds
from stl_bounds.library.fu2025 import solve_optimal_m


def thm1_by_hand(M, lam, n, delta, beta, eps, kappa, g, i, c1=1, c2=1, c3=1, c4=1):  # type: ignore[no-untyped-def]
    """docs/theory.md §4.1 typed independently, with the L4/L5 recursions iterated."""
    rho = (1 - lam) * kappa
    shift = gamma = 0.0
    for _ in range(i):  # Delta_{i-1}, gamma_{i-1} by iteration from Delta_{-1} = 0
        shift = rho * shift + eps
        gamma = rho * gamma + g / n
    lam_i = lam if i >= 1 else 1.0
    L = math.log(1 / delta)
    return (
        c1 * M * (1 - lam_i) * shift
        + c2 * beta * math.log(n) * L
        + c3 * M * math.sqrt(L / n)
        + c4 * math.sqrt(lam_i * n) * (beta + (1 - lam_i) * M * gamma) * math.sqrt(L)
    )


@pytest.mark.parametrize(
    "p",
    [
        {"M": 1, "lam": 0.5, "n": 1000, "delta": 0.05, "beta": 1e-3, "eps": 0.05, "kappa": 1, "g": 1, "i": 10},
        {"M": 2, "lam": 0.1, "n": 50, "delta": 0.01, "beta": 0.02, "eps": 0.2, "kappa": 1.3, "g": 3, "i": 4},
        {"M": 1, "lam": 0.0, "n": 10, "delta": 0.1, "beta": 0.1, "eps": 0.1, "kappa": 1, "g": 1, "i": 7},
        {"M": 1, "lam": 0.3, "n": 100, "delta": 0.05, "beta": 0.01, "eps": 0.1, "kappa": 1, "g": 1, "i": 0},
    ],
)
def test_thm1_matches_hand_computation(p: dict) -> None:
    got = stl_bounds.get("fu2025.thm1").evaluate(**p).value
    assert got == pytest.approx(thm1_by_hand(**p), rel=1e-12)


def test_generation_zero_is_the_iid_bound() -> None:
    b = stl_bounds.get("fu2025.thm1")
    at0 = [b.evaluate(i=0, lam=lam, eps=0.3, kappa=1.7).value for lam in (0.0, 0.4, 1.0)]
    assert at0[0] == pytest.approx(at0[1], rel=1e-15) == pytest.approx(at0[2], rel=1e-15)


def test_thm2_is_thm1_with_transformer_constant() -> None:
    K = stl_bounds.get("li2023.transformer_K").evaluate(L_loss=1.5, Gamma=0.4, D=3).value
    assert K == pytest.approx(2 * 1.5 * ((1.4) * math.exp(0.4)) ** 3, rel=1e-14)
    common = {"M": 1, "lam": 0.3, "n": 500, "delta": 0.05, "eps": 0.02, "kappa": 1.1, "i": 6}
    t2 = stl_bounds.get("fu2025.thm2").evaluate(L_loss=1.5, Gamma=0.4, D=3, **common).value
    t1 = stl_bounds.get("fu2025.thm1").evaluate(beta=K / 500, g=K, **common).value
    assert t2 == pytest.approx(t1, rel=1e-13)


def test_thm1_limit_closed_form() -> None:
    """C1: lim_i B_i = c1 M (1-lam) eps/(1-rho) + stability + sampling
    + c4 sqrt(lam n) (beta + (1-lam) M g/(n (1-rho))) sqrt(L)."""
    b = stl_bounds.get("fu2025.thm1")
    p = {"M": 1.0, "lam": 0.2, "n": 300.0, "delta": 0.05, "eps": 0.03, "kappa": 1.1, "g": 2.0}
    lim = b.limit_in_generations()
    subs = {b.parameter_map[k].symbol: v for k, v in b.check(**p).items() if k in b.parameter_map}
    value = float(lim.xreplace({s: sp.Float(v, 30) for s, v in subs.items()}).evalf(30))
    rho, L, n = 0.8 * 1.1, math.log(20), 300.0
    beta = 1 / n
    expected = (
        0.8 * 0.03 / (1 - rho)
        + beta * math.log(n) * L
        + math.sqrt(L / n)
        + math.sqrt(0.2 * n) * (beta + 0.8 * 2.0 / (n * (1 - rho))) * math.sqrt(L)
    )
    assert value == pytest.approx(expected, rel=1e-12)
    assert b.evaluate(i=5000, **p).value == pytest.approx(expected, rel=1e-10)


def test_optimal_m_is_sympys_critical_point() -> None:
    m_star, curvature, _ = solve_optimal_m()
    names = {s.name: s for s in m_star.free_symbols}
    assert sp.simplify(m_star - names["n"] * (names["C"] / (names["c_1"] * names["a"]) - 2)) == 0
    # registered expression equals the solve result (with C = c3 sqrt(log 1/delta)) where positive
    b = stl_bounds.get("fu2025.optimal_m")
    for params in [{"n": 1000, "a": 0.5}, {"n": 50, "a": 0.2, "delta": 0.01, "c3": 2.0}]:
        r = b.evaluate(**params)
        q = b.check(**params)
        C_val = q["c3"] * math.sqrt(math.log(1 / q["delta"]))
        sub = {names["n"]: q["n"], names["C"]: C_val, names["c_1"]: q["c1"], names["a"]: q["a"]}
        assert r.value == pytest.approx(float(m_star.subs(sub)), rel=1e-12)
        assert float(curvature.subs(sub).subs(sp.Symbol("M"), 1)) > 0


def test_optimal_m_matches_a_numeric_minimizer() -> None:
    from scipy.optimize import minimize_scalar

    n, a, delta, c1, c3 = 400.0, 0.3, 0.05, 1.0, 1.0
    C = c3 * math.sqrt(math.log(1 / delta))

    def objective(m: float) -> float:  # docs/theory.md §4.3, typed independently
        N = n + m
        lam = n / N
        return c1 * (1 - lam) * (a / math.sqrt(N)) / lam + C / math.sqrt(N)

    best = minimize_scalar(objective, bounds=(0, 100 * n), method="bounded", options={"xatol": 1e-6})
    got = stl_bounds.get("fu2025.optimal_m").evaluate(n=n, a=a, delta=delta, c1=c1, c3=c3).value
    assert got == pytest.approx(best.x, rel=1e-4)


def test_optimal_m_is_zero_without_interior_optimum() -> None:
    b = stl_bounds.get("fu2025.optimal_m")
    assert b.evaluate(a=5.0).value == 0.0  # C = sqrt(log 20) < 2 c1 a
    grid = b.evaluate(n=np.array([100, 200, 400]), a=0.4).value
    np.testing.assert_allclose(grid / np.array([100, 200, 400]), grid[0] / 100, rtol=1e-14)  # linear in n
