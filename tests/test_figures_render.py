"""The figure framework: byte-identical re-rendering, manifests, styles, skips and bad input (issue 5)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pytest
from matplotlib import style as mpl_style

import stl_bounds
from stl_bounds.cli import main
from stl_bounds.figures import FigureSkipped, Records, get_figure, names
from stl_bounds.figures.records import check_document, load_results
from stl_bounds.figures.render import FORMATS, Rendered, Skipped, data_hash, render, render_all
from stl_bounds.styles import BASE, VENUES


def test_every_figure_of_the_issue_is_declared() -> None:
    assert names() == [
        "bound_vs_generation",
        "terms_breakdown",
        "phase_diagram",
        "gaussian_loops",
        "regression_loops",
        "categorical_loops",
        "kde_loops",
        "recursive_stability",
        "rate_validity",
        "optimal_synthetic_size",
        "transformer_icl",
    ]
    for name in names():
        spec = get_figure(name)
        assert spec.name == name and spec.caption and spec.theory.startswith("docs/theory.md §")
        for bound_id in spec.bound_ids:
            stl_bounds.get(bound_id)  # registered


def test_re_rendering_is_byte_identical_and_the_manifest_describes_the_files(
    campaign_records: Records, tmp_path: Path
) -> None:
    first = render_all(names(), campaign_records, tmp_path / "a")
    second = render_all(names(), campaign_records, tmp_path / "b")
    drawn = [r for r in first if isinstance(r, Rendered)]
    assert len(drawn) >= len(names()) - 1  # only the transformer figure may be skipped (no torch)
    for item in drawn:
        for path in item.files:
            assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
        manifest = json.loads((tmp_path / "a" / f"{item.name}.json").read_text())
        spec = get_figure(item.name)
        assert manifest["figure"] == item.name
        assert manifest["data_sha256"] == data_hash(spec.data(campaign_records))
        assert [b["id"] for b in manifest["bounds"]] == list(spec.bound_ids)
        assert set(manifest["campaigns"]) == set(spec.campaigns)
        assert manifest["seed"] == (campaign_records.seed if spec.campaigns else None)
        assert manifest["versions"]["matplotlib"] == matplotlib.__version__
        assert set(manifest["files"]) == {f"{item.name}.{fmt}" for fmt in FORMATS}
    assert [type(r) for r in first] == [type(r) for r in second]


def test_data_hash_changes_with_the_data() -> None:
    assert data_hash({"x": [1.0, 2.0]}) == data_hash({"x": (1.0, 2.0)})
    assert data_hash({"x": [1.0, 2.0]}) != data_hash({"x": [1.0, 2.0000001]})


def test_styles_are_package_data_and_the_venue_sets_one_column_width(tmp_path: Path) -> None:
    with mpl_style.context([BASE]):
        assert matplotlib.rcParams["figure.figsize"][0] == pytest.approx(6.75)
        assert not matplotlib.rcParams["text.usetex"]
    with mpl_style.context([BASE, VENUES["onecolumn"]]):
        assert matplotlib.rcParams["figure.figsize"][0] == pytest.approx(3.25)
        assert matplotlib.rcParams["savefig.dpi"] == 200
    item = render(get_figure("bound_vs_generation"), Records({}), tmp_path, venue="onecolumn")
    from PIL import Image

    with Image.open(item.files[1]) as png:
        assert png.size[0] == round(3.25 * 200)  # one-column width at the style's savefig.dpi


def test_a_figure_without_its_record_is_skipped_with_the_reason(tmp_path: Path) -> None:
    spec = get_figure("transformer_icl")
    with pytest.raises(FigureSkipped, match="icl_loop"):
        render(spec, Records({}), tmp_path)
    skipped = Records({"icl_loop": {"status": "skipped", "skip_reason": "torch is not installed; pip install torch"}})
    (item,) = render_all(["transformer_icl"], skipped, tmp_path)
    assert isinstance(item, Skipped) and "pip install torch" in item.reason
    assert not list(tmp_path.iterdir())  # nothing written for a skipped figure


def _results(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(document))
    return path


def test_incompatible_results_are_refused(tmp_path: Path) -> None:
    from verification.campaigns import get_campaign
    from verification.report import RESULTS_SCHEMA

    with pytest.raises(stl_bounds.ParameterError, match="schema"):
        check_document({"schema": RESULTS_SCHEMA + 1, "campaigns": {}})
    old = {"schema": RESULTS_SCHEMA, "campaigns": {"closed_forms": {"version": -1}}}
    with pytest.raises(stl_bounds.ParameterError, match="rerun `stl-bounds verify closed_forms`"):
        check_document(old)
    current = {
        "schema": RESULTS_SCHEMA,
        "seed": 3,
        "campaigns": {"closed_forms": {"version": get_campaign("closed_forms").version}},
    }
    assert load_results(_results(tmp_path, current)).seed == 3
    with pytest.raises(stl_bounds.ParameterError, match="no results file"):
        load_results(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(stl_bounds.ParameterError, match="not valid JSON"):
        load_results(tmp_path / "bad.json")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--only", "bound_vs_generatoin"], "did you mean bound_vs_generation"),
        (["--only", "bound_vs_generation", "--venue", "nature"], "invalid choice"),
        (["--only", "gaussian_loops", "--results", "RESULTS"], "rerun `stl-bounds verify"),
        (["--only", "gaussian_loops", "--results", "MISSING"], "no results file"),
        (["--only", "bound_vs_generation", "--out", "FILE"], "cannot write to the output folder"),
    ],
)
def test_cli_bad_input_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("in the way")
    old = {"schema": 1, "campaigns": {"closed_forms": {"version": -1}}}
    subs = {
        "RESULTS": str(_results(tmp_path, old)),
        "MISSING": str(tmp_path / "none.json"),
        "FILE": str(tmp_path / "file" / "sub"),
    }
    argv = [subs.get(a, a) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    assert main(["figures", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_renders_a_calculator_figure_without_running_campaigns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["figures", "--only", "bound_vs_generation", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bound_vs_generation.json",
        "bound_vs_generation.pdf",
        "bound_vs_generation.png",
    ]
    assert "running the campaigns" not in capsys.readouterr().err


def test_committed_figures_of_the_calculator_are_current() -> None:
    """figures/ holds what `stl-bounds figures` draws now (campaign figures depend on the machine's BLAS/torch)."""
    committed = Path(__file__).resolve().parents[1] / "figures"
    for name in names():
        spec = get_figure(name)
        manifest = json.loads((committed / f"{name}.json").read_text(encoding="utf-8"))
        assert {f"{name}.{fmt}" for fmt in FORMATS} <= {p.name for p in committed.iterdir()}
        assert manifest["figure"] == name and manifest["caption"] == spec.caption
        if not spec.campaigns:
            assert manifest["data_sha256"] == data_hash(spec.data(Records({}))), f"re-render {name}"


def test_usetex_without_latex_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import stl_bounds.figures.render as render_module

    monkeypatch.setattr(render_module.shutil, "which", lambda name: None)
    assert main(["figures", "--only", "bound_vs_generation", "--usetex", "--out", str(tmp_path)]) == 2
    assert "needs a LaTeX installation" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
