"""Figures ``terms_breakdown``, ``optimal_synthetic_size`` and ``phase_diagram``: what they plot is the registry's
(and, for the phase diagram, the campaign record's), and what is on the axes is what they plot."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from numpy.testing import assert_allclose

import stl_bounds
from stl_bounds.calibration import best_lambda
from stl_bounds.figures import FigureSkipped, Records, get_figure
from stl_bounds.figures.records import run_campaigns
from stl_bounds.figures.render import render
from stl_bounds.result import REGIMES


def _drawn(name: str, data: dict) -> Figure:
    fig = Figure()
    get_figure(name).draw(fig, data)
    return fig


def _rendered(name: str, records: Records, out: Path) -> None:
    result = render(get_figure(name), records, out)
    assert {p.name for p in result.files} >= {f"{name}.pdf", f"{name}.png"}
    assert all(p.stat().st_size > 0 for p in result.files) and (out / f"{name}.json").exists()


@pytest.fixture(scope="module")
def amplified_records(tmp_path_factory: pytest.TempPathFactory) -> Records:
    """The quick run (seed 0) of the one campaign the phase diagram plots (a few seconds)."""
    out = tmp_path_factory.mktemp("amplified_records")
    return run_campaigns(["amplified_threshold"], out, seed=0, workers=2, progress=False)


# --- terms_breakdown ---------------------------------------------------------------------------------------------
def test_terms_breakdown_plots_the_registry_terms(tmp_path: Path) -> None:
    _rendered("terms_breakdown", Records({}), tmp_path)
    spec = get_figure("terms_breakdown")
    d = spec.data(Records({}))
    bound = stl_bounds.get(d["bound"])
    fig = _drawn("terms_breakdown", d)
    for ax, panel in zip(fig.axes, d["panels"].values(), strict=True):
        expected = bound.evaluate(lam=d["lam"], i=d["i"], **panel["overrides"])
        for name, values in expected.terms.items():
            assert_allclose(panel["terms"][name], values, rtol=1e-15)
        assert_allclose(panel["value"], expected.value, rtol=1e-15)
        assert_allclose(sum(panel["terms"].values()), panel["value"], rtol=1e-12)  # the stack tops out at the total
        best = best_lambda(d["bound"], horizon=d["i"], **panel["overrides"])
        assert panel["lam_best"] == best.value
        assert panel["value_best"] == pytest.approx(
            bound.evaluate(lam=best.value, i=d["i"], **panel["overrides"]).value
        )
        assert panel["value_best"] <= np.min(panel["value"]) + 1e-12  # the marked λ minimizes the plotted total
        lines = {line.get_label(): line for line in ax.get_lines()}
        total = next(line for label, line in lines.items() if label.startswith("total"))
        assert_allclose(total.get_ydata(), panel["value"], rtol=0)
        marker = next(line for label, line in lines.items() if label.startswith("minimizer"))
        assert_allclose(marker.get_xdata(), [panel["lam_best"]], rtol=0)
        assert_allclose(marker.get_ydata(), [panel["value_best"]], rtol=0)
        assert len(ax.collections) == len(panel["terms"])  # one stacked area per term


def test_terms_breakdown_shows_an_interior_optimum() -> None:
    """docs/theory.md §6.1 C3: the accurate-generator panel has its minimizer inside (0, 1), the defaults at λ = 1."""
    d = get_figure("terms_breakdown").data(Records({}))
    defaults, accurate = d["panels"].values()
    assert defaults["lam_best"] == 1.0
    assert 0.1 < accurate["lam_best"] < 0.9
    assert accurate["value_best"] < min(accurate["value"][0], accurate["value"][-1]) - 1e-3


# --- optimal_synthetic_size --------------------------------------------------------------------------------------
def test_optimal_synthetic_size_plots_the_registry_objective(tmp_path: Path) -> None:
    _rendered("optimal_synthetic_size", Records({}), tmp_path)
    d = get_figure("optimal_synthetic_size").data(Records({}))
    objective, optimum = stl_bounds.get(d["objective"]), stl_bounds.get(d["optimum"])
    p = d["defaults"]
    assert d["C"] == pytest.approx(p["c3"] * math.sqrt(math.log(1 / p["delta"])), rel=1e-14)  # docs/theory.md §4.3
    n = p["n"]
    m = np.asarray(d["m"])
    assert_allclose(d["m_over_n"], m / n, rtol=0)
    fig = _drawn("optimal_synthetic_size", d)
    ax, bx = fig.axes
    curves = [line for line in ax.get_lines() if np.size(line.get_xdata()) == m.size]
    assert len(curves) == len(d["curves"])
    for line, curve in zip(curves, d["curves"].values(), strict=True):
        a = curve["a"]
        assert d["C"] / (p["c1"] * a) == pytest.approx(curve["ratio"], rel=1e-14)
        expected = objective.evaluate(m=m, a=a).value / objective.evaluate(m=0, a=a).value
        assert_allclose(curve["relative"], expected, rtol=1e-15)
        assert_allclose(line.get_ydata(), curve["relative"], rtol=0)
        assert curve["m_star"] == optimum.evaluate(a=a).value
        assert curve["m_star_over_n"] == pytest.approx(max(curve["ratio"] - 2, 0.0), abs=1e-12)
        # m* is the minimizer of the plotted curve (to the grid spacing), and B(m*) is at most the grid minimum
        step = d["m_over_n"][1] - d["m_over_n"][0]
        assert abs(d["m_over_n"][int(np.argmin(curve["relative"]))] - curve["m_star_over_n"]) <= step
        assert curve["relative_at_m_star"] <= np.min(curve["relative"]) + 1e-12
    grid = next(line for line in bx.get_lines() if np.size(line.get_xdata()) == len(d["ratio_grid"]))
    expected = optimum.evaluate(a=d["C"] / (p["c1"] * np.asarray(d["ratio_grid"]))).value / n
    assert_allclose(d["m_star_over_n_grid"], expected, rtol=1e-15)
    assert_allclose(grid.get_ydata(), d["m_star_over_n_grid"], rtol=0)


def test_synthetic_size_objective_matches_its_simplified_form() -> None:
    """docs/theory.md §4.3: B = M·[(c1·a/n)·√N + (C − c1·a)/√N], N = n + m, C = c3·√(log(1/δ)); a hand formula."""
    b = stl_bounds.get("fu2025.synthetic_size_objective")
    n, a, delta, c1, c3, big_m = 300, 0.4, 0.1, 1.5, 2.0, 2.5
    m = np.array([0, 1, 150, 300, 2000])
    big_n = n + m
    c = c3 * math.sqrt(math.log(1 / delta))
    expected = big_m * ((c1 * a / n) * np.sqrt(big_n) + (c - c1 * a) / np.sqrt(big_n))
    got = b.evaluate(m=m, n=n, a=a, delta=delta, c1=c1, c3=c3, M=big_m)
    assert_allclose(got.value, expected, rtol=1e-13)
    assert_allclose(got.terms["shift"] + got.terms["sampling"], got.value, rtol=1e-15)
    with pytest.raises(stl_bounds.ParameterError, match="lam must be > 0"):
        b.evaluate(lam=0.0)


# --- phase_diagram -----------------------------------------------------------------------------------------------
def test_phase_diagram_needs_its_campaign() -> None:
    with pytest.raises(FigureSkipped, match="amplified_threshold"):
        get_figure("phase_diagram").data(Records({}))


def test_phase_diagram_plots_the_registry_regimes_and_the_record(amplified_records: Records, tmp_path: Path) -> None:
    _rendered("phase_diagram", amplified_records, tmp_path)
    d = get_figure("phase_diagram").data(amplified_records)
    bound = stl_bounds.get(d["bound"])
    lam, kappa = np.asarray(d["lam_grid"]), np.asarray(d["kappa_grid"])
    grid = bound.evaluate(lam=lam[None, :], kappa=kappa[:, None])
    assert_allclose(d["rho_grid"], grid.diagnostics["rho"], rtol=1e-15)
    assert (REGIMES[np.asarray(d["regime_codes"])] == grid.regime).all()
    for curve in d["by_kappa"].values():  # λ* = 1 − 1/κ of docs/theory.md §3 L4, read off the registry's ρ
        k = curve["kappa"]
        assert curve["lam_star"] is None if k < 1 else curve["lam_star"] == pytest.approx(1 - 1 / k, abs=1e-12)

    record = amplified_records["amplified_threshold"]
    tasks = [t["data"] for t in record["tasks"]]
    for key in ("lam", "kappa", "simulated", "judged"):
        assert d["points"][key] == [t[key] for t in tasks]
    # the markers on panel (a) are the record's classes: filled where judged, hollow where not
    fig = _drawn("phase_diagram", d)
    ax = fig.axes[0]
    drawn = {}
    colours = {"converges": "#0072B2", "collapses": "#D55E00", "undecided": "0.35"}
    for line in ax.get_lines():
        cls = next(c for c, colour in colours.items() if line.get_color() == colour)
        filled = line.get_markerfacecolor() != "white"
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
            assert (x, y) not in drawn
            drawn[(x, y)] = (cls, filled)
    assert drawn == {(t["lam"], t["kappa"]): (t["simulated"], t["judged"]) for t in tasks}
    # panel (b): the record's mean shift at the last generation, one line per κ
    lines = [line for line in fig.axes[1].get_lines() if line.get_label().startswith(r"$\kappa")]
    assert len(lines) == len(d["by_kappa"])
    for line, curve in zip(lines, d["by_kappa"].values(), strict=True):
        mine = sorted((t for t in tasks if t["kappa"] == curve["kappa"]), key=lambda t: t["lam"])
        assert_allclose(line.get_xdata(), [t["lam"] for t in mine], rtol=0)
        assert_allclose(line.get_ydata(), [t["shift_last_mean"] for t in mine], rtol=0)
