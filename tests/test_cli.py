"""Tests of the ``stl-bounds`` command line, through ``main(argv)`` and once as a process."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import re
import shutil
import subprocess
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stl_bounds
from stl_bounds.bound import FIDELITY_LABELS
from stl_bounds.cli import COMMANDS, Command, build_parser, main
from stl_bounds.errors import CalibrationError, GridError
from stl_bounds.grids import FORMS, parse_grid
from stl_bounds.safe_side import sig_text
from stl_bounds.testing import invalid_params, invalid_values, valid_params

IDS = stl_bounds.list_ids()
RESULT_KEYS = {"id", "params", "value", "terms", "regime", "fidelity"}


@dataclass(frozen=True)
class Run:
    """Exit code and captured streams of one ``main(argv)`` call."""

    code: int
    out: str
    err: str


def run(*argv: str) -> Run:
    """``main(argv)`` with stdout and stderr captured (usable inside hypothesis tests)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return Run(code, out.getvalue(), err.getvalue())


def assert_usage_error(r: Run) -> None:
    """Exit 2, nothing on stdout, one line ``stl-bounds: error: ...`` on stderr, no traceback."""
    assert r.code == 2, r
    assert r.out == ""
    assert r.err.startswith("stl-bounds: error: "), r.err
    assert r.err.endswith("\n") and r.err.count("\n") == 1, r.err
    assert "Traceback" not in r.err


def strict_json(text: str) -> Any:
    """``json.loads`` that rejects NaN and Infinity."""

    def reject(token: str) -> None:
        raise AssertionError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=reject)


def cli_text(value: Any) -> str:
    """A Python value as a user would type it after ``name=``."""
    return repr(value) if isinstance(value, float) else str(value)


# --- list ----------------------------------------------------------------------------
def test_list_text_shows_every_id_with_its_fidelity() -> None:
    r = run("list")
    assert r.code == 0 and r.err == ""
    lines = r.out.splitlines()
    for bound_id in IDS:
        row = next(line for line in lines if line.startswith(bound_id + " "))
        assert stl_bounds.get(bound_id).fidelity in row.split()
    for label, meaning in FIDELITY_LABELS.items():
        assert label in r.out and meaning in r.out


def test_list_json() -> None:
    records = strict_json(run("list", "--format", "json").out)
    assert [r["id"] for r in records] == IDS
    for record in records:
        assert {"id", "fidelity", "kind", "title", "citation"} <= set(record)
        assert record["fidelity"] in FIDELITY_LABELS


def test_list_csv() -> None:
    rows = list(csv.DictReader(io.StringIO(run("list", "--format", "csv").out)))
    assert [row["id"] for row in rows] == IDS
    assert all(row["fidelity"] == stl_bounds.get(row["id"]).fidelity for row in rows)


# --- show ----------------------------------------------------------------------------
@pytest.mark.parametrize("bound_id", IDS)
def test_show_text(bound_id: str) -> None:
    bound = stl_bounds.get(bound_id)
    r = run("show", bound_id)
    assert r.code == 0 and r.err == ""
    assert f"fidelity: {bound.fidelity} ({FIDELITY_LABELS[bound.fidelity]})" in r.out
    assert bound.latex() in r.out
    assert bound.citation.text() in r.out
    for name, latex in bound.term_latex().items():
        assert f"  {name} =" in r.out and latex in r.out
    for p in bound.parameters:
        assert p.domain.describe() in r.out and p.description in r.out
    for text in (*bound.assumptions, *bound.notes):
        assert text in r.out


@pytest.mark.parametrize("bound_id", IDS)
def test_show_json(bound_id: str) -> None:
    bound = stl_bounds.get(bound_id)
    d = strict_json(run("show", bound_id, "--format", "json").out)
    assert d["id"] == bound_id and d["fidelity"] == bound.fidelity
    assert d["fidelity_meaning"] == FIDELITY_LABELS[bound.fidelity]
    assert d["latex"] == bound.latex() and d["latex_with_defaults"] == bound.latex(with_defaults=True)
    assert [t["name"] for t in d["terms"]] == [name for name, _ in bound.terms]
    assert [p["name"] for p in d["parameters"]] == list(bound.parameter_names)
    assert d["citation"]["text"] == bound.citation.text()
    assert d["has_derivation"] == (bound.derivation is not None)


