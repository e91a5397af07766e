r"""Figure ``categorical_loops``: categorical loops against docs/theory.md §5.7, and their recursive stability (§6.5).

From the ``categorical_loops`` campaign record (K = 4, p⁰ = (0.4, 0.3, 0.2, 0.1), n = 20):

* (a) the diversity :math:`E H(p_t)/H_0` against the fit t for ``replace``, ``fresh(λ)``, ``accumulate``
  and ``accumulate_subsample``: Monte Carlo means (markers, ±1.96·SE from the record) and the exact
  values (lines, ``stl_bounds.get("cat.<regime>.diversity").evaluate(H0, n, t[, lam])``, evaluated afresh
  here); the fixation runs of ``replace`` (mean fits to one category, ±1.96·SE) are noted next to
  Kimura–Ohta's value;
* (b) :math:`n\,\hat\gamma_n^i` against the generation i (coupled runs, K = 4 uniform): one line per n;
  for λ > 0 the lines coincide (γ̂ ∝ 1/n) and are flat in i, at λ = 0 they rise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import stl_bounds
from stl_bounds.figures.gaussian_loops import COLORS
from stl_bounds.figures.spec import FigureSpec, Records

__all__ = ["FIGURE"]

CAMPAIGN = "categorical_loops"
#: Half-width of the plotted intervals in standard errors (two-sided 95%).
Z95 = 1.96
REGIMES = ("replace", "fresh", "accumulate", "accumulate_subsample")
_LINESTYLES = ("-", "--", "-.", ":")


def _exact(task: Mapping[str, Any]) -> np.ndarray:
    p = task["params"]
    h0 = 1.0 - float(np.sum(np.asarray(p["p0"], dtype=float) ** 2))
    args: dict[str, Any] = {"H0": h0, "n": p["n"], "t": np.arange(1, p["fits"] + 1)}
    if p["regime"] == "fresh":
        args["lam"] = p["lam"]
    return np.asarray(stl_bounds.get(f"cat.{p['regime']}.diversity").evaluate(**args).value, dtype=float) / h0


def data(records: Records) -> dict[str, Any]:
    """Diversity series (record and fresh registry values), fixation summaries and n·γ̂ curves."""
    record = records.require(CAMPAIGN)
    diversity = []
    for task in record["tasks"]:
        p, d = task["params"], task["data"]
        if p["kind"] != "diversity":
            continue
        h0 = float(d["H0"])
        label = p["regime"] + (rf", $\lambda = {p['lam']:g}$" if p["regime"] == "fresh" else "")
        diversity.append(
            {
                "id": d["id"],
                "regime": p["regime"],
                "label": label,
                "t": np.asarray(d["t"], dtype=int),
                "mc": np.asarray(d["mc_mean"], dtype=float) / h0,
                "se": np.asarray(d["se"], dtype=float) / h0,
                "exact": _exact(task),
            }
        )
    fixation = [
        {
            "p0": list(t["params"]["p0"]),
            "n": t["params"]["n"],
            "mean": float(t["data"]["mean_fits"]),
            "se": float(t["data"]["se_fits"]),
            "kimura_ohta": float(t["data"]["kimura_ohta"]),
        }
        for t in record["tasks"]
        if t["params"]["kind"] == "fixation"
    ]
    stability = [
        {
            "lam": t["params"]["lam"],
            "n": t["params"]["n"],
            "i": np.asarray(t["data"]["generation"], dtype=int),
            "n_gamma": t["params"]["n"] * np.asarray(t["data"]["gamma_mean"], dtype=float),
            "n_se": t["params"]["n"] * np.asarray(t["data"]["gamma_se"], dtype=float),
        }
        for t in record["tasks"]
        if t["params"]["kind"] == "stability"
    ]
    replicates = min(t["replicates"] for t in record["tasks"])
    return {
        "campaign": CAMPAIGN,
        "z": Z95,
        "replicates": replicates,
        "diversity": diversity,
        "fixation": fixation,
        "stability": stability,
    }


def draw(fig: Figure, d: Mapping[str, Any]) -> None:
    """(a) diversity against t; (b) n·γ̂ against i."""
    ax_h, ax_g = fig.subplots(1, 2)
    z = d["z"]
    variant: dict[str, int] = {}
    for s in d["diversity"]:
        k = variant.get(s["regime"], 0)
        variant[s["regime"]] = k + 1
        color = COLORS[s["regime"]]
        ax_h.plot(
            s["t"],
            s["exact"],
            color=color,
            linestyle=_LINESTYLES[k],
            linewidth=1.0,
            gid=f"exact:{s['id']}:{s['label']}",
        )
        mc = ax_h.errorbar(
            s["t"],
            s["mc"],
            yerr=z * np.asarray(s["se"]),
            color=color,
            marker="os^D"[k],
            linestyle="none",
            markersize=3.2,
            elinewidth=0.8,
            label=s["label"],
        )
        mc.lines[0].set_gid(f"mc:{s['id']}:{s['label']}")
    ax_h.set_xlabel(r"fit $t$ (generation $i = t - 1$)")
    ax_h.set_ylabel(r"$E\,H(p_t)/H_0$ (Gini–Simpson)")
    ax_h.set_title("(a) diversity: Monte Carlo vs exact", loc="left")
    notes = [
        rf"$p^0 = ({','.join(f'{p:g}' for p in f['p0'])})$, $n = {f['n']}$:"
        "\n"
        rf"  {f['mean']:.1f} $\pm$ {z * f['se']:.1f} (Kimura–Ohta {f['kimura_ohta']:.1f})"
        for f in d["fixation"]
    ]
    ax_h.text(
        0.02,
        0.03,
        "replace, fits until one\ncategory is left:\n" + "\n".join(notes),
        transform=ax_h.transAxes,
        fontsize="xx-small",
        va="bottom",
    )
    ax_h.legend(fontsize="x-small", loc="upper right", bbox_to_anchor=(1.0, 0.8))
    colors = {0.0: COLORS["replace"], 0.5: COLORS["reused"]}
    for s in d["stability"]:
        color = colors.get(s["lam"], "0.3")
        ns = sorted({c["n"] for c in d["stability"] if c["lam"] == s["lam"]})
        style = _LINESTYLES[ns.index(s["n"]) % len(_LINESTYLES)]
        gamma, se = np.asarray(s["n_gamma"]), np.asarray(s["n_se"])
        ax_g.fill_between(s["i"], gamma - z * se, gamma + z * se, color=color, alpha=0.25, linewidth=0)
        kind = "replace" if s["lam"] == 0 else "reused"
        ax_g.plot(
            s["i"],
            gamma,
            color=color,
            linestyle=style,
            linewidth=1.0,
            gid=f"gamma:{s['lam']:g}:{s['n']}",
            label=rf"{kind}, $\lambda = {s['lam']:g}$, $n = {s['n']}$",
        )
    ax_g.set_xlabel("generation $i$")
    ax_g.set_ylabel(r"$n\,\hat\gamma_n^i$ (coupled exact $d_{TV}$)")
    ax_g.set_title(r"(b) recursive stability $\times\, n$", loc="left")
    ax_g.set_ylim(bottom=0.0)
    ax_g.legend(fontsize="xx-small", ncols=2, loc="lower right")
    fig.suptitle(
        rf"Categorical loops: markers/bands Monte Carlo ({d['replicates']}+ runs) $\pm{z:g}\,$SE; "
        "lines exact (registry)",
        fontsize="small",
    )


FIGURE = FigureSpec(
    name="categorical_loops",
    caption=(
        "Categorical (Wright–Fisher) loops: Monte Carlo diversity (±1.96·SE) against the exact values of "
        "docs/theory.md §5.7; replace loses diversity, fresh, accumulate and accumulate_subsample keep it. Right: "
        "coupled recursive stability times n: flat and equal across n for λ = 0.5 (γ ∝ 1/n), growing in i at λ = 0."
    ),
    theory="docs/theory.md §5.7, §6.2, §6.5",
    bound_ids=tuple(f"cat.{r}.diversity" for r in REGIMES) + ("cat.replace.fixation_time",),
    campaigns=(CAMPAIGN,),
    data=data,
    draw=draw,
    parameters={"interval": "±1.96·SE"},
    aspect=0.5,
    full_width=True,
)
