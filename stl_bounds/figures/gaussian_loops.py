r"""Figure ``gaussian_loops``: Monte Carlo Gaussian loops against closed forms (docs/theory.md §5.1–5.3, §5.9, §6.2).

From the ``closed_forms`` campaign record (1-D, σ = 1, n = 20, fits t = 1..10,
t = i + 1), for every Gaussian loop with a registered closed form:

* (a) the mean error :math:`E(\hat\mu_t - \mu)^2` and (b) the variance
  :math:`E\hat\sigma_t^2` against the fit t: Monte Carlo estimates (markers,
  ±1.96·SE from the record) and the exact values (lines,
  ``stl_bounds.get(id).evaluate(sigma, n, lam, t)``, evaluated afresh here);
* (c), (d) the same estimates as relative deviations
  :math:`(\hat m_t - m_t)/m_t` from the exact value :math:`m_t`, with
  ±1.96·SE/:math:`m_t` (the scale on which the intervals are visible).

Loops: ``replace`` with the unbiased and the MLE fit (§5.1: the unbiased mean
error grows like t/n, the MLE variance decays like :math:`(1-1/n)^t`),
``fresh(λ)`` and ``reused(λ)`` for λ ∈ {0.25, 0.5} (§5.2: both converge;
``reused`` has the floor σ²/(λn)), ``accumulate`` (§5.3: bounded), ``accumulate_subsample``
(§5.9: bounded, below ``accumulate``).  The
estimator of each Monte Carlo point is the record's (mean of the replicates,
or the median of chunk means for the heavy-tailed ``replace`` mean error).

The helpers :func:`closed_form_series` and :func:`draw_agreement` are shared
with :mod:`stl_bounds.figures.regression_loops`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, PercentFormatter

import stl_bounds
from stl_bounds.figures.spec import FigureSpec, Records

__all__ = ["FIGURE", "Z95", "closed_form_series", "draw_agreement", "legend_handles", "plain_log_axis", "series_styles"]

CAMPAIGN = "closed_forms"
#: Half-width of the plotted intervals in standard errors (two-sided 95%).
Z95 = 1.96
#: (quantity, regime, estimator, registry id) of each plotted series, in legend order; λ from the record.
SERIES = (
    ("mean_sq_err", "replace", "unbiased", "gauss.replace.unbiased.mean_sq_err"),
    ("mean_sq_err", "replace", "mle", "gauss.replace.mle.mean_sq_err"),
    ("mean_sq_err", "fresh", "unbiased", "gauss.fresh.mean_sq_err"),
    ("mean_sq_err", "reused", "unbiased", "gauss.reused.mean_sq_err"),
    ("mean_sq_err", "accumulate", "mle", "gauss.accumulate.mle.mean_sq_err"),
    ("mean_sq_err", "accumulate_subsample", "mle", "gauss.accumulate_subsample.mle.mean_sq_err"),
    ("var", "replace", "unbiased", "gauss.replace.unbiased.var"),
    ("var", "replace", "mle", "gauss.replace.mle.var"),
    ("var", "fresh", "unbiased", "gauss.fresh.var"),
    ("var", "reused", "unbiased", "gauss.reused.var"),
    ("var", "accumulate", "mle", "gauss.accumulate.mle.var"),
    ("var", "accumulate", "unbiased", "gauss.accumulate.unbiased.var"),
    ("var", "accumulate_subsample", "mle", "gauss.accumulate_subsample.mle.var"),
)
#: Colour per loop (Okabe & Ito), marker/line style per variant (estimator or λ).
COLORS = {
    "replace": "#0072B2",
    "fresh": "#D55E00",
    "reused": "#009E73",
    "accumulate": "#CC79A7",
    "accumulate_subsample": "#56B4E9",
    "two_size": "#E69F00",
    "mixed": "#009E73",
}
_VARIANTS = (("o", "-", True), ("s", "--", False), ("^", "-.", True), ("D", ":", False))


def closed_form_series(task: Mapping[str, Any], bound_id: str) -> dict[str, Any]:
    """One target of a ``closed_forms`` task: the record's Monte Carlo numbers and a fresh registry evaluation.

    ``exact`` is ``stl_bounds.get(bound_id).evaluate(...)`` at the task's loop
    parameters and fits t (the campaign's reference); ``exact_se`` is 0 for a
    registry formula and the reference's own SE otherwise (the regression
    ``mixed`` loop, whose reference is a Monte Carlo average: ``exact`` is then
    the record's reference).
    """
    sim = task["params"]["sim"]
    rec = task["data"][bound_id]
    t = np.asarray(rec["t"], dtype=int)
    if bound_id in stl_bounds.list_ids():
        bound = stl_bounds.get(bound_id)
        args = {k: v for k, v in sim.items() if k in bound.parameter_names}
        exact = np.broadcast_to(np.asarray(bound.evaluate(**args, t=t).value, dtype=float), t.shape)
        source = "registry"
    else:
        exact = np.asarray(rec["exact"], dtype=float)
        source = "record"
    return {
        "id": bound_id,
        "regime": sim["regime"],
        "estimator": sim.get("estimator"),
        "lam": sim.get("lam"),
        "sim": dict(sim),
        "replicates": task["replicates"],
        "method": rec["estimator"],
        "t": t,
        "mc_mean": np.asarray(rec["mc_mean"], dtype=float),
        "se": np.asarray(rec["se"], dtype=float),
        "exact": exact,
        "exact_se": np.asarray(rec["exact_se"], dtype=float),
        "exact_source": source,
    }


def data(records: Records) -> dict[str, Any]:
    """Per quantity, one series per (loop, estimator, λ): t, MC mean and SE from the record, exact from the registry."""
    record = records.require(CAMPAIGN)
    panels: dict[str, list[dict[str, Any]]] = {"mean_sq_err": [], "var": []}
    for quantity, regime, estimator, bound_id in SERIES:
        tasks = [
            t
            for t in record["tasks"]
            if t["params"]["model"] == "gaussian"
            and t["params"]["sim"]["regime"] == regime
            and t["params"]["sim"]["estimator"] == estimator
            and bound_id in t["data"]
        ]
        for task in sorted(tasks, key=lambda t: t["params"]["sim"].get("lam", 0.0)):
            series = closed_form_series(task, bound_id)
            series["label"] = _label(series)
            panels[quantity].append(series)
    return {"campaign": CAMPAIGN, "z": Z95, "panels": panels}


def _label(series: Mapping[str, Any]) -> str:
    if series["lam"] is not None:
        return rf"{series['regime']}, $\lambda = {series['lam']:g}$"
    return f"{series['regime']} ({'MLE' if series['estimator'] == 'mle' else series['estimator']})"


def series_styles(labels: Sequence[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """Colour by loop, marker and line style by variant: ``labels`` are (regime, label) pairs in legend order."""
    styles: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for regime, label in labels:
        if label in styles:
            continue
        k = seen.get(regime, 0)
        seen[regime] = k + 1
        marker, linestyle, filled = _VARIANTS[k % len(_VARIANTS)]
        color = COLORS.get(regime, "0.3")
        styles[label] = {
            "color": color,
            "marker": marker,
            "linestyle": linestyle,
            "markerfacecolor": color if filled else "white",
        }
    return styles


def draw_agreement(
    ax_value: Axes,
    ax_dev: Axes,
    series: Sequence[Mapping[str, Any]],
    styles: Mapping[str, Mapping[str, Any]],
    z: float,
) -> None:
    """Exact lines and MC points (±z·SE) on ``ax_value``; relative deviations (±z·SE/exact) on ``ax_dev``.

    The artists carry gids ``exact:ID:LABEL``, ``mc:ID:LABEL`` and ``dev:ID:LABEL``.
    """
    width = 0.5  # spread of the dodged deviation points, in fits
    for k, s in enumerate(series):
        st = styles[s["label"]]
        t, exact = np.asarray(s["t"]), np.asarray(s["exact"])
        se = np.hypot(s["se"], s["exact_se"])
        ax_value.plot(
            t, exact, color=st["color"], linestyle=st["linestyle"], linewidth=1.0, gid=f"exact:{s['id']}:{s['label']}"
        )
        mc = ax_value.errorbar(
            t,
            s["mc_mean"],
            yerr=z * se,
            color=st["color"],
            marker=st["marker"],
            markerfacecolor=st["markerfacecolor"],
            linestyle="none",
            elinewidth=0.8,
            markersize=3.2,
        )
        mc.lines[0].set_gid(f"mc:{s['id']}:{s['label']}")
        shift = (k - (len(series) - 1) / 2) * width / max(len(series) - 1, 1)
        dev = ax_dev.errorbar(
            t + shift,
            (np.asarray(s["mc_mean"]) - exact) / exact,
            yerr=z * se / np.abs(exact),
            color=st["color"],
            marker=st["marker"],
            markerfacecolor=st["markerfacecolor"],
            linestyle="none",
            elinewidth=0.8,
            markersize=2.6,
        )
        dev.lines[0].set_gid(f"dev:{s['id']}:{s['label']}")
    ax_dev.axhline(0.0, color="0.2", linewidth=0.7)
    ax_dev.set_xticks(np.asarray(series[0]["t"]))
    ax_dev.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def plain_log_axis(ax: Axes) -> None:
    """Log-scaled y axis with ticks at 1, 2, 3, 5 × 10^k labelled as plain numbers."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 3.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def legend_handles(styles: Mapping[str, Mapping[str, Any]]) -> list[Line2D]:
    """Proxy artists (marker and line) for a shared legend."""
    return [
        Line2D(
            [],
            [],
            color=st["color"],
            marker=st["marker"],
            markerfacecolor=st["markerfacecolor"],
            linestyle=st["linestyle"],
            linewidth=1.0,
            label=label,
        )
        for label, st in styles.items()
    ]


def draw(fig: Figure, d: Mapping[str, Any]) -> None:
    """2 × 2 panels: values (top) and relative deviations (bottom) for the mean error and the variance."""
    panels = d["panels"]
    everything = [s for quantity in ("mean_sq_err", "var") for s in panels[quantity]]
    styles = series_styles([(s["regime"], s["label"]) for s in everything])
    axes = fig.subplots(2, 2, sharex=True, height_ratios=(1.7, 1.0))
    titles = {
        "mean_sq_err": (r"(a) mean error $E(\hat\mu_t-\mu)^2$", r"$E(\hat\mu_t-\mu)^2$"),
        "var": (r"(b) variance $E\hat\sigma_t^2$", r"$E\hat\sigma_t^2$"),
    }
    for col, quantity in enumerate(("mean_sq_err", "var")):
        ax_value, ax_dev = axes[0, col], axes[1, col]
        draw_agreement(ax_value, ax_dev, panels[quantity], styles, d["z"])
        title, ylabel = titles[quantity]
        ax_value.set_title(title, loc="left")
        ax_value.set_ylabel(ylabel)
        ax_dev.set_title(f"({'cd'[col]}) relative deviation from exact", loc="left")
        ax_dev.set_ylabel("(MC $-$ exact)/exact")
        ax_dev.set_xlabel(r"fit $t$ (generation $i = t - 1$)")
    plain_log_axis(axes[0, 0])
    first = everything[0]
    fig.legend(
        handles=legend_handles(styles),
        loc="outside lower center",
        ncols=4,
        title=(
            rf"Gaussian loops, $\sigma = {first['sim']['sigma']:g}$, $n = {first['sim']['n']:g}$. Markers: Monte Carlo "
            rf"({first['replicates']} runs) $\pm{d['z']:g}\,$SE; lines: exact closed form (registry)"
        ),
        title_fontsize="small",
    )


FIGURE = FigureSpec(
    name="gaussian_loops",
    caption=(
        "Monte Carlo Gaussian self-consuming loops (markers, ±1.96·SE) against the exact closed forms of "
        "docs/theory.md §5.1–5.3 and §5.9 (lines): the mean error grows linearly under replace with the unbiased fit "
        "and levels off for fresh, reused, accumulate and accumulate_subsample; the MLE variance of replace decays geometrically. Bottom: relative "
        "deviations."
    ),
    theory="docs/theory.md §5.1–5.3, §5.9, §6.2",
    bound_ids=tuple(dict.fromkeys(s[3] for s in SERIES)),
    campaigns=(CAMPAIGN,),
    data=data,
    draw=draw,
    parameters={"sigma": 1.0, "n": 20, "lam": [0.25, 0.5], "t": "1..10", "interval": "±1.96·SE"},
    aspect=0.78,
    full_width=True,
)
