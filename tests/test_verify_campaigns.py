"""End-to-end runs of the verification campaigns (docs/theory.md §6).

``closed_forms`` runs in its ``--quick`` setting in the default test run; the
other campaigns' quick runs are marked ``slow`` (about 10–25 s each on two
cores).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import verification
from verification.campaign import Check, Outcome
from verification.campaigns import get_campaign, names
from verification.cli import main


def _strict_json(path: Path) -> dict:
    def reject(token: str) -> None:
        raise AssertionError(f"{path.name} holds {token}")

    return json.loads(path.read_text(), parse_constant=reject)


def _assert_passes(doc: dict, campaign: str) -> None:
    failed = [(c["name"], c["figures"]) for c in doc["campaigns"][campaign]["checks"] if not c["passed"]]
    assert not failed, failed


def test_closed_forms_quick_run_passes(tmp_path: Path) -> None:
    doc = verification.run(["closed_forms"], out=tmp_path, workers=2, seed=0)
    _assert_passes(doc, "closed_forms")
    assert _strict_json(tmp_path / "results.json") == doc
    record = doc["campaigns"]["closed_forms"]
    assert record["figures"]["max_abs_z"] < record["figures"]["z_threshold"]
    assert record["figures"]["alpha"] == 1e-3 and record["figures"]["k"] > 100  # the quantile's family level and count
    assert record["settings"] == {"mode": "quick", "seed": 0, "replicates": 20000, "chunk_size": 1000}
    series = record["tasks"][0]["data"]["gauss.replace.unbiased.var"]  # data for plots
    assert len(series["t"]) == len(series["mc_mean"]) == len(series["se"]) == len(series["exact"]) == 10
    report = (tmp_path / "report.md").read_text()
    assert "## closed_forms" in report and "| `gauss.replace.unbiased.var[n=20]` | pass |" in report


@pytest.mark.slow
@pytest.mark.parametrize("campaign", [c for c in names() if c != "closed_forms"])
def test_quick_run_passes(tmp_path: Path, campaign: str) -> None:
    doc = verification.run([campaign], out=tmp_path, workers=2, seed=0)
    _assert_passes(doc, campaign)
    _strict_json(tmp_path / "results.json")


def test_failing_check_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from verification.campaigns import shift_recursion

    def judge(tasks):  # type: ignore[no-untyped-def]
        return Outcome([Check("always_fails", False, "a failing check")], {"x": 1.0}, [{} for _ in tasks])

    monkeypatch.setattr(shift_recursion, "CAMPAIGN", replace(shift_recursion.CAMPAIGN, judge=judge))
    argv = ["verify", "shift_recursion", "--replicates", "2", "--out", str(tmp_path), "--executor", "inprocess"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "FAIL shift_recursion: always_fails" in out and "1 checks fail" in out


def test_every_campaign_declares_valid_tasks() -> None:
    pytest.importorskip("torch")  # the transformer campaigns declare no tasks without torch
    for name in names():
        campaign = get_campaign(name)
        for mode in ("quick", "full"):
            tasks = campaign.tasks(mode)
            assert tasks and campaign.replicates[mode] >= campaign.min_replicates
            for params in tasks:
                campaign.validate(params)
