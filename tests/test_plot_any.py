"""Plots of any bound: ``stl-bounds plot`` and ``stl_bounds.plot`` (issue 9 §2)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import sympy as sp
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

import stl_bounds
from stl_bounds.cli import main
from stl_bounds.figures.plot_any import plot_data, plot_request
from stl_bounds.figures.render import data_hash
from stl_bounds.registry import register


def _by_gid(fig: Figure, prefix: str) -> list:
    return [a for ax in fig.axes for a in ax.get_children() if (a.get_gid() or "").startswith(prefix)]


def _register(new_id: str, base: str = "lemma.shift", **changes: object) -> stl_bounds.Bound:
    bound = dataclasses.replace(stl_bounds.get(base), id=new_id, **changes)
    return register(bound)


def test_plotted_lines_are_fresh_evaluations() -> None:
    fig = stl_bounds.plot("fu2025.thm1", x="i=0:20", hue="lam=0,0.3", n=5000)
    assert isinstance(fig, Figure)
    bound = stl_bounds.get("fu2025.thm1")
    for h, lam in enumerate((0.0, 0.3)):
        (line,) = _by_gid(fig, f"total/0/{h}")
        expected = bound.evaluate(lam=lam, n=5000, i=np.arange(21)).value
        np.testing.assert_array_equal(line.get_xdata(), np.arange(21.0))
        np.testing.assert_array_equal(line.get_ydata(), expected)
    assert "rate statement" in fig.get_suptitle()  # a template bound says it is a rate statement


def test_hue_and_col_give_one_line_per_value_and_one_panel_per_value() -> None:
    fig = stl_bounds.plot("fu2025.thm1", x=("i", range(11)), hue="lam=0.1,0.3,0.5", col="kappa=1,1.5")
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert len([a for a in ax.lines if (a.get_gid() or "").startswith("total/")]) == 3
    assert [ax.get_title(loc="left") for ax in fig.axes] == [r"$\kappa$ = 1", r"$\kappa$ = 1.5"]


def _layer_heights(poly: PolyCollection, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bottom and top of a stacked layer at each x (from its polygon's vertices)."""
    vertices = poly.get_paths()[0].vertices
    low = np.array([vertices[np.isclose(vertices[:, 0], xi), 1].min() for xi in x])
    high = np.array([vertices[np.isclose(vertices[:, 0], xi), 1].max() for xi in x])
    return low, high


