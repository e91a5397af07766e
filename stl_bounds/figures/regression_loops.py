r"""Figure ``regression_loops``: Monte Carlo regression loops against their exact test error (docs/theory.md §5.5, 6.2).

From the ``closed_forms`` campaign record (d = 4, T = 20, σ = 1, fixed design
reused, fits t = 1..10), the test error :math:`E\|\hat w_t - w^*\|_\Sigma^2`
against the fit t for every regression loop of the record:

* ``replace`` — exact :math:`t\sigma^2 d/(T-d-1)` (``regression.replace.test_err``):
  linear growth;
* ``accumulate`` — exact :math:`\sigma^2 d/(T-d-1)\sum_{k\le t} 1/k^2`
  (``regression.accumulate.test_err``): bounded by π²/6 times one fit;
* ``two_size`` — fake fits with :math:`T_0` samples and noise :math:`\sigma_0^2`,
  then a final fit on T fresh samples (``regression.two_size.test_err``);
* ``mixed(λ)`` — no closed form (docs/theory.md §5.5: exact given X): the reference is
  the record's exact conditional expectation averaged over independent designs,
  a Monte Carlo number with its own SE.

Panel (a): Monte Carlo estimates (markers; the record's median of chunk means,
±1.96·SE) and the exact values (lines: a fresh registry evaluation, or the
record's reference for ``mixed``), log scale; panel (b): relative deviations
(MC − exact)/exact with ±1.96·√(SE² + SE_ref²)/exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

from stl_bounds.figures.gaussian_loops import (
    Z95,
    closed_form_series,
    draw_agreement,
    legend_handles,
    plain_log_axis,
    series_styles,
)
from stl_bounds.figures.spec import FigureSpec, Records

__all__ = ["FIGURE"]

CAMPAIGN = "closed_forms"
#: Regression loops in legend order (those absent from the record are left out).
REGIMES = ("replace", "two_size", "accumulate", "mixed")
BOUND_IDS = ("regression.replace.test_err", "regression.two_size.test_err", "regression.accumulate.test_err")


def _label(sim: Mapping[str, Any]) -> str:
    regime = sim["regime"]
    if regime == "mixed":
        return rf"mixed, $\lambda = {sim['lam']:g}$ (exact given $X$, averaged)"
    if regime == "two_size":
        return rf"two sizes, $T_0 = {sim['T0']:g}$, $\sigma_0 = {sim['sigma0']:g}$"
    return regime


def data(records: Records) -> dict[str, Any]:
    """One series per regression loop: t, MC mean and SE from the record, exact from the registry (or record)."""
    record = records.require(CAMPAIGN)
    series = []
    for regime in REGIMES:
        for task in record["tasks"]:
            params = task["params"]
            if params["model"] != "regression" or params["sim"]["regime"] != regime:
                continue
            for target in params["targets"]:
                s = closed_form_series(task, target["id"])
                s["label"] = _label(params["sim"])
                series.append(s)
    return {"campaign": CAMPAIGN, "z": Z95, "series": series}


def draw(fig: Figure, d: Mapping[str, Any]) -> None:
    """Two panels: test error against t (log scale), relative deviation of Monte Carlo from exact."""
    series = d["series"]
    styles = series_styles([(s["regime"], s["label"]) for s in series])
    ax_value, ax_dev = fig.subplots(1, 2, width_ratios=(1.25, 1.0))
    draw_agreement(ax_value, ax_dev, series, styles, d["z"])
    ax_value.set_xticks(ax_dev.get_xticks())
    plain_log_axis(ax_value)
    ax_value.set_title(r"(a) test error $E\|\hat w_t - w^*\|_\Sigma^2$", loc="left")
    ax_value.set_ylabel(r"$E\|\hat w_t - w^*\|_\Sigma^2$")
    ax_dev.set_title("(b) relative deviation from exact", loc="left")
    ax_dev.set_ylabel("(MC $-$ exact)/exact")
    for ax in (ax_value, ax_dev):
        ax.set_xlabel(r"fit $t$ (generation $i = t - 1$)")
    sim = series[0]["sim"]
    median = all(s["method"].startswith("median") for s in series)
    estimator = "median of chunk means" if median else "mean, or median of chunk means"
    fig.legend(
        handles=legend_handles(styles),
        loc="outside lower center",
        ncols=2,
        title=(
            rf"OLS loops, $d = {sim['d']:g}$, $T = {sim['T']:g}$, $\sigma = {sim['sigma']:g}$. Markers: Monte Carlo "
            rf"({series[0]['replicates']} runs, {estimator}) $\pm{d['z']:g}\,$SE; lines: exact"
        ),
        title_fontsize="small",
    )


FIGURE = FigureSpec(
    name="regression_loops",
    caption=(
        "Monte Carlo linear-regression loops (markers, ±1.96·SE) against the exact test error of docs/theory.md §5.5 "
        "(lines): replace grows linearly in the generation, accumulate and mixed(λ = 0.5) stay bounded; right, the "
        "relative deviations. The mixed reference is the exact error given the design, averaged over designs."
    ),
    theory="docs/theory.md §5.5, §6.2",
    bound_ids=BOUND_IDS,
    campaigns=(CAMPAIGN,),
    data=data,
    draw=draw,
    parameters={"sigma": 1.0, "d": 4, "T": 20, "t": "1..10", "two_size": {"T0": 12, "sigma0": 0.5}, "mixed_lam": 0.5},
    aspect=0.5,
    full_width=True,
)
