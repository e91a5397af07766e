r"""Special functions used by the bounds, with symbolic, numpy and mpmath forms.

:class:`GeometricSum` is :math:`\mathrm{geom}(\rho, k) = \sum_{j=0}^{k-1} \rho^j`,
the function that solves every affine recursion of docs/theory.md §3 (L3-L5):
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

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        r"""``prec`` bits via :func:`geometric_sum_mpmath` with 10 guard bits.

        Evaluating the closed form :math:`(1-\rho^k)/(1-\rho)` at ``prec`` bits would lose
        :math:`\log_2(1/|1-\rho|)` bits to cancellation near :math:`\rho = 1`; the mpmath form
        (``expm1`` of :math:`k\log\rho` over the exact difference :math:`1-\rho`) loses none.
        """
        rho, k = (a.evalf(mpmath.libmp.prec_to_dps(prec) + 3) for a in self.args)
        if not (rho.is_Number and k.is_Number):
            return None
        with mpmath.workprec(prec + 10):
            try:
                value = geometric_sum_mpmath(rho._to_mpmath(prec + 10), k._to_mpmath(prec + 10))
            except (ValueError, TypeError):  # rho < 0 with a non-integer k, or a complex argument: no real value
                return None
        return sp.Float(value, precision=prec)

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
    r"""High-precision :math:`\sum_{j<k} \rho^j` (reference path), for :math:`\rho, k \ge 0`.

    :math:`-\mathrm{expm1}(k\log\rho)/(1-\rho)`: the difference :math:`1-\rho` of a working-precision
    number near 1 is exact and ``expm1`` keeps the relative precision of :math:`1-\rho^k`, so the
    result is accurate to a few units in the last place for every :math:`\rho`, however close to 1.
    A negative :math:`\rho` (an integer k only) takes the same care with :math:`|\rho|^k - 1`.
    """
    rho, k = mpmath.mpf(rho), mpmath.mpf(k)
    if k == 0:
        return mpmath.mpf(0)
    if rho == 1:
        return k
    if rho == 0:
        return mpmath.mpf(1)
    if rho > 0:
        return -mpmath.expm1(k * mpmath.log(rho)) / (1 - rho)
    if k != mpmath.floor(k):
        raise ValueError(f"GeometricSum needs an integer k for rho < 0; got rho={rho}, k={k}")
    power_minus_one = mpmath.expm1(k * mpmath.log(-rho))  # |rho|^k - 1
    return (-power_minus_one if int(k) % 2 == 0 else 2 + power_minus_one) / (1 - rho)


NUMPY_FUNCTIONS = {"GeometricSum": geometric_sum_numpy}
MPMATH_FUNCTIONS = {"GeometricSum": geometric_sum_mpmath}


# --- docs/theory.md §5: divided differences of powers and ratios of Gamma functions -------------------
#
# Three more functions, each one symbolic object with a stable numpy implementation and an mpmath
# reference, like GeometricSum:
#
# * DividedPower(k, x_0, ..., x_m): the divided difference of x ↦ x^k.  It writes powers of a
#   matrix with eigenvalues x_j in Newton form (docs/theory.md §5.2) with no 0/0 where eigenvalues meet;
#   GeometricSum(ρ, k) = DividedPower(k, ρ, 1).
# * LogGammaRatio(x, a) = log(Γ(x+a) / (Γ(x) x^a)): the products c(n)^t, ∏(1 − 1/(k²n)), ... of
#   docs/theory.md §5.1 and §5.3 in log space, without the cancellation in loggamma(x+a) − loggamma(x).
# * DigammaMinusLog(x) = ψ(x) − log x: the drift of E log σ̂_t² (docs/theory.md §5.1).

#: Bernoulli numbers B_2, B_4, ..., B_16 of the Stirling series.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
#: Gamma and digamma arguments are shifted up to at least this value (Γ(z+1) = zΓ(z),
#: ψ(z+1) = ψ(z) + 1/z) before the asymptotic series, whose 8 terms then reach double precision.
_ASYMPTOTIC_FROM = 10.0


def _complete_homogeneous(degree: int, nodes: tuple[sp.Expr, ...]) -> sp.Expr:
    """h_degree(nodes) = sum of all monomials of total degree ``degree``."""
    if degree < 0:
        return sp.Integer(0)
    if degree == 0 or len(nodes) == 1:
        return nodes[0] ** degree if degree else sp.Integer(1)
    head, tail = nodes[0], nodes[1:]
    return sp.Add(*(head**j * _complete_homogeneous(degree - j, tail) for j in range(degree + 1)))


class DividedPower(sp.Function):
    r"""``DividedPower(k, x_0, ..., x_m)`` :math:`= (\cdot)^k[x_0, \dots, x_m]`, the divided
    difference of :math:`x \mapsto x^k` at the nodes :math:`x_j` (an integer :math:`k \ge 0`).

    It is the complete homogeneous symmetric polynomial :math:`h_{k-m}(x_0, \dots, x_m)` (0 for
    :math:`k < m`), hence continuous where nodes coincide (:math:`k x^{k-1}` at two equal nodes).
    For a matrix B whose eigenvalues are the nodes (with multiplicity), Cayley-Hamilton gives the
    Newton form :math:`B^k = \sum_r (\cdot)^k[x_0, \dots, x_r] \prod_{j<r} (B - x_j I)`.
    ``rewrite(sp.Pow)`` is the Lagrange form :math:`\sum_j x_j^k / \prod_{i \ne j} (x_j - x_i)`
    (distinct nodes); ``doit()`` expands :math:`h_{k-m}` when k is an integer.
    """

    @classmethod
    def eval(cls, k: sp.Expr, *nodes: sp.Expr) -> sp.Expr | None:
        if not nodes:
            raise TypeError("DividedPower takes an exponent and at least one node")
        if k.is_Integer and k < len(nodes) - 1:
            return sp.Integer(0)
        if all(x == nodes[0] for x in nodes):
            m = len(nodes) - 1
            return sp.binomial(k, m) * nodes[0] ** (k - m)
        return None

    def doit(self, **hints: Any) -> sp.Expr:
        k, *nodes = (a.doit(**hints) if hints.get("deep", True) else a for a in self.args)
        if not k.is_Integer:
            return self.func(k, *nodes)
        return _complete_homogeneous(int(k) - len(nodes) + 1, tuple(nodes))

    def _eval_rewrite_as_Pow(self, k: sp.Expr, *nodes: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.Add(*(x**k / sp.Mul(*(x - y for y in nodes[:j] + nodes[j + 1 :])) for j, x in enumerate(nodes)))

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        args = [a.evalf(prec) for a in self.args]
        if not all(a.is_Number for a in args):
            return None
        with mpmath.workprec(prec):
            return sp.Float(divided_power_mpmath(*(mpmath.mpf(a) for a in args)), precision=prec)

    def _latex(self, printer: Any) -> str:
        k, *nodes = (printer._print(a) for a in self.args)
        return rf"\left(\cdot\right)^{{{k}}}\left[{', '.join(nodes)}\right]"


def _integer_exponents(k: np.ndarray) -> np.ndarray:
    if not np.all((k >= 0) & (k == np.floor(k))):
        raise ValueError(f"DividedPower needs integer exponents k >= 0; got {k}")
    return k.astype(np.int64)


#: An upper-triangular matrix per grid point, stored entry-wise: (i, j) -> values, i <= j.
_Triangular = dict[tuple[int, int], np.ndarray]


def _triangular_product(a: _Triangular, b: _Triangular, size: int) -> _Triangular:
    """The product of two upper-triangular matrices stored entry-wise (point by point)."""
    return {(i, j): sum(a[i, m] * b[m, j] for m in range(i, j + 1)) for i in range(size) for j in range(i, size)}


def divided_power_numpy(k: Any, *nodes: Any) -> np.ndarray:
    r"""Vectorized :math:`(\cdot)^k[x_0, \dots, x_m]` by Opitz's formula: the entry (0, m) of
    :math:`J^k`, J upper bidiagonal with the nodes on its diagonal and ones above it.

    :math:`J^k` is formed by binary powering (:math:`\lceil\log_2 k\rceil` products of small
    triangular matrices per point, each only where that point's exponent needs it), which is exact
    where nodes coincide and, for nodes :math:`\ge 0`, adds only non-negative numbers.
    """
    arrays = np.broadcast_arrays(np.asarray(k, dtype=float), *(np.asarray(x, dtype=float) for x in nodes))
    shape = arrays[0].shape
    exponent = _integer_exponents(arrays[0].reshape(-1))
    size = len(nodes)
    diagonal = [x.reshape(-1) for x in arrays[1:]]
    base = {
        (i, j): diagonal[i].copy() if i == j else np.full(exponent.size, float(j == i + 1))
        for i in range(size)
        for j in range(i, size)
    }
    power = {(i, j): np.full(exponent.size, float(i == j)) for i in range(size) for j in range(i, size)}
    active = exponent > 0
    while active.any():
        odd = np.flatnonzero(active & (exponent % 2 == 1))
        for key, value in _triangular_product(
            {key: v[odd] for key, v in power.items()}, {key: v[odd] for key, v in base.items()}, size
        ).items():
            power[key][odd] = value
        exponent //= 2
        active = exponent > 0
        live = np.flatnonzero(active)
        square = {key: v[live] for key, v in base.items()}
        for key, value in _triangular_product(square, square, size).items():
            base[key][live] = value
    return power[0, size - 1].reshape(shape) + 0.0


def divided_power_mpmath(k: Any, *nodes: Any) -> Any:
    """High-precision :math:`(\\cdot)^k[x_0, \\dots, x_m]` (binary powering of Opitz's matrix)."""
    exponent = int(_integer_exponents(np.array([float(k)]))[0])
    size = len(nodes)
    base = mpmath.matrix(size, size)
    for j, x in enumerate(nodes):
        base[j, j] = mpmath.mpf(x)
        if j + 1 < size:
            base[j, j + 1] = 1
    power = mpmath.eye(size)
    while exponent:
        if exponent % 2:
            power = power * base
        exponent //= 2
        if exponent:
            base = base * base
    return power[0, size - 1]


class LogGammaRatio(sp.Function):
    r"""``LogGammaRatio(x, a)`` :math:`= \log\frac{\Gamma(x+a)}{\Gamma(x)\,x^a}` for
    :math:`x > 0,\ x + a > 0`; it tends to 0 as :math:`x \to \infty` (like :math:`a(a-1)/(2x)`).

    ``rewrite(sp.loggamma)`` gives :math:`\log\Gamma(x+a) - \log\Gamma(x) - a\log x`,
    ``rewrite(sp.gamma)`` the logarithm of the Gamma ratio.
    """

    nargs = 2

    @classmethod
    def eval(cls, x: sp.Expr, a: sp.Expr) -> sp.Expr | None:
        if a.is_zero:
            return sp.Integer(0)
        return None

    def _eval_rewrite_as_loggamma(self, x: sp.Expr, a: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.loggamma(x + a) - sp.loggamma(x) - a * sp.log(x)

    def _eval_rewrite_as_gamma(self, x: sp.Expr, a: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.log(sp.gamma(x + a) / (sp.gamma(x) * x**a))

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        return self.rewrite(sp.loggamma)._eval_evalf(prec)

    def _latex(self, printer: Any) -> str:
        x, a = (printer._print(v) for v in self.args)
        return (
            rf"\log\frac{{\Gamma\left({printer._print(self.args[0] + self.args[1])}\right)}}"
            rf"{{\Gamma\left({x}\right) \left({x}\right)^{{{a}}}}}"
        )


def _positive(name: str, x: np.ndarray) -> None:
    if not np.all(x > 0):
        raise ValueError(f"{name} needs positive Gamma-function arguments; got {x}")


def log_gamma_ratio_numpy(x: Any, a: Any) -> np.ndarray:
    r"""Vectorized :math:`\log(\Gamma(x+a)/(\Gamma(x)x^a))`, accurate to a few ulp of the result.

    While :math:`\min(z, z+a) < 10` the recurrence
    :math:`L(z, a) = L(z+1, a) + a\log(1+1/z) - \log(1+a/z)` shifts z up; then, with
    :math:`u = a/z`, the Stirling series gives
    :math:`L(z, a) = z\varphi(u) - \tfrac12\log(1+u) + \sum_k \frac{B_{2k}}{2k(2k-1)} z^{1-2k}
    \left((1+u)^{1-2k} - 1\right)`, :math:`\varphi(u) = (1+u)\log(1+u) - u` (its Taylor series
    for :math:`|u| \le 0.1`), every difference taken with ``log1p``/``expm1``.
    """
    xb, ab = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(a, dtype=float))
    shape = xb.shape
    z, a = xb.reshape(-1).copy(), ab.reshape(-1)
    _positive("LogGammaRatio", np.concatenate([z, z + a]))
    total = np.zeros_like(z)
    low = np.minimum(z, z + a) < _ASYMPTOTIC_FROM
    while low.any():
        zl, al = z[low], a[low]
        total[low] += al * np.log1p(1.0 / zl) - np.log1p(al / zl)
        z[low] += 1.0
        low = np.minimum(z, z + a) < _ASYMPTOTIC_FROM
    u = a / z
    w = np.log1p(u)
    small = np.abs(u) <= 0.1
    us = np.where(small, u, 0.0)
    series = np.zeros_like(us)
    for j in range(20, 1, -1):  # sum_{j>=2} (-u)^j / (j (j-1)) by Horner
        series = series * -us + 1.0 / (j * (j - 1))
    phi = np.where(small, us * us * series, (1.0 + u) * w - u)
    total += z * phi - 0.5 * w
    for i, b in enumerate(_BERNOULLI, start=1):
        total += b / (2 * i * (2 * i - 1)) * z ** (1 - 2 * i) * np.expm1((1 - 2 * i) * w)
    return total.reshape(shape) + 0.0


def log_gamma_ratio_mpmath(x: Any, a: Any) -> Any:
    """High-precision :math:`\\log\\Gamma(x+a) - \\log\\Gamma(x) - a\\log x` (reference path)."""
    x, a = mpmath.mpf(x), mpmath.mpf(a)
    # the terms are ~ x log x and the result ~ a(a-1)/(2x): about 2 log2(x) bits cancel
    with mpmath.extraprec(2 * int(mpmath.log(x + abs(a) + 2, 2)) + 20):
        value = mpmath.loggamma(x + a) - mpmath.loggamma(x) - a * mpmath.log(x)
    return +value


class DigammaMinusLog(sp.Function):
    r"""``DigammaMinusLog(x)`` :math:`= \psi(x) - \log x < 0` for :math:`x > 0`; it behaves like
    :math:`-1/(2x)` as :math:`x \to \infty`.  ``rewrite(sp.polygamma)`` gives the two terms."""

    nargs = 1

    def _eval_rewrite_as_polygamma(self, x: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.polygamma(0, x) - sp.log(x)

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        return self.rewrite(sp.polygamma)._eval_evalf(prec)

    def _latex(self, printer: Any) -> str:
        x = printer._print(self.args[0])
        return rf"\left(\psi\left({x}\right) - \log\left({x}\right)\right)"


def digamma_minus_log_numpy(x: Any) -> np.ndarray:
    r"""Vectorized :math:`\psi(x) - \log x` without the cancellation of the two terms.

    While :math:`z < 10`: :math:`\psi(z) - \log z = \psi(z+1) - \log(z+1) + \log(1+1/z) - 1/z`;
    then the asymptotic series :math:`-\frac{1}{2z} - \sum_k \frac{B_{2k}}{2k\,z^{2k}}`.
    """
    xb = np.asarray(x, dtype=float)
    shape = xb.shape
    z = xb.reshape(-1).copy()
    _positive("DigammaMinusLog", z)
    total = np.zeros_like(z)
    low = z < _ASYMPTOTIC_FROM
    while low.any():
        zl = z[low]
        total[low] += np.log1p(1.0 / zl) - 1.0 / zl
        z[low] += 1.0
        low = z < _ASYMPTOTIC_FROM
    inv2 = 1.0 / (z * z)
    term = np.ones_like(z)
    total -= 0.5 / z
    for i, b in enumerate(_BERNOULLI, start=1):
        term = term * inv2
        total -= b / (2 * i) * term
    return total.reshape(shape) + 0.0


def digamma_minus_log_mpmath(x: Any) -> Any:
    """High-precision :math:`\\psi(x) - \\log x` (reference path)."""
    x = mpmath.mpf(x)
    with mpmath.extraprec(int(mpmath.log(x + 2, 2)) + 20):  # the result ~ -1/(2x)
        value = mpmath.digamma(x) - mpmath.log(x)
    return +value


NUMPY_FUNCTIONS.update(
    {
        "DividedPower": divided_power_numpy,
        "LogGammaRatio": log_gamma_ratio_numpy,
        "DigammaMinusLog": digamma_minus_log_numpy,
    }
)
MPMATH_FUNCTIONS.update(
    {
        "DividedPower": divided_power_mpmath,
        "LogGammaRatio": log_gamma_ratio_mpmath,
        "DigammaMinusLog": digamma_minus_log_mpmath,
    }
)
__all__ += [
    "DigammaMinusLog",
    "DividedPower",
    "LogGammaRatio",
    "digamma_minus_log_mpmath",
    "digamma_minus_log_numpy",
    "divided_power_mpmath",
    "divided_power_numpy",
    "log_gamma_ratio_mpmath",
    "log_gamma_ratio_numpy",
]
