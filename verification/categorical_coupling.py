r"""Recursive stability of categorical loops, measured by coupled runs (docs/theory.md §2, §6.5).

The categorical loop of docs/theory.md §5.7 (``replace`` at λ = 0, ``reused(λ)``
otherwise) is run from a real sample :math:`S_0` and from every copy :math:`S_0'` in
which the first point, of category a, is replaced by another category b ≠ a (the K − 1
neighbours that change that point). All runs share the synthetic randomness (common
random numbers): each synthetic point is the inverse CDF of its run's fit at a uniform
U shared by all runs. Counts stay sufficient: the shared uniforms fall in the cells of
the common refinement of the runs' CDF breakpoints, whose counts are one multinomial
draw over the cells; each run's category counts add up the cells inside its categories.
This is exactly the coupling of drawing the points, without drawing them.

The recorded quantity is, per replicate and generation, the worst case over the
replacements of the exact :math:`d_{TV}(p_i, p_i') = \tfrac12\lVert p_i - p_i'\rVert_1`;
its mean over replicates estimates :math:`\gamma_n^i`. As in ``reused`` of
:mod:`verification.categorical`, :math:`S_0` is the reused real part (λn points) for
λ > 0 and the n real points of the first fit for λ = 0.
"""

from __future__ import annotations

import numpy as np

from stl_bounds.domains import Domain
from verification.categorical import check_p0, real_part, total_variation

__all__ = ["coupled_categorical_tv", "coupled_counts"]


def coupled_counts(probs: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    r"""Counts of ``size`` points drawn by inverse CDF at common uniforms, for every run.

    Parameters
    ----------
    probs
        Distributions of the runs, shape (runs, replicates, K).
    size
        Points per run (the same uniforms for every run of a replicate).
    rng
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        Shape (runs, replicates, K), integer counts; each run's counts are
        :math:`\mathrm{Mult}(size, p_r)`, jointly coupled through the uniforms.
    """
    runs, replicates, k = probs.shape
    cuts = np.clip(np.cumsum(probs[..., :-1], axis=-1), 0.0, 1.0)  # (runs, R, K-1): the runs' CDF breakpoints
    edges = np.sort(np.moveaxis(cuts, 0, 1).reshape(replicates, -1), axis=1)
    edges = np.concatenate([np.zeros((replicates, 1)), edges, np.ones((replicates, 1))], axis=1)
    widths = np.diff(edges, axis=1)
    cells = rng.multinomial(size, widths / widths.sum(axis=1, keepdims=True))  # (R, cells)
    middle = 0.5 * (edges[:, 1:] + edges[:, :-1])
    category = np.sum(middle[None, :, :, None] >= cuts[:, :, None, :], axis=-1)  # (runs, R, cells)
    flat = (np.arange(runs)[:, None, None] * replicates + np.arange(replicates)[None, :, None]) * k + category
    weights = np.broadcast_to(cells, category.shape)
    return np.bincount(flat.ravel(), weights.ravel(), minlength=runs * replicates * k).reshape(runs, replicates, k)


def coupled_categorical_tv(
    *, p0: object, n: int, fits: int, replicates: int, rng: np.random.Generator, lam: float
) -> np.ndarray:
    r"""Worst-case :math:`d_{TV}(D_i(S_0), D_i(S_0'))` per replicate and generation.

    Parameters
    ----------
    p0
        Real distribution over K ≥ 2 categories.
    n
        Training-set size of a generation.
    fits
        Generations i = 0..fits − 1 (fit t = i + 1).
    replicates
        Independent groups of coupled runs.
    rng
        The only source of randomness.
    lam
        Real proportion in [0, 1): 0 gives ``replace``; otherwise ``reused`` with λn
        (an integer ≥ 1) real points.

    Returns
    -------
    numpy.ndarray
        Shape (replicates, fits): :math:`\max_{b \ne a} d_{TV}(p_i, p_i')`.
    """
    p = check_p0(p0)
    n = int(Domain(lower=1, integer=True).validate("n", n))
    fits = int(Domain(lower=1, integer=True).validate("fits", fits))
    replicates = int(Domain(lower=1, integer=True).validate("replicates", replicates))
    lam = float(Domain(0.0, 1.0, upper_open=True).validate("lam", lam))
    real = real_part(lam, n, "reused") if lam > 0 else n
    k = p.size
    first = rng.choice(k, size=replicates, p=p)  # category a of the replaced point
    rest = rng.multinomial(real - 1, np.broadcast_to(p, (replicates, k)))
    other = (first[None, :] + np.arange(k)[:, None]) % k  # run 0: a itself; run j: b = a + j (mod K)
    starts = np.repeat(rest[None], k, axis=0)
    np.add.at(starts, (np.arange(k)[:, None], np.arange(replicates)[None, :], other), 1)
    probs = starts / real
    out = np.empty((replicates, fits))
    out[:, 0] = total_variation(probs[:1], probs[1:]).max(axis=0)
    for j in range(1, fits):
        synthetic = coupled_counts(probs, n - real if lam > 0 else n, rng)
        probs = ((starts if lam > 0 else 0) + synthetic) / n
        out[:, j] = total_variation(probs[:1], probs[1:]).max(axis=0)
    return out
