"""Frozen evaluation results (STYLE habit 6)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np

__all__ = ["REGIMES", "Result", "classify_regime", "json_number"]

#: Regimes of docs/theory.md §4.1, indexed by code: growth factor ρ < 1, ρ = 1, ρ > 1.
REGIMES = np.array(["converges", "critical", "collapses"])


def classify_regime(rho: Any) -> Any:
    """``converges`` (ρ < 1), ``critical`` (ρ = 1), ``collapses`` (ρ > 1) — docs/theory.md §4.1.

    A string for a scalar ρ, an array of strings for an array.
    """
    rho = np.asarray(rho, dtype=float)
    codes = (rho >= 1.0).view(np.int8) + (rho > 1.0).view(np.int8)
    out = REGIMES[codes]
    return str(out) if out.ndim == 0 else out


def json_number(x: float) -> float | str:
    """A float for JSON: finite values as they are, divergence spelled out.

    JSON has no NaN/Infinity, so ``inf`` becomes the string ``"inf"`` (and
    ``-inf``/``nan`` likewise): divergence is encoded explicitly.  An mpmath
    value too large for a float becomes its decimal string (e.g. ``"5.7e+600"``).
    """
    if isinstance(x, mpmath.mpf) and mpmath.isfinite(x) and not math.isfinite(float(x)):
        return mpmath.nstr(x, 17)  # a finite high-precision value beyond float64: keep it, as a decimal string
    x = float(x)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


@dataclass(frozen=True)
class Result:
    """The value of a registered bound at given parameters.

    Attributes
    ----------
    id
        Registry id of the bound.
    fidelity
        docs/theory.md §0 label of the bound (``exact``, ``external``, ``template``, ``derived``).
    params
        Every parameter value used, defaults included (floats, or arrays on a grid).
    value
        The bound; equals the sum of ``terms``.
    terms
        Named terms (insertion order of the bound's definition).
    diagnostics
        Extra facts: the growth factor ``rho`` (for recursive bounds), the
        evaluation path (``precision``) and, for a bound with ``Bound.trivial_at``
        (e.g. M), ``vacuous``: value ≥ trivial_at, equality included — a gap bound
        equal to M says nothing about a loss in [0, M].
    """

    id: str
    fidelity: str
    params: dict[str, Any]
    value: Any
    terms: dict[str, Any]
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def regime(self) -> Any:
        """``converges`` / ``critical`` / ``collapses`` from ρ (docs/theory.md §4.1), ``n/a``
        without a recursion; an array of these on a grid (computed on access)."""
        rho = self.diagnostics.get("rho")
        return "n/a" if rho is None else classify_regime(rho)

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the evaluation grid (``()`` for one point)."""
        return tuple(np.shape(self.value))

    def points(self) -> list[Result]:
        """One scalar :class:`Result` per grid point (row-major order)."""
        if self.shape == ():
            return [self]
        size = int(np.prod(self.shape))
        flat = {k: np.broadcast_to(v, self.shape).reshape(size) for k, v in self.params.items()}
        values = np.reshape(self.value, size)
        terms = {k: np.broadcast_to(v, self.shape).reshape(size) for k, v in self.terms.items()}
        diags = {k: v for k, v in self.diagnostics.items() if np.ndim(v) == 0}
        per_point = {k: np.broadcast_to(v, self.shape).reshape(size) for k, v in self.diagnostics.items() if np.ndim(v)}
        out = []
        for j in range(size):
            d = dict(diags)
            d.update({k: v[j].item() for k, v in per_point.items()})
            out.append(
                Result(
                    id=self.id,
                    fidelity=self.fidelity,
                    params={k: float(v[j]) for k, v in flat.items()},
                    value=float(values[j]),
                    terms={k: float(v[j]) for k, v in terms.items()},
                    diagnostics=d,
                )
            )
        return out

    def _repr_html_(self) -> str:
        """Jupyter: value, terms with their shares, regime and the vacuous flag (HTML, escaped)."""
        from stl_bounds.notebook import result_html

        return result_html(self)

    def to_dict(self) -> dict[str, Any] | list[dict[str, Any]]:
        """JSON-ready dict with keys ``id, params, value, terms, regime, fidelity``,
        ``vacuous`` and ``trivial_at`` (None where the bound has no trivial value; see
        ``Bound.trivial_at``), plus ``diagnostics``; a list of such dicts for a grid.
        No NaN/Infinity."""
        if self.shape != ():
            return [p.to_dict() for p in self.points()]  # type: ignore[misc]
        return {
            "id": self.id,
            "params": {k: _plain(v) for k, v in self.params.items()},
            "value": json_number(self.value),
            "terms": {k: json_number(v) for k, v in self.terms.items()},
            "regime": str(self.regime),
            "fidelity": self.fidelity,
            # vacuity is part of the statement, not only a diagnostic (None: the bound has no trivial value)
            "vacuous": _plain(self.diagnostics.get("vacuous")),
            "trivial_at": _plain(self.diagnostics.get("trivial_at")),
            "diagnostics": {k: _plain(v) for k, v in self.diagnostics.items()},
        }


def _plain(v: Any) -> Any:
    if isinstance(v, mpmath.mpf):
        return json_number(v)
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (float, int, np.floating, np.integer)):
        f = float(v)
        if f.is_integer() and abs(f) < 2**53:
            return int(f)
        return json_number(f)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v
