"""Bound files on the command line: --bounds (before or after the command, repeatable), STL_BOUNDS_PATH,
the source column of `list`, `check` (exit 0/1/2) and one-line errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import stl_bounds
from stl_bounds import registry
from stl_bounds.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "bounds"
CONTRACTION = EXAMPLES / "contraction.toml"
SMALL = """\
[bound]
id = "test.cli"
title = "a test bound"
fidelity = "exact"
citation = "Nobody 2025"
assumptions = ["none"]

[parameters.alpha]
domain = "(0, 1]"
default = 0.5
description = "a new parameter"

[parameters.n]

[terms]
main = "alpha/sqrt(n)"

[properties]
n = "{direction}"
"""


pytestmark = pytest.mark.usefixtures("isolated_registry")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if not line.startswith("checking ")]
    assert len(lines) == 1 and lines[0].startswith("stl-bounds: error: ") and "Traceback" not in err, err
    return lines[0]


def test_bounds_before_or_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--bounds", str(EXAMPLES), "eval", "example.contraction", "--set", "lam=0.3",
                       "--format", "json")  # fmt: skip
    assert code == 0
    expected = stl_bounds.get("example.contraction").evaluate(lam=0.3).value
    assert json.loads(out)["value"] == expected
    code, out, _ = run(capsys, "show", "example.contraction", "--bounds", str(CONTRACTION))
    assert code == 0 and "d_{0}" in out


def test_bounds_is_repeatable_and_mp_works(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--bounds", str(CONTRACTION), "--bounds", str(EXAMPLES / "amplified_shift.toml")]
    code, out, _ = run(capsys, *argv, "eval", "example.amplified_shift_restated", "--set", "lam=0", "--set", "kappa=2",
                       "--set", "i=2000", "--precision", "mp", "--format", "json")  # fmt: skip
    assert code == 0 and json.loads(out)["value"].startswith("1.14813069527425")  # (2^2001 - 1) * 0.05, beyond float64
    assert "example.contraction" in stl_bounds.list_ids()


def test_list_has_a_source_column(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--bounds", str(CONTRACTION), "list", "--format", "json")
    assert code == 0
    sources = {r["id"]: r["source"] for r in json.loads(out)}
    assert sources["example.contraction"] == str(CONTRACTION)
    assert sources["fu2025.thm1"] == "built-in"
    code, out, _ = run(capsys, "list")
    assert out.splitlines()[0].split()[:5] == ["id", "fidelity", "kind", "source", "title"]


def test_environment_variable(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STL_BOUNDS_PATH", str(CONTRACTION))
    monkeypatch.setattr(registry, "_external", "pending")
    code, out, _ = run(capsys, "eval", "example.contraction", "--set", "i=0:20:10")
    assert code == 0 and "accumulated" in out


def test_derive_solves_the_recurrence_of_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--bounds", str(EXAMPLES / "amplified_shift.toml"), "derive",
                       "example.amplified_shift_restated")  # fmt: skip
    assert code == 0 and "proved equal to the closed form" in out and "rsolve" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (SMALL.replace('main = "alpha/sqrt(n)"', 'main = "alpha.real"'), "bad.toml:16: terms.main: attribute access"),
        (SMALL.replace("default = 0.5", "default = 5"), "bad.toml:10: parameters.alpha.default: the default 5"),
        (SMALL.replace("test.cli", "lemma.shift"), "bad.toml:2: bound.id: id 'lemma.shift' is already registered"),
        (SMALL.replace("[terms]", "[terms"), "bad.toml:15: malformed TOML"),
    ],
    ids=["code", "default outside", "id collision", "malformed"],
)
def test_bad_files_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text.format(direction="nonincreasing"), encoding="utf-8")
    for argv in (["--bounds", str(path), "list"], ["check", str(path)]):
        code, _, err = run(capsys, *argv)
        assert code == 2
        assert message in one_line_error(err)


def test_missing_path_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--bounds", str(tmp_path / "nope.toml"), "eval", "fu2025.thm1")
    assert code == 2 and "nope.toml: cannot read: no such file or folder" in one_line_error(err)


def test_check_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL.format(direction="nonincreasing"), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path), "--draws", "10")
    assert code == 0 and "all 7 checks hold" in out and "n nonincreasing" in out
    path.write_text(SMALL.format(direction="nondecreasing"), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path), "--draws", "10", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["passed"] is False
    (failed,) = [c for c in report["checks"] if not c["passed"]]
    assert failed["check"] == "n nondecreasing" and failed["detail"].startswith("counterexample:")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["amplified_shift.toml", "contraction.toml", "fu2025_thm1.toml"])
def test_examples_pass_check(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, _ = run(capsys, "check", str(EXAMPLES / name), "--draws", "30")
    assert code == 0, out
