r"""Figure ``transformer_icl``: ICL risk of trained LSA over generations (docs/theory.md §6.1 C5, §5.6).

From the ``icl_loop`` campaign record (one-layer LSAs trained by Adam,
generation i warm-started from i − 1; d = 4, N = 16 context pairs, label noise
σ² = 0.25): the ICL risk :math:`E(\hat y - w^\top x_q)^2` on held-out real
prompts against the generation i = 0, 1, …, one series per real proportion λ,
in the ``reused`` (a) and ``fresh`` (b) regimes:

* markers: the mean over trained replicas, ±1.96·SE (the record's SE over
  replicas);
* solid line and band: the idealised loop of the record (the linear recursion
  of docs/theory.md §5.5/§5.6 with the optimal LSA refitted by least squares each
  generation, no training), mean ±1.96·SE over its replicas;
* dotted: the optimum :math:`r^* = d(d+1+\sigma^2)/(N+d+1+\sigma^2)` of a
  one-layer LSA, ``stl_bounds.get("icl.lsa_opt.risk").evaluate(d, N,
  sigma2)`` (the record's ``optimum`` is the same registry value).

With this label design the risk rises for every λ < 1 (each generation learns
the shrinkage of the synthetic labels) and real data slow the rise; λ = 1 stays
at the optimum.  Needs the torch path: without torch the ``icl_loop`` record is
skipped and so is the figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import stl_bounds
from stl_bounds.figures.spec import FigureSkipped, FigureSpec, Records

__all__ = ["FIGURE"]

CAMPAIGN = "icl_loop"
BOUND = "icl.lsa_opt.risk"
#: Half-width of the plotted intervals in standard errors (two-sided 95%).
Z95 = 1.96
REGIMES = ("reused", "fresh")
_COLORS = {0.0: "#D55E00", 0.25: "#E69F00", 0.5: "#0072B2", 0.75: "#56B4E9", 1.0: "#009E73"}
_MARKERS = {0.0: "o", 0.25: "s", 0.5: "^", 0.75: "v", 1.0: "D"}


def data(records: Records) -> dict[str, Any]:
    """Per regime and λ: risk mean and SE per generation, the idealised loop's, and r* from the registry."""
    record = records.require(CAMPAIGN)
    panels: dict[str, list[dict[str, Any]]] = {regime: [] for regime in REGIMES}
    setting = None
    for task in record["tasks"]:
        p, rec = task["params"], task["data"]
        if p["regime"] not in panels:
            continue
        setting = {k: p[k] for k in ("d", "N", "sigma2", "generations")}
        optimum = float(stl_bounds.get(BOUND).evaluate(d=p["d"], N=p["N"], sigma2=p["sigma2"]).value)
        risk = np.asarray(rec["risk_mean"], dtype=float)
        panels[p["regime"]].append(
            {
                "lam": float(p["lam"]),
                "generation": np.arange(risk.size),
                "risk_mean": risk,
                "risk_se": np.asarray(rec["risk_se"], dtype=float),
                "reference_mean": np.asarray(rec["reference_mean"], dtype=float),
                "reference_se": np.asarray(rec["reference_se"], dtype=float),
                "optimum": optimum,
                "replicas": task["replicates"],
            }
        )
    if setting is None:
        raise FigureSkipped(f"the {CAMPAIGN!r} record has no task of the regimes {', '.join(REGIMES)}")
    for series in panels.values():
        series.sort(key=lambda s: s["lam"])
    return {"campaign": CAMPAIGN, "bound": BOUND, "z": Z95, "setting": setting, "panels": panels}


def draw(fig: Figure, d: Mapping[str, Any]) -> None:
    """One panel per regime: trained risk (markers ±1.96·SE), idealised loop (line and band), r* (dotted)."""
    regimes = [r for r in REGIMES if d["panels"][r]]
    axes = fig.subplots(1, len(regimes), sharey=True, squeeze=False)[0]
    z = d["z"]
    lams: dict[float, None] = {}
    for k, (ax, regime) in enumerate(zip(axes, regimes, strict=True)):
        for s in d["panels"][regime]:
            lam = s["lam"]
            lams[lam] = None
            color, marker = _COLORS.get(lam, "0.3"), _MARKERS.get(lam, "o")
            i = np.asarray(s["generation"])
            ref, ref_se = np.asarray(s["reference_mean"]), np.asarray(s["reference_se"])
            ax.fill_between(i, ref - z * ref_se, ref + z * ref_se, color=color, alpha=0.2, linewidth=0)
            ax.plot(i, ref, color=color, linestyle="-", linewidth=1.0, gid=f"reference:{regime}:{lam:g}")
            mc = ax.errorbar(
                i + 0.12 * (lam - 0.5),
                s["risk_mean"],
                yerr=z * np.asarray(s["risk_se"]),
                color=color,
                marker=marker,
                linestyle="none",
                markersize=3.5,
                elinewidth=0.9,
            )
            mc.lines[0].set_gid(f"risk:{regime}:{lam:g}")
        optimum = d["panels"][regime][0]["optimum"]
        ax.axhline(optimum, color="0.2", linestyle=":", linewidth=1.0, gid=f"optimum:{regime}")
        ax.annotate(
            rf"$r^* = {optimum:.3f}$ (LSA optimum)",
            (0.98, optimum),
            xycoords=("axes fraction", "data"),
            xytext=(0, -3),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize="small",
        )
        ax.set_xticks(np.asarray(d["panels"][regime][0]["generation"]))
        ax.set_xlabel("generation $i$")
        ax.set_title(f"({'ab'[k]}) {regime} real data", loc="left")
    axes[0].set_ylabel(r"ICL risk $E(\hat y - w^\top x_q)^2$")
    st = d["setting"]
    replicas = min(s["replicas"] for series in d["panels"].values() for s in series)
    handles = [
        Line2D([], [], color=_COLORS.get(lam, "0.3"), marker=_MARKERS.get(lam, "o"), label=rf"$\lambda = {lam:g}$")
        for lam in sorted(lams)
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles),
        title=(
            rf"One-layer LSA, $d = {st['d']}$, $N = {st['N']}$, $\sigma^2 = {st['sigma2']:g}$. Markers: trained "
            rf"({replicas} replicas) $\pm{z:g}\,$SE;"
            "\n"
            rf"lines and bands: idealised loop (§5.5/§5.6 recursion) $\pm{z:g}\,$SE; dotted: $r^*$ (registry)"
        ),
        title_fontsize="small",
    )


FIGURE = FigureSpec(
    name="transformer_icl",
    caption=(
        "In-context self-consuming loop of trained one-layer linear self-attention (markers, ±1.96·SE) against the "
        "idealised loop (lines) and the LSA optimum r* (dotted): the risk rises across generations for λ < 1, more "
        "slowly with more real data, and stays at r* for λ = 1."
    ),
    theory="docs/theory.md §6.1 C5, §5.6, §4.2",
    bound_ids=(BOUND,),
    campaigns=(CAMPAIGN,),
    data=data,
    draw=draw,
    parameters={"d": 4, "N": 16, "sigma2": 0.25, "regimes": list(REGIMES), "interval": "±1.96·SE"},
    aspect=0.5,
    full_width=True,
    requires_torch=True,
)