def test_show_numeric_defaults_are_short() -> None:
    d = strict_json(run("show", "fu2025.thm1", "--format", "json").out)
    defaults = {p["name"]: p["default"] for p in d["parameters"]}
    assert defaults["lam"] == "0.5" and defaults["n"] == "1000" and defaults["beta"] == "1/n"


# --- eval: one point ---------------------------------------------------------------------
@pytest.mark.parametrize("bound_id", IDS)
def test_eval_defaults_text_is_a_statement(bound_id: str) -> None:
    bound = stl_bounds.get(bound_id)
    if any(p.default is None for p in bound.parameters):
        pytest.skip(f"{bound_id} has required parameters (covered by test_eval_agrees_with_the_api)")
    result = bound.evaluate()
    r = run("eval", bound_id)
    assert r.code == 0 and r.err == ""
    assert r.out.startswith(f"{bound_id}: {bound.title}\n")
    assert f"fidelity: {bound.fidelity}" in r.out
    safe = sig_text(result.value, 6, "up" if bound.kind == "bound" else "nearest")  # an upper bound is rounded up
    assert f"value: {safe}  (" in r.out
    assert bound.citation.text() in r.out
    for name in result.terms:
        assert f"  {name} " in r.out
    for name in bound.parameter_names:
        assert f"  {name} " in r.out
    if result.diagnostics.get("rho") is not None:
        assert f"regime: {result.regime} (ρ = " in r.out


@pytest.mark.parametrize("bound_id", IDS)
def test_eval_json_is_to_dict(bound_id: str) -> None:
    if any(p.default is None for p in stl_bounds.get(bound_id).parameters):
        pytest.skip(f"{bound_id} has required parameters (covered by test_eval_agrees_with_the_api)")
    d = strict_json(run("eval", bound_id, "--format", "json").out)
    assert RESULT_KEYS <= set(d)
    assert d == strict_json(json.dumps(stl_bounds.get(bound_id).evaluate().to_dict()))


def test_eval_marks_defaults_and_given_values() -> None:
    out = run("eval", "fu2025.thm1", "--set", "lam=0.3", "--set", "n=5000").out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and line.split()}
    assert lines["lam"].split()[1:] == ["0.3", "given"]
    assert lines["n"].split()[1:] == ["5000", "given"]
    assert lines["delta"].split()[1:] == ["0.05", "default"]
    assert lines["beta"].split()[1:] == ["0.0002", "default", "=", "1/n"]


def test_eval_terms_show_their_share() -> None:
    bound = stl_bounds.get("fu2025.thm1")
    result = bound.evaluate(lam=0.3)
    out = run("eval", "fu2025.thm1", "--set", "lam=0.3").out
    for name, v in result.terms.items():
        assert f"{100 * v / result.value:.1f} %" in next(line for line in out.splitlines() if f"  {name} " in line)


def test_eval_m_replaces_lam() -> None:
    r = run("eval", "fu2025.thm1", "--set", "m=1000", "--format", "json")
    d = strict_json(r.out)
    assert d["params"]["m"] == 1000 and d["params"]["lam"] == 0.5
    assert "from m: λ = n/(n+m)" in run("eval", "fu2025.thm1", "--set", "m=1000").out


def test_eval_vacuous_footnote() -> None:
    r = run("eval", "fu2025.thm1", "--set", "lam=0", "--set", "i=200")
    assert r.code == 0
    assert "\nvacuous: the bound is ≥ M = 1, it says nothing" in r.out  # in the statement, under the value
    assert "vacuous" not in run("eval", "fu2025.thm1").out
    tv = run("eval", "lemma.amplified_shift", "--set", "kappa=3", "--set", "lam=0", "--set", "i=0:5")
    assert "vacuous: 3 of 6 values are ≥ 1" in tv.out  # a total variation above 1 says nothing


def test_eval_mp_precision() -> None:
    r = run("eval", "fu2025.thm1", "--precision", "mp", "--dps", "30")
    assert r.code == 0
    value = next(line for line in r.out.splitlines() if line.startswith("value: ")).split()[1]
    assert len(value.replace("0.", "", 1)) >= 25
    d = strict_json(run("eval", "fu2025.thm1", "--precision", "mp", "--format", "json").out)
    assert d["diagnostics"]["precision"] == "mp"
    assert math.isclose(d["value"], stl_bounds.get("fu2025.thm1").evaluate().value, rel_tol=1e-12)


