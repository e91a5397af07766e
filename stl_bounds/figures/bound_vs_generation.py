r"""Figure ``bound_vs_generation``: :math:`B_i` of ``fu2025.thm1`` against i (docs/theory.md §4.1, C1, C2).

One curve per real proportion λ ∈ {0, 0.1, 0.3, 0.5, 0.9}, every other parameter
at its registry default (κ = 1): for λ > 0 the bound levels off at its limit
:math:`\sup_i B_i = \lim_{i\to\infty} B_i` (dotted, from
:func:`~stl_bounds.calibration.sup_over_generations`), at
λ = 0 it grows without bound (linearly, since κ = 1) — convergence against
collapse.  Fidelity ``template``: a rate statement with explicit constants
c1..c4 = 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter

import stl_bounds
from stl_bounds.calibration import sup_over_generations
from stl_bounds.figures.spec import FigureSpec, Records

__all__ = ["FIGURE"]

BOUND = "fu2025.thm1"
LAMBDAS = (0.0, 0.1, 0.3, 0.5, 0.9)
GENERATIONS = 60
_FATE = {"converges": "bounded", "critical": "grows linearly", "collapses": "grows geometrically"}


def data(records: Records) -> dict[str, Any]:
    """:math:`B_i` for i = 0..GENERATIONS and each λ, with the regime and the limit in i (None when it diverges)."""
    bound = stl_bounds.get(BOUND)
    i = np.arange(GENERATIONS + 1)
    curves = {}
    for lam in LAMBDAS:
        result = bound.evaluate(lam=lam, i=i)
        limit = sup_over_generations(BOUND, lam=lam) if lam > 0 else None
        curves[f"{lam:g}"] = {
            "lam": lam,
            "value": result.value,
            "regime": str(result.regime[-1]),
            "limit": limit,
        }
    defaults = {k: v for k, v in result.params.items() if k not in ("lam", "i") and np.ndim(v) == 0}
    return {"bound": BOUND, "i": i, "curves": curves, "defaults": defaults}


def draw(fig: Figure, d: Mapping[str, Any]) -> None:
    """One panel: a curve per λ, limits dotted, the collapsing curve labelled as such."""
    ax = fig.add_subplot()
    for curve in d["curves"].values():
        label = rf"$\lambda = {curve['lam']:g}$: {_FATE[curve['regime']]}"
        (line,) = ax.plot(d["i"], curve["value"], label=label)
        if curve["limit"] is not None:
            ax.axhline(curve["limit"], color=line.get_color(), linestyle=":", linewidth=0.8)
    ax.set_xlabel("generation $i$")
    ax.set_ylabel(r"bound $B_i$ (fu2025.thm1)")
    ax.set_xlim(0, d["i"][-1])
    ax.set_yscale("log")  # the bounded curves differ by factors, the λ = 0 curve grows by 20x
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks([0.1, 0.2, 0.5, 1, 2, 3])
    defaults = d["defaults"]
    ax.set_title(
        rf"$n = {defaults['n']:g}$, $\varepsilon = {defaults['eps']:g}$, $\kappa = {defaults['kappa']:g}$, "
        rf"$M = {defaults['M']:g}$, $\delta = {defaults['delta']:g}$"
        + "\n"
        + r"dotted: the limit $B_\infty$ (= $\sup$ over $i$)",
        loc="left",
    )
    fig.legend(
        loc="outside right upper" if fig.get_figwidth() >= 5 else "outside lower center",
        ncols=1 if fig.get_figwidth() >= 5 else 2,
    )


FIGURE = FigureSpec(
    name="bound_vs_generation",
    caption=(
        "The bound of fu2025.thm1 (template) against the generation for several real proportions λ: with real data "
        "in every generation (λ > 0) it levels off at its limit (dotted); without (λ = 0) it grows without bound."
    ),
    theory="docs/theory.md §4.1, §6.1 C1/C2",
    bound_ids=(BOUND,),
    campaigns=(),
    data=data,
    draw=draw,
    parameters={"lam": list(LAMBDAS), "i": f"0..{GENERATIONS}", "others": "registry defaults"},
    aspect=0.42,
    column_aspect=1.0,
)
