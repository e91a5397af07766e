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