def test_eval_json_encodes_divergence_without_infinity() -> None:
    """The mp path reaches values beyond float64; JSON keeps them as decimal strings."""
    argv = ("eval", "fu2025.thm1", "--set", "lam=0", "--set", "kappa=2", "--set", "i=2000", "--precision", "mp")
    d = strict_json(run(*argv, "--format", "json").out)
    assert d["value"].startswith("5.74065347637127") and d["value"].endswith("e+600")
    assert d["regime"] == "collapses"
    assert "vacuous" in run(*argv).out


def test_eval_csv_one_point() -> None:
    rows = list(csv.DictReader(io.StringIO(run("eval", "fu2025.thm1", "--format", "csv").out)))
    assert len(rows) == 1
    row = rows[0]
    result = stl_bounds.get("fu2025.thm1").evaluate()
    assert float(row["value"]) == result.value
    assert {float(row[f"term.{k}"]) for k in result.terms} == set(result.terms.values())
    assert row["regime"] == "converges" and row["fidelity"] == "template" and float(row["rho"]) == 0.5


# --- eval: grids -----------------------------------------------------------------------
def test_eval_grid_json_is_a_list_of_points() -> None:
    d = strict_json(run("eval", "fu2025.thm1", "--set", "i=0:50", "--format", "json").out)
    assert isinstance(d, list) and len(d) == 51
    assert [p["params"]["i"] for p in d] == list(range(51))
    assert all(RESULT_KEYS <= set(p) for p in d)
    values = stl_bounds.get("fu2025.thm1").evaluate(i=list(range(51))).value
    assert [p["value"] for p in d] == pytest.approx(list(values), rel=1e-15)


def test_eval_grid_cartesian_product_in_the_order_given() -> None:
    argv = ("eval", "fu2025.thm1", "--set", "lam=0.1,0.5", "--set", "i=0:3", "--set", "delta=0.1")
    d = strict_json(run(*argv, "--format", "json").out)
    assert [(p["params"]["lam"], p["params"]["i"]) for p in d] == [(lam, i) for lam in (0.1, 0.5) for i in range(4)]
    assert {p["params"]["delta"] for p in d} == {0.1}


def test_eval_log_grid_of_integer_parameter_is_rounded() -> None:
    d = strict_json(run("eval", "fu2025.thm1", "--set", "n=1e2:1e4:log:7", "--format", "json").out)
    ns = [p["params"]["n"] for p in d]
    assert len(ns) == 7 and ns[0] == 100 and ns[-1] == 10_000
    assert all(isinstance(n, int) for n in ns)


def test_eval_grid_text_table() -> None:
    r = run("eval", "fu2025.thm1", "--set", "i=0:5", "--set", "lam=0,0.5")
    assert r.code == 0
    lines = r.out.splitlines()
    header = next(line for line in lines if line.startswith("i "))
    assert header.split() == ["i", "lam", "value", "shift", "stability", "sampling", "recursive_stability", "regime"]
    start = lines.index(header) + 2
    assert len(lines[start : start + 12]) == 12 and lines[start + 12] == ""
    assert "fidelity: template" in r.out and "grid: i × lam (12 points)" in r.out
    assert "other parameters (* = default): M=1*, n=1000*" in r.out


def test_eval_grid_csv() -> None:
    rows = list(csv.DictReader(io.StringIO(run("eval", "lemma.shift", "--set", "i=0:9", "--format", "csv").out)))
    assert len(rows) == 10
    assert [float(row["i"]) for row in rows] == list(range(10))


def test_eval_grid_vacuous_count() -> None:
    out = run("eval", "fu2025.thm1", "--set", "lam=0", "--set", "i=0:30:10").out
    assert "[1] vacuous: 2 of 4 values are ≥ M," in out


def test_eval_grid_with_term_named_like_a_parameter() -> None:
    out = run("eval", "fu2025.thm1", "--set", "shift=0,0.1").out
    assert "shift (param)" in out


