r"""Exact total variation in one dimension and the shift recursion of docs/theory.md §6.3.

* :func:`gaussian_tv` — :math:`d_{TV}(N(\mu_1,\sigma_1^2), N(\mu_2,\sigma_2^2))` in closed
  form from the crossing points of the two densities;
* :func:`mixture_tv` — :math:`d_{TV}(N(\mu,\sigma^2),\ \lambda N(\mu_1,\sigma_1^2) +
  (1-\lambda) N(\mu_2,\sigma_2^2))`: the crossing points are located numerically and the
  total variation is summed exactly from normal CDFs between them;
* :func:`shift_quantities` and :func:`shift_recursion_slack` — the learning error
  :math:`\varepsilon_i`, the shift :math:`\Delta_i` and the slack of Lemma L3 on every
  trajectory of a 1-D Gaussian loop (docs/theory.md §3 L3, §6.3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from stl_bounds.domains import Domain
from stl_bounds.errors import ParameterError

if TYPE_CHECKING:
    from verification.gaussian import GaussianPath

__all__ = ["gaussian_tv", "mixture_tv", "shift_quantities", "shift_recursion_slack"]

#: Standardized offsets at which every mixture component is sampled: cells of 0.1 sd over ±8 sd.
_GRID = np.linspace(-8.0, 8.0, 161)
#: Bisection halvings: 2^-60 of a 0.1-sd cell is below double-precision resolution.
_BISECTIONS = 60
#: Elements processed at once by :func:`mixture_tv` (bounds the memory of the grid).
_CHUNK = 2048


def _std_normal_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """P(a < U < b) for U ~ N(0, 1) and a ≤ b, computed in the tail where both ends lie."""
    upper = a > 0
    return np.where(upper, special.ndtr(-a) - special.ndtr(-b), special.ndtr(b) - special.ndtr(a))


def _positive(name: str, value: np.ndarray) -> np.ndarray:
    Domain(lower=0.0, lower_open=True).validate(name, value)
    return value


def gaussian_tv(mean1: object, std1: object, mean2: object, std2: object) -> np.ndarray:
    r"""Total variation between two univariate Gaussians, in closed form.

    Parameters
    ----------
    mean1, std1, mean2, std2
        Means and standard deviations (> 0); broadcast against each other.

    Returns
    -------
    numpy.ndarray
        :math:`d_{TV}` in [0, 1], with the broadcast shape (0-d for scalars).

    Notes
    -----
    Let :math:`f_a` be the narrower density (:math:`\sigma_a \le \sigma_b`),
    :math:`z = (x-\mu_a)/\sigma_a`, :math:`r = \sigma_a/\sigma_b` and
    :math:`\delta = (\mu_a-\mu_b)/\sigma_b`. Then :math:`f_a > f_b` exactly where
    :math:`(r^2-1)z^2 + 2r\delta z + \delta^2 - 2\log r > 0`, an interval
    :math:`(z_-, z_+)` between the two roots (a half-line when :math:`r = 1`), and

    .. math:: d_{TV} = [\Phi(z_+) - \Phi(z_-)] - [\Phi(r z_+ + \delta) - \Phi(r z_- + \delta)].

    The roots use the cancellation-free quadratic formula; for equal variances one root
    is infinite and the formula reduces to :math:`2\Phi(|\Delta\mu|/(2\sigma)) - 1`.
    Absolute error is at the level of double rounding (~1e-16). docs/theory.md §6.3.
    """
    m1, s1, m2, s2 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (mean1, std1, mean2, std2)))
    _positive("std1", s1)
    _positive("std2", s2)
    Domain().validate("mean1", m1)
    Domain().validate("mean2", m2)
    swap = s1 > s2
    ma, sa = np.where(swap, m2, m1), np.where(swap, s2, s1)
    mb, sb = np.where(swap, m1, m2), np.where(swap, s1, s2)
    r = sa / sb
    delta = (ma - mb) / sb
    log_r = np.log(sa) - np.log(sb)
    quad = -(1.0 - r) * (1.0 + r)  # r² − 1 ≤ 0, without cancellation
    const = delta**2 - 2.0 * log_r
    disc = delta**2 + 2.0 * quad * log_r  # ≥ 0
    q = -(r * delta + np.where(delta >= 0, 1.0, -1.0) * np.sqrt(disc))
    identical = q == 0  # δ = 0 and r = 1
    near = const / np.where(identical, 1.0, q)
    far = np.where(quad < 0, q / np.where(quad < 0, quad, -1.0), np.where(q > 0, -np.inf, np.inf))
    lo, hi = np.minimum(near, far), np.maximum(near, far)
    tv = _std_normal_mass(lo, hi) - _std_normal_mass(r * lo + delta, r * hi + delta)
    return np.clip(np.where(identical, 0.0, tv), 0.0, 1.0)


def mixture_tv(
    mean: object, std: object, lam: object, mean1: object, std1: object, mean2: object, std2: object
) -> np.ndarray:
    r"""Total variation between a Gaussian and a two-component Gaussian mixture.

    :math:`d_{TV}(N(\mu,\sigma^2),\ \lambda N(\mu_1,\sigma_1^2) + (1-\lambda) N(\mu_2,\sigma_2^2))`,
    vectorized over broadcast arguments.

    Parameters
    ----------
    mean, std
        The single Gaussian (std > 0).
    lam
        Weight of the first mixture component, in [0, 1].
    mean1, std1, mean2, std2
        The mixture components (stds > 0).

    Returns
    -------
    numpy.ndarray
        Total variation in [0, 1], with the broadcast shape.

    Notes
    -----
    With :math:`D = f - h` (a signed sum of three Gaussian densities, hence at most four
    sign changes), :math:`d_{TV} = \tfrac12\sum_I |\int_I D|` for any partition of the
    line into intervals :math:`I` on which :math:`D` keeps its sign, and every
    :math:`\int_I D` is a difference of normal CDFs. The sign changes are found numerically:

    1. every component is sampled at its mean ± 8 sd in steps of 0.1 sd (merged grid);
    2. cells in which :math:`D'` changes sign are split at the extremum (bisection on
       :math:`D'`), so that :math:`D` is monotone on every cell;
    3. cells in which :math:`D` changes sign give the roots (bisection on :math:`D`), and
       the sum runs over the intervals between consecutive roots.

    A root located to within :math:`h` changes the sum only by :math:`O(|D'| h^2)` because
    :math:`D` vanishes there, and beyond 8 sd of every component the mass is below
    1e-15, so the result is exact up to rounding (absolute error ~1e-15; the tests
    compare with an mpmath quadrature at 1e-12). The only failure mode is two extrema of
    :math:`D` inside one 0.1-sd cell together with a pair of roots between them, a
    codimension-two configuration. docs/theory.md §6.3.
    """
    args = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (mean, std, lam, mean1, std1, mean2, std2)))
    for name, value in zip(("std", "std1", "std2"), (args[1], args[4], args[6]), strict=True):
        _positive(name, value)
    Domain(0.0, 1.0).validate("lam", args[2])
    for name, value in zip(("mean", "mean1", "mean2"), (args[0], args[3], args[5]), strict=True):
        Domain().validate(name, value)
    shape = args[0].shape
    flat = [a.ravel() for a in args]
    out = np.empty(flat[0].size)
    for start in range(0, out.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        out[part] = _mixture_tv_flat(*(a[part] for a in flat))
    return out.reshape(shape)


class _SignedMixture:
    """:math:`D(x) = \\sum_j w_j N(x; \\mu_j, \\sigma_j^2)`, one row of components per element."""

    def __init__(self, means: np.ndarray, stds: np.ndarray, weights: np.ndarray) -> None:
        self.means, self.stds, self.weights = means, stds, weights

    def rows(self, rows: np.ndarray) -> _SignedMixture:
        """The mixtures of the elements ``rows``."""
        return _SignedMixture(self.means[rows], self.stds[rows], self.weights[rows])

    def evaluate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """D and D' (both up to the factor 1/√(2π)) at points ``x``, one row per element."""
        value, slope = np.zeros_like(x), np.zeros_like(x)
        for mean, std, weight in zip(self.means.T, self.stds.T, self.weights.T, strict=True):
            z = (x - mean[:, None]) / std[:, None]
            density = np.exp(-0.5 * z * z) * (weight / std)[:, None]
            value += density
            slope -= density * z / std[:, None]
        return value, slope

    def mass(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """:math:`\\int_a^b D` for intervals (a, b) given row by row."""
        mass = np.zeros_like(a)
        for mean, std, weight in zip(self.means.T, self.stds.T, self.weights.T, strict=True):
            lo, hi = (a - mean[:, None]) / std[:, None], (b - mean[:, None]) / std[:, None]
            mass += weight[:, None] * _std_normal_mass(lo, hi)
        return mass


def _zeros_in_cells(
    mix: _SignedMixture, which: int, points: np.ndarray, positive: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Zero of D (``which`` = 0) or D' (1) in every cell of the sorted rows ``points`` where ``positive`` flips.

    Returns the row of each zero and its location (bisection to double precision), in row order.
    """
    rows, cols = np.nonzero(positive[:, :-1] != positive[:, 1:])
    lo, hi, lo_positive = points[rows, cols], points[rows, cols + 1], positive[rows, cols]
    cells = mix.rows(rows)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        same = (cells.evaluate(mid[:, None])[which][:, 0] > 0) == lo_positive
        lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    return rows, 0.5 * (lo + hi)


def _padded(rows: np.ndarray, values: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """Per-row lists of ``values`` (``rows`` sorted) as a rectangle, short rows padded with ``fill`` (one per row)."""
    counts = np.bincount(rows, minlength=len(fill))
    out = np.repeat(fill, counts.max(initial=0), axis=1)
    out[rows, np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)] = values
    return out


def _mixture_tv_flat(*args: np.ndarray) -> np.ndarray:
    mean, std, lam, mean1, std1, mean2, std2 = args
    means = np.stack([mean, mean1, mean2], axis=-1)
    stds = np.stack([std, std1, std2], axis=-1)
    mix = _SignedMixture(means, stds, np.stack([np.ones_like(lam), -lam, lam - 1.0], axis=-1))
    grid = np.sort((means[:, :, None] + stds[:, :, None] * _GRID).reshape(len(mean), -1), axis=1)
    values, slopes = mix.evaluate(grid)
    # split the cells at the extrema of D, so that D is monotone on every cell
    rows, extrema = _zeros_in_cells(mix, 1, grid, slopes > 0)
    at_extrema = mix.rows(rows).evaluate(extrema[:, None])[0][:, 0]
    points = np.concatenate([grid, _padded(rows, extrema, grid[:, -1:])], axis=1)
    values = np.concatenate([values, _padded(rows, at_extrema, values[:, -1:])], axis=1)
    order = np.argsort(points, axis=1, kind="stable")
    points, values = np.take_along_axis(points, order, axis=1), np.take_along_axis(values, order, axis=1)
    # roots of D (an exact zero counts as negative, so a root on a grid point is kept)
    rows, roots = _zeros_in_cells(mix, 0, points, values > 0)
    inf = np.full((len(mean), 1), np.inf)
    edges = np.concatenate([-inf, _padded(rows, roots, inf), inf], axis=1)
    tv = 0.5 * np.sum(np.abs(mix.mass(edges[:, :-1], edges[:, 1:])), axis=1)
    return np.clip(tv, 0.0, 1.0)


def _fitted(path: GaussianPath) -> tuple[np.ndarray, np.ndarray]:
    if path.d != 1:
        raise ParameterError(f"exact total variation needs a 1-D Gaussian path; got d = {path.d}")
    return path.mean, path.std()


def shift_quantities(path: GaussianPath, lam: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Learning error :math:`\varepsilon_i` and shift :math:`\Delta_i` on every trajectory.

    Parameters
    ----------
    path
        A 1-D :class:`~verification.gaussian.GaussianPath`; generation i is fit t = i + 1,
        :math:`D_i = N(\hat\mu_i, \hat\sigma_i^2)` and :math:`D_0^{\rm real} = N(0, \sigma^2)`.
    lam
        Proportion λ of real data in the mixed distribution, in [0, 1].

    Returns
    -------
    eps, shift : numpy.ndarray
        Arrays of shape (replicates, fits): :math:`\varepsilon_i = d_{TV}(D_i, \tilde D_i)`
        with :math:`\tilde D_i = \lambda D_0^{\rm real} + (1-\lambda) D_{i-1}` for i ≥ 1 and
        :math:`\tilde D_0 = D_0^{\rm real}`; :math:`\Delta_i = d_{TV}(D_i, D_0^{\rm real})`.

    Notes
    -----
    docs/theory.md §1 (definitions of ε_i, Δ_i) and §6.3; at λ ∈ {0, 1} the mixture is a single
    Gaussian and the closed form of :func:`gaussian_tv` is used.
    """
    lam = float(Domain(0.0, 1.0).validate("lam", lam))
    mean, std = _fitted(path)
    shift = gaussian_tv(mean, std, 0.0, path.sigma)
    cur_m, cur_s, prev_m, prev_s = mean[:, 1:], std[:, 1:], mean[:, :-1], std[:, :-1]
    if lam == 0.0:
        later = gaussian_tv(cur_m, cur_s, prev_m, prev_s)
    elif lam == 1.0:
        later = shift[:, 1:]
    else:
        later = mixture_tv(cur_m, cur_s, lam, 0.0, path.sigma, prev_m, prev_s)
    return np.concatenate([shift[:, :1], later], axis=1), shift


def shift_recursion_slack(path: GaussianPath, lam: float) -> np.ndarray:
    r"""Slack of Lemma L3 on every trajectory: :math:`\varepsilon_i + (1-\lambda)\Delta_{i-1} - \Delta_i`.

    Parameters
    ----------
    path
        A 1-D Gaussian path (see :func:`shift_quantities`).
    lam
        λ in [0, 1] defining :math:`\tilde D_i`.

    Returns
    -------
    numpy.ndarray
        Shape (replicates, fits − 1); column j is generation i = j + 1. Non-negative up to
        rounding for every λ and every path: by L1,
        :math:`d_{TV}(\tilde D_i, D_0) = (1-\lambda)\Delta_{i-1}`, and the triangle inequality
        gives :math:`\Delta_i \le \varepsilon_i + (1-\lambda)\Delta_{i-1}` (docs/theory.md §3 L3, §6.3).
        (Generation 0 has zero slack by definition, :math:`\varepsilon_0 = \Delta_0`.)
    """
    eps, shift = shift_quantities(path, lam)
    return eps[:, 1:] + (1.0 - float(lam)) * shift[:, :-1] - shift[:, 1:]
