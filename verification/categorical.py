r"""Monte Carlo simulators of categorical self-consuming loops (docs/theory.md §5.7).

The real distribution is a probability vector :math:`p^0` over K categories. Every fit is
the empirical distribution of its training set (counts/size, the MLE); fit t = 1 is the
fit on real data and fit t = i + 1 that of generation i (docs/theory.md §5). The counts of
a training set are its sufficient statistic, so no point is ever drawn: a batch of s
points from p has counts :math:`\mathrm{Mult}(s, p)` (``Generator.multinomial``), and a
uniform subsample of s points without replacement from a pool with counts C has the
multivariate hypergeometric law, drawn as K − 1 sequential hypergeometric draws. This is
the exact law of the loop, not an approximation.

==========================  ===============================================================
``replace``                 n points from the previous fit (Wright–Fisher drift)
``fresh``                   λn fresh real points + (1 − λ)n points from the previous fit
``reused``                  the same λn real points R + (1 − λ)n points from the previous
                            fit; fit 1 uses R alone
``accumulate``              the fit uses all data so far; n new points from the previous fit
                            are added each step
``accumulate_subsample``    the pool grows as in ``accumulate`` (tn points at fit t), but
                            fit t uses a uniform subsample of n pool points without
                            replacement (Kazdan et al. 2024)
==========================  ===============================================================

:func:`simulate_categorical` returns every fit of every replicate
(:class:`CategoricalPath`, with Gini–Simpson diversity and exact total variation to
:math:`p^0`); :func:`run_to_fixation` runs ``replace`` loops until one category is left
and returns the fixation times and the survivors, dropping replicates as they fix.
All are vectorized over replicates and take a ``numpy.random.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stl_bounds.domains import Domain
from stl_bounds.errors import ParameterError

__all__ = [
    "REGIMES",
    "CategoricalPath",
    "Fixation",
    "check_p0",
    "gini_simpson",
    "hypergeometric_subsample",
    "real_part",
    "run_to_fixation",
    "simulate_categorical",
    "total_variation",
]

REGIMES = ("replace", "fresh", "reused", "accumulate", "accumulate_subsample")
#: :func:`run_to_fixation` sorts each row's columns by count every this many fits (a speed-up only).
_REORDER_EVERY = 32


def gini_simpson(p: np.ndarray) -> np.ndarray:
    r"""Gini–Simpson diversity :math:`H(p) = 1 - \sum_k p_k^2` along the last axis (docs/theory.md §5.7)."""
    p = np.asarray(p, dtype=float)
    return 1.0 - np.sum(p * p, axis=-1)


def total_variation(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    r"""Exact total variation :math:`d_{TV}(p, q) = \tfrac12\lVert p - q\rVert_1` along the last axis."""
    return 0.5 * np.sum(np.abs(np.asarray(p, dtype=float) - np.asarray(q, dtype=float)), axis=-1)


def check_p0(p0: object) -> np.ndarray:
    """``p0`` as a float vector of K ≥ 2 non-negative entries summing to 1, or :class:`ParameterError`."""
    p = np.asarray(p0, dtype=float)
    if p.ndim != 1 or p.size < 2:
        raise ParameterError(f"p0 must be a probability vector of K >= 2 categories; got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
        raise ParameterError(f"p0 must have non-negative entries summing to 1; got {p.tolist()}")
    return p / p.sum()


def hypergeometric_subsample(counts: np.ndarray, size: int | np.ndarray, rng: np.random.Generator) -> np.ndarray:
    r"""Counts of a uniform subsample without replacement, per row of ``counts``.

    Parameters
    ----------
    counts
        Pool counts, shape (replicates, K), integers.
    size
        Subsample size (≤ every row's total), a scalar or one per row.
    rng
        Source of randomness.

    Notes
    -----
    The multivariate hypergeometric law factorizes as K − 1 sequential draws:
    :math:`X_k \mid X_{<k} \sim \mathrm{Hypergeom}(C_k, \sum_{j>k} C_j, s - \sum_{j<k} X_j)`,
    and :math:`X_K` is the remainder. Each draw is vectorized over the rows (unlike
    ``Generator.multivariate_hypergeometric``, which takes one pool at a time).
    """
    counts = np.asarray(counts, dtype=np.int64)
    left = np.broadcast_to(np.asarray(size, dtype=np.int64), counts.shape[:1]).copy()
    rest = counts.sum(axis=1)
    out = np.empty_like(counts)
    for k in range(counts.shape[1] - 1):
        rest = rest - counts[:, k]
        out[:, k] = rng.hypergeometric(counts[:, k], rest, left)
        left = left - out[:, k]
    out[:, -1] = left
    return out


@dataclass(frozen=True, eq=False)
class CategoricalPath:
    r"""Fitted distributions of every fit of a categorical loop, for every replicate.

    Attributes
    ----------
    regime, n, lam
        How the path was simulated (``lam`` used by fresh and reused).
    p0
        Real distribution, shape (K,).
    probs
        Fitted distributions :math:`p_t`, shape (replicates, fits, K); column j is fit
        t = j + 1 (generation i = j).
    """

    regime: str
    n: int
    lam: float
    p0: np.ndarray
    probs: np.ndarray

    def diversity(self) -> np.ndarray:
        """:math:`H(p_t)` per replicate and fit, shape (replicates, fits)."""
        return gini_simpson(self.probs)

    def tv(self) -> np.ndarray:
        r""":math:`d_{TV}(p_t, p^0)` (the shift :math:`\Delta_{t-1}` of docs/theory.md §1), shape (replicates, fits)."""
        return total_variation(self.probs, self.p0)

    def shift_quantities(self) -> tuple[np.ndarray, np.ndarray]:
        r"""Learning error :math:`\varepsilon_i` and shift :math:`\Delta_i` per replicate and generation, exact.

        :math:`\Delta_i = d_{TV}(p_{i+1}, p^0)` and
        :math:`\varepsilon_i = d_{TV}(p_{i+1}, \lambda p^0 + (1-\lambda) p_i)` for i ≥ 1,
        :math:`\varepsilon_0 = \Delta_0` (:math:`\tilde D_0 = D_0`, docs/theory.md §1, Lemma L3).
        """
        lam = self.lam if self.regime in ("fresh", "reused") else 0.0
        shift = self.tv()
        mixed = lam * self.p0 + (1.0 - lam) * self.probs[:, :-1]
        eps = np.concatenate([shift[:, :1], total_variation(self.probs[:, 1:], mixed)], axis=1)
        return eps, shift


def _integer(name: str, value: object, lowest: int) -> int:
    return int(Domain(lower=lowest, integer=True).validate(name, value))


def real_part(lam: float, n: int, regime: str) -> int:
    """λn as an integer for ``fresh``/``reused`` (and ≥ 1 for ``reused``), or :class:`ParameterError`."""
    value = lam * n
    if abs(value - round(value)) > 1e-9 * max(1.0, value):
        raise ParameterError(f"lam*n must be an integer for regime {regime!r} (docs/theory.md §5.7); got {value:g}")
    if regime == "reused" and round(value) < 1:
        raise ParameterError(f"lam*n must be >= 1 for regime 'reused' (fit 1 uses the real part); got {value:g}")
    return round(value)


def simulate_categorical(
    *,
    p0: object,
    n: int,
    fits: int,
    replicates: int,
    rng: np.random.Generator,
    regime: str = "replace",
    lam: float = 0.0,
) -> CategoricalPath:
    r"""Simulate a categorical loop of docs/theory.md §5.7 from the counts' exact laws.

    Parameters
    ----------
    p0
        Real distribution over K ≥ 2 categories.
    n
        Points per fit (the pool grows by n per fit in the accumulating regimes).
    fits
        Number of fits t = 1..fits.
    replicates
        Independent loops.
    rng
        The only source of randomness.
    regime
        One of :data:`REGIMES`.
    lam
        Real proportion λ ∈ [0, 1] of ``fresh`` and ``reused`` (λn an integer).

    Returns
    -------
    CategoricalPath
    """
    if regime not in REGIMES:
        raise ParameterError(f"regime must be one of {', '.join(REGIMES)}; got {regime!r}")
    p = check_p0(p0)
    n = _integer("n", n, 1)
    fits = _integer("fits", fits, 1)
    replicates = _integer("replicates", replicates, 1)
    lam = float(Domain(0.0, 1.0).validate("lam", lam))
    real = real_part(lam, n, regime) if regime in ("fresh", "reused") else 0
    start = np.broadcast_to(p, (replicates, p.size))
    out = np.empty((replicates, fits, p.size))
    reused = rng.multinomial(real, start) if regime == "reused" else None
    pool = reused if reused is not None else rng.multinomial(n, start)
    counts = pool
    out[:, 0] = counts / counts.sum(axis=1, keepdims=True)
    for t in range(2, fits + 1):
        previous = out[:, t - 2]
        if regime in ("fresh", "reused"):
            real_counts = rng.multinomial(real, start) if regime == "fresh" else reused
            counts = real_counts + rng.multinomial(n - real, previous)
        elif regime == "replace":
            counts = rng.multinomial(n, previous)
        else:
            pool = pool + rng.multinomial(n, previous)
            counts = pool if regime == "accumulate" else hypergeometric_subsample(pool, n, rng)
        out[:, t - 1] = counts / counts.sum(axis=1, keepdims=True)
    return CategoricalPath(regime, n, lam, p, out)


@dataclass(frozen=True)
class Fixation:
    """Outcome of :func:`run_to_fixation`.

    Attributes
    ----------
    times
        Per replicate, the first fit t ≥ 1 whose fit has a single category (−1 if none by ``max_fits``).
    survivors
        Per replicate, the index of that category (−1 if not fixed).
    max_fits
        The horizon.
    """

    times: np.ndarray
    survivors: np.ndarray
    max_fits: int

    @property
    def censored(self) -> int:
        """Replicates not fixed by ``max_fits``."""
        return int(np.count_nonzero(self.times < 0))


def run_to_fixation(
    *, p0: object, n: int, replicates: int, rng: np.random.Generator, max_fits: int | None = None
) -> Fixation:
    r"""Run ``replace`` loops until one category is left (docs/theory.md §5.7, Kimura & Ohta 1969).

    Fit 1 draws n points from :math:`p^0`, fit t draws n points from fit t − 1; a replicate
    stops at the first fit with a single category and drops out of the vectorized state.

    Parameters
    ----------
    p0
        Real distribution over K ≥ 2 categories.
    n
        Points per fit.
    replicates
        Independent loops.
    rng
        The only source of randomness.
    max_fits
        Horizon (default 100n, far in the tail: the last two categories merge at rate ~1/n).

    Returns
    -------
    Fixation
        Fixation times (fits) and survivors.
    """
    p = check_p0(p0)
    n = _integer("n", n, 1)
    replicates = _integer("replicates", replicates, 1)
    horizon = 100 * n if max_fits is None else _integer("max_fits", max_fits, 1)
    times = np.full(replicates, -1, dtype=np.int64)
    survivors = np.full(replicates, -1, dtype=np.int64)
    active = np.arange(replicates)
    labels = np.broadcast_to(np.arange(p.size), (replicates, p.size)).copy()  # category of each column, per row
    probs = np.broadcast_to(p, (replicates, p.size))
    for t in range(1, horizon + 1):
        counts = rng.multinomial(n, probs)
        fixed = counts.max(axis=1) == n
        if fixed.any():
            times[active[fixed]] = t
            survivors[active[fixed]] = labels[fixed, counts[fixed].argmax(axis=1)]
            keep = ~fixed
            active, counts, labels = active[keep], counts[keep], labels[keep]
            if active.size == 0:
                break
        if t % _REORDER_EVERY == 0:  # lost categories first: multinomial then skips them cheaply (same law)
            order = np.argsort(counts, axis=1, kind="stable")
            counts, labels = np.take_along_axis(counts, order, 1), np.take_along_axis(labels, order, 1)
        probs = counts / n
    return Fixation(times, survivors, horizon)