# --- eval: valid inputs agree with the API ---------------------------------------------------
@pytest.mark.parametrize("bound_id", IDS)
@settings(max_examples=5, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_eval_agrees_with_the_api(bound_id: str, data: st.DataObject) -> None:
    params = data.draw(valid_params(bound_id))
    r = run("eval", bound_id, "--format", "json", *(f"--set={k}={v!r}" for k, v in params.items()))
    try:
        expected = stl_bounds.get(bound_id).evaluate(**params)
    except stl_bounds.StlBoundsError:
        assert_usage_error(r)
        return
    assert r.code == 0, r.err
    assert strict_json(r.out) == strict_json(json.dumps(expected.to_dict(), allow_nan=False))


# --- derive ----------------------------------------------------------------------------
def test_derive_text_and_latex() -> None:
    bound = stl_bounds.get("lemma.shift")
    derivation = bound.derivation()
    r = run("derive", "lemma.shift")
    assert r.code == 0 and r.out == derivation.text() + "\n"
    assert run("derive", "lemma.shift", "--format", "latex").out == derivation.latex() + "\n"


def test_derive_without_derivation_is_a_clear_error() -> None:
    bound_id = next(b for b in IDS if stl_bounds.get(b).derivation is None)
    r = run("derive", bound_id)
    assert_usage_error(r)
    assert f"{bound_id} has no derivation; ids with one: " in r.err


# --- claims (API of stl_bounds.claims) -------------------------------------------------------
@dataclass(frozen=True)
class FakeCheck:
    claim_id: str
    statement: str
    symbolic_ok: bool
    numeric_ok: bool
    theory: str = "docs/theory.md §6.1"
    bound_ids: tuple[str, ...] = ("fu2025.thm1",)
    symbolic_detail: str = "sympy: limit agrees"
    numeric_detail: str = "200 draws"

    @property
    def passed(self) -> bool:
        return self.symbolic_ok and self.numeric_ok

    def to_dict(self) -> dict[str, Any]:
        return {"claim_id": self.claim_id, "passed": self.passed}


def fake_claims(monkeypatch: pytest.MonkeyPatch, checks: Sequence[FakeCheck]) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    module = types.ModuleType("stl_bounds.claims")

    by_id = {c.claim_id: c for c in checks}

    def check_claim(claim_id: str, *, seed: int = 0, draws: int = 200) -> FakeCheck:
        calls.append({"claim": claim_id, "seed": seed, "draws": draws})
        return by_id[claim_id]

    module.check_claim = check_claim  # type: ignore[attr-defined]
    module.CLAIM_IDS = (*by_id, "C7")  # type: ignore[attr-defined]
    module.MONTE_CARLO_CLAIM_IDS = ("C7",)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "stl_bounds.claims", module)
    return calls


