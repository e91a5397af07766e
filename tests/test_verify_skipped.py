"""A campaign whose optional dependency is missing is reported as ``skipped`` (issues 4, 12), never as ``pass``.

``verify CAMPAIGN`` naming a skipped campaign exits 3 (nothing verified for it) with the install
commands; a default run counts its skipped campaigns apart in the summary.

torch's absence is simulated (``importlib.util.find_spec("torch")`` returns None), so these
tests run with or without torch installed.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import verification
import verification.cli as verification_cli
from stl_bounds.cli import main as cli_main
from stl_bounds.extras import TORCH_INSTALL
from verification.campaign import Check, Outcome
from verification.cli import EXIT_NOT_VERIFIED, main
from verification.report import record_status, render_markdown, summary_table, verdict

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
    assert table.splitlines()[-1] == "1 campaign passed, 3 skipped, not verified (torch is not installed)"
    assert "all checks pass" not in table
    assert "**Overall: PASS** — 1 campaign passed, 3 skipped, not verified (torch is not installed)" in report
    assert render_markdown(on_disk) == report


def test_verify_of_a_skipped_campaign_is_exit_3_with_the_install_commands(
    no_torch: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`stl-bounds verify icl_loop` without torch verified nothing: not exit 0, not "all checks pass"."""
    code = cli_main(["verify", "icl_loop", "--out", str(tmp_path), "--no-progress", "--executor", "inprocess"])
    assert code == EXIT_NOT_VERIFIED == 3
    captured = capsys.readouterr()
    assert "SKIPPED icl_loop" in captured.out and " pass " not in captured.out.splitlines()[1]
    assert captured.out.splitlines()[-2] == "0 campaigns passed, 1 skipped, not verified (torch is not installed)"
    assert "all checks pass" not in captured.out
    line = next(x for x in captured.err.splitlines() if "not verified" in x)
    assert line.startswith("stl-bounds verify: not verified: icl_loop was skipped (torch is not installed; ")
    assert TORCH_INSTALL in line and line.endswith("exit status 3")
    assert 'python3 -m pip install -e ".[torch]" "torch==2.13.0"' in line and 'pip install "stl-bounds[torch]"' in line
    # the skip is reported by the summary: no raw Python warning (file:line: UserWarning) on stderr
    assert "UserWarning" not in captured.err and ".py:" not in captured.err and "warning:" not in captured.err


def test_a_named_skipped_campaign_beside_a_passing_one_is_still_exit_3(
    no_torch: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["verify", "icl_anchor", "shift_recursion", "--replicates", "8", "--chunk-size", "4", "--out", str(tmp_path)]
    assert main([*argv, "--no-progress", "--executor", "inprocess"]) == EXIT_NOT_VERIFIED
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-2] == "1 campaign passed, 1 skipped, not verified (torch is not installed)"
    assert "not verified: icl_anchor was skipped" in captured.err


def _record(status: str, n_checks: int = 2, reason: str | None = None) -> dict[str, object]:
    checks = [{"name": f"c{k}", "passed": status == "pass" or k > 0, "figures": {}} for k in range(n_checks)]
    record: dict[str, object] = {"passed": status != "fail", "status": status, "checks": checks, "figures": {}}
    if reason is not None:
        record["skip_reason"] = reason
    return record


def _document(records: dict[str, dict[str, object]]) -> dict[str, object]:
    return {"passed": all(r["passed"] for r in records.values()), "campaigns": records}


def test_default_run_with_skipped_campaigns_counts_them_and_exits_0(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default set (no campaign named): the summary says N passed, K skipped (why); exit 0 when the rest pass."""
    records = {"closed_forms": _record("pass"), "shift_recursion": _record("pass")}
    for name in TORCH_CAMPAIGNS:
        records[name] = _record("skipped", 0, f"{name} skipped: torch is not installed; {TORCH_INSTALL}")
    monkeypatch.setattr(verification_cli, "run", lambda *a, **k: _document(records))
    assert cli_main(["verify", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "2 campaigns passed, 3 skipped, not verified (torch is not installed)" in out
    assert "all checks pass" not in out


def test_verdict_counts_failures_and_skips_apart() -> None:
    reason = "icl_loop skipped: torch is not installed; install it"
    assert verdict(_document({"a": _record("pass")})) == "all checks pass"
    assert verdict(_document({"a": _record("pass"), "b": _record("fail")})) == "1 checks fail"
    mixed = {"a": _record("pass"), "b": _record("fail"), "icl_loop": _record("skipped", 0, reason)}
    assert verdict(_document(mixed)) == (
        "1 checks fail; 1 campaign passed, 1 failed, 1 skipped, not verified (torch is not installed)"
    )


def test_a_failure_wins_over_a_skip_in_the_exit_status(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = "icl_loop skipped: torch is not installed; install it"
    records = {"icl_loop": _record("skipped", 0, reason), "shift_recursion": _record("fail")}
    monkeypatch.setattr(verification_cli, "run", lambda *a, **k: _document(records))
    assert cli_main(["verify", "icl_loop", "shift_recursion", "--out", str(tmp_path)]) == 1
    assert "1 checks fail; 0 campaigns passed, 1 failed, 1 skipped" in capsys.readouterr().out


def test_verify_help_documents_exit_status_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["verify", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "3 a campaign named on the command line was skipped (nothing verified for it)" in text


def test_a_failing_campaign_is_still_fail() -> None:
    rec = {"passed": False, "status": "fail", "checks": [{"name": "x", "passed": False, "figures": {}}], "figures": {}}
    assert record_status(rec) == "FAIL"
    assert record_status({"passed": True, "checks": [], "figures": {}}) == "pass"  # records predating ``status``
