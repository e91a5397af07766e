"""``stl-bounds report``: the main job end to end, its contents, bad input and interruption (issue 5)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import stl_bounds
import verification
from stl_bounds.calibration import min_lambda
from stl_bounds.cli import main
from stl_bounds.figures import get_figure, names
from stl_bounds.figures.records import load_results
from stl_bounds.figures.render import data_hash
from stl_bounds.report import TOOL, work_folder
from stl_bounds.report.headline import BOUNDS, CALIBRATED, TARGET


@pytest.fixture(scope="module")
def report(quick_report: tuple[int, Path]) -> tuple[int, Path, dict]:
    code, out = quick_report
    return code, out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_report_quick_end_to_end(report: tuple[int, Path, dict]) -> None:
    code, out, doc = report
    assert code == 0 and doc["passed"] and doc["tool"] == TOOL
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "explorer.html",
        "figures",
        "results.json",
        "verification.md",
    ]
    assert not list(out.parent.glob(".report*"))  # no staging folder, no work folder left behind
    from verification.campaigns import names as campaign_names

    assert list(doc["verification"]["campaigns"]) == campaign_names()
    from stl_bounds.claims import CLAIM_IDS, MONTE_CARLO_CLAIM_IDS

    symbolic = [c for c in CLAIM_IDS if c not in MONTE_CARLO_CLAIM_IDS]
    assert [c["claim_id"] for c in doc["claims"]] == symbolic and all(c["passed"] for c in doc["claims"])


def test_headline_numbers_come_from_the_registry(report: tuple[int, Path, dict]) -> None:
    _, _, doc = report
    head = doc["headline"]
    for entry, bound_id in zip(head["bounds"], BOUNDS, strict=True):
        result = stl_bounds.get(bound_id).evaluate()
        assert entry["id"] == bound_id and entry["value"] == pytest.approx(float(result.value), rel=1e-15)
        assert entry["terms"] == pytest.approx({k: float(v) for k, v in result.terms.items()}, rel=1e-15)
    assert head["calibration"]["min_lambda"]["value"] == pytest.approx(min_lambda(CALIBRATED, TARGET).value)
    assert head["optimal_m"]["value"] == pytest.approx(float(stl_bounds.get("fu2025.optimal_m").evaluate().value))


def test_readme_shows_every_drawn_figure_and_the_tables(report: tuple[int, Path, dict]) -> None:
    _, out, doc = report
    readme = (out / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"\]\(([^)]+)\)", readme)
    for target in linked:
        assert (out / target).exists(), target
    assert [f["name"] for f in doc["figures"]] == names()
    for entry in doc["figures"]:
        if entry["status"] == "drawn":
            assert f"figures/{entry['name']}.png" in linked
            manifest = json.loads((out / "figures" / f"{entry['name']}.json").read_text())
            assert manifest["data_sha256"] == entry["data_sha256"]
        else:
            assert get_figure(entry["name"]).requires_torch and entry["reason"] in readme
    for heading in ("## Summary", "## Headline bounds", "## Claims", "## Monte Carlo verification", "## Figures"):
        assert heading in readme
    assert "fu2025.thm1" in readme and "template" in readme


def test_report_figures_plot_the_reports_own_records(report: tuple[int, Path, dict], campaign_records) -> None:
    _, out, doc = report
    assert dict(load_results(out / "results.json")) == dict(campaign_records)  # `figures --results report/...`
    for entry in doc["figures"]:
        if entry["status"] == "drawn":
            assert entry["data_sha256"] == data_hash(get_figure(entry["name"]).data(campaign_records))


@pytest.mark.parametrize("kind", ["file", "foreign", "seed"])
def test_bad_input_exit_2_and_nothing_touched(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out"
    argv = ["report", "--out", str(target)]
    if kind == "file":
        target.write_text("a file")
        message = "is a file"
    elif kind == "foreign":
        target.mkdir()
        (target / "thesis.tex").write_text("precious")
        message = "not an stl-bounds report"
    else:
        argv += ["--seed", "-1"]
        message = "seed"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    if kind == "foreign":
        assert (target / "thesis.tex").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if kind == "seed" else ["out"])


def test_interrupted_report_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(verification, "run", interrupted)
    out = tmp_path / "report"
    assert main(["report", "--out", str(out), "--no-progress"]) == 130
    assert "no report was written" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".report.partial-*"))
    assert work_folder(out, "quick", 0).name == ".report-work-quick-seed0"
