r"""Figure ``terms_breakdown``: the terms of ``fu2025.thm1`` stacked against λ (docs/theory.md §4.1, §6.1 C3).

At generation i = 20 the bound is the sum of its terms (``Result.terms``)

.. math::

    B_i = \underbrace{c_1 M (1-\lambda)\Delta_{i-1}}_{\text{shift}}
        + \underbrace{c_2 \beta_n \log n \log(1/\delta)}_{\text{stability}}
        + \underbrace{c_3 M \sqrt{\log(1/\delta)/n}}_{\text{sampling}}
        + \underbrace{c_4 \sqrt{\lambda n}\,(\beta_n + (1-\lambda) M \gamma_n^{i-1})
                      \sqrt{\log(1/\delta)}}_{\text{recursive stability}},

stacked over a fine λ grid, with the total on top and the minimizing λ marked
(:func:`~stl_bounds.calibration.best_lambda` with horizon i: :math:`B_j` is
non-decreasing in j ≥ 1, so it returns the minimizer of :math:`B_i`).  docs/theory.md
§6.1 C3: the shift term falls with λ but the real-data term grows like √λ,
so the total need not be monotone.  Two panels: (a) the registry defaults
(ε = 0.05, g = 1), where the shift dominates and the best λ is 1 (the i.i.d.
bound); (b) an accurate, stable generator (ε = 0.005, g = 0.1), where the
optimum is interior.  Fidelity ``template``: constants c1..c4 = 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import stl_bounds
from stl_bounds.calibration import best_lambda
from stl_bounds.figures.spec import FigureSpec, Records

__all__ = ["FIGURE", "GENERATION", "PANELS"]

BOUND = "fu2025.thm1"
GENERATION = 20
#: λ grid points (fine enough for the stacked areas and the total to look smooth).
GRID = 401
#: Panel title → the parameters that differ from the registry defaults.
PANELS: dict[str, dict[str, float]] = {
    "(a) registry defaults": {},
    "(b) accurate, stable generator": {"eps": 0.005, "g": 0.1},
}
_LABELS = {
    "shift": r"shift $c_1 M (1-\lambda)\Delta_{i-1}$",
    "stability": r"stability $c_2\beta_n\log n\,\log(1/\delta)$",
    "sampling": r"sampling $c_3 M\sqrt{\log(1/\delta)/n}$",
    "recursive_stability": (
        r"recursive stability $c_4\sqrt{\lambda n}\,(\beta_n + (1-\lambda)M\gamma_n^{i-1})\sqrt{\log(1/\delta)}$"
    ),
}


def data(records: Records) -> dict[str, Any]:
    """Per panel: the terms and total of :math:`B_i` on the λ grid, the minimizer λ* and :math:`B_i` there."""
    bound = stl_bounds.get(BOUND)
    lam = np.linspace(0.0, 1.0, GRID)
    panels = {}
    for title, overrides in PANELS.items():
        result = bound.evaluate(lam=lam, i=GENERATION, **overrides)
        best = best_lambda(BOUND, horizon=GENERATION, **overrides)
        at_best = bound.evaluate(lam=best.value, i=GENERATION, **overrides)
        scalars = {k: v for k, v in at_best.params.items() if k not in ("lam", "i", "shift", "gamma")}
        panels[title] = {
            "overrides": overrides,
            "params": scalars,
            "terms": result.terms,
            "value": result.value,
            "lam_best": best.value,
            "value_best": at_best.value,
            "method": best.method,
        }
    return {"bound": BOUND, "i": GENERATION, "lam": lam, "panels": panels}


def draw(fig: Figure, d: Mapping[str, Any]) -> None:
    """Side by side: stacked terms, total line, the minimizing λ as a dotted line and a dot."""
    axes = fig.subplots(1, len(d["panels"]), sharey=False)
    for ax, (title, panel) in zip(np.atleast_1d(axes), d["panels"].items(), strict=True):
        names = list(panel["terms"])
        ax.stackplot(
            d["lam"],
            *(panel["terms"][k] for k in names),
            labels=[_LABELS.get(k, k) for k in names],
            alpha=0.75,
            linewidth=0,
        )
        ax.plot(d["lam"], panel["value"], color="black", linewidth=1.2, label=r"total $B_i$")
        ax.axvline(panel["lam_best"], color="black", linestyle=":", linewidth=0.9)
        ax.plot(
            [panel["lam_best"]],
            [panel["value_best"]],
            marker="o",
            color="black",
            markersize=4,
            linestyle="none",
            clip_on=False,
            zorder=5,
            label=r"minimizer $\lambda^*$ of $B_i$",
        )
        edge = "right" if panel["lam_best"] > 0.8 else "left"
        ax.annotate(
            rf"$\lambda^* = {panel['lam_best']:.3g}$",
            (panel["lam_best"], panel["value_best"]),
            xytext=(-4 if edge == "right" else 4, 6),
            textcoords="offset points",
            ha=edge,
            va="bottom",
            fontsize=7.5,
        )
        p = panel["params"]
        ax.set_title(f"{title}\n" + rf"$\varepsilon = {p['eps']:g}$, $g = {p['g']:g}$", loc="left")
        ax.set_xlabel(r"real proportion $\lambda$")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.08 * float(np.max(panel["value"])))
    first = np.atleast_1d(axes)[0]
    first.set_ylabel(rf"terms of $B_{{{d['i']}}}$ (fu2025.thm1)")
    handles, labels = first.get_legend_handles_labels()
    p = next(iter(d["panels"].values()))["params"]
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=3,
        title=(
            rf"generation $i = {d['i']}$, $n = {p['n']:g}$, $\kappa = {p['kappa']:g}$, $\beta_n = {p['beta']:g}$, "
            rf"$M = {p['M']:g}$, $\delta = {p['delta']:g}$, "
            + ", ".join(rf"$c_{k} = {p[f'c{k}']:g}$" for k in range(1, 5))
        ),
        title_fontsize=7.5,
    )


FIGURE = FigureSpec(
    name="terms_breakdown",
    caption=(
        "The four terms of fu2025.thm1 (template) stacked against the real proportion λ at generation i = 20, the "
        "total on top and its minimizer marked: with the registry defaults the shift term dominates and λ = 1 is "
        "best; with an accurate, stable generator the real-data term, growing like √λ, makes the optimum interior."
    ),
    theory="docs/theory.md §4.1, §6.1 C3",
    bound_ids=(BOUND,),
    campaigns=(),
    data=data,
    draw=draw,
    parameters={"i": GENERATION, "lam": f"linspace(0, 1, {GRID})", "panels": PANELS, "others": "registry defaults"},
    aspect=0.56,
    full_width=True,
)
