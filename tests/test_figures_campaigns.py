"""Figures of campaign results: what is on the axes is the record's numbers and fresh registry evaluations.

Each figure is rendered once (files and manifest written) and drawn on a bare
:class:`matplotlib.figure.Figure`; its artists carry gids naming the series,
and their data are compared with the campaign records of one quick
verification run (the ``campaign_records`` fixture) and with
``stl_bounds.get(id).evaluate`` called here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure

import stl_bounds
from stl_bounds.figures import FigureSkipped, Records, get_figure
from stl_bounds.figures.render import data_hash, render

RTOL = 1e-12


def _artists(spec_name: str, records: Records) -> tuple[Mapping[str, Any], dict[str, Any]]:
    """The plotted data of a figure and its gid-tagged lines, drawn on a bare Figure."""
    spec = get_figure(spec_name)
    data = spec.data(records)
    fig = Figure()
    spec.draw(fig, data)
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.lines if line.get_gid()}
    return data, lines


def _render(name: str, records: Records, out: Path) -> None:
    item = render(get_figure(name), records, out)
    assert [p.name for p in item.files] == [f"{name}.pdf", f"{name}.png", f"{name}.json"]
    manifest = json.loads((out / f"{name}.json").read_text())
    assert manifest["data_sha256"] == data_hash(get_figure(name).data(records))
    assert all(p.stat().st_size > 0 for p in item.files)


def _registry(bound_id: str, sim: Mapping[str, Any], t: np.ndarray) -> np.ndarray:
    bound = stl_bounds.get(bound_id)
    args = {k: v for k, v in sim.items() if k in bound.parameter_names}
    return np.broadcast_to(np.asarray(bound.evaluate(**args, t=t).value, dtype=float), t.shape)


def _closed_form_targets(record: Mapping[str, Any], model: str, quantities: set[str]) -> set[tuple[str, str]]:
    return {
        (target["id"], json.dumps(task["params"]["sim"], sort_keys=True))
        for task in record["tasks"]
        if task["params"]["model"] == model
        for target in task["params"]["targets"]
        if target["quantity"] in quantities and "late" not in task["params"]
    }


def _check_closed_form_series(series: Mapping[str, Any], lines: Mapping[str, Any], record: Mapping[str, Any]) -> None:
    task = next(
        t for t in record["tasks"] if t["params"]["sim"] == series["sim"] and series["id"] in t["data"]
    )  # the record's task of this series
    rec = task["data"][series["id"]]
    t = np.asarray(rec["t"])
    exact = lines[f"exact:{series['id']}:{series['label']}"]
    mc = lines[f"mc:{series['id']}:{series['label']}"]
    np.testing.assert_array_equal(exact.get_xdata(), t)
    np.testing.assert_array_equal(mc.get_xdata(), t)
    np.testing.assert_array_equal(mc.get_ydata(), rec["mc_mean"])
    if series["id"] in stl_bounds.list_ids():  # a closed form: a fresh evaluation, equal to the record's
        np.testing.assert_allclose(exact.get_ydata(), _registry(series["id"], task["params"]["sim"], t), rtol=RTOL)
    np.testing.assert_allclose(exact.get_ydata(), rec["exact"], rtol=RTOL)
    np.testing.assert_array_equal(series["se"], rec["se"])
    dev = lines[f"dev:{series['id']}:{series['label']}"]
    np.testing.assert_allclose(
        dev.get_ydata(), (np.asarray(rec["mc_mean"]) - rec["exact"]) / np.asarray(rec["exact"]), rtol=1e-10
    )


def test_gaussian_loops_plots_the_record_against_the_registry(campaign_records: Records, tmp_path: Path) -> None:
    _render("gaussian_loops", campaign_records, tmp_path)
    data, lines = _artists("gaussian_loops", campaign_records)
    record = campaign_records["closed_forms"]
    plotted = [s for panel in data["panels"].values() for s in panel]
    expected = _closed_form_targets(record, "gaussian", {"mean_sq_err", "var"})
    assert {(s["id"], json.dumps(s["sim"], sort_keys=True)) for s in plotted} == expected
    assert {s["regime"] for s in plotted} == {"replace", "fresh", "reused", "accumulate", "accumulate_subsample"}
    for s in plotted:
        _check_closed_form_series(s, lines, record)


def test_regression_loops_plots_the_record_against_the_registry(campaign_records: Records, tmp_path: Path) -> None:
    _render("regression_loops", campaign_records, tmp_path)
    data, lines = _artists("regression_loops", campaign_records)
    record = campaign_records["closed_forms"]
    expected = _closed_form_targets(record, "regression", {"test_err"})
    assert {(s["id"], json.dumps(s["sim"], sort_keys=True)) for s in data["series"]} == expected
    assert [s["regime"] for s in data["series"]] == ["replace", "two_size", "accumulate", "mixed"]
    for s in data["series"]:
        _check_closed_form_series(s, lines, record)
    mixed = data["series"][-1]
    assert mixed["exact_source"] == "record" and np.all(np.asarray(mixed["exact_se"]) > 0)


def test_recursive_stability_plots_the_measured_gamma_and_the_l5_bound(
    campaign_records: Records, tmp_path: Path
) -> None:
    _render("recursive_stability", campaign_records, tmp_path)
    data, lines = _artists("recursive_stability", campaign_records)
    record = campaign_records["recursive_stability"]
    tasks = {(t["params"]["lam"], t["params"]["n"]): t["data"] for t in record["tasks"]}
    assert {c["lam"] for c in data["curves"].values()} == {lam for lam, _ in tasks}
    bound = stl_bounds.get("lemma.recursive_stability")
    for key, c in data["curves"].items():
        lam, ns = c["lam"], np.asarray(c["n"])
        gamma = np.array([tasks[(lam, n)]["gamma_mean"] for n in ns])
        i = np.asarray(tasks[(lam, ns[0])]["generation"])
        np.testing.assert_array_equal(lines[f"gamma_last:{key}"].get_xdata(), ns)
        np.testing.assert_array_equal(lines[f"gamma_last:{key}"].get_ydata(), gamma[:, -1])
        np.testing.assert_array_equal(lines[f"gamma_i:{key}"].get_ydata(), tasks[(lam, data["n_small"])]["gamma_mean"])
        # the dashed lines are the registry's L5 at (g = ĝ, n, λ, κ = 1, i) ...
        fresh_n = bound.evaluate(g=c["g_fit"], n=ns, lam=lam, kappa=1.0, i=int(i[-1])).value
        fresh_i = bound.evaluate(g=c["g_fit"], n=data["n_small"], lam=lam, kappa=1.0, i=i).value
        np.testing.assert_allclose(lines[f"bound_n:{key}"].get_ydata(), fresh_n, rtol=RTOL)
        np.testing.assert_allclose(lines[f"bound_i:{key}"].get_ydata(), fresh_i, rtol=RTOL)
        # ... with ĝ the smallest g for which it lies above every γ̂ of the grid at that λ
        full = np.array([bound.evaluate(g=c["g_fit"], n=n, lam=lam, kappa=1.0, i=i).value for n in ns])
        assert np.all(gamma <= full * (1 + 1e-12))
        assert np.max(gamma / full) == pytest.approx(1.0, rel=1e-12)
        key = f"slope_log_n[lam={lam:g}]"  # the slope at lam = 0 is reported, not judged
        assert c["slope"] == (record["figures"] if lam > 0 else record["figures"]["not_judged"])[key]


def test_rate_validity_plots_the_quantiles_against_the_bound_with_the_constant(
    campaign_records: Records, tmp_path: Path
) -> None:
    _render("rate_validity", campaign_records, tmp_path)
    data, lines = _artists("rate_validity", campaign_records)
    record = campaign_records["rate_validity"]
    C = record["figures"]["empirical_constant"]
    assert data["constant"] == C
    x = lines["identity"].get_xdata()
    np.testing.assert_allclose(lines["identity"].get_ydata(), x, rtol=RTOL)
    np.testing.assert_allclose(lines["constant"].get_ydata(), C * x, rtol=RTOL)
    assert list(lines["constant_n"].get_ydata()) == [C, C]
    thm1 = stl_bounds.get("fu2025.thm1")
    for key, g in data["groups"].items():
        by_n = {t["params"]["n"]: t for t in record["tasks"] if t["params"]["lam"] == g["lam"]}
        ns = np.asarray(g["n"])
        assert sorted(by_n) == list(ns)
        q = np.array([by_n[n]["data"]["q"][1:] for n in ns])
        r = np.array([by_n[n]["data"]["r"][1:] for n in ns])
        bound = np.array([by_n[n]["data"]["bound"][1:] for n in ns])
        M = by_n[ns[0]]["params"]["M"]
        np.testing.assert_array_equal(lines[f"q:{key}"].get_xdata(), np.minimum(bound, M).ravel())
        np.testing.assert_array_equal(lines[f"q:{key}"].get_ydata(), q.ravel())
        low = np.array([by_n[n]["data"]["q_low"][1:] for n in ns])
        high = np.array([by_n[n]["data"]["q_high"][1:] for n in ns])
        assert np.all(low <= q) and np.all(q <= high)  # the record's order-statistic interval brackets q
        np.testing.assert_array_equal(np.asarray(g["q_interval"]), [low, high])
        np.testing.assert_allclose(lines[f"r_n:{key}"].get_ydata(), np.exp(np.log(r).mean(axis=1)), rtol=RTOL)
        np.testing.assert_allclose(lines[f"r_i:{key}"].get_ydata(), np.exp(np.log(r).mean(axis=0)), rtol=RTOL)
        np.testing.assert_allclose(r, q / np.minimum(bound, M), rtol=RTOL)
        for n in ns:  # the record's B_i is the registry's fu2025.thm1 at the campaign's instantiation
            rec = by_n[n]["data"]
            fresh = thm1.evaluate(
                M=M, lam=g["lam"], n=n, delta=data["delta"], beta=1.0 / n, g=1.0, kappa=1.0, eps=rec["eps_hat"],
                i=np.asarray(rec["i"]),
            ).value  # fmt: skip
            np.testing.assert_allclose(rec["bound"], fresh, rtol=RTOL)
        if g["lam"] > 0:  # Ĉ is the largest r over λ > 0 and i ≥ 1
            assert np.max(r) <= C * (1 + 1e-12)
    largest = max(np.max(g["r"]) for g in data["groups"].values() if g["lam"] > 0)
    assert largest == pytest.approx(C, rel=1e-12)


@pytest.mark.torch
def test_transformer_icl_plots_the_trained_risk_the_reference_and_the_optimum(
    campaign_records: Records, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    record = campaign_records["icl_loop"]
    if record.get("status") == "skipped":
        pytest.skip(f"icl_loop was skipped: {record.get('skip_reason')}")
    _render("transformer_icl", campaign_records, tmp_path)
    data, lines = _artists("transformer_icl", campaign_records)
    plotted = 0
    for task in record["tasks"]:
        p, rec = task["params"], task["data"]
        key = f"{p['regime']}:{p['lam']:g}"
        gen = np.arange(len(rec["risk_mean"]))
        np.testing.assert_array_equal(lines[f"risk:{key}"].get_ydata(), rec["risk_mean"])
        np.testing.assert_array_equal(np.round(lines[f"risk:{key}"].get_xdata()), gen)  # dodged by < 0.1
        np.testing.assert_array_equal(lines[f"reference:{key}"].get_ydata(), rec["reference_mean"])
        r_star = stl_bounds.get("icl.lsa_opt.risk").evaluate(d=p["d"], N=p["N"], sigma2=p["sigma2"]).value
        assert rec["optimum"] == pytest.approx(float(r_star), rel=RTOL)
        assert list(lines[f"optimum:{p['regime']}"].get_ydata()) == pytest.approx([r_star, r_star], rel=RTOL)
        plotted += 1
    assert plotted == sum(len(series) for series in data["panels"].values()) > 0


@pytest.mark.parametrize(
    "records",
    [Records({"icl_loop": {"status": "skipped", "skip_reason": "torch missing"}}), Records({})],
    ids=["skipped", "absent"],
)
def test_transformer_icl_is_skipped_without_its_record(records: Records, tmp_path: Path) -> None:
    spec = get_figure("transformer_icl")
    assert spec.requires_torch
    with pytest.raises(FigureSkipped, match="icl_loop"):
        spec.data(records)
    with pytest.raises(FigureSkipped):
        render(spec, records, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["gaussian_loops", "regression_loops", "recursive_stability", "rate_validity"])
def test_campaign_figures_are_skipped_without_their_record(name: str) -> None:
    spec = get_figure(name)
    (campaign,) = spec.campaigns
    with pytest.raises(FigureSkipped, match=campaign):
        spec.data(Records({}))
    with pytest.raises(FigureSkipped, match=r"campaign .*; skip test"):
        spec.data(Records({campaign: {"status": "skipped", "skip_reason": "skip test"}}))
