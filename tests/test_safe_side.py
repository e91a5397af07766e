"""Every number printed as a guarantee is on the safe side *as printed* (issue 12 §2, docs/theory.md §4.5).

The rounding helper (:mod:`stl_bounds.safe_side`) is checked against Python's own
correctly rounded formatting and exact decimal arithmetic; then the text, CSV and
JSON that ``stl-bounds calibrate`` and ``stl-bounds eval`` print are parsed and the
registered bound is evaluated again at the parsed numbers (with the registry, not
with the calibration code): the target must hold, and a printed upper bound must
not be below the float64 value.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import re
from decimal import Decimal
from typing import Any

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import stl_bounds
from stl_bounds.calibration import min_lambda, min_n, sup_over_generations
from stl_bounds.cli import main
from stl_bounds.safe_side import decimal_text, exact_decimal, next_sig, round_sig, sig_text
from stl_bounds.testing import valid_params

THM1 = "fu2025.thm1"


def run(*argv: str) -> tuple[int, str, str]:
    """``main(argv)`` with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def registry_sup(bound_id: str, horizon: int | None, **params: Any) -> float:
    """sup_{0<=i<=G} B_i from the registry alone; for the limit, also the forward map's sup over all i."""
    bound = stl_bounds.get(bound_id)
    generations = np.arange((200 if horizon is None else horizon) + 1.0)
    finite = float(np.max(bound.evaluate(i=generations, **params).value))
    if horizon is None:
        return max(finite, sup_over_generations(bound_id, **params))
    return finite


# --- the rounding helper --------------------------------------------------------------------------
finite_floats = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True)
digit_counts = st.integers(1, 17)


def significant_digits(d: Decimal) -> int:
    return len(d.normalize().as_tuple().digits)


@settings(max_examples=300)
@given(x=finite_floats, digits=digit_counts)
def test_round_up_is_the_tightest_safe_decimal(x: float, digits: int) -> None:
    d = round_sig(x, digits, "up")
    assert significant_digits(d) <= digits
    assert float(d) >= x  # the float read back from the text is never below x
    assert d >= exact_decimal(x) or float(d) == x  # below x only where the text reads back as x itself
    if d != 0:
        assert float(next_sig(d, digits, "down")) < x or float(next_sig(d, digits, "down")) == x == float(d)


@settings(max_examples=300)
@given(x=finite_floats, digits=digit_counts)
def test_round_down_is_the_tightest_safe_decimal(x: float, digits: int) -> None:
    d = round_sig(x, digits, "down")
    assert significant_digits(d) <= digits
    assert float(d) <= x
    assert d <= exact_decimal(x) or float(d) == x
    if d != 0:
        assert float(next_sig(d, digits, "up")) > x or float(next_sig(d, digits, "up")) == x == float(d)


@settings(max_examples=300)
@given(x=finite_floats, digits=digit_counts)
def test_nearest_and_text_agree_with_python_formatting(x: float, digits: int) -> None:
    """Python's %g is correctly rounded (half-even on the exact binary value): the same decimal and text."""
    assert round_sig(x, digits, "nearest") == Decimal(format(x, f".{digits - 1}e"))
    assert sig_text(x, digits, "nearest") == format(x, f".{digits}g")
    for direction in ("up", "down"):
        assert Decimal(sig_text(x, digits, direction)) == round_sig(x, digits, direction)  # the text is the decimal


@settings(max_examples=100)
@given(mantissa=st.integers(-(2**200), 2**200), exponent=st.integers(-3000, 3000), digits=st.integers(1, 60))
def test_mpmath_numbers_are_rounded_exactly(mantissa: int, exponent: int, digits: int) -> None:
    """An mpf m·2^e (no float to read back, values beyond float64): the rounding is exact."""
    assume(mantissa != 0)
    with mpmath.workprec(256):
        x = mpmath.ldexp(mpmath.mpf(mantissa), exponent)  # m·2^e exactly: m has at most 201 bits
    exact = exact_decimal(x)
    with mpmath.workprec(300):
        assert mpmath.mpf(str(exact)) == x  # the conversion is exact
    up, down = round_sig(x, digits, "up"), round_sig(x, digits, "down")
    assert down <= exact <= up
    assert up - down <= Decimal((0, (1,), exact.adjusted() - digits + 1))  # at most one unit apart
    assert significant_digits(up) <= digits and significant_digits(down) <= digits