def test_claims_table_and_exit_code(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_claims(monkeypatch, [FakeCheck("C1", "converge", True, True), FakeCheck("C2", "collapse", True, True)])
    r = run("claims", "--seed", "7")
    assert r.code == 0 and calls == [{"claim": c, "seed": 7, "draws": 200} for c in ("C1", "C2")]
    assert "2 of 2 claims pass" in r.out and "symbolic ✓ sympy: limit agrees" in r.out
    fake_claims(monkeypatch, [FakeCheck("C1", "converge", True, True), FakeCheck("C3", "monotone", True, False)])
    r = run("claims", "--format", "json")
    assert r.code == 1
    assert strict_json(r.out) == [{"claim_id": "C1", "passed": True}, {"claim_id": "C3", "passed": False}]
    assert "numeric  ✗" in run("claims").out


def test_claims_with_the_real_module() -> None:
    claims = pytest.importorskip("stl_bounds.claims")
    r = run("claims", "--draws", "20", "--format", "json")
    records = strict_json(r.out)
    assert r.code == (0 if all(c["passed"] for c in records) else 1)
    assert [c["claim_id"] for c in records] == [c for c in claims.CLAIM_IDS if c not in claims.MONTE_CARLO_CLAIM_IDS]
    assert r.err.startswith("checking the claims")
    text = run("claims", "--draws", "20")  # the sympy work is cached by now
    assert text.code == r.code
    assert f"{sum(c['passed'] for c in records)} of {len(records)} claims pass" in text.out


# --- calibrate (API of stl_bounds.calibration) -----------------------------------------------
@dataclass(frozen=True)
class FakeCalibration:
    bound_id: str
    quantity: str
    value: float
    target: float | None
    achieved: float
    horizon: int | None
    params: dict[str, Any] = field(default_factory=dict)
    method: str = "brentq"
    notes: tuple[str, ...] = ()
    counts: Any = None
    trivial_at: float | None = None
    vacuous: bool | None = None
    goal: str = "minimum"

    def to_dict(self) -> dict[str, Any]:
        return {"bound_id": self.bound_id, "quantity": self.quantity, "value": self.value, "horizon": self.horizon}


def fake_calibration(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []
    module = types.ModuleType("stl_bounds.calibration")

    def min_lambda(bound_id: str, target: float, *, horizon: int | None = None, **params: Any) -> FakeCalibration:
        if target <= 0:
            raise CalibrationError(f"target {target} is below the infimum of {bound_id}")
        calls.append(("min_lambda", bound_id, target, horizon, params))
        return FakeCalibration(bound_id, "lam", 0.25, target, target * 0.99, horizon, params)

    def min_n(
        bound_id: str, target: float, *, horizon: int | None = None, n_max: float = 1e12, **params: Any
    ) -> FakeCalibration:
        calls.append(("min_n", bound_id, target, horizon, n_max, params))
        return FakeCalibration(bound_id, "n", 5000.0, target, target, horizon, params, notes=("rounded up",))

    def best_lambda(bound_id: str, *, horizon: int | None = None, **params: Any) -> FakeCalibration:
        calls.append(("best_lambda", bound_id, horizon, params))
        return FakeCalibration(bound_id, "lam", 0.4, None, 0.17, horizon, params, method="bounded minimization")

    module.min_lambda, module.min_n, module.best_lambda = min_lambda, min_n, best_lambda  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "stl_bounds.calibration", module)
    return calls


def test_calibrate_dispatch(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_calibration(monkeypatch)
    r = run("calibrate", "fu2025.thm1", "--target", "0.2", "--set", "n=5000")
    assert r.code == 0, r.err
    assert calls[-1] == ("min_lambda", "fu2025.thm1", 0.2, None, {"n": 5000.0})
    assert "lam = 0.25" in r.out and "horizon: i → ∞ (the limit)" in r.out and "fidelity: template" in r.out
    run("calibrate", "fu2025.thm1", "--target", "0.2", "--for", "n", "--horizon", "50", "--n-max", "1e6")
    assert calls[-1] == ("min_n", "fu2025.thm1", 0.2, 50, 1e6, {})
    r = run("calibrate", "fu2025.thm1", "--best-lambda", "--limit", "--format", "json")
    assert calls[-1] == ("best_lambda", "fu2025.thm1", None, {})
    assert strict_json(r.out)["quantity"] == "lam"


@pytest.mark.parametrize(
    "argv",
    [
        ("calibrate", "fu2025.thm1"),  # neither --target nor --best-lambda
        ("calibrate", "fu2025.thm1", "--target", "0.2", "--best-lambda"),
        ("calibrate", "fu2025.thm1", "--best-lambda", "--for", "n"),
        ("calibrate", "fu2025.thm1", "--target", "0.2", "--n-max", "1e6"),
        ("calibrate", "fu2025.thm1", "--target", "0.2", "--horizon", "5", "--limit"),
        ("calibrate", "fu2025.thm1", "--target", "0.2", "--horizon", "-1"),
        ("calibrate", "fu2025.thm1", "--target", "nan"),
        ("calibrate", "fu2025.thm1", "--target", "0.2", "--set", "n=1:10"),
        ("calibrate", "fu2025.thm1", "--target", "0.2", "--set", "target=1"),
        ("calibrate", "fu2025.thm1", "--target", "0.2", "--set", "delta=2"),
        ("calibrate", "fu2025.thm1", "--target", "-1"),  # CalibrationError: infeasible
        ("calibrate", "nope", "--target", "0.2"),
    ],
)
def test_calibrate_bad_input(monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]) -> None:
    fake_calibration(monkeypatch)
    assert_usage_error(run(*argv))


def test_calibrate_with_the_real_module() -> None:
    calibration = pytest.importorskip("stl_bounds.calibration")
    expected = calibration.min_lambda("fu2025.thm1", 0.2, horizon=50)
    d = strict_json(run("calibrate", "fu2025.thm1", "--target", "0.2", "--horizon", "50", "--format", "json").out)
    assert d == strict_json(json.dumps(expected.to_dict(), allow_nan=False))
    r = run("calibrate", "fu2025.thm1", "--target", "0.2", "--horizon", "50")
    assert r.code == 0 and f"minimum lam = {expected.value!r}  (" in r.out and "fidelity: template" in r.out
    assert_usage_error(run("calibrate", "fu2025.thm1", "--target", "0.01", "--horizon", "5"))  # infeasible
    assert_usage_error(run("calibrate", "fu2025.thm1", "--target", "0.2", "--set", "i=3"))


# --- bad input: exit 2, one line, no traceback ------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        (),
        ("bogus",),
        ("eval",),
        ("eval", "nope"),
        ("eval", "fu2025.thm"),
        ("eval", "fu2025.thm1", "--set", "lam=0.5", "--set", "m=10"),
        ("eval", "fu2025.thm1", "--set", "lam=0.5", "--set", "lam=0.6"),
        ("eval", "fu2025.thm1", "--set", "zz=1"),
        ("eval", "fu2025.thm1", "--set", "lam"),
        ("eval", "fu2025.thm1", "--set", "i=0:1e9"),
        ("eval", "fu2025.thm1", "--set", "i=0:1e4", "--set", "n=1:1e3"),
        ("eval", "fu2025.thm1", "--set", "n=0:10:log:3"),
        ("eval", "fu2025.thm1", "--dps", "0"),
        ("eval", "fu2025.thm1", "--precision", "float32"),
        ("eval", "fu2025.thm1", "--format", "xml"),
        ("eval", "fu2025.thm1", "extra"),
        ("eval", "fu2025.thm1", "--set", "lam=0", "--set", "kappa=2", "--set", "i=2000"),  # EvaluationError
        ("show", "nope"),
        ("derive", "nope"),
        ("list", "--format", "xml"),
    ],
)
def test_bad_input_is_one_line_exit_2(argv: tuple[str, ...]) -> None:
    assert_usage_error(run(*argv))


