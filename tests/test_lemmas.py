"""Lemmas L3-L5 (docs/theory.md §3): derivations, direct iteration, hand values."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import stl_bounds
from stl_bounds.derivation import solve_affine_recurrence
from stl_bounds.special import GeometricSum

LEMMAS = ["lemma.shift", "lemma.amplified_shift", "lemma.recursive_stability"]


def iterate(rho: float, c: float, steps: int) -> list[float]:
    """x_0 = c, x_i = rho x_{i-1} + c, by plain iteration."""
    x = [c]
    for _ in range(steps):
        x.append(rho * x[-1] + c)
    return x


def exact_points(expr: sp.Expr, seed: int = 0, count: int = 5) -> list[dict[sp.Symbol, sp.Rational]]:
    """Random exact rational substitutions for every free symbol (integers for integer symbols)."""
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(count):
        point = {}
        for s in expr.free_symbols:
            if s.is_integer:
                point[s] = sp.Integer(int(rng.integers(1, 12)))
            else:
                point[s] = sp.Rational(int(rng.integers(1, 97)), 101)
        points.append(point)
    return points


@pytest.mark.parametrize("bound_id", LEMMAS)
def test_derivation_agrees_with_registered_form(bound_id: str) -> None:
    derivation = stl_bounds.get(bound_id).derivation()
    assert "proved equal" in derivation.steps[2].caption
    assert "rsolve" in derivation.text()
    registered = stl_bounds.get(bound_id).expr.replace(GeometricSum, lambda r, k: GeometricSum(r, k).doit())
    difference = derivation.result - registered
    for point in exact_points(difference):
        assert sp.nsimplify(difference.xreplace(point).doit()) == 0, point


def test_rsolve_solution_satisfies_the_recurrence() -> None:
    rho, c, x0 = sp.symbols("rho c x0")
    i = sp.Symbol("i", integer=True, nonnegative=True)
    sol = solve_affine_recurrence(rho, c, x0, i)
    assert sol.agrees
    x = sol.closed_form
    for step in range(8):
        at = x.subs(i, step)
        previous = x.subs(i, step - 1) if step else None
        assert sp.simplify(at - (rho * previous + c) if previous is not None else at - x0) == 0
    assert sp.simplify(sol.critical - (x0 + i * c)) == 0


@given(
    eps=st.floats(0, 1),
    lam=st.floats(0, 1),
    kappa=st.floats(0, 2.5),
    g=st.floats(0, 5),
    n=st.integers(1, 10**5),
)
def test_direct_iteration(eps: float, lam: float, kappa: float, g: float, n: int) -> None:
    steps = 60
    i = np.arange(steps + 1)
    rho = (1 - lam) * kappa
    shift = stl_bounds.get("lemma.shift").evaluate(eps=eps, lam=lam, i=i).value
    amp = stl_bounds.get("lemma.amplified_shift").evaluate(eps=eps, lam=lam, kappa=kappa, i=i).value
    gam = stl_bounds.get("lemma.recursive_stability").evaluate(g=g, n=n, lam=lam, kappa=kappa, i=i).value
    tiny = 1e-290  # below this, subnormal inputs carry no relative precision
    np.testing.assert_allclose(shift, iterate(1 - lam, eps, steps), rtol=1e-12, atol=tiny)
    np.testing.assert_allclose(amp, iterate(rho, eps, steps), rtol=1e-12, atol=tiny)
    np.testing.assert_allclose(gam, iterate(rho, g / n, steps), rtol=1e-12, atol=tiny)


def test_hand_values() -> None:
    # L3 with eps=0.1, lam=0.5, i=2: 0.1 (1 + 0.5 + 0.25) = 0.175
    assert stl_bounds.get("lemma.shift").evaluate(eps=0.1, lam=0.5, i=2).value == pytest.approx(0.175, rel=1e-15)
    # lam = 0: (i+1) eps
    assert stl_bounds.get("lemma.shift").evaluate(eps=0.1, lam=0.0, i=9).value == pytest.approx(1.0, rel=1e-15)
    # L4 critical: lam=0.5, kappa=2 -> rho=1 -> (i+1) eps
    r = stl_bounds.get("lemma.amplified_shift").evaluate(eps=0.2, lam=0.5, kappa=2, i=4)
    assert r.value == pytest.approx(1.0, rel=1e-15) and r.regime == "critical"
    # L5: g/n (1 + rho) at i = 1
    r = stl_bounds.get("lemma.recursive_stability").evaluate(g=2, n=10, lam=0.25, kappa=1, i=1)
    assert r.value == pytest.approx(0.2 * 1.75, rel=1e-15)


def test_bounded_iff_rho_below_one() -> None:
    b = stl_bounds.get("lemma.amplified_shift")
    far = b.evaluate(eps=0.1, lam=0.4, kappa=1.5, i=[100, 1000]).value  # rho = 0.9
    assert far[1] == pytest.approx(far[0], rel=1e-4) and far[1] <= 0.1 / (1 - 0.9)
    grows = b.evaluate(eps=0.1, lam=0.3, kappa=1.5, i=[10, 20]).value  # rho = 1.05
    assert grows[1] > grows[0] * 1.05**10 * 0.99
