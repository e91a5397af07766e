"""GeometricSum: symbolic forms, numpy accuracy against mpmath, edge cases."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from stl_bounds.special import GeometricSum, geometric_sum_mpmath, geometric_sum_numpy

rho, k = sp.symbols("rho k", nonnegative=True)


def test_symbolic_forms() -> None:
    assert GeometricSum(rho, 0) == 0
    assert GeometricSum(1, k) == k
    assert GeometricSum(0, 3) == 1
    assert GeometricSum(sp.Rational(1, 2), 3).doit() == sp.Rational(7, 4)
    assert sp.simplify(GeometricSum(rho, k).rewrite(sp.Pow) - (1 - rho**k) / (1 - rho)) == 0
    assert "frac" in sp.latex(GeometricSum(rho, k))


@given(
    st.one_of(st.floats(0, 1.5), st.floats(1 - 1e-6, 1 + 1e-6), st.just(1.0), st.just(0.0)),
    st.integers(0, 300),
)
def test_numpy_matches_mpmath(r: float, n: int) -> None:
    with mpmath.workdps(50):
        exact = mpmath.fsum(mpmath.mpf(r) ** j for j in range(n))
        assert float(geometric_sum_mpmath(r, n)) == pytest.approx(float(exact), rel=1e-30, abs=0)
    got = float(geometric_sum_numpy(r, float(n)))
    assert got == pytest.approx(float(exact), rel=1e-13, abs=0)


def test_vectorized_and_signed_zero() -> None:
    out = geometric_sum_numpy(np.array([0.0, 0.5, 1.0, 2.0]), np.array([3.0, 3.0, 3.0, 0.0]))
    np.testing.assert_allclose(out, [1.0, 1.75, 3.0, 0.0], rtol=1e-15)
    assert not np.signbit(out[-1])


def test_overflow_follows_errstate() -> None:
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        geometric_sum_numpy(np.array([3.0]), np.array([2000.0]))


# --- accuracy next to the removable singularity rho = 1 (docs/theory.md §3, L3-L5) -------------------------------
#
# Draws concentrate on rho = 1 ± 10^-u, u ~ U(3, 16), where (1 - rho^k)/(1 - rho) cancels catastrophically: a path
# that rounds rho to 1 within a tolerance, or forms 1 - rho^k without expm1, is off by up to 1e-3 there.

#: Relative accuracy promised by every form for |rho - 1| <= 1e-3, k <= 1e4 (a few ulp times 1 + |k log rho|).
NEAR_ONE_RTOL = 1e-14


def _exact_geometric_sum(r: float, n: int) -> mpmath.mpf:
    """sum_{j<n} r^j at 60 digits from the exact binary value of r (the closed form loses at most 16 digits)."""
    with mpmath.workdps(60):
        x = mpmath.mpf(r)
        return mpmath.mpf(n) if x == 1 else (1 - x**n) / (1 - x)


def _near_one(u: float, sign: int) -> float:
    return 1.0 + sign * 10.0**-u


@given(st.floats(3, 16), st.sampled_from([-1, 1]), st.integers(1, 10_000))
def test_every_form_is_accurate_next_to_rho_one(u: float, sign: int, n: int) -> None:
    r = _near_one(u, sign)
    exact = _exact_geometric_sum(r, n)
    forms = {
        "numpy": float(geometric_sum_numpy(r, float(n))),
        "mpmath (53 bits)": mpmath.mpf(geometric_sum_mpmath(r, n)),
        "sympy evalf (53 bits)": GeometricSum(sp.Float(r, precision=53), n).evalf(15),
    }
    with mpmath.workdps(30):
        forms["mpmath (30 digits)"] = geometric_sum_mpmath(r, n)
    forms["sympy evalf (30 digits)"] = GeometricSum(sp.Float(r, precision=53), n).evalf(30)
    with mpmath.workdps(60):
        for form, value in forms.items():
            error = abs(mpmath.mpf(value) - exact) / exact
            rtol = 1e-28 if "30 digits" in form else NEAR_ONE_RTOL
            assert error <= rtol, (form, r, n, float(error))


def _worst_error_next_to_one(form, size: int = 4000) -> float:
    """Worst relative error of ``form(rho, k)`` over seeded draws rho = 1 ± 10^-U(3, 16), k in [1, 10^4)."""
    rng = np.random.default_rng(20250212)
    r = 1.0 + rng.choice([-1.0, 1.0], size) * 10.0 ** -rng.uniform(3, 16, size)
    n = rng.integers(1, 10_000, size)
    got = form(r, n.astype(float))
    with mpmath.workdps(60):
        exact = [_exact_geometric_sum(x, int(k)) for x, k in zip(r, n)]
        return max(float(abs(mpmath.mpf(g) - e) / e) for g, e in zip(got, exact))


def test_numpy_sweep_next_to_rho_one() -> None:
    assert _worst_error_next_to_one(geometric_sum_numpy) <= NEAR_ONE_RTOL


def test_sweep_catches_rho_rounded_to_one() -> None:
    """Negative control: a form that treats |rho - 1| < 1e-9 as rho = 1 (answer k) fails the sweep."""

    def rounded(r: np.ndarray, k: np.ndarray) -> np.ndarray:
        return np.where(np.abs(r - 1.0) < 1e-9, k, geometric_sum_numpy(r, k))

    assert _worst_error_next_to_one(rounded) > 1e3 * NEAR_ONE_RTOL