def test_unknown_id_suggests_close_ids() -> None:
    assert "did you mean fu2025.thm" in run("eval", "fu2025.thm").err


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789", min_size=1, max_size=8)
malformed = st.sampled_from(
    ["abc", "", "0:1:cubic:3", "0:1:lin:0", "0:10:log:3", "0:1:0", "1:2:3:4:5", "1,,2", "nan:1", "{'x': 1}"]
)


@pytest.mark.parametrize("bound_id", IDS)
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_invalid_input_is_exit_2_and_one_line(bound_id: str, data: st.DataObject) -> None:
    bound = stl_bounds.get(bound_id)
    kind = data.draw(st.sampled_from(["value", "domain", "name", "id", "grid", "lam_and_m"]))
    if kind == "value":
        name, value = data.draw(invalid_params(bound_id))
        argv = ["eval", bound_id, "--set", f"{name}={cli_text(value)}"]
    elif kind == "domain":  # an invalid value inside an otherwise valid grid
        p = data.draw(st.sampled_from(bound.parameters))
        bad = cli_text(data.draw(invalid_values(p.domain).filter(lambda v: isinstance(v, float))))
        argv = ["eval", bound_id, "--set", f"{p.name}={bad},{bad}"]
    elif kind == "name":
        name = data.draw(names.filter(lambda s: s.isidentifier() and s not in (*bound.parameter_names, "m")))
        argv = ["eval", bound_id, "--set", f"{name}=1"]
    elif kind == "id":
        other = data.draw(st.text(min_size=1, max_size=20).filter(lambda s: s not in IDS and not s.startswith("-")))
        argv = [data.draw(st.sampled_from(["eval", "show", "derive"])), other]
    elif kind == "grid":
        p = data.draw(st.sampled_from(bound.parameters))
        argv = ["eval", bound_id, "--set", f"{p.name}={data.draw(malformed)}"]
    else:
        argv = ["eval", bound_id, "--set", "lam=0.5", "--set", "m=10"]
    assert_usage_error(run(*argv))


