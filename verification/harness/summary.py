r"""Pool chunk summaries into per-generation estimates with confidence intervals.

Each record's chunk :class:`~verification.stats.Moments` are merged in chunk order (so the result
does not depend on the executor or the number of workers).  Per generation the estimate is the
mean over replicates :math:`\bar X` with the two-sided normal interval
:math:`\bar X \pm z_{(1+\text{level})/2}\,\mathrm{SE}`, :math:`\mathrm{SE} = s/\sqrt K` over the K
replicates (independent across replicates by construction, docs/theory.md §6.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from verification.stats import Moments

__all__ = ["DESCRIPTIONS", "LEVEL", "pool_records", "record_summary"]

#: Level of every confidence interval of the harness.
LEVEL = 0.95

#: What each record is (results.json repeats it next to the numbers).
DESCRIPTIONS = {
    "mean": "mean vector of the fitted law (categorical: of the one-hot vectors, i.e. the probabilities)",
    "cov_trace": "covariance trace of the fitted law (categorical: Gini-Simpson diversity 1 - sum p_k^2)",
    "tv": "total variation distance to the real distribution (exact when probabilities are known, else plug-in)",
    "wasserstein": "1-D Wasserstein distance to the real distribution (first coordinate; two-sample estimate)",
    "energy": "energy distance to the real distribution (first coordinate; two-sample estimate)",
    "model_distance": "the model's own distance(real) to the replicate's real reference sample",
    "learning_error": "learning error eps_i = d(D_i, lam D_0 + (1 - lam) D_{i-1}) in the primary distance",
    "gamma": "recursive stability gamma_i = d(D_i(S_0), D_i(S_0')), coupled loops (primary distance)",
    "gamma_energy": "recursive stability in energy distance, coupled loops (first coordinate)",
}


def pool_records(chunks: Sequence[Mapping[str, Any]]) -> dict[str, Moments]:
    """Per record, the :class:`Moments` of all replicates (chunks merged in the order given)."""
    return {name: Moments.pool([Moments.from_dict(chunk[name]) for chunk in chunks]) for name in chunks[0]}


def record_summary(moments: Moments, *, level: float = LEVEL) -> dict[str, Any]:
    """``{"mean", "se", "ci_low", "ci_high", "level", "replicates"}`` per generation (lists, generation first)."""
    z = float(stats.norm.isf((1 - level) / 2))
    mean, se = np.asarray(moments.mean), np.asarray(moments.se)
    return {
        "mean": mean.tolist(),
        "se": se.tolist(),
        "ci_low": (mean - z * se).tolist(),
        "ci_high": (mean + z * se).tolist(),
        "level": level,
        "replicates": moments.count,
    }
