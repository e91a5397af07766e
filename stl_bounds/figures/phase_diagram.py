r"""Figure ``phase_diagram``: convergence and collapse in the (λ, κ) plane (docs/theory.md §6.1 C4).

Lemma L4: with a generator that amplifies changes of its training distribution
by κ, the shift obeys :math:`\Delta_i \le \varepsilon + \rho\Delta_{i-1}` with
:math:`\rho = (1-\lambda)\kappa`, so it stays bounded iff ρ < 1, i.e. iff
:math:`\lambda > \lambda^* = 1 - 1/\kappa`.

Panel (a): the plane shaded by the regime of the registry's
``lemma.amplified_shift`` (``Result.regime``) on a fine grid, with the boundary
drawn as the ρ = 1 contour of the evaluated growth factor
(``Result.diagnostics["rho"]``) and the band :math:`|\rho - 1| <` margin (not
judged by the campaign) as the ρ = 1 ± margin contours; over it, the class of
each grid point of the campaign ``amplified_threshold`` (the slope of
:math:`\log|\mu_i|` over the second half of T generations of the simulated
loop, see :mod:`verification.campaigns.amplified_threshold`).  Panel (b): the
simulated mean shift :math:`E\Delta_T` (± 2 SE) against λ for each κ, with the
registry's threshold λ* (where its ρ crosses 1) dotted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

import stl_bounds
from stl_bounds.figures.spec import FigureSpec, Records
from stl_bounds.result import REGIMES

__all__ = ["FIGURE"]

BOUND = "lemma.amplified_shift"
CAMPAIGN = "amplified_threshold"
#: Fine grid of the shading: λ on [0, 1], κ log-spaced on [KAPPA_MIN, KAPPA_MAX].
LAM_POINTS, KAPPA_POINTS = 201, 161
KAPPA_MIN, KAPPA_MAX = 0.45, 4.4
_REGIME_COLORS = {"converges": "#cfe3f3", "critical": "#bbbbbb", "collapses": "#f6d5c3"}
_MARKERS = {
    "converges": {"marker": "o", "color": "#0072B2"},
    "collapses": {"marker": "X", "color": "#D55E00"},
    "undecided": {"marker": "s", "color": "0.35"},
}


def _threshold(lam: np.ndarray, rho: np.ndarray) -> float | None:
    """The λ where ρ(λ) crosses 1 (linear interpolation on the grid; ρ decreases in λ), or None if ρ < 1 throughout."""
    above = rho >= 1.0
    if not above.any():
        return None
    j = int(np.flatnonzero(above)[-1])
    if j == lam.size - 1:
        return float(lam[-1])
    return float(lam[j] + (rho[j] - 1.0) / (rho[j] - rho[j + 1]) * (lam[j + 1] - lam[j]))


def data(records: Records) -> dict[str, Any]:
    """The registry's regime and ρ on the fine grid, the campaign's per-point classes, and E Δ_T per κ."""
    record = records.require(CAMPAIGN)
    bound = stl_bounds.get(BOUND)
    lam = np.linspace(0.0, 1.0, LAM_POINTS)
    kappa = np.geomspace(KAPPA_MIN, KAPPA_MAX, KAPPA_POINTS)
    grid = bound.evaluate(lam=lam[None, :], kappa=kappa[:, None])
    rho = np.broadcast_to(grid.diagnostics["rho"], grid.shape)
    regime = np.broadcast_to(grid.regime, grid.shape)
    codes = np.zeros(grid.shape, dtype=int)  # index into REGIMES
    for j, name in enumerate(REGIMES):
        codes[regime == name] = j
    points = [dict(t["data"]) for t in record["tasks"]]
    keys = ("lam", "kappa", "rho", "regime", "judged", "simulated", "shift_last_mean", "shift_last_se")
    rows = {k: [p[k] for p in points] for k in keys}
    by_kappa = {}
    for k in dict.fromkeys(rows["kappa"]):
        mine = sorted((p for p in points if p["kappa"] == k), key=lambda p: p["lam"])
        line = bound.evaluate(lam=lam, kappa=k)
        by_kappa[f"{k:g}"] = {
            "kappa": k,
            "lam": [p["lam"] for p in mine],
            "shift_mean": [p["shift_last_mean"] for p in mine],
            "shift_se": [p["shift_last_se"] for p in mine],
            "lam_star": _threshold(lam, np.broadcast_to(line.diagnostics["rho"], lam.shape)),
        }
    return {
        "bound": BOUND,
        "campaign": CAMPAIGN,
        "lam_grid": lam,
        "kappa_grid": kappa,
        "rho_grid": rho,
        "regime_codes": codes,
        "regimes": list(REGIMES),
        "points": rows,
        "margin": record["figures"]["margin"],
        "generations": record["tasks"][0]["params"]["generations"],
        "n": record["tasks"][0]["params"]["n"],
        "by_kappa": by_kappa,
        "passed": record["passed"],
    }


def _kappa_axis(ax: Any, ticks: list[float]) -> None:
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def draw(fig: Figure, d: Mapping[str, Any]) -> None:
    """(a) shaded regimes, ρ = 1 boundary, margin band, simulated classes; (b) E Δ_T against λ per κ."""
    ax, bx = fig.subplots(1, 2, width_ratios=(1.15, 1))
    regimes = d["regimes"]
    cmap = ListedColormap([_REGIME_COLORS[r] for r in regimes])
    lam, kappa = np.asarray(d["lam_grid"]), np.asarray(d["kappa_grid"])
    ax.pcolormesh(
        lam,
        kappa,
        np.asarray(d["regime_codes"]),
        cmap=cmap,
        vmin=-0.5,
        vmax=len(regimes) - 0.5,
        shading="nearest",
        rasterized=True,
    )
    rho = np.asarray(d["rho_grid"])
    ax.contour(lam, kappa, rho, levels=[1.0], colors="black", linewidths=1.2)
    margin = d["margin"]
    ax.contour(lam, kappa, rho, levels=[1.0 - margin, 1.0 + margin], colors="0.4", linewidths=0.7, linestyles="--")
    p = d["points"]
    judged = np.asarray(p["judged"], dtype=bool)
    simulated = np.asarray(p["simulated"])
    for cls, style in _MARKERS.items():
        for inside, filled in ((True, True), (False, False)):
            sel = (simulated == cls) & (judged == inside)
            if not sel.any():
                continue
            ax.plot(
                np.asarray(p["lam"])[sel],
                np.asarray(p["kappa"])[sel],
                linestyle="none",
                marker=style["marker"],
                markersize=4.5,
                markeredgewidth=0.8,
                color=style["color"],
                markerfacecolor=style["color"] if filled else "white",
                clip_on=False,
                zorder=4,
            )
    kappas = sorted(float(k) for k in dict.fromkeys(p["kappa"]))
    _kappa_axis(ax, kappas)
    ax.set_xlim(0, 1)
    ax.set_ylim(kappa[0], kappa[-1])
    ax.set_xlabel(r"real proportion $\lambda$")
    ax.set_ylabel(r"amplification $\kappa$")
    ax.set_title(r"(a) regimes: registry shading, simulated markers", loc="left")
    ax.grid(False)

    for curve in d["by_kappa"].values():
        (line,) = bx.plot(
            curve["lam"], curve["shift_mean"], marker="o", markersize=2.5, label=rf"$\kappa = {curve['kappa']:g}$"
        )
        bx.fill_between(
            curve["lam"],
            np.asarray(curve["shift_mean"]) - 2 * np.asarray(curve["shift_se"]),
            np.asarray(curve["shift_mean"]) + 2 * np.asarray(curve["shift_se"]),
            color=line.get_color(),
            alpha=0.25,
            linewidth=0,
        )
        if curve["lam_star"] is not None:
            bx.axvline(curve["lam_star"], color=line.get_color(), linestyle=":", linewidth=0.9)
    bx.set_xlim(0, 1)
    bx.set_ylim(0, 1.02)
    bx.set_xlabel(r"real proportion $\lambda$")
    bx.set_ylabel(rf"mean shift $E\,\Delta_{{{d['generations']}}}$ (simulated)")
    bx.set_title(r"(b) shift at the last generation; dotted: $\lambda^*$ (ρ = 1)", loc="left")
    bx.legend(loc="center left", bbox_to_anchor=(0.0, 0.6), ncols=1, handlelength=1.6)

    handles = [
        Patch(color=_REGIME_COLORS["converges"], label=r"registry: converges ($\rho < 1$)"),
        Patch(color=_REGIME_COLORS["collapses"], label=r"registry: collapses ($\rho > 1$)"),
        Line2D([], [], color="black", linewidth=1.2, label=r"$\rho = (1-\lambda)\kappa = 1$"),
        Line2D([], [], color="0.4", linewidth=0.7, linestyle="--", label=rf"$|\rho - 1| = {margin:g}$"),
    ]
    for cls, style in _MARKERS.items():
        if (simulated == cls).any():
            handles.append(
                Line2D(
                    [], [], linestyle="none", marker=style["marker"], color=style["color"], label=f"simulated: {cls}"
                )
            )
    handles.append(
        Line2D([], [], linestyle="none", marker="o", color="0.35", markerfacecolor="white", label="hollow: not judged")
    )
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=4,
        title=(
            rf"simulated loop $\mu_i = \kappa\cdot$mean of $\lambda n$ real + $(1-\lambda)n$ synthetic points, "
            rf"$n = {d['n']:g}$, $T = {d['generations']}$ generations; ± 2 SE bands"
        ),
        title_fontsize=7.5,
    )


FIGURE = FigureSpec(
    name="phase_diagram",
    caption=(
        "Claim C4: regimes of lemma.amplified_shift in the (λ, κ) plane (shading; boundary λ = 1 − 1/κ where "
        "ρ = (1−λ)κ = 1) against the classes of a simulated amplifying Gaussian loop (markers; hollow: within the "
        "unjudged band near ρ = 1), and the simulated mean shift at the last generation against λ for each κ."
    ),
    theory="docs/theory.md §3 L4, §6.1 C4",
    bound_ids=(BOUND,),
    campaigns=(CAMPAIGN,),
    data=data,
    draw=draw,
    parameters={
        "lam": f"linspace(0, 1, {LAM_POINTS})",
        "kappa": f"geomspace({KAPPA_MIN}, {KAPPA_MAX}, {KAPPA_POINTS})",
    },
    aspect=0.55,
    full_width=True,
)
