"""``check_file``: every check holds on a sound file and fails, naming what broke, on a broken one."""

from __future__ import annotations

from pathlib import Path

import pytest

import stl_bounds
from stl_bounds import contract, registry
from stl_bounds.boundfiles.check import check_file
from stl_bounds.errors import BoundFileError

ROOT = Path(__file__).resolve().parents[1]
BASE = """\
[bound]
id = "test.check"
title = "a test bound"
fidelity = "exact"
citation = "Nobody 2025"
assumptions = ["none"]

[parameters.alpha]
domain = "(0, 1]"
default = 0.5
description = "a new parameter"
{alpha_extra}
[parameters.n]
[parameters.i]

[terms]
main = "{main}"
{extra}
"""


pytestmark = pytest.mark.usefixtures("isolated_registry")


def run(tmp_path: Path, main: str = "alpha/sqrt(n)", extra: str = "", alpha_extra: str = "", draws: int = 15):
    path = tmp_path / "bound.toml"
    path.write_text(BASE.format(main=main, extra=extra, alpha_extra=alpha_extra), encoding="utf-8")
    report = check_file(path, draws=draws)
    return {row.check: row for row in report.rows}, report


def test_a_sound_file_passes_every_check(tmp_path: Path) -> None:
    rows, report = run(tmp_path, extra='[properties]\nn = "nonincreasing"\nalpha = "nondecreasing"\n')
    assert report.passed, report.text()
    assert set(rows) >= {"parses", "defaults lie in their domains", "terms sum to the value",
                         "float64 agrees with mpmath", "a grid equals its points", "LaTeX renders",
                         "n nonincreasing", "alpha nondecreasing"}  # fmt: skip
    assert rows["n nonincreasing"].how == "symbolic"  # d/dn alpha/sqrt(n) <= 0 is decided by sympy
    assert "test.check" not in registry._REGISTRY  # check registers nothing
    assert report.to_dict()["passed"] is True


def test_a_false_monotonicity_gives_a_counterexample(tmp_path: Path) -> None:
    rows, report = run(tmp_path, extra='[properties]\nalpha = "nonincreasing"\n')
    row = rows["alpha nonincreasing"]
    assert not report.passed and not row.passed
    assert row.detail.startswith("counterexample: the bound is") and "not nonincreasing" in row.detail
    assert "1 of 7 checks fail" in report.text()


def test_a_monotonicity_that_holds_only_given_a_restriction(tmp_path: Path) -> None:
    # (i - 100)^2 decreases up to i = 100: false on the domain, true given i >= 100 (numerically checked)
    extra = '[properties]\ni = { direction = "nondecreasing", given = { i = "integer >= 100" } }\n'
    rows, report = run(tmp_path, main="alpha*(i - 100)**2", extra=extra)
    assert report.passed, report.text()
    rows, report = run(tmp_path, main="alpha*(i - 100)**2", extra='[properties]\ni = "nondecreasing"\n')
    assert not rows["i nondecreasing"].passed and "not nondecreasing" in rows["i nondecreasing"].detail


def test_an_infinite_limit_fails(tmp_path: Path) -> None:
    rows, _ = run(tmp_path, main="alpha*(i + 1)", extra='[properties]\nlimit_i = "finite"\n')
    assert not rows["limit_i finite"].passed
    assert rows["limit_i finite"].detail == "counterexample: the limit is oo"


def test_a_finite_limit_is_checked_against_far_generations(tmp_path: Path) -> None:
    extra = '[growth]\nrho = "1 - alpha"\n[properties]\nlimit_i = "finite"\n'
    rows, report = run(tmp_path, main="geom(1 - alpha, i + 1)/n", extra=extra)
    assert rows["limit_i finite"].passed, report.text()
    assert "with rho < 1" in rows["limit_i finite"].how


def test_a_recurrence_is_proved_or_refuted(tmp_path: Path) -> None:
    good = '[growth]\nrho = "1 - alpha"\n[recurrence]\nx_next = "rho*x + 1/n"\nx0 = "1/n"\n'
    rows, _ = run(tmp_path, main="geom(1 - alpha, i + 1)/n", extra=good)
    assert rows["recurrence solves the bound"].passed and rows["recurrence solves the bound"].how == "sympy.rsolve"
    wrong = good.replace("rho*x + 1/n", "rho*x + 2/n")
    rows, _ = run(tmp_path, main="geom(1 - alpha, i + 1)/n", extra=wrong)
    row = rows["recurrence solves the bound"]
    assert not row.passed and "at i=1 the recurrence gives" in row.detail


def test_float64_cancellation_is_reported(tmp_path: Path) -> None:
    rows, _ = run(tmp_path, main="exp(alpha*1e-20) - 1")
    row = rows["float64 agrees with mpmath"]
    assert not row.passed and row.detail.startswith("counterexample: main: float64 0.0, mpmath")


def test_latex_that_mathtext_cannot_typeset_is_reported(tmp_path: Path) -> None:
    rows, _ = run(tmp_path, alpha_extra='latex = "\\\\nocommand"')
    row = rows["LaTeX renders"]
    assert not row.passed and row.detail.startswith("bound:")


def test_an_id_of_another_formula_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "clash.toml"
    path.write_text(BASE.format(main="alpha", extra="", alpha_extra="").replace("test.check", "lemma.shift"))
    with pytest.raises(BoundFileError, match=r"clash.toml:2: bound.id: id 'lemma.shift' is already registered"):
        check_file(path)


def test_contract_helpers_report_broken_values() -> None:
    assert contract.terms_sum_gap(1.0, {"a": 0.25, "b": 0.75}) == 0.0
    assert contract.terms_sum_gap(1.0, {"a": 0.25, "b": 0.5}) == pytest.approx(0.25)
    b = stl_bounds.get("lemma.shift")
    fast = b.evaluate(eps=0.1, lam=0.3, i=5).terms
    ref = b.evaluate(precision="mp", dps=40, eps=0.1, lam=0.3, i=5).terms
    params = {"eps": 0.1, "lam": 0.3, "i": 5.0}
    assert contract.float64_disagreements(b, params, fast, ref) == []
    (problem,) = contract.float64_disagreements(b, params, {"shift": fast["shift"] * (1 + 1e-8)}, ref)
    assert problem.startswith("shift: float64")
    decreasing = b.monotone[1]  # lam nonincreasing
    assert decreasing.parameter == "lam"
    assert contract.monotonicity_violation(b, decreasing, params, 0.2, 0.4) is None
    flipped = type(decreasing)("lam", "nondecreasing")
    assert "not nondecreasing" in contract.monotonicity_violation(b, flipped, params, 0.2, 0.4)


def test_limit_check_compares_a_zero_limit_on_the_bounds_scale() -> None:
    """A limit of exactly 0 (C_opt = 0: only the geometric decay is left) is met by a far-out value of 1e-250,
    and a wrong limit is still reported (the scale is the bound's, not an absolute 1e-300)."""
    import sympy as sp

    stl_bounds.load_bounds(ROOT / "examples" / "bounds" / "contraction.toml")
    bound = stl_bounds.get("example.contraction")
    limit = bound.limit_in_generations()
    params = {"C_opt": 0.0, "L_map": 1.2, "lam": 0.5, "d0": 3.0, "n": 100}
    assert contract.limit_disagreement(bound, limit, params) is None
    assert "its limit" in (contract.limit_disagreement(bound, limit + sp.Rational(1, 10**6), params) or "")
