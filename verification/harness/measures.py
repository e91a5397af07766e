r"""What the harness records per generation, and how (docs/theory.md §1–§2, §5.7, §6.5).

Per replicate the harness draws one real reference sample :math:`R` of m = ``eval_size`` points.
Per generation i it looks at the fitted model :math:`G_i` through its optional methods, or through
an evaluation sample :math:`E_i` of m points drawn from it (stream ``EVAL`` of generation i: the
same numbers for both loops of a coupled run):

``mean``, ``cov_trace``
    The mean vector and the covariance trace of the fitted law: exact from ``moments()`` (or, for
    categorical data, from ``probabilities()``: mean :math:`\hat p`, trace the Gini–Simpson
    diversity :math:`H(\hat p) = 1 - \sum_k \hat p_k^2`, §5.7), else the unbiased estimates from
    :math:`E_i` (sample mean; trace of the covariance with divisor m − 1; for categories
    :math:`\frac{m}{m-1}(1 - \sum_k \hat p_k^2)`).  Categorical means are over the one-hot vectors.
``tv`` (categorical)
    :math:`d_{TV}(G_i, D_0) = \frac12 \sum_k |p_{i,k} - p^0_k|`: exact when the model exposes
    ``probabilities()`` and the real sampler its probabilities, else the plug-in value from the
    empirical frequencies of :math:`E_i` and :math:`R` (biased upward by sampling noise).
``wasserstein``, ``energy`` (continuous)
    ``scipy.stats.wasserstein_distance`` and ``scipy.stats.energy_distance`` between the first
    coordinates of :math:`E_i` and :math:`R` (for d > 1: the projection on the first axis, a
    lower bound of the d-dimensional distances).  Two-sample estimates, biased upward by about
    :math:`m^{-1/2}` at equal laws.
``model_distance``
    ``G_i.distance(R)`` when the model provides it.
``learning_error`` (regimes with a fixed real share λ: replace, fresh, reused)
    :math:`\hat\varepsilon_i = d(G_i, \tilde D_i)` with :math:`\tilde D_i = \lambda D_0 + (1-\lambda) G_{i-1}`
    (:math:`\tilde D_0 = D_0`), the learning error of docs/theory.md §1, in the same distance
    (``tv``: exact mixture of the probability vectors; ``wasserstein``: the first round(λm)
    points of :math:`R` with the last m − round(λm) points of :math:`E_{i-1}`).
``gamma``, ``gamma_energy`` (coupled runs)
    The measured recursive stability :math:`\hat\gamma_i = d(G_i, G_i')` between the loops from
    S_0 and S_0' (docs/theory.md §2, §6.5): exact TV for categorical models with probabilities,
    else the distance between their evaluation samples drawn with common random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from verification.harness.catalog import Setup
from verification.harness.protocol import CATEGORICAL, Where, call_user

__all__ = ["View", "distance_name", "learning_error", "measure", "view"]

#: Tolerance on the sum of a probability vector returned by a model.
_SUM_TOL = 1e-9


@dataclass(frozen=True)
class View:
    """A fitted model as the measurements see it.

    Attributes
    ----------
    points
        Its evaluation sample (``None`` when the categorical model's probabilities make it unneeded).
    probs
        Categorical: exact probabilities, or the empirical frequencies of ``points``.
    mean, cov_trace
        See the module docstring.
    """

    points: np.ndarray | None
    probs: np.ndarray | None
    mean: np.ndarray
    cov_trace: float


def distance_name(setup: Setup) -> str:
    """``tv`` for categorical data, ``wasserstein`` for continuous data: the distance of γ̂ and ε̂."""
    return "tv" if setup.kind == CATEGORICAL else "wasserstein"


def _frequencies(points: np.ndarray, categories: int) -> np.ndarray:
    return np.bincount(points, minlength=categories) / points.size


def _user_probabilities(setup: Setup, model: object, where: Where) -> np.ndarray | None:
    method = getattr(model, "probabilities", None)
    if method is None:
        return None
    p = np.asarray(call_user(where, "probabilities", method), dtype=float)
    if p.shape != (setup.categories,) or not np.all(np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1) > _SUM_TOL:
        raise where.error("probabilities", f"returned no probability vector of length {setup.categories}")
    return p


def _user_moments(setup: Setup, model: object, where: Where) -> tuple[np.ndarray, float] | None:
    method = getattr(model, "moments", None)
    if method is None:
        return None
    result = call_user(where, "moments", method)
    width = setup.categories if setup.kind == CATEGORICAL else setup.d
    try:
        mean, trace = np.asarray(result[0], dtype=float).reshape(-1), float(result[1])
    except (TypeError, ValueError, IndexError):
        raise where.error("moments", "returned no (mean, cov_trace) pair") from None
    if mean.shape != (width,) or not np.all(np.isfinite(mean)) or not np.isfinite(trace) or trace < 0:
        raise where.error("moments", f"returned no finite (mean of length {width}, cov_trace >= 0)")
    return mean, trace


def view(setup: Setup, model: object, rng: np.random.Generator, where: Where) -> View:
    """Look at a fitted model: exact quantities where it offers them, an evaluation sample otherwise."""
    m = setup.spec.eval_size
    probs = _user_probabilities(setup, model, where) if setup.kind == CATEGORICAL else None
    points = None
    if probs is None:
        points = setup.check(call_user(where, "sample", model.sample, m, rng), m, where, "sample")  # type: ignore[attr-defined]
        if setup.kind == CATEGORICAL:
            probs = _frequencies(points, setup.categories)
    moments = _user_moments(setup, model, where)
    if moments is not None:
        mean, trace = moments
    elif setup.kind == CATEGORICAL:
        exact = points is None
        mean, trace = probs, (1.0 - float(probs @ probs)) * (1.0 if exact else m / (m - 1))
    else:
        mean, trace = points.mean(axis=0), float(np.sum(points.var(axis=0, ddof=1)))
    return View(points, probs, mean, trace)


def _tv(p: np.ndarray, q: np.ndarray) -> float:
    return 0.5 * float(np.abs(p - q).sum())


def _continuous(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    return float(stats.wasserstein_distance(a[:, 0], b[:, 0])), float(stats.energy_distance(a[:, 0], b[:, 0]))


def learning_error(setup: Setup, current: View, previous: View | None, reference: View) -> float:
    """:math:`\\hat\\varepsilon_i = d(G_i, \\lambda D_0 + (1-\\lambda) G_{i-1})` (module docstring)."""
    lam = setup.spec.share
    if setup.kind == CATEGORICAL:
        mixed = reference.probs if previous is None else lam * reference.probs + (1 - lam) * previous.probs
        return _tv(current.probs, mixed)
    if previous is None:
        return _continuous(current.points, reference.points)[0]
    a = round(lam * reference.points.shape[0])
    mixed = np.concatenate([reference.points[:a], previous.points[a:]])
    return _continuous(current.points, mixed)[0]


def measure(
    setup: Setup, model: object, current: View, reference: View, where: Where, partner: View | None = None
) -> dict[str, np.ndarray | float]:
    """The records of one generation (module docstring), without ``learning_error``."""
    out: dict[str, np.ndarray | float] = {"mean": current.mean, "cov_trace": current.cov_trace}
    if setup.kind == CATEGORICAL:
        out["tv"] = _tv(current.probs, reference.probs)
        if partner is not None:
            out["gamma"] = _tv(current.probs, partner.probs)
    else:
        out["wasserstein"], out["energy"] = _continuous(current.points, reference.points)
        if partner is not None:
            out["gamma"], out["gamma_energy"] = _continuous(current.points, partner.points)
    own = getattr(model, "distance", None)
    if callable(own):
        value = call_user(where, "distance", own, reference.points)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise where.error("distance", f"returned {type(value).__name__}, expected a number") from None
        if not np.isfinite(value) or value < 0:
            raise where.error("distance", f"returned {value}, expected a finite number >= 0")
        out["model_distance"] = value
    return out