def test_rounding_examples_from_the_issue() -> None:
    assert sig_text(0.4238861450317745, 6, "up") == "0.423887"  # the issue printed the nearest, 0.423886
    assert sig_text(0.4238861450317745, 6, "down") == "0.423886"
    assert sig_text(0.1, 6, "up") == "0.1"  # reads back as the float 0.1 itself
    assert sig_text(9.999999, 3, "up") == "10" and sig_text(1.30195e-05, 6, "down") == "1.30195e-05"
    assert sig_text(-0.123456789, 6, "up") == "-0.123456"  # up is toward +inf
    assert decimal_text(Decimal("5.7406534763712730E+600"), 17) == "5.740653476371273e+600"
    assert sig_text(math.inf, 6, "up") == "inf"
    with pytest.raises(ValueError, match="digits must be >= 1; got 0"):
        round_sig(1.0, 0, "up")
    with pytest.raises(TypeError, match="expected a real number; got 'x'"):
        exact_decimal("x")


def test_a_rounded_answer_that_misses_the_target_steps_outward() -> None:
    """calibration._outward: round up, evaluate again, step one unit of the 8th digit while it misses."""
    from stl_bounds.calibration import _outward

    x = 0.1234567801
    blip = {0.12345679, 0.1234568}  # two rounded values where a (non-monotone) bound misses the target
    value, note = _outward(lambda v: 2.0 if v in blip else 0.0, x, 1.0, "up")
    assert value == 0.12345681 and note is not None and "evaluated again" in note
    assert _outward(lambda v: 0.0, 0.25, 1.0, "up") == (0.25, None)  # short already: nothing to round
    assert _outward(lambda v: 0.0, x, 1.0, "down")[0] == 0.12345678
    misses, note = _outward(lambda v: 0.0 if v == x else 2.0, x, 1.0, "up")  # every rounded value misses
    assert misses == x and note is not None and "kept at full precision" in note


# --- calibrate: the printed answer re-evaluated ------------------------------------------------------
def check_min_lam(lam_text: str, target: float, horizon: int | None, params: dict[str, float]) -> None:
    """The checker of this file: the registered bound at the *printed* λ meets the target."""
    value = registry_sup(THM1, horizon, lam=float(lam_text), **params)
    assert value <= target, f"sup_i B_i at the printed lam = {lam_text} is {value!r} > target {target!r}"


def test_the_checker_fails_on_the_number_the_issue_printed() -> None:
    """Negative control: the old output (nearest rounding) misses the target, and the checker says so."""
    params = {"n": 50000.0, "kappa": 1.1}
    with pytest.raises(AssertionError, match=r"printed lam = 0\.423886 is 0\.1000000\d+ > target 0\.1"):
        check_min_lam("0.423886", 0.1, 100, params)


