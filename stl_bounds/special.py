r"""Special functions used by the bounds, with symbolic, numpy and mpmath forms.

:class:`GeometricSum` is :math:`\mathrm{geom}(\rho, k) = \sum_{j=0}^{k-1} \rho^j`,
the function that solves every affine recursion of THEORY §3 (L3-L5):
:math:`x_i = \rho x_{i-1} + c,\ x_0 = x` has :math:`x_i = \rho^i x + c\,\mathrm{geom}(\rho, i)`.
It is kept as one symbolic object so that the removable singularity at
:math:`\rho = 1` (where the closed form :math:`(1-\rho^k)/(1-\rho)` reads 0/0)
is handled exactly in every numeric path, without a ``Piecewise``.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy as sp

__all__ = ["MPMATH_FUNCTIONS", "NUMPY_FUNCTIONS", "GeometricSum", "geometric_sum_mpmath", "geometric_sum_numpy"]


class GeometricSum(sp.Function):
    r"""``GeometricSum(rho, k)`` :math:`= \sum_{j=0}^{k-1} \rho^j`.

    ``doit()`` evaluates the sum with :func:`sympy.summation` (a ``Piecewise``
    with the :math:`\rho = 1` case), ``rewrite(sp.Pow)`` gives the generic closed
    form :math:`(1 - \rho^k)/(1 - \rho)`.
    """

    nargs = 2

    @classmethod
    def eval(cls, rho: sp.Expr, k: sp.Expr) -> sp.Expr | None:
        if k.is_zero:
            return sp.Integer(0)
        if rho.is_zero and k.is_positive:
            return sp.Integer(1)
        if rho == 1:
            return k
        return None

    def doit(self, **hints: Any) -> sp.Expr:
        rho, k = (a.doit(**hints) if hints.get("deep", True) else a for a in self.args)
        j = sp.Dummy("j", integer=True, nonnegative=True)
        return sp.summation(rho**j, (j, 0, k - 1))

    def _eval_rewrite_as_Pow(self, rho: sp.Expr, k: sp.Expr, **kwargs: Any) -> sp.Expr:
        return (1 - rho**k) / (1 - rho)

    def _eval_is_nonnegative(self) -> bool | None:
        rho, k = self.args
        if rho.is_nonnegative and k.is_nonnegative:
            return True
        return None

    def _latex(self, printer: Any) -> str:
        rho, k = (printer._print(a) for a in self.args)
        return rf"\frac{{1 - \left({rho}\right)^{{{k}}}}}{{1 - \left({rho}\right)}}"


def geometric_sum_numpy(rho: Any, k: Any) -> np.ndarray:
    r"""Vectorized :math:`\sum_{j<k} \rho^j = (1-\rho^k)/(1-\rho)` for :math:`\rho, k \ge 0`.

    :math:`1-\rho^k` is computed as :math:`1-\exp(x)` with :math:`x = k\log\rho`
    (fast SIMD exp/log), and as :math:`-\mathrm{expm1}(x)` where :math:`|x| < 1/4`,
    so there is no cancellation near :math:`\rho = 1` (there :math:`1-\rho` is exact).
    The limits are :math:`k` at :math:`\rho = 1` and :math:`0` at :math:`k = 0`.
    Overflow for :math:`\rho > 1` is left to the caller's ``np.errstate``.
    """
    rho = np.asarray(rho, dtype=float)
    k = np.asarray(k, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = k * np.log(rho)  # -inf at rho = 0 < k; nan at rho = 0 = k
    x = np.where(k == 0.0, 0.0, x)
    numerator = np.array(1.0 - np.exp(x), dtype=float, ndmin=0)
    small = np.abs(x) < 0.25
    if small.any():
        numerator[small] = -np.expm1(x[small])
    at_one = rho == 1.0
    value = numerator / np.where(at_one, 1.0, 1.0 - rho)
    return np.where(at_one, k, value) + 0.0  # + 0.0 turns -0.0 into 0.0


def geometric_sum_mpmath(rho: Any, k: Any) -> Any:
    """High-precision :math:`\\sum_{j<k} \\rho^j` (reference path)."""
    rho, k = mpmath.mpf(rho), mpmath.mpf(k)
    if k == 0:
        return mpmath.mpf(0)
    if rho == 1:
        return k
    return -mpmath.expm1(k * mpmath.log(rho)) / (1 - rho) if rho > 0 else mpmath.mpf(1)


NUMPY_FUNCTIONS = {"GeometricSum": geometric_sum_numpy}
MPMATH_FUNCTIONS = {"GeometricSum": geometric_sum_mpmath}
