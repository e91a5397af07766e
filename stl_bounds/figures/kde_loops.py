r"""Figure ``kde_loops``: Gaussian KDE loops against docs/theory.md §5.8, and the exact threshold λ* (claim C8).

From the ``kde_loops`` campaign record (n = 50, σ = 1, scipy's ``gaussian_kde`` law):

* (a) :math:`E v_t` (the MLE variance of generation t's data) against the fit t, log scale, for
  ``replace`` (geometric growth at ρ = 1 − 1/n + n^(−2/5)), ``fixed_bandwidth`` and ``fresh(λ)``:
  Monte Carlo means (markers, ±1.96·SE from the record) and the exact values (lines,
  ``stl_bounds.get("kde.<regime>.var").evaluate(...)``, evaluated afresh here);
* (b) the per-trajectory late slope of :math:`\log v_t` against λ, with the record's Bonferroni
  interval (±z_threshold·SE), the cut ±τ and the exact threshold λ* (``kde.fresh.threshold``,
  evaluated afresh): filled markers are judged points, open ones lie within the margin of λ*.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import stl_bounds
from stl_bounds.figures.gaussian_loops import COLORS, plain_log_axis
from stl_bounds.figures.spec import FigureSpec, Records

__all__ = ["FIGURE"]

CAMPAIGN = "kde_loops"
#: Half-width of the plotted intervals in standard errors (two-sided 95%).
Z95 = 1.96
_COLORS = {"replace": COLORS["replace"], "fixed_bandwidth": "#E69F00", "fresh": COLORS["fresh"]}
_CLASS_COLORS = {"diverges": "#D55E00", "converges": "#0072B2", "undecided": "0.5"}


def _exact(params: Mapping[str, Any], t: np.ndarray) -> np.ndarray:
    bound = stl_bounds.get(f"kde.{params['regime']}.var")
    args = {k: v for k, v in params.items() if k in bound.parameter_names}
    return np.asarray(bound.evaluate(**args, t=t).value, dtype=float)


def data(records: Records) -> dict[str, Any]:
    """The closed-form series (record and fresh registry values) and the λ grid's slopes with λ*."""
    record = records.require(CAMPAIGN)
    series, grid = [], []
    for task in record["tasks"]:
        p, d = task["params"], task["data"]
        if p["kind"] == "closed":
            t = np.asarray(d["var"]["t"], dtype=int)
            extra = rf", $\lambda = {p['lam']:g}$" if "lam" in p else (rf", $h = {p['h']:g}$" if "h" in p else "")
            series.append(
                {
                    "id": d["var"]["id"],
                    "regime": p["regime"],
                    "label": p["regime"] + extra,
                    "t": t,
                    "mc": np.asarray(d["var"]["mc_mean"], dtype=float),
                    "se": np.asarray(d["var"]["se"], dtype=float),
                    "exact": _exact(p, t),
                }
            )
        else:
            grid.append({k: d[k] for k in ("lam", "slope_mean", "slope_ci", "simulated", "judged")})
    n = record["tasks"][-1]["params"]["n"]
    return {
        "campaign": CAMPAIGN,
        "z": Z95,
        "n": n,
        "replicates": min(t["replicates"] for t in record["tasks"]),
        "series": series,
        "grid": grid,
        "lam_star": float(stl_bounds.get("kde.fresh.threshold").evaluate(n=n).value),
        "tau": float(record["figures"]["tau"]),
    }


def draw(fig: Figure, d: Mapping[str, Any]) -> None:
    """(a) E v_t against t (log); (b) late slope of log v_t against λ with λ*."""
    ax_v, ax_s = fig.subplots(1, 2)
    z = d["z"]
    variant: dict[str, int] = {}
    for s in d["series"]:
        k = variant.get(s["regime"], 0)
        variant[s["regime"]] = k + 1
        color = _COLORS[s["regime"]]
        ax_v.plot(
            s["t"],
            s["exact"],
            color=color,
            linestyle=("-", "--")[k],
            linewidth=1.0,
            gid=f"exact:{s['id']}:{s['label']}",
        )
        mc = ax_v.errorbar(
            s["t"],
            s["mc"],
            yerr=z * np.asarray(s["se"]),
            color=color,
            marker="os"[k],
            linestyle="none",
            markersize=3.2,
            elinewidth=0.8,
            label=s["label"],
        )
        mc.lines[0].set_gid(f"mc:{s['id']}:{s['label']}")
    plain_log_axis(ax_v)
    ax_v.set_xlabel("fit $t$")
    ax_v.set_ylabel(r"$E\,v_t$ (variance of generation $t$)")
    ax_v.set_title(r"(a) $E\,v_t$: Monte Carlo vs exact", loc="left")
    ax_v.legend(fontsize="small", loc="upper left")
    ax_s.axhspan(-d["tau"], d["tau"], color="0.85", linewidth=0, label=rf"$|s| < \tau = {d['tau']:g}$")
    ax_s.axvline(
        d["lam_star"],
        color="0.2",
        linestyle="--",
        linewidth=1.0,
        gid="lam_star",
        label=rf"exact $\lambda^* = {d['lam_star']:.3f}$",
    )
    for cls, color in _CLASS_COLORS.items():
        for judged in (True, False):
            pts = [g for g in d["grid"] if g["simulated"] == cls and g["judged"] == judged]
            if not pts:
                continue
            lam = np.array([g["lam"] for g in pts])
            mean = np.array([g["slope_mean"] for g in pts])
            ci = np.array([g["slope_ci"] for g in pts])
            bars = ax_s.errorbar(
                lam,
                mean,
                yerr=[mean - ci[:, 0], ci[:, 1] - mean],
                color=color,
                marker="o",
                markerfacecolor=color if judged else "white",
                linestyle="none",
                markersize=3.5,
                elinewidth=0.8,
                label=f"{cls}" + ("" if judged else " (not judged)"),
            )
            bars.lines[0].set_gid(f"slope:{cls}:{'judged' if judged else 'margin'}")
    ax_s.set_xlabel(r"real fraction $\lambda$")
    ax_s.set_ylabel(r"late slope of $\log v_t$")
    ax_s.set_title(r"(b) converge iff $\lambda > \lambda^*$ (C8)", loc="left")
    ax_s.legend(fontsize="x-small", loc="upper right")
    fig.suptitle(
        rf"KDE loops (gaussian_kde law), $n = {d['n']}$, Monte Carlo ({d['replicates']}+ runs): (a) $\pm{z:g}\,$SE, "
        "\n"
        r"(b) Bonferroni intervals; lines: exact (registry)",
        fontsize="small",
    )


FIGURE = FigureSpec(
    name="kde_loops",
    caption=(
        "Kernel density loops (scipy's gaussian_kde, Scott's rule): the variance of replace grows geometrically at "
        "ρ = 1 − 1/n + n^(−2/5), fixed bandwidth and fresh(λ) level off, all as docs/theory.md §5.8 says (lines). "
        "Right: the simulated loop converges exactly when λ exceeds the threshold λ* of the 2×2 recursion (claim C8)."
    ),
    theory="docs/theory.md §5.8, §6.1 C8",
    bound_ids=("kde.replace.var", "kde.fixed_bandwidth.var", "kde.fresh.var", "kde.fresh.threshold"),
    campaigns=(CAMPAIGN,),
    data=data,
    draw=draw,
    parameters={"interval": "(a) ±1.96·SE, (b) ±z_threshold·SE"},
    aspect=0.5,
    full_width=True,
)
