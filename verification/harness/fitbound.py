r"""``--fit-bound``: estimate ε and κ from a model's own trajectories and evaluate the registered bounds with them.

Estimators (per generation i, means over the K replicates; d is the run's primary distance:
exact total variation for categorical data, the 1-D Wasserstein distance for continuous data,
docs of :mod:`verification.harness.measures`):

* shift :math:`\hat\Delta_i` — the mean of :math:`d(D_i, D_0)`;
* learning error :math:`\hat\varepsilon_i` — the mean of :math:`d(D_i, \lambda D_0 + (1-\lambda) D_{i-1})`
  (docs/theory.md §1), and :math:`\hat\varepsilon = \max_i` of the upper ends of their 95%
  intervals, the empirical counterpart of the assumption :math:`\varepsilon_i \le \varepsilon` of
  L3/L4 (clipped to the domain [0, 1] of ``eps``, with a note, should a Wasserstein value exceed 1);
* amplification, from the shift recursion of L4
  (:math:`\Delta_i \le \varepsilon_i + (1-\lambda)\kappa\Delta_{i-1}`, docs/theory.md §3):
  :math:`\hat\kappa_\Delta = \max\big(0, \max_{i \ge 1}
  (\hat\Delta_i - \hat\varepsilon_i)/((1-\lambda)\hat\Delta_{i-1})\big)`,
  the smallest κ with which the recursion holds for the measured means at every generation;
* with ``--coupled``, also from the stability recursion of L5
  (:math:`\gamma_i \le (1-\lambda)\kappa\gamma_{i-1} + g/n`, with :math:`g/n` estimated by
  :math:`\hat\gamma_0`): :math:`\hat\kappa_\gamma = \max\big(0, \max_{i \ge 1}
  (\hat\gamma_i - \hat\gamma_0)/((1-\lambda)\hat\gamma_{i-1})\big)`;
* :math:`\hat\kappa` is the larger of the two (at λ = 1 the bounds do not depend on κ: κ = 1 is used).

``lemma.amplified_shift`` and ``fu2025.thm1`` (docs/theory.md §3 L4, §4.1) are then evaluated
through the registry at :math:`i = G - 1` with ``eps`` = ε̂, ``kappa`` = κ̂, ``lam`` = the regime's
real share (0 for ``replace``) and ``n``; with a target, :func:`stl_bounds.calibration.min_lambda`
gives the smallest λ that keeps :math:`\max_{i \le G-1} B_i` under it (docs/theory.md §4.5).  For
continuous data the Wasserstein distance stands in for total variation: the numbers are in its
units, which the output says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from stl_bounds.errors import StlBoundsError
from stl_bounds.registry import get
from verification.harness.spec import LoopSpec
from verification.stats import Moments

__all__ = ["BOUND_IDS", "fit_bound", "kappa_from_recursion"]

#: The bounds evaluated with the estimates.
BOUND_IDS = ("lemma.amplified_shift", "fu2025.thm1")
#: Level of the upper interval ends that make ε̂.
_LEVEL = 0.95


def kappa_from_recursion(values: np.ndarray, drive: np.ndarray, lam: float) -> float | None:
    r"""Smallest κ ≥ 0 with :math:`x_i \le d_i + (1-\lambda)\kappa x_{i-1}` for every i ≥ 1 (``None`` if λ = 1).

    Parameters
    ----------
    values
        :math:`x_0, \dots, x_{G-1}` (shifts or recursive stabilities).
    drive
        :math:`d_i` (learning errors, or the one-step stability :math:`\hat\gamma_0` repeated).
    lam
        The real share λ.
    """
    x, drive = np.asarray(values, dtype=float), np.asarray(drive, dtype=float)
    if lam >= 1.0:
        return None
    ratios = [(x[i] - drive[i]) / ((1.0 - lam) * x[i - 1]) for i in range(1, x.size) if x[i - 1] > 0]
    return max([0.0, *ratios])


def _evaluate(bound_id: str, params: Mapping[str, float], measured: float) -> dict[str, Any]:
    bound = get(bound_id)
    result = bound.evaluate(**params)
    return {
        "value": result.value,
        "terms": dict(result.terms),
        "params": dict(result.params),
        "fidelity": bound.fidelity,
        "rho": result.diagnostics.get("rho"),
        "measured_shift": measured,
    }


def _calibrate(bound_id: str, target: float, horizon: int, params: Mapping[str, float]) -> dict[str, Any]:
    from stl_bounds.calibration import min_lambda

    try:
        return min_lambda(bound_id, target, horizon=horizon, **params).to_dict()
    except StlBoundsError as exc:
        return {"bound_id": bound_id, "target": target, "error": str(exc)}


def fit_bound(spec: LoopSpec, records: Mapping[str, Moments], distance: str, *, target: float | None) -> dict[str, Any]:
    """The ``fit_bound`` section of ``results.json`` (estimators in the module docstring)."""
    lam = spec.share
    shift = np.asarray(records[distance].mean, dtype=float)
    learning = records["learning_error"]
    z = float(stats.norm.isf((1 - _LEVEL) / 2))
    upper = np.asarray(learning.mean) + z * np.asarray(learning.se)
    notes = []
    eps = float(np.max(upper))
    if eps > 1.0:
        notes.append(f"eps estimate {eps:.4g} exceeds 1 (a Wasserstein value): clipped to the domain [0, 1]")
        eps = 1.0
    kappa_shift = kappa_from_recursion(shift, np.asarray(learning.mean), lam)
    kappa_gamma = None
    if "gamma" in records:
        gamma = np.asarray(records["gamma"].mean, dtype=float)
        kappa_gamma = kappa_from_recursion(gamma, np.full(gamma.shape, gamma[0]), lam)
    found = [k for k in (kappa_shift, kappa_gamma) if k is not None]
    kappa = max(found) if found else 1.0
    if not found:
        notes.append("lam = 1: the bounds do not depend on kappa; kappa = 1 used")
    i = spec.generations - 1
    base = {"eps": eps, "kappa": kappa}
    shift_params = {**base, "lam": lam, "i": i}
    thm_params = {**shift_params, "n": spec.n}
    out: dict[str, Any] = {
        "distance": distance,
        "units": "total variation" if distance == "tv" else "1-D Wasserstein distance in place of total variation",
        "lam": lam,
        "n": spec.n,
        "i": i,
        "eps": eps,
        "eps_per_generation": np.asarray(learning.mean).tolist(),
        "shift_per_generation": shift.tolist(),
        "kappa": kappa,
        "kappa_shift": kappa_shift,
        "kappa_gamma": kappa_gamma,
        "estimators": {
            "eps": f"max over generations of the upper {_LEVEL:.0%} interval end of mean learning_error",
            "kappa_shift": "smallest kappa >= 0 with shift_i <= eps_i + (1 - lam) kappa shift_{i-1} (L4), means",
            "kappa_gamma": "smallest kappa >= 0 with gamma_i <= gamma_0 + (1 - lam) kappa gamma_{i-1} (L5), means",
            "kappa": "the larger of kappa_shift and kappa_gamma",
        },
        "bounds": {
            "lemma.amplified_shift": _evaluate("lemma.amplified_shift", shift_params, float(shift[i])),
            "fu2025.thm1": _evaluate("fu2025.thm1", thm_params, float(shift[i])),
        },
        "target": target,
        "notes": notes,
    }
    if target is not None:
        out["calibration"] = {
            "lemma.amplified_shift": _calibrate("lemma.amplified_shift", target, i, base),
            "fu2025.thm1": _calibrate("fu2025.thm1", target, i, {**base, "n": spec.n}),
        }
    return out
