r"""The headline numbers of the report: the main bounds at their defaults, the minimum λ and m*.

* ``fu2025.thm1`` (docs/theory.md §4.1) and ``fu2025.thm2`` (§4.2) at their registry
  defaults: value, terms, regime, fidelity and citation;
* the smallest real proportion λ that keeps :math:`\sup_i B_i` of
  ``fu2025.thm1`` below :data:`TARGET` (docs/theory.md §4.5, :func:`~stl_bounds.calibration.min_lambda`),
  and the λ that minimises it (:func:`~stl_bounds.calibration.best_lambda`);
* the optimal synthetic size m* of docs/theory.md §4.3 (``fu2025.optimal_m``).

Every number comes from the registry objects; nothing here re-types a formula.
"""

from __future__ import annotations

from typing import Any

import stl_bounds
from stl_bounds.calibration import best_lambda, min_lambda

__all__ = ["BOUNDS", "TARGET", "headline"]

#: The bounds of the headline table.
BOUNDS = ("fu2025.thm1", "fu2025.thm2")
#: Target of the calibration: sup_i B_i ≤ 0.2, a fifth of the loss range at the default M = 1.
TARGET = 0.2
#: The bound that is calibrated.
CALIBRATED = "fu2025.thm1"
OPTIMAL_M = "fu2025.optimal_m"


def _bound_entry(bound_id: str) -> dict[str, Any]:
    bound = stl_bounds.get(bound_id)
    return {
        **bound.evaluate().to_dict(),
        "title": bound.title,
        "citation": bound.citation.text(),
    }


def headline() -> dict[str, Any]:
    """The headline document (JSON-ready): ``bounds``, ``calibration`` and ``optimal_m``."""
    return {
        "bounds": [_bound_entry(b) for b in BOUNDS],
        "calibration": {
            "min_lambda": min_lambda(CALIBRATED, TARGET).to_dict(),
            "best_lambda": best_lambda(CALIBRATED).to_dict(),
        },
        "optimal_m": _bound_entry(OPTIMAL_M),
    }