def parse_text(out: str, quantity: str) -> dict[str, Any]:
    found = {"value": re.search(rf"^minimum {quantity} = (\S+)  \(", out, re.M).group(1)}  # type: ignore[union-attr]
    counts = re.search(r"per generation of n = (\d+) points, at least (\d+) real, i\.e\. at most (\d+) synthetic", out)
    if counts:
        found.update(n=int(counts.group(1)), real=int(counts.group(2)), synthetic=int(counts.group(3)))
    m = re.search(r"plus m synthetic \(λ = n/\(n\+m\)\): at most m = (\d+)", out)
    if m:
        found["m_max"] = int(m.group(1))
    found["achieved"] = re.search(r"^achieved: (\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    return found


def printed_answers(argv: list[str], quantity: str) -> list[dict[str, Any]] | None:
    """The answer as printed in text, CSV and JSON (None when the target is unreachable: exit 2)."""
    code, text, err = run(*argv)
    if code == 2:
        assert err.startswith("stl-bounds: error: no ") and "reaches target" in err, err
        return None
    assert code == 0, err
    d = json.loads(run(*argv, "--format", "json")[1])
    row = next(csv.DictReader(io.StringIO(run(*argv, "--format", "csv")[1])))
    answers = [parse_text(text, quantity)]
    for source, counts in ((row, lambda k: row.get(f"counts.{k}", "")), (d, lambda k: (d["counts"] or {}).get(k))):
        found: dict[str, Any] = {"value": str(source["value"]), "achieved": str(source["achieved"])}
        if counts("n") not in ("", None):
            found.update(n=int(counts("n")), real=int(counts("real_min")), synthetic=int(counts("synthetic_max")))
            if counts("m_max") not in ("", None):
                found["m_max"] = int(counts("m_max"))
        answers.append(found)
    assert len({float(a["value"]) for a in answers}) == 1, answers  # one verified number, printed three ways
    return answers


def check_answers(
    answers: list[dict[str, Any]], quantity: str, target: float, horizon: int | None, **params: Any
) -> None:
    for a in answers:
        value = float(a["value"])
        if quantity == "lam":
            check_min_lam(a["value"], target, horizon, params)
        else:
            assert value == int(value)
            assert registry_sup(THM1, horizon, n=value, **params) <= target
        assert float(a["achieved"]) <= target * (1 + 1e-15)  # printed up, still within the target
        if "real" in a:
            n, real = a["n"], a["real"]
            lam = value if quantity == "lam" else params["lam"]
            assert real + a["synthetic"] == n and real / n >= lam and (real - 1) / n < lam  # ⌈λn⌉, as floats
            fixed = {k: v for k, v in params.items() if k not in ("lam", "n")}
            assert registry_sup(THM1, horizon, n=float(n), lam=real / n, **fixed) <= target
        if "m_max" in a:
            n, m = a["n"], a["m_max"]
            assert n / (n + m) >= value  # λ = n/(n+m) is at least the minimum λ
            assert (
                registry_sup(THM1, horizon, n=float(n), m=float(m), **{k: params[k] for k in params if k != "n"})
                <= target
            )


def test_the_issue_example_is_safe_as_printed() -> None:
    """`calibrate fu2025.thm1 --target 0.1 --horizon 100 --set n=50000 --set kappa=1.1` (issue 12 §2)."""
    argv = ["calibrate", THM1, "--target", "0.1", "--horizon", "100", "--set", "n=50000", "--set", "kappa=1.1"]
    answers = printed_answers(argv, "lam")
    assert answers is not None
    assert answers[0]["value"] == "0.42388615"  # rounded up in the 8th digit, not the unsafe 0.423886
    assert answers[0]["real"] == math.ceil(0.42388615 * 50000) and answers[0]["m_max"] == math.floor(
        50000 * (1 - 0.42388615) / 0.42388615
    )
    check_answers(answers, "lam", 0.1, 100, n=50000.0, kappa=1.1)


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(10, 200_000),
    kappa=st.floats(0.0, 1.5),
    horizon=st.sampled_from([None, 0, 3, 30, 100]),
    factor=st.floats(1.0001, 3.0),
)
def test_printed_min_lambda_meets_the_target(n: int, kappa: float, horizon: int | None, factor: float) -> None:
    params = {"n": float(n), "kappa": kappa}
    target = float(stl_bounds.get(THM1).evaluate(i=0, **params).value) * factor  # B_0 does not depend on λ
    where = ["--limit"] if horizon is None else ["--horizon", str(horizon)]
    argv = ["calibrate", THM1, "--target", repr(target), *where, "--set", f"n={n}", "--set", f"kappa={kappa!r}"]
    answers = printed_answers(argv, "lam")
    assume(answers is not None)
    assert answers is not None and all("real" in a for a in answers)
    assert all(("m_max" in a) == (float(a["value"]) > 0) for a in answers)  # λ = 0: any m
    check_answers(answers, "lam", target, horizon, **params)


@settings(max_examples=20, deadline=None)
@given(
    lam=st.floats(0.05, 1.0),
    kappa=st.floats(0.0, 1.0),
    horizon=st.sampled_from([None, 0, 5, 30]),
    factor=st.floats(1.01, 3.0),
)
def test_printed_min_n_meets_the_target(lam: float, kappa: float, horizon: int | None, factor: float) -> None:
    params = {"lam": lam, "kappa": kappa}
    floor = sup_over_generations(THM1, horizon=horizon, n=1e9, **params)
    assume(math.isfinite(floor))
    target = floor * factor
    where = ["--limit"] if horizon is None else ["--horizon", str(horizon)]
    argv = ["calibrate", THM1, "--target", repr(target), "--for", "n", *where]
    answers = printed_answers([*argv, "--set", f"lam={lam!r}", "--set", f"kappa={kappa!r}"], "n")
    assume(answers is not None)
    assert answers is not None
    check_answers(answers, "n", target, horizon, **params)


def test_min_n_with_synthetic_count_is_checked_at_the_printed_n() -> None:
    argv = ["calibrate", THM1, "--target", "0.3", "--for", "n", "--set", "m=500"]
    answers = printed_answers(argv, "n")
    assert answers is not None and all("real" not in a for a in answers)  # n real + m synthetic: already counts
    n = float(answers[0]["value"])
    assert registry_sup(THM1, None, n=n, m=500.0) <= 0.3 < registry_sup(THM1, None, n=n - 1, m=500.0)


