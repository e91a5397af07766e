"""What the explorer page knows of each bound: its description, its controls and its compiled formulas.

For every bound this collects, from the registry only, the title, fidelity label (docs/theory.md §0),
citation, assumptions and notes, the typeset terms (:mod:`stl_bounds.explorer.formulas`), one control
per parameter and the JavaScript of :mod:`stl_bounds.explorer.jscode`.  A control carries the domain
(its text is :meth:`Domain.describe`, the one the CLI's messages use), the default (a number, or an
expression in other parameters that the page recomputes until the reader overrides it) and the range of
its slider: the drawing box of :func:`stl_bounds.testing.parameter_box` intersected with the domain, a
logarithmic slider for a positive scale spanning at least two decades (n, δ, M, σ, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from stl_bounds.bound import FIDELITY_LABELS, Bound
from stl_bounds.errors import StlBoundsError
from stl_bounds.explorer.formulas import FormulaSet
from stl_bounds.explorer.jscode import CompiledBound, compile_bound
from stl_bounds.parameters import Parameter
from stl_bounds.testing import parameter_box

__all__ = ["BoundPage", "bound_page", "control", "default_order", "resolved_defaults"]

#: Smallest slider value relative to the largest on a parameter whose domain is open at 0 (e.g. δ ∈ (0, 1)).
OPEN_ZERO_SPAN = 1e-6
#: A positive range spanning at least this ratio gets a logarithmic slider.
LOG_RATIO = 100.0


@dataclass(frozen=True)
class BoundPage:
    """One bound on the page: JSON-ready ``data`` and its compiled JavaScript ``code``."""

    data: dict[str, Any]
    code: CompiledBound


def resolved_defaults(bound: Bound) -> dict[str, float]:
    """Every default as a number (expression defaults evaluated at the others); empty when a parameter
    is required (it has no default to place a slider around)."""
    try:
        values = bound.check()
    except StlBoundsError:
        return {}
    return {k: float(v) for k, v in values.items() if np.ndim(v) == 0 and math.isfinite(float(v))}


def control(bound: Bound, p: Parameter, defaults: dict[str, float]) -> dict[str, Any]:
    """The control of parameter ``p``: domain, its text, default and slider range ``[lo, hi]`` (lin or log).

    ``defaults`` are the numeric defaults of :func:`resolved_defaults`.
    """
    d = p.domain
    lo, hi = d.lower, d.upper
    box = parameter_box(bound, p.name)
    if box is not None:
        lo, hi = max(lo, box[0]), min(hi, box[1])
    guess = defaults.get(p.name)
    scale = max(abs(guess), 1.0) if guess is not None else 1.0
    if math.isinf(hi):
        hi = max(lo + 10.0, 100.0 * scale) if math.isfinite(lo) else 100.0 * scale
    if math.isinf(lo):
        lo = -hi
    if guess is not None:
        lo, hi = min(lo, guess), max(hi, guess)
    if d.lower_open and lo == d.lower:
        lo = d.lower + (hi - d.lower) * OPEN_ZERO_SPAN if d.lower == 0 else d.lower + (hi - lo) * 1e-3
    if d.upper_open and hi == d.upper:
        hi = d.upper - (hi - lo) * 1e-3
    if d.integer:
        lo, hi = float(math.ceil(lo)), float(math.floor(hi))
    log = lo > 0 and hi / lo >= LOG_RATIO
    default: float | str | None
    if p.default is None:
        default = None
    elif p.default.free_symbols:
        default = p.default_text()
    else:
        default = float(p.default)
    return {
        "name": p.name,
        "label": sp.pretty(p.symbol, use_unicode=True),
        "description": p.description,
        "domain": {
            "lower": _finite(d.lower),
            "upper": _finite(d.upper),
            "lowerOpen": d.lower_open,
            "upperOpen": d.upper_open,
            "integer": d.integer,
        },
        "domainText": d.describe(),
        "default": default,
        "dependent": bool(p.default is not None and p.default.free_symbols),
        "start": guess if guess is not None else (lo + hi) / 2,
        "lo": lo,
        "hi": hi,
        "log": log,
    }


def _finite(x: float) -> float | None:
    """JSON has no infinity: an unbounded end is ``null``."""
    return x if math.isfinite(x) else None


def default_order(bound: Bound) -> list[str]:
    """Parameters with expression defaults, each after those its expression uses (topological order)."""
    pending = {p.name: p for p in bound.parameters if p.default is not None and p.default.free_symbols}
    by_symbol = {p.symbol: p.name for p in bound.parameters}
    order: list[str] = []
    while pending:
        ready = [
            name
            for name, p in pending.items()
            if not any(by_symbol.get(s) in pending for s in p.default.free_symbols if by_symbol.get(s) != name)
        ]
        if not ready:
            raise ValueError(f"{bound.id}: the defaults of {', '.join(pending)} refer to each other")
        for name in ready:
            order.append(name)
            del pending[name]
    return order


def _x_default(bound: Bound) -> str:
    """The default x axis: the generation index, else λ, else the first parameter."""
    names = bound.parameter_names
    if bound.generation in names:
        return bound.generation
    return "lam" if "lam" in names else names[0]


def bound_page(bound: Bound, formulas: FormulaSet) -> BoundPage:
    """The page's description of ``bound`` (typesetting its terms into ``formulas``).

    Raises
    ------
    ExplorerBuildError
        When a formula of the bound has no JavaScript version.
    """
    code = compile_bound(bound)
    defaults = resolved_defaults(bound)
    terms = []
    for name, expr in bound.terms:
        try:
            svg = formulas.svg(sp.latex(expr))
        except ValueError:  # mathtext cannot typeset it: show the LaTeX source
            svg = None
        terms.append({"name": name, "latex": sp.latex(expr), "svg": svg})
    data = {
        "id": bound.id,
        "title": bound.title,
        "kind": bound.kind,
        "fidelity": bound.fidelity,
        "fidelityLabel": FIDELITY_LABELS[bound.fidelity],
        "citation": bound.citation.text(),
        "assumptions": list(bound.assumptions),
        "notes": list(bound.notes),
        "terms": terms,
        "params": [control(bound, p, defaults) for p in bound.parameters],
        "defaultOrder": default_order(bound),
        "constraints": [c.message for c in bound.constraints],
        "acceptsM": bound.accepts_m,
        "hasGrowth": code.has_growth,
        "hasTrivial": code.has_trivial,
        "generation": bound.generation,
        "x": _x_default(bound),
    }
    return BoundPage(data, code)