def test_terms_stack_to_the_total_layer_by_layer() -> None:
    fig = stl_bounds.plot("fu2025.thm1", x="lam=0:1:lin:21", terms=True, i=20)
    x = np.linspace(0, 1, 21)
    result = stl_bounds.get("fu2025.thm1").evaluate(lam=x, i=20)
    top = np.zeros_like(x)
    for name, term in result.terms.items():
        (poly,) = _by_gid(fig, f"term/{name}")
        low, high = _layer_heights(poly, x)
        np.testing.assert_allclose(low, top, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(high - low, term, rtol=1e-9, atol=1e-15)
        top = high
    np.testing.assert_allclose(top, result.value, rtol=1e-12)
    (total,) = _by_gid(fig, "total/0/0")
    np.testing.assert_array_equal(total.get_ydata(), result.value)


def test_a_negative_term_is_drawn_as_a_line_and_the_legend_and_stderr_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bound = _register(
        "test_plot.negative_term", terms=(*stl_bounds.get("lemma.shift").terms, ("offset", sp.Float(-0.01)))
    )
    fig = stl_bounds.plot(bound.id, x="i=0:10", terms=True)
    (offset,) = _by_gid(fig, "term/offset")
    assert offset in fig.axes[0].lines
    np.testing.assert_allclose(offset.get_ydata(), -0.01)
    assert not [a for a in _by_gid(fig, "term/") if isinstance(a, PolyCollection)]
    assert "negative" in fig.legends[0].get_title().get_text()
    assert main(["plot", bound.id, "--x", "i=0:10", "--terms", "--out", str(tmp_path / "t.png")]) == 0
    assert "drawn as lines" in capsys.readouterr().err


def test_regimes_are_shaded_where_the_bound_has_a_growth_factor() -> None:
    fig = stl_bounds.plot("lemma.amplified_shift", x="lam=0:1:lin:101", kappa=2, i=30)
    spans = {a.get_gid(): a for a in _by_gid(fig, "regime/")}
    assert set(spans) == {"regime/collapses", "regime/critical", "regime/converges"}  # rho = 2(1 - lam) crosses 1
    x0, x1 = spans["regime/converges"].get_window_extent().x0, spans["regime/collapses"].get_window_extent().x1
    assert x1 <= x0  # collapses for small lam, converges for large
    assert not _by_gid(stl_bounds.plot("bousquet2002.stability", x="n=10:1000:log:5", logx=True), "regime/")


def test_the_vacuous_region_is_marked_when_the_bound_reaches_its_trivial_level() -> None:
    assert _by_gid(stl_bounds.plot("fu2025.thm1", x="i=0:60", lam=0), "vacuous")  # grows past M = 1
    assert not _by_gid(stl_bounds.plot("fu2025.thm1", x="i=0:60", lam=0.5, eps=0.001), "vacuous")


@pytest.mark.parametrize("suffix", ["png", "pdf", "svg"])
def test_re_rendering_gives_identical_bytes_and_a_manifest(tmp_path: Path, suffix: str) -> None:
    argv = ["plot", "fu2025.thm1", "--x", "i=0:30", "--hue", "lam=0,0.5", "--set", "n=2000", "--logy"]
    for folder in ("a", "b"):
        assert main([*argv, "--out", str(tmp_path / folder / f"fig.{suffix}")]) == 0
    first, second = (tmp_path / "a" / f"fig.{suffix}").read_bytes(), (tmp_path / "b" / f"fig.{suffix}").read_bytes()
    assert first == second and len(first) > 1000
    manifest = json.loads((tmp_path / "a" / "fig.json").read_text())
    bound = stl_bounds.get("fu2025.thm1")
    assert manifest["bounds"] == [{"id": bound.id, "fidelity": "template", "citation": bound.citation.text()}]
    assert "rate statement" in manifest["caption"]
    assert manifest["parameters"]["set"] == {"n": 2000.0}
    assert manifest["parameters"]["axes"]["hue"] == {"name": "lam", "values": [0.0, 0.5], "text": "lam=0,0.5"}
    assert manifest["style"] == {"styles": ["stl_bounds.styles.paper"], "usetex": False}
    assert manifest["versions"]["matplotlib"] == matplotlib.__version__
    request = plot_request("fu2025.thm1", x="i=0:30", hue="lam=0,0.5", params={"n": 2000}, logy=True)
    assert manifest["data_sha256"] == data_hash(plot_data(request))
    assert list(manifest["files"]) == [f"fig.{suffix}"]


def test_a_bound_registered_on_the_fly_is_plotted_from_its_own_evaluations() -> None:
    bound = _register("test_plot.shift_copy", title="a copy of L3 under a new id")
    fig = stl_bounds.plot(bound.id, x="lam=0.1:0.9:lin:9", col="i=5,50")
    for c, i in enumerate((5, 50)):
        (line,) = _by_gid(fig, f"total/{c}/0")
        np.testing.assert_array_equal(line.get_ydata(), bound.evaluate(lam=np.linspace(0.1, 0.9, 9), i=i).value)


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["fu2025.thm11", "--x", "i=0:5"], ["unknown id", "did you mean fu2025.thm1"]),
        (["fu2025.thm1", "--x", "lamda=0:1:lin:5"], ["--x", "did you mean lam", "allowed"]),
        (["fu2025.thm1", "--x", "i="], ["--x", "empty"]),
        (["fu2025.thm1", "--x", "i=5"], ["--x", "at least 2", "got i=5"]),
        (["fu2025.thm1", "--x", "i=0:5", "--out", "f.jpg"], ["--out", ".pdf, .png, .svg", "f.jpg"]),
        (["fu2025.thm1", "--x", "i=0:5", "--logx"], ["--logx", "> 0", "i=0"]),
        (["fu2025.thm1", "--x", "i=0:5", "--hue", "i=1,2"], ["--hue and --x", "i=1,2"]),
        (["fu2025.thm1", "--x", "lam=0:2:lin:5"], ["--x lam=0:2:lin:5", "lam must be [0, 1]", "got 1.5"]),
        (["fu2025.thm1", "--x", "i=0:5", "--set", "n=10,20"], ["--set", "one number", "n="]),
        (["fu2025.thm1", "--x", "i=0:5", "--set", "i=3"], ["--x and --set", "i=3"]),
        (["fu2025.thm1", "--x", "i=0:5", "--hue", "lam=0,1", "--terms"], ["--terms", "--col", "lam=0,1"]),
        (["fu2025.thm1", "--x", "i=0:5", "--venue", "poster"], ["--venue", "poster"]),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str], needles: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["plot", *args] if "--out" in args else ["plot", *args, "--out", "p.png"]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("stl-bounds: error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, (needle, err)
    assert not list(tmp_path.iterdir())  # nothing written


def test_the_python_api_names_its_keywords_and_import_stays_free_of_matplotlib() -> None:
    with pytest.raises(stl_bounds.ParameterError, match=r"^hue and x vary the same parameter i"):
        stl_bounds.plot("fu2025.thm1", x="i=0:5", hue=("i", [1, 2]))
    import subprocess
    import sys

    code = "import sys, stl_bounds; stl_bounds.get('fu2025.thm1').evaluate(); print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