# --- eval: a printed upper bound is never below the float64 value -----------------------------------
BOUNDS = [b for b in stl_bounds.list_ids() if stl_bounds.get(b).kind == "bound"]
IDENTITIES = [b for b in stl_bounds.list_ids() if stl_bounds.get(b).kind == "identity"]


def eval_outputs(bound_id: str, params: dict[str, Any], *extra: str) -> tuple[str, dict, dict] | None:
    sets = [f"--set={k}={v!r}" for k, v in params.items()]
    code, text, _ = run("eval", bound_id, *sets, *extra)
    if code != 0:
        return None
    d = json.loads(run("eval", bound_id, *sets, *extra, "--format", "json")[1])
    row = next(csv.DictReader(io.StringIO(run("eval", bound_id, *sets, *extra, "--format", "csv")[1])))
    return text, d, row


@pytest.mark.parametrize("bound_id", BOUNDS)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_printed_upper_bound_is_not_below_the_float64_value(bound_id: str, data: st.DataObject) -> None:
    params = data.draw(valid_params(bound_id))
    try:
        value = stl_bounds.get(bound_id).evaluate(**params).value
    except stl_bounds.StlBoundsError:
        return
    outputs = eval_outputs(bound_id, params)
    assert outputs is not None
    text, d, row = outputs
    printed = re.search(r"^value: (\S+)  \(.*rounded up in its last digit\)", text, re.M).group(1)  # type: ignore[union-attr]
    assert float(printed) >= value, f"printed {printed} < {value!r}"
    assert Decimal(printed) == round_sig(value, 6, "up")  # the tightest 6-digit decimal on the safe side
    assert float(row["value"]) >= value and d["value"] >= value  # full precision: the float itself
    assert (row["vacuous"] == "true") == bool(d["vacuous"]) == ("\nvacuous: the bound is ≥" in text)


@pytest.mark.parametrize("bound_id", IDENTITIES[:6])
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_an_exact_value_is_printed_to_the_nearest(bound_id: str, data: st.DataObject) -> None:
    params = data.draw(valid_params(bound_id))
    try:
        value = stl_bounds.get(bound_id).evaluate(**params).value
    except stl_bounds.StlBoundsError:
        return
    outputs = eval_outputs(bound_id, params)
    assert outputs is not None
    text = outputs[0]
    assert f"\nvalue: {value:.6g}  (an exact value)\n" in text and "rounded" not in text.split("terms")[0]
    assert outputs[1]["vacuous"] is None and outputs[2]["vacuous"] == ""


def test_mp_values_are_rounded_up_exactly() -> None:
    """The mp path: the text (30 digits) and the JSON float are not below the 30-digit value."""
    exact = stl_bounds.get(THM1).evaluate(precision="mp", dps=30, lam=0.3).value
    outputs = eval_outputs(THM1, {"lam": 0.3}, "--precision", "mp", "--dps", "30")
    assert outputs is not None
    printed = re.search(r"^value: (\S+)", outputs[0], re.M).group(1)  # type: ignore[union-attr]
    assert Decimal(printed) >= exact_decimal(exact) and Decimal(printed) == round_sig(exact, 30, "up")
    assert exact_decimal(outputs[1]["value"]) >= exact_decimal(exact)
    assert Decimal(outputs[2]["value"]) >= exact_decimal(exact)
    big = ("eval", THM1, "--set", "lam=0", "--set", "kappa=2", "--set", "i=2000", "--precision", "mp")
    value = stl_bounds.get(THM1).evaluate(precision="mp", lam=0, kappa=2, i=2000).value
    assert Decimal(json.loads(run(*big, "--format", "json")[1])["value"]) >= exact_decimal(value)  # beyond float64


# --- vacuous statements -----------------------------------------------------------------------------
def test_vacuous_is_in_the_eval_statement_csv_and_json() -> None:
    argv = ("eval", THM1, "--set", "lam=0", "--set", "i=200", "--set", "M=2")
    code, text, _ = run(*argv)
    value = stl_bounds.get(THM1).evaluate(lam=0, i=200, M=2).value
    assert code == 0 and value >= 2
    head = text.split("\n\n")[1]  # the value block, before the terms
    assert "vacuous: the bound is ≥ M = 2, it says nothing" in head
    d = json.loads(run(*argv, "--format", "json")[1])
    row = next(csv.DictReader(io.StringIO(run(*argv, "--format", "csv")[1])))
    assert d["vacuous"] is True and d["trivial_at"] == 2 and row["vacuous"] == "true" and float(row["trivial_at"]) == 2
    calm = ("eval", THM1, "--set", "M=2")
    assert "vacuous" not in run(*calm)[1] and json.loads(run(*calm, "--format", "json")[1])["vacuous"] is False


