"""Figures ``categorical_loops`` and ``kde_loops``: the record's numbers and fresh registry evaluations.

The two campaigns run once here with few replicates (in process, seed 0): what is tested is that the
figures plot the record and the registry, not the campaigns' verdicts (``test_judges_negative.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure

import stl_bounds
from stl_bounds.figures import FigureSkipped, Records, get_figure
from stl_bounds.figures.records import run_campaigns
from stl_bounds.figures.render import data_hash, render

RTOL = 1e-12


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Records:
    out = tmp_path_factory.mktemp("more_loops")
    return run_campaigns(["categorical_loops", "kde_loops"], out, replicates=200, executor="inprocess", progress=False)


def lines_of(name: str, records: Records) -> tuple[Any, dict[str, Any]]:
    spec = get_figure(name)
    data = spec.data(records)
    fig = Figure()
    spec.draw(fig, data)
    return data, {line.get_gid(): line for ax in fig.axes for line in ax.lines if line.get_gid()}


@pytest.mark.slow  # PDF and PNG rendering: seconds each on a loaded machine
@pytest.mark.parametrize("name", ["categorical_loops", "kde_loops"])
def test_renders_with_a_manifest_of_its_data(name: str, records: Records, tmp_path: Path) -> None:
    item = render(get_figure(name), records, tmp_path)
    assert [p.name for p in item.files] == [f"{name}.pdf", f"{name}.png", f"{name}.json"]
    manifest = json.loads((tmp_path / f"{name}.json").read_text())
    assert manifest["data_sha256"] == data_hash(get_figure(name).data(records))
    assert set(manifest["campaigns"]) == {name}


def test_categorical_diversity_is_the_record_next_to_the_registry(records: Records) -> None:
    data, lines = lines_of("categorical_loops", records)
    tasks = [t for t in records["categorical_loops"]["tasks"] if t["params"]["kind"] == "diversity"]
    assert len(data["diversity"]) == len(tasks) == 5
    for series, task in zip(data["diversity"], tasks, strict=True):
        p = task["params"]
        h0 = 1 - sum(x * x for x in p["p0"])
        t = np.arange(1, p["fits"] + 1)
        args = {"H0": h0, "n": p["n"], "t": t, **({"lam": p["lam"]} if p["regime"] == "fresh" else {})}
        exact = stl_bounds.get(f"cat.{p['regime']}.diversity").evaluate(**args).value / h0
        np.testing.assert_allclose(lines[f"exact:{series['id']}:{series['label']}"].get_ydata(), exact, rtol=RTOL)
        np.testing.assert_allclose(
            lines[f"mc:{series['id']}:{series['label']}"].get_ydata(),
            np.asarray(task["data"]["mc_mean"]) / h0,
            rtol=RTOL,
        )
    for task in records["categorical_loops"]["tasks"]:
        if task["params"]["kind"] == "stability":
            p = task["params"]
            line = lines[f"gamma:{p['lam']:g}:{p['n']}"]
            np.testing.assert_allclose(line.get_ydata(), p["n"] * np.asarray(task["data"]["gamma_mean"]), rtol=RTOL)


def test_kde_series_and_threshold_are_the_record_and_the_registry(records: Records) -> None:
    data, lines = lines_of("kde_loops", records)
    closed = [t for t in records["kde_loops"]["tasks"] if t["params"]["kind"] == "closed"]
    for series, task in zip(data["series"], closed, strict=True):
        p = task["params"]
        bound = stl_bounds.get(f"kde.{p['regime']}.var")
        args = {k: v for k, v in p.items() if k in bound.parameter_names}
        exact = bound.evaluate(**args, t=np.arange(1, p["fits"] + 1)).value
        np.testing.assert_allclose(lines[f"exact:{series['id']}:{series['label']}"].get_ydata(), exact, rtol=RTOL)
        np.testing.assert_allclose(
            lines[f"mc:{series['id']}:{series['label']}"].get_ydata(), task["data"]["var"]["mc_mean"]
        )
    lam_star = stl_bounds.get("kde.fresh.threshold").evaluate(n=50).value
    np.testing.assert_allclose(lines["lam_star"].get_xdata(), [lam_star, lam_star], rtol=RTOL)
    grid = [t for t in records["kde_loops"]["tasks"] if t["params"]["kind"] == "threshold"]
    plotted = sorted(x for gid, line in lines.items() if gid.startswith("slope:") for x in line.get_xdata())
    assert plotted == sorted(t["params"]["lam"] for t in grid)


@pytest.mark.parametrize("name", ["categorical_loops", "kde_loops"])
def test_skipped_without_its_record(name: str) -> None:
    with pytest.raises(FigureSkipped, match=name):
        get_figure(name).data(Records({}))
