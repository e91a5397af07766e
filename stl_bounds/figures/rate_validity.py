r"""Figure ``rate_validity``: empirical gap quantiles against the template bound ``fu2025.thm1`` (docs/theory.md §6.4).

From the ``rate_validity`` campaign record (clipped-mean learner on the 1-D
Gaussian loop, loss bound M, δ = 0.05; ``reused(λ)`` for λ > 0, ``replace`` at
λ = 0; n ∈ {20, …, 320}, generations i = 1..10): q, the empirical
(1 − δ)-quantile of the exact gap :math:`\mathrm{Gap}_i`, and the bound
:math:`B_i` of ``fu2025.thm1`` (c1..c4 = 1, β = 1/n, g = κ = 1, ε the measured
mean :math:`\hat\varepsilon` at that (n, λ)), both as recorded, and
:math:`r = q/\min(B_i, M)`.

* (a) q against :math:`\min(B_i, M)`, every (λ, n, i ≥ 1), log-log, with the
  line q = min(B, M) (the bound with constant 1) and q = Ĉ·min(B, M), Ĉ the
  record's empirical constant: the largest r over λ > 0 and i ≥ 1, i.e. the
  smallest constant that makes the bound valid on the grid;
* (b) r against n: per λ, the geometric mean of r over i ≥ 1 (the quantity
  whose log-log slope the campaign tests), the band its range over i;
* (c) r against i: per λ, the geometric mean over n, the band its range over n.

The legend gives the record's slopes of mean log r against log n and against
i with their 95% intervals; a flat r means the bound captures the shape of
the gap.  λ = 0 (grey) is outside the campaign's checks and of Ĉ: there the
gap grows with i (docs/theory.md §6.4 reports it separately).  The bars on q are the
record's distribution-free 95% order-statistic intervals
(:func:`verification.stats.quantile_interval`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from stl_bounds.figures.spec import FigureSpec, Records

__all__ = ["FIGURE"]

CAMPAIGN = "rate_validity"
BOUND = "fu2025.thm1"
#: First generation of the template's statement (B_0 is the i.i.d. bound).
FIRST = 1
_COLORS = {0.25: "#0072B2", 0.5: "#D55E00", 0.75: "#009E73", 0.0: "0.45"}
_MARKERS = {0.25: "o", 0.5: "s", 0.75: "^", 0.0: "x"}


def data(records: Records) -> dict[str, Any]:
    """Per λ: q, B_i, min(B_i, M) and r on the (n, i ≥ 1) grid; their geometric means and ranges; Ĉ and slopes."""
    record = records.require(CAMPAIGN)
    by_lam: dict[float, dict[int, Mapping[str, Any]]] = {}
    for task in record["tasks"]:
        by_lam.setdefault(float(task["params"]["lam"]), {})[int(task["params"]["n"])] = task
    figures = record["figures"]
    groups = {}
    for lam in sorted(by_lam, key=lambda v: (v == 0.0, v)):
        tasks = by_lam[lam]
        ns = np.array(sorted(tasks))
        i = np.asarray(tasks[ns[0]]["data"]["i"], dtype=int)[FIRST:]
        q = np.array([tasks[n]["data"]["q"][FIRST:] for n in ns], dtype=float)  # (n, i)
        q_low = np.array([tasks[n]["data"]["q_low"][FIRST:] for n in ns], dtype=float)
        q_high = np.array([tasks[n]["data"]["q_high"][FIRST:] for n in ns], dtype=float)
        bound = np.array([tasks[n]["data"]["bound"][FIRST:] for n in ns], dtype=float)
        r = np.array([tasks[n]["data"]["r"][FIRST:] for n in ns], dtype=float)
        M = float(tasks[ns[0]]["params"]["M"])
        log_r = np.log(r)
        groups[f"{lam:g}"] = {
            "lam": lam,
            "M": M,
            "n": ns,
            "i": i,
            "q": q,
            "q_interval": [q_low, q_high],
            "bound": bound,
            "capped": np.minimum(bound, M),
            "r": r,
            "r_by_n": np.exp(log_r.mean(axis=1)),
            "r_by_n_range": [r.min(axis=1), r.max(axis=1)],
            "r_by_i": np.exp(log_r.mean(axis=0)),
            "r_by_i_range": [r.min(axis=0), r.max(axis=0)],
            "slope_log_n": figures["slopes"].get(f"log_n[lam={lam:g}]"),
            "slope_i": figures["slopes"].get(f"i[lam={lam:g}]"),
            "eps_hat": [float(tasks[n]["data"]["eps_hat"]) for n in ns],
        }
    return {
        "campaign": CAMPAIGN,
        "bound": BOUND,
        "constant": figures["empirical_constant"],
        "constant_at": figures["constant_at"],
        "delta": 0.05,
        "replicates": min(t["replicates"] for t in record["tasks"]),
        "groups": groups,
    }


def _log_axis(axis: Any) -> None:
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _slope_text(s: Mapping[str, Any] | None, what: str) -> str:
    if s is None:
        return ""
    return rf"{what} ${s['slope']:+.3f}$ [${s['ci_low']:+.3f}$, ${s['ci_high']:+.3f}$]"


def draw(fig: Figure, d: Mapping[str, Any]) -> None:
    """Three panels: q against min(B, M) (log-log), r against n, r against i."""
    ax_q, ax_n, ax_i = fig.subplots(1, 3, width_ratios=(1.15, 1.0, 1.0))
    C = d["constant"]
    handles = []
    xlo, xhi, qlo = np.inf, 0.0, np.inf
    for key, g in d["groups"].items():
        lam, color, marker = g["lam"], _COLORS.get(g["lam"], "0.2"), _MARKERS.get(g["lam"], "o")
        capped, q = np.asarray(g["capped"]), np.asarray(g["q"])
        xlo, xhi, qlo = min(xlo, capped.min()), max(xhi, capped.max()), min(qlo, q.min())
        filled = color if lam > 0 else "none"
        q_low, q_high = (np.asarray(v) for v in g["q_interval"])
        ax_q.errorbar(
            capped.ravel(),
            q.ravel(),
            yerr=[(q - q_low).ravel(), (q_high - q).ravel()],
            fmt="none",
            ecolor=color,
            elinewidth=0.5,
            capsize=0,
            alpha=0.6,
            gid=f"q_ci:{key}",
        )
        ax_q.plot(
            capped.ravel(),
            q.ravel(),
            linestyle="none",
            marker=marker,
            markersize=2.6,
            color=color,
            markerfacecolor=filled,
            alpha=0.85,
            gid=f"q:{key}",
        )
        for ax, x, y, (low, high), gid in (
            (ax_n, g["n"], g["r_by_n"], g["r_by_n_range"], "r_n"),
            (ax_i, g["i"], g["r_by_i"], g["r_by_i_range"], "r_i"),
        ):
            ax.fill_between(x, low, high, color=color, alpha=0.15, linewidth=0)
            ax.plot(x, y, color=color, marker=marker, markerfacecolor=filled, linestyle="-", gid=f"{gid}:{key}")
        if lam > 0:
            label = rf"$\lambda = {lam:g}$: slope in $\log n$ " + _slope_text(g["slope_log_n"], "").strip()
            label += "; in $i$ " + _slope_text(g["slope_i"], "").strip()
        else:
            label = rf"$\lambda = {lam:g}$ (not in the checks nor in $\hat C$: the gap grows with $i$)"
        handles.append(Line2D([], [], color=color, marker=marker, markerfacecolor=filled, label=label))
    x = np.geomspace(xlo / 1.15, xhi * 1.15, 50)
    ax_q.plot(x, x, color="0.2", linewidth=0.9, gid="identity", label=r"$q = \min(B_i, M)$")
    ax_q.plot(x, C * x, color="0.2", linewidth=0.9, linestyle="--", gid="constant", label=r"$q = \hat C\min(B_i, M)$")
    ax_q.set_xscale("log")
    ax_q.set_yscale("log")
    _log_axis(ax_q.xaxis)
    _log_axis(ax_q.yaxis)
    ax_q.set_xlim(x[0], x[-1])
    ax_q.set_ylim(qlo / 1.15, x[-1])
    ax_q.legend(loc="upper left", handlelength=1.8)
    ax_q.set_xlabel(r"$\min(B_i, M)$, $B_i$ of fu2025.thm1")
    ax_q.set_ylabel(r"gap quantile $q$")
    ax_q.set_title(r"(a) $q$ against the bound", loc="left")
    ax_i.sharey(ax_n)
    for ax in (ax_n, ax_i):
        ax.axhline(C, color="0.2", linestyle="--", linewidth=0.9, gid=f"constant_{'n' if ax is ax_n else 'i'}")
    ax_n.set_ylim(0, None)
    ax_n.set_ylabel(r"$r = q/\min(B_i, M)$")
    ax_n.set_xscale("log")
    _log_axis(ax_n.xaxis)
    ax_n.set_xlabel("sample size $n$")
    ax_n.set_title(r"(b) $r$ against $n$ (over $i$)", loc="left")
    ax_i.set_xlabel("generation $i$")
    ax_i.set_title(r"(c) $r$ against $i$ (over $n$)", loc="left")
    ax_i.set_xticks(np.asarray(next(iter(d["groups"].values()))["i"])[1::2])
    at = d["constant_at"]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=1,
        title=(
            rf"$q$: empirical $(1-\delta)$-quantile of the gap ($\delta = {d['delta']:g}$, "
            rf"{d['replicates']} trajectories; bars: 95% order-statistic CI, mostly within the markers)"
            "\n"
            rf"dashed: $\hat C = \max r = {C:.3f}$, the empirical constant (at $n = {at['n']}$, "
            rf"$\lambda = {at['lam']:g}$, $i = {at['i']}$); (b), (c): geometric mean of $r$, band: its range"
            "\n"
            r"slopes of mean $\log r$ against $\log n$ and against $i$, with 95% CI:"
        ),
        title_fontsize="small",
    )


FIGURE = FigureSpec(
    name="rate_validity",
    caption=(
        "Empirical 95% gap quantiles of a clipped-mean learner against the template bound fu2025.thm1 (c = 1): the "
        "ratio r = q/min(B_i, M) stays below the empirical constant Ĉ and shows no upward trend in n or the "
        "generation i for λ > 0, so the bound captures the shape of the gap; at λ = 0 (grey) the gap grows with i."
    ),
    theory="docs/theory.md §6.4, §4.1",
    bound_ids=(BOUND,),
    campaigns=(CAMPAIGN,),
    data=data,
    draw=draw,
    parameters={"delta": 0.05, "i": "1..10", "c1..c4": 1, "beta": "1/n", "g": 1, "kappa": 1, "eps": "measured"},
    aspect=0.52,
    full_width=True,
)