def test_vacuous_is_in_the_calibration_statement() -> None:
    """A target above M = 1 is met by a bound that says nothing: the answer says so."""
    cal = min_lambda(THM1, 1.5, horizon=100)
    assert cal.achieved >= 1.0 and cal.vacuous is True and cal.trivial_at == 1.0
    code, text, _ = run("calibrate", THM1, "--target", "1.5", "--horizon", "100")
    assert code == 0 and "\nvacuous: the bound is ≥ M = 1 at this answer, it says nothing" in text
    d = json.loads(run("calibrate", THM1, "--target", "1.5", "--horizon", "100", "--format", "json")[1])
    assert d["vacuous"] is True and d["trivial_at"] == 1.0
    assert min_lambda(THM1, 0.2).vacuous is False


# --- unreachable targets say why -----------------------------------------------------------------------
@pytest.mark.parametrize(("eps", "lam", "kappa"), [(0.05, 0.5, 1.0), (0.1, 0.4, 1.2), (0.2, 0.9, 3.0)])
def test_min_n_unreachable_names_the_shift_floor(eps: float, lam: float, kappa: float) -> None:
    """The limiting shift term c1·M·(1−λ)·ε/(1−ρ), ρ = κ(1−λ) (L4), does not depend on n."""
    floor = eps * (1 - lam) / (1 - kappa * (1 - lam))  # c1 = M = 1
    target = floor * 0.9
    with pytest.raises(stl_bounds.CalibrationError) as info:
        min_n(THM1, target, eps=eps, lam=lam, kappa=kappa)
    message = str(info.value)
    assert "the term shift does not depend on n at i → ∞" in message
    assert f"sup_i B_i >= {sig_text(floor, 6, 'down')} for every n, not below the target {target:g}" in message
    assert "lam (raise it)" in message and "eps (lower it)" in message
    assert "(min_lambda, CLI --for lam, finds the smallest lam for it)" in message
    code, out, err = run("calibrate", THM1, "--target", repr(target), "--for", "n", "--set", f"eps={eps}",
                         "--set", f"lam={lam}", "--set", f"kappa={kappa}")  # fmt: skip
    assert code == 2 and out == "" and err.count("\n") == 1 and "the term shift does not depend on n" in err


def test_min_n_unreachable_over_a_finite_horizon() -> None:
    """Over i <= G the shift floor is its value at i = G: ε(1−λ)·geom(ρ, G)."""
    eps, lam, horizon = 0.05, 0.5, 10
    floor = eps * (1 - lam) * (1 - 0.5**horizon) / 0.5
    with pytest.raises(
        stl_bounds.CalibrationError, match=rf"at i = 10 and alone keeps sup_i B_i >= {sig_text(floor, 6, 'down')}"
    ):
        min_n(THM1, 0.01, horizon=horizon)


@pytest.mark.parametrize("n", [100, 1000, 20_000])
def test_min_lambda_unreachable_below_the_first_generation(n: int) -> None:
    """B_0 (the i.i.d. bound: stability + sampling + the i = 0 recursive term) does not depend on λ."""
    b0 = float(stl_bounds.get(THM1).evaluate(i=0, n=n).value)
    with pytest.raises(stl_bounds.CalibrationError) as info:
        min_lambda(THM1, b0 * 0.95, horizon=5, n=n)
    message = str(info.value)
    assert "the terms stability, sampling, recursive_stability do not depend on lam at i = 0" in message
    assert f"sup_i B_i >= {sig_text(b0, 6, 'down')} for every lam" in message
    assert "n, delta" in message and "(min_n, CLI --for n, finds the smallest n for it)" in message


def test_min_lambda_unreachable_below_the_sampling_term() -> None:
    """A target below M·c3·sqrt(log(1/δ)/n) alone, at this n."""
    n = 100
    sampling = math.sqrt(math.log(1 / 0.05) / n)
    code, out, err = run("calibrate", THM1, "--target", repr(sampling / 2), "--set", f"n={n}", "--horizon", "3")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "sampling" in err and "do not depend on lam" in err and "--for n" in err


def test_min_n_unreachable_when_the_loop_collapses() -> None:
    with pytest.raises(stl_bounds.CalibrationError, match=r"ρ ≥ 1 and B_i grows without bound .*--horizon G"):
        min_n(THM1, 0.2, kappa=3.0, lam=0.3)