# --- generated malformed --set values (issue 12 §3) -------------------------------------------------
_TOKENS = ["0", "1", "0.5", "-2", "1e3", "11", "000", "05", "1e400", "1e-400", "nan", "inf", "", " ", "x", "1/2"]
_TOKENS += ["5%", ".", "-", "1e", "lin", "log", "LOG", ":", ":", ",", ",", ",,", "::"]
set_values = st.one_of(
    st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=7).map("".join),
    st.text(alphabet="0123456789.:,-+eE xlinog%/", max_size=14),
    st.text(max_size=10),
    st.integers(1000, 10**7).map(lambda x: f"{x:,}"),  # thousands separators
    st.tuples(st.integers(-20, 20), st.integers(-20, 20), st.integers(-30, 30)).map(lambda t: "{}:{}:{}".format(*t)),
)
#: Words of a problem that only a ':' typed by the user can justify (ranges and spaced grids).
_RANGE_WORDS = re.compile(r"\b(range|step|span|spacing|log grid|number of points|the limit|start|stop)\b")


def _problem(message: str) -> str:
    """The problem part of a grid message (before the forms), without the quoted text the user typed."""
    return re.sub(r"'[^']*'", "''", message.split("; expected ")[0])


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(["lam", "n", "i", "kappa", "eps"]), value=set_values)
def test_generated_set_values_get_a_precise_message(name: str, value: str) -> None:
    """A malformed value: exit 2, one line naming the parameter, the forms and the value typed, never misleading."""
    try:
        parsed = parse_grid(value, name=name, integer=name in ("n", "i"))
    except GridError as exc:
        r = run("eval", "fu2025.thm1", "--set", f"{name}={value}")
        assert_usage_error(r)
        message = r.err[len("stl-bounds: error: ") : -1]
        assert message == " ".join(str(exc).split("\n"))
        assert message.startswith(f"{name}: ") and FORMS in message
        assert message.endswith(f"got {value.strip()!r}")
        problem = _problem(message)
        if "," not in value:
            assert "list" not in problem and "thousands" not in problem, message
        if ":" not in value:
            assert not _RANGE_WORDS.search(problem), message
        return
    if len(np.atleast_1d(parsed)) > 64:  # a valid large grid: evaluated elsewhere, too slow here
        return
    r = run("eval", "fu2025.thm1", "--set", f"{name}={value}")
    assert r.code in (0, 2) and "Traceback" not in r.err
    if r.code == 2:  # a valid grid with a value outside the domain
        assert_usage_error(r)
        assert f"{name} must be " in r.err or r.err.startswith("stl-bounds: error: fu2025.thm1: "), r.err


# --- help, version, registry ---------------------------------------------------------------
def test_help_and_version() -> None:
    r = run("--help")
    assert r.code == 0 and all(name in r.out for name in COMMANDS)
    r = run("eval", "--help")
    assert r.code == 0 and "rounded to the nearest integer" in r.out and "n=1e2:1e6:log:20" in r.out
    r = run("--version")
    assert r.code == 0 and stl_bounds.__version__ in r.out


def test_a_subcommand_is_one_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    def configure(p: Any) -> None:
        p.add_argument("--quick", action="store_true")

    def run_verify(args: Any) -> int:
        print(f"verify quick={args.quick}")
        return 0

    monkeypatch.setitem(COMMANDS, "verify", Command("verify", "run the verification suite", configure, run_verify))
    assert "verify" in build_parser().format_help()
    r = run("verify", "--quick")
    assert r.code == 0 and r.out == "verify quick=True\n"


# --- as a process ----------------------------------------------------------------------------
def test_python_m_stl_bounds_list() -> None:
    proc = subprocess.run([sys.executable, "-m", "stl_bounds", "list"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "fu2025.thm1" in proc.stdout and "template" in proc.stdout


@pytest.mark.skipif(shutil.which("stl-bounds") is None, reason="console script not installed")
def test_console_script_bad_input() -> None:
    proc = subprocess.run(["stl-bounds", "eval", "nope"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("stl-bounds: error: unknown id 'nope'") and proc.stderr.count("\n") == 1


def test_eval_path_imports_no_plotting_optimizer_or_torch() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from stl_bounds.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['eval', 'fu2025.thm1', '--set', 'i=0:50']) == 0\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'torch') or m == 'scipy.optimize'"
        " or m.startswith('scipy.optimize.'))\n"
        "print(bad)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
