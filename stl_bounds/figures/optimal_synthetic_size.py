r"""Figure ``optimal_synthetic_size``: the objective B(m) against m/n and the optimal size m* (docs/theory.md §4.3, C6).

With n real and m synthetic points, N = n + m, λ = n/N and a generator error
ε = a/√N, the limit shift term (L3, κ = 1, i → ∞) plus the sampling term of
``fu2025.thm1`` are (registered as ``fu2025.synthetic_size_objective``)

.. math::

    B(m) = M\Big[c_1 (1-\lambda)\frac{\varepsilon}{\lambda} + \frac{C}{\sqrt N}\Big]
         = M\Big[\frac{c_1 a}{n}\sqrt N + \frac{C - c_1 a}{\sqrt N}\Big],
    \qquad C = c_3\sqrt{\log(1/\delta)},

minimized over m ≥ 0 at :math:`m^* = n\,(C/(c_1 a) - 2)` when C > 2 c1 a and at
m* = 0 otherwise (``fu2025.optimal_m``).  Panel (a): :math:`B(m)/B(0)` against
m/n for several ratios C/(c1·a), each with its m* marked (evaluated at the exact
m*, via λ = n/(n + m*)); panel (b): m*/n against C/(c1·a), zero up to 2 and
linear beyond, so m* grows linearly with n.  The ratios are set through a,
with C read off the registry as :math:`\sqrt n \cdot \text{sampling}(m{=}0)/M`.
Fidelity ``derived`` (inside the ``template`` of §4.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import stl_bounds
from stl_bounds.figures.spec import FigureSpec, Records

__all__ = ["FIGURE", "RATIOS"]

OBJECTIVE = "fu2025.synthetic_size_objective"
OPTIMUM = "fu2025.optimal_m"
#: Values of C/(c1·a): no benefit (< 2), the edge (= 2), interior optima at m*/n = 1, 2, 4.
RATIOS = (1.5, 2.0, 3.0, 4.0, 6.0)
#: m/n from 0 to this, in steps of 1/STEPS_PER_N (m integral: n is a multiple of STEPS_PER_N).
MAX_RATIO_M = 6.0
STEPS_PER_N = 200
#: Panel (b): C/(c1·a) from 0 (exclusive) to this.
MAX_RATIO_C = 8.0


def _c(objective: stl_bounds.Bound, **params: Any) -> float:
    """C = c3·√(log(1/δ)) as the registry has it: B's sampling term at m = 0 is M·C/√n."""
    at_zero = objective.evaluate(m=0, **params)
    return float(at_zero.terms["sampling"] * np.sqrt(at_zero.params["n"]) / at_zero.params["M"])


def data(records: Records) -> dict[str, Any]:
    """Per ratio: B(m)/B(0) on the m grid and (m*/n, B(m*)/B(0)); panel (b): m*/n on a ratio grid."""
    objective, optimum = stl_bounds.get(OBJECTIVE), stl_bounds.get(OPTIMUM)
    defaults = {k: v for k, v in objective.evaluate().params.items() if k != "lam"}
    n, c1 = defaults["n"], defaults["c1"]
    c = _c(objective)
    m = np.arange(0, MAX_RATIO_M * n + 1, n / STEPS_PER_N)
    curves = {}
    for ratio in RATIOS:
        a = c / (c1 * ratio)
        values = objective.evaluate(m=m, a=a).value
        b0 = objective.evaluate(m=0, a=a).value
        m_star = optimum.evaluate(a=a).value
        at_star = objective.evaluate(lam=n / (n + m_star), a=a).value
        curves[f"{ratio:g}"] = {
            "ratio": ratio,
            "a": a,
            "relative": values / b0,
            "m_star": m_star,
            "m_star_over_n": m_star / n,
            "relative_at_m_star": at_star / b0,
        }
    ratio_grid = np.linspace(MAX_RATIO_C / 400, MAX_RATIO_C, 400)
    m_star_grid = optimum.evaluate(a=c / (c1 * ratio_grid)).value
    return {
        "objective": OBJECTIVE,
        "optimum": OPTIMUM,
        "defaults": defaults,
        "C": c,
        "m": m,
        "m_over_n": m / n,
        "curves": curves,
        "ratio_grid": ratio_grid,
        "m_star_over_n_grid": m_star_grid / n,
    }


def _short(x: float) -> str:
    """3 significant digits; rounding residue of a zero optimum (|x| < 1e-9) shown as 0."""
    return "0" if abs(x) < 1e-9 else f"{x:.3g}"


def draw(fig: Figure, d: Mapping[str, Any]) -> None:
    """(a) B(m)/B(0) per ratio with m* dots; (b) m*/n against the ratio, the chosen ratios as dots."""
    ax, bx = fig.subplots(1, 2, width_ratios=(1.6, 1))
    for curve in d["curves"].values():
        label = rf"$C/(c_1 a) = {curve['ratio']:g}$: $m^*/n = {_short(curve['m_star_over_n'])}$"
        (line,) = ax.plot(d["m_over_n"], curve["relative"], label=label)
        ax.plot(
            [curve["m_star_over_n"]],
            [curve["relative_at_m_star"]],
            marker="o",
            color=line.get_color(),
            linestyle="none",
            clip_on=False,
            zorder=5,
        )
        bx.plot(
            [curve["ratio"]],
            [curve["m_star_over_n"]],
            marker="o",
            color=line.get_color(),
            linestyle="none",
            clip_on=False,
            zorder=5,
        )
    ax.axhline(1.0, color="0.5", linewidth=0.6, linestyle=":")
    ax.set_xlabel(r"synthetic points per real point $m/n$")
    ax.set_ylabel(r"relative objective $B(m)\,/\,B(0)$")
    ax.set_xlim(0, d["m_over_n"][-1])
    p = d["defaults"]
    ax.set_title(
        rf"(a) objective, $n = {p['n']:g}$, $\delta = {p['delta']:g}$, $c_1 = {p['c1']:g}$, $c_3 = {p['c3']:g}$"
        r"; dots: $m^*$",
        loc="left",
    )
    ax.legend(loc="upper left", title=r"$C = c_3\sqrt{\log(1/\delta)}$" + f" = {d['C']:.3g}", title_fontsize=7.5)

    bx.plot(d["ratio_grid"], d["m_star_over_n_grid"], color="black", linewidth=1.0, zorder=1)
    bx.axvline(2.0, color="0.5", linewidth=0.6, linestyle=":")
    bx.set_xlabel(r"$C/(c_1 a)$")
    bx.set_ylabel(r"optimal $m^*/n$")
    bx.set_xlim(0, d["ratio_grid"][-1])
    bx.set_ylim(bottom=0)
    bx.set_title(r"(b) $m^* = n\,\max(C/(c_1 a) - 2,\ 0)$", loc="left")


FIGURE = FigureSpec(
    name="optimal_synthetic_size",
    caption=(
        "The objective B(m) of docs/theory.md §4.3 (limit shift + sampling terms, ε = a/√(n+m)) relative to real "
        "data only, "
        "against the synthetic size m/n for several ratios C/(c1·a), with the optimum m* marked (a); m*/n against "
        "the ratio (b): synthetic data helps only when C > 2·c1·a, and then m* grows linearly with n."
    ),
    theory="docs/theory.md §4.3, §6.1 C6",
    bound_ids=(OBJECTIVE, OPTIMUM),
    campaigns=(),
    data=data,
    draw=draw,
    parameters={"C/(c1 a)": list(RATIOS), "m/n": f"0..{MAX_RATIO_M:g}", "others": "registry defaults"},
    aspect=0.42,
    full_width=True,
)
