r"""Figure ``recursive_stability``: measured :math:`\hat\gamma_n^i` against n and i, with L5 (docs/theory.md §6.5, §3).

From the ``recursive_stability`` campaign record: :math:`\hat\gamma_n^i`, the
mean over coupled trajectories of the worst-case
:math:`d_{TV}(D_i(S_0), D_i(S_0'))` of the 1-D Gaussian loop (``reused(λ)``
for λ > 0, ``replace`` at λ = 0), with ±1.96·SE from the record.

* (a) :math:`\hat\gamma_n^i` at the last generation against n (log-log), one
  series per λ, with the record's least-squares slope of
  :math:`\log\hat\gamma` against log n and its 95% interval (≈ −1 for λ > 0:
  the O(1/n) rate of a recursively stable loop);
* (b) :math:`\hat\gamma_n^i` against the generation i at the smallest n (the
  largest effect), log scale: flat for λ > 0, growing at λ = 0 (recursively
  unstable).

Dashed, in both panels: the L5 bound of the registry,
``stl_bounds.get("lemma.recursive_stability").evaluate(g=ĝ_λ, n, lam=λ,
kappa=1, i)`` = :math:`(\hat g_\lambda/n)(1-\rho^{i+1})/(1-\rho)`, ρ = 1 − λ,
at the same (λ, n, i).  The generator's one-step constant g of this loop is
not known in closed form, so :math:`\hat g_\lambda` is *fitted*: the smallest g
for which the bound lies above every :math:`\hat\gamma_n^i` of the grid at that
λ (the bound is linear in g; its registry default g = 1, which docs/theory.md §6.4
uses, lies below the measurements here).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

import stl_bounds
from stl_bounds.figures.spec import FigureSpec, Records

__all__ = ["FIGURE"]

CAMPAIGN = "recursive_stability"
BOUND = "lemma.recursive_stability"
#: Half-width of the plotted intervals in standard errors (two-sided 95%).
Z95 = 1.96
#: Amplification of the L5 bound: the Gaussian loop's generator does not magnify shifts (κ = 1).
KAPPA = 1.0


def _l5(g: float, n: Any, lam: float, i: Any) -> np.ndarray:
    return np.asarray(stl_bounds.get(BOUND).evaluate(g=g, n=n, lam=lam, kappa=KAPPA, i=i).value, dtype=float)


def data(records: Records) -> dict[str, Any]:
    """Per λ: γ̂ and SE at the last generation against n, against i at the smallest n, the fitted L5 bound."""
    record = records.require(CAMPAIGN)
    by_lam: dict[float, dict[int, Mapping[str, Any]]] = {}
    for task in record["tasks"]:
        by_lam.setdefault(float(task["params"]["lam"]), {})[int(task["params"]["n"])] = task
    curves = {}
    n_small = min(min(tasks) for tasks in by_lam.values())
    for lam in sorted(by_lam):
        tasks = by_lam[lam]
        ns = np.array(sorted(tasks))
        gamma = np.array([tasks[n]["data"]["gamma_mean"] for n in ns], dtype=float)  # (n, generation)
        se = np.array([tasks[n]["data"]["gamma_se"] for n in ns], dtype=float)
        i = np.asarray(tasks[ns[0]]["data"]["generation"], dtype=int)
        unit = np.array([_l5(1.0, n, lam, i) for n in ns])  # the bound at g = 1, (n, generation)
        g_fit = float(np.max(gamma / unit))
        small = tasks[n_small]["data"]
        curves[f"{lam:g}"] = {
            "lam": lam,
            "n": ns,
            "gamma_last": gamma[:, -1],
            "se_last": se[:, -1],
            "bound_last": _l5(g_fit, ns, lam, i[-1]),
            "g_fit": g_fit,
            "slope": dict(_slope_figure(record["figures"], lam)),
            "i": i,
            "gamma_i": np.asarray(small["gamma_mean"], dtype=float),
            "se_i": np.asarray(small["gamma_se"], dtype=float),
            "bound_i": _l5(g_fit, n_small, lam, i),
        }
    replicates = {t["replicates"] for t in record["tasks"]}
    return {
        "campaign": CAMPAIGN,
        "bound": BOUND,
        "kappa": KAPPA,
        "z": Z95,
        "last_generation": int(curves[next(iter(curves))]["i"][-1]),
        "n_small": n_small,
        "replicates": min(replicates),
        "curves": curves,
    }


def _slope_figure(figures: Mapping[str, Any], lam: float) -> Mapping[str, Any]:
    """The record's slope in log n at λ: a judged figure, or (λ = 0) one listed under ``not_judged``."""
    key = f"slope_log_n[lam={lam:g}]"
    return figures[key] if key in figures else figures["not_judged"][key]


