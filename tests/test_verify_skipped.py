"""A campaign whose optional dependency is missing is reported as ``skipped`` (issue 4), never as ``pass``.

torch's absence is simulated (``importlib.util.find_spec("torch")`` returns None), so these
tests run with or without torch installed.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import verification
from verification.campaign import Check, Outcome
from verification.cli import main
from verification.report import record_status, render_markdown, summary_table

TORCH_CAMPAIGNS = ("icl_anchor", "icl_loop", "icl_stability")


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "torch" else real_find_spec(n, *a))


def test_outcome_status() -> None:
    ok, bad = Check("a", True, "s"), Check("b", False, "s")
    assert Outcome([ok], {}, []).status == "pass"
    assert Outcome([ok, bad], {}, []).status == "fail"
    assert Outcome([], {}, [], skipped="no torch").status == "skipped"


@pytest.mark.filterwarnings("ignore:icl_.* skipped:UserWarning")
def test_torch_campaigns_are_skipped_in_records_report_and_summary(
    no_torch: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = verification.run(
        [*TORCH_CAMPAIGNS, "shift_recursion"],
        out=tmp_path,
        executor="inprocess",
        workers=1,
        replicates=8,
        chunk_size=4,
        seed=3,
    )
    assert document["passed"]
    on_disk = json.loads((tmp_path / "results.json").read_text())
    for name in TORCH_CAMPAIGNS:
        for rec in (document["campaigns"][name], on_disk["campaigns"][name]):
            assert rec["status"] == "skipped"
            assert "torch is not installed" in rec["skip_reason"] and "pip install" in rec["skip_reason"]
            assert rec["checks"] == [] and rec["tasks"] == []
            assert record_status(rec) == "skipped"
    assert document["campaigns"]["shift_recursion"]["status"] == "pass"
    report = (tmp_path / "report.md").read_text()
    for name in TORCH_CAMPAIGNS:
        assert f"| {name} | 0/0 | skipped |" in report
        assert f"| {name} | 0/0 | pass |" not in report
    assert "**Skipped**: icl_loop skipped: torch is not installed" in report
    table = summary_table(document)
    rows = {line.split()[0]: line.split()[2] for line in table.splitlines()[1:5]}
    assert rows == {
        "icl_anchor": "skipped",
        "icl_loop": "skipped",
        "icl_stability": "skipped",
        "shift_recursion": "pass",
    }
    assert "(3 campaigns skipped)" in table
    assert render_markdown(on_disk) == report


@pytest.mark.filterwarnings("ignore:icl_.* skipped:UserWarning")
def test_cli_exit_0_and_skipped_in_stdout(no_torch: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "icl_loop", "--out", str(tmp_path), "--no-progress", "--executor", "inprocess"]) == 0
    out = capsys.readouterr().out
    assert "skipped" in out and "SKIPPED icl_loop" in out
    assert " pass " not in out.splitlines()[1]


def test_a_failing_campaign_is_still_fail() -> None:
    rec = {"passed": False, "status": "fail", "checks": [{"name": "x", "passed": False, "figures": {}}], "figures": {}}
    assert record_status(rec) == "FAIL"
    assert record_status({"passed": True, "checks": [], "figures": {}}) == "pass"  # records predating ``status``