def _log_ticks(ax: Any, axis: str) -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    target.set_minor_formatter(NullFormatter())


def draw(fig: Figure, d: Mapping[str, Any]) -> None:
    """Two log panels: γ̂ at the last generation against n; γ̂ against i at the smallest n; L5 bounds dashed."""
    ax_n, ax_i = fig.subplots(1, 2)
    z = d["z"]
    measured, bounds = [], []
    for curve in d["curves"].values():
        lam = curve["lam"]
        s = curve["slope"]
        label = rf"$\lambda = {lam:g}$: slope ${s['slope']:.2f}$ [${s['ci_low']:.2f}$, ${s['ci_high']:.2f}$]"
        mc = ax_n.errorbar(
            curve["n"], curve["gamma_last"], yerr=z * np.asarray(curve["se_last"]), marker="o", linestyle="none"
        )
        color = mc.lines[0].get_color()
        mc.lines[0].set_gid(f"gamma_last:{lam:g}")
        ax_n.plot(curve["n"], curve["bound_last"], color=color, linestyle="--", linewidth=1.0, gid=f"bound_n:{lam:g}")
        gamma, se = np.asarray(curve["gamma_i"]), np.asarray(curve["se_i"])
        ax_i.fill_between(curve["i"], gamma - z * se, gamma + z * se, color=color, alpha=0.3, linewidth=0)
        ax_i.plot(curve["i"], gamma, color=color, linestyle="-", gid=f"gamma_i:{lam:g}")
        ax_i.plot(curve["i"], curve["bound_i"], color=color, linestyle="--", linewidth=1.0, gid=f"bound_i:{lam:g}")
        measured.append(Line2D([], [], color=color, marker="o", linestyle="-", label=label))
        bounds.append(
            Line2D(
                [],
                [],
                color=color,
                linestyle="--",
                linewidth=1.0,
                label=rf"L5 bound, fitted $\hat g = {curve['g_fit']:.2g}$",
            )
        )
    ax_n.set_xscale("log")
    ax_n.set_yscale("log")
    _log_ticks(ax_n, "x")
    _log_ticks(ax_n, "y")
    ax_n.set_xlabel("sample size $n$")
    ax_n.set_ylabel(r"$\hat\gamma_n^i$ (coupled $d_{TV}$)")
    ax_n.set_title(rf"(a) last generation $i = {d['last_generation']}$, against $n$", loc="left")
    ax_i.axhline(1.0, color="0.4", linestyle=":", linewidth=0.8)
    ax_i.annotate(
        r"$d_{TV} \leq 1$", (0.98, 0.97), xycoords=("axes fraction", "data"), ha="right", va="top", fontsize="small"
    )
    ax_i.set_yscale("log")
    _log_ticks(ax_i, "y")
    ax_i.set_xlim(0, d["last_generation"])
    ax_i.set_xlabel("generation $i$")
    ax_i.set_ylabel(r"$\hat\gamma_n^i$ (coupled $d_{TV}$)")
    ax_i.set_title(rf"(b) $n = {d['n_small']}$, against $i$", loc="left")
    fig.legend(
        handles=measured + bounds,
        loc="outside lower center",
        ncols=2,
        title=(
            rf"markers/solid: $\hat\gamma_n^i$ ({d['replicates']} coupled pairs) $\pm{z:g}\,$SE (bars/band, mostly "
            r"narrower than the symbols)"
            "\n"
            r"and the slope of $\log\hat\gamma$ against $\log n$ at the last generation [95% CI]"
            "\n"
            rf"dashed: L5 bound (registry, $\kappa = {d['kappa']:g}$), $g$ fitted: the smallest $g$ above every "
            r"$\hat\gamma_n^i$ at that $\lambda$"
        ),
        title_fontsize="small",
    )


FIGURE = FigureSpec(
    name="recursive_stability",
    caption=(
        "Recursive stability measured by coupled runs of the Gaussian loop (±1.96·SE): for λ > 0 it decays as 1/n "
        "(log-log slope ≈ −1) and stays flat in the generation; at λ = 0 it grows with the generation (recursively "
        "unstable). Dashed: the L5 bound of the registry (κ = 1) with the one-step constant g fitted to the grid."
    ),
    theory="docs/theory.md §6.5, §2, §3 L5",
    bound_ids=(BOUND,),
    campaigns=(CAMPAIGN,),
    data=data,
    draw=draw,
    parameters={"kappa": KAPPA, "g": "fitted per λ (smallest valid on the grid)", "interval": "±1.96·SE"},
    aspect=0.56,
    full_width=True,
)
