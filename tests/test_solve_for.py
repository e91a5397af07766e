"""``calibrate --solve-for NAME``: any one parameter, minimum or maximum, on the safe side as printed.

Every answer is read back from the printed text (docs/theory.md §4.5) and checked against an
evaluation of the bound that does not go through the solver: the bound meets the target at the
printed value, and one unit of its last printed digit toward the unsafe side misses it (or leaves
the domain).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import stl_bounds
from stl_bounds.calibration import min_lambda, min_n
from stl_bounds.cli import main
from stl_bounds.errors import CalibrationError, ParameterError
from stl_bounds.solve import solve_for

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "bounds"
ANSWER = re.compile(r"^(minimum|maximum) (\w+) = (\S+)  \(", re.M)
HYPOTHESIS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(*argv: str) -> tuple[int, str, str]:
    """``stl-bounds ARGV`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def answer(text: str) -> tuple[str, str, Decimal]:
    """(goal, name, value) of the printed statement."""
    match = ANSWER.search(text)
    assert match, text
    return match.group(1), match.group(2), Decimal(match.group(3))


def unsafe_neighbour(goal: str, value: Decimal) -> float:
    """One unit of the last printed digit toward the unsafe side (down for a minimum, up for a maximum)."""
    unit = Decimal((0, (1,), value.as_tuple().exponent))
    return float(value - unit if goal == "minimum" else value + unit)


def sup_b(bound_id: str, horizon: int | None, **params: float) -> float:
    """max_{i <= G} B_i evaluated directly on the whole generation grid (no solver code)."""
    bound = stl_bounds.get(bound_id)
    if bound.generation is None:
        return float(bound.evaluate(**params).value)
    first = int(bound.parameter_map[bound.generation].domain.lower)
    generations = np.arange(first, first + horizon + 1)
    return float(np.max(bound.evaluate(**params, **{bound.generation: generations}).value))


def assert_tight(bound_id: str, goal: str, name: str, value: Decimal, target: float, horizon: int | None, **params):
    """Safe at the printed value; one unit further toward the unsafe side misses the target or leaves the domain."""
    assert sup_b(bound_id, horizon, **params, **{name: float(value)}) <= target
    beyond = unsafe_neighbour(goal, value)
    domain = stl_bounds.get(bound_id).parameter_map[name].domain
    if bool(domain.contains(beyond)):
        try:
            assert sup_b(bound_id, horizon, **params, **{name: beyond}) > target, (name, value, beyond)
        except ParameterError:  # a joint constraint rejects the neighbour: outside the allowed set
            pass


@HYPOTHESIS
@given(
    lam=st.floats(0.3, 0.95),
    horizon=st.integers(1, 40),
    target=st.floats(0.17, 1.0),
)
def test_largest_eps_fu2025_is_tight(lam: float, horizon: int, target: float) -> None:
    code, out, err = run(
        "calibrate", "fu2025.thm1", "--solve-for", "eps", "--target", repr(target), "--horizon", str(horizon),
        "--set", f"lam={lam!r}",
    )  # fmt: skip
    assume(code == 0 or "reaches target" not in err)
    assert code == 0, err
    goal, name, value = answer(out)
    assert (goal, name) == ("maximum", "eps")
    assert_tight("fu2025.thm1", goal, name, value, target, horizon, lam=lam)


@HYPOTHESIS
@given(horizon=st.integers(0, 30), target=st.floats(0.2, 1.0), n=st.sampled_from([1000, 5000, 20000]))
def test_smallest_delta_is_tight(horizon: int, target: float, n: int) -> None:
    code, out, err = run(
        "calibrate", "fu2025.thm1", "--solve-for", "delta", "--target", repr(target), "--horizon", str(horizon),
        "--set", "lam=0.5", "--set", f"n={n}",
    )  # fmt: skip
    assume("reaches target" not in err and "there is no smallest delta" not in err)
    assert code == 0, err
    goal, name, value = answer(out)
    assert (goal, name) == ("minimum", "delta")
    assert_tight("fu2025.thm1", goal, name, value, target, horizon, lam=0.5, n=n)


@HYPOTHESIS
@given(n_ctx=st.integers(8, 80), sigma2=st.floats(0.01, 2.0), target=st.floats(0.05, 3.0))
def test_integer_maximum_dimension_is_tight(n_ctx: int, sigma2: float, target: float) -> None:
    code, out, err = run(
        "calibrate", "icl.ols.risk", "--solve-for", "d", "--target", repr(target),
        "--set", f"N={n_ctx}", "--set", f"sigma2={sigma2!r}",
    )  # fmt: skip
    assume("reaches target" not in err)
    assert code == 0, err
    goal, name, value = answer(out)
    assert (goal, name) == ("maximum", "d") and value == value.to_integral_value()
    assert_tight("icl.ols.risk", goal, name, value, target, None, N=n_ctx, sigma2=sigma2)


@HYPOTHESIS
@given(lam=st.floats(0.05, 0.6), c_opt=st.floats(0.0, 5.0), target=st.floats(1.01, 20.0))
def test_loaded_bound_file_largest_lipschitz_constant(lam: float, c_opt: float, target: float) -> None:
    """A bound file, horizon omitted: the limit i → ∞.

    B_i = d0 rho^i + eta (1 - rho^i)/(1 - rho) with rho = (1 - lam) L, d0 = 1 and eta = C_opt/sqrt(1000)
    moves monotonically from d0 to eta/(1 - rho) when rho < 1, so sup_i B_i = max(d0, eta/(1 - rho)) there
    and +inf for rho >= 1 (the closed form, written here by hand).
    """
    code, out, err = run(
        "--bounds", str(EXAMPLES / "contraction.toml"), "calibrate", "example.contraction", "--solve-for", "L_map",
        "--target", repr(target), "--set", f"lam={lam!r}", "--set", f"C_opt={c_opt!r}", "--format", "text",
    )  # fmt: skip
    assert code == 0, err
    goal, name, value = answer(out)
    assert (goal, name) == ("maximum", "L_map")

    def sup_closed_form(lipschitz: float) -> float:
        rho = (1 - lam) * lipschitz
        return max(1.0, c_opt / np.sqrt(1000) / (1 - rho)) if rho < 1 else np.inf

    assert sup_closed_form(float(value)) <= target * (1 + 1e-12)
    assert sup_closed_form(unsafe_neighbour(goal, value)) > target


def test_json_and_csv_state_the_goal() -> None:
    argv = ("calibrate", "lemma.amplified_shift", "--solve-for", "kappa", "--target", "0.5", "--horizon", "20")
    code, out, _ = run(*argv, "--format", "json")
    record = json.loads(out)
    assert code == 0 and record["goal"] == "maximum" and record["quantity"] == "kappa"
    assert sup_b("lemma.amplified_shift", 20, kappa=record["value"]) <= 0.5
    code, out, _ = run(*argv, "--format", "csv")
    (row,) = csv.DictReader(io.StringIO(out))
    assert code == 0 and row["goal"] == "maximum" and float(row["value"]) == record["value"]


def test_lam_and_n_minima_are_those_of_min_lambda_and_min_n() -> None:
    assert solve_for("fu2025.thm1", "lam", 0.25, horizon=100, kappa=1.2).value == (
        min_lambda("fu2025.thm1", 0.25, horizon=100, kappa=1.2).value
    )
    assert solve_for("fu2025.thm1", "n", 0.1, lam=0.5).value == min_n("fu2025.thm1", 0.1, lam=0.5).value
    code, out, _ = run("calibrate", "fu2025.thm1", "--for", "n", "--target", "0.1", "--set", "lam=0.5")
    assert code == 0 and answer(out)[:2] == ("minimum", "n")  # --for stays an alias


NOT_MONOTONE = """\
[bound]
id = "test.bowl"
title = "a bowl: not monotone in x"
fidelity = "exact"
citation = "a test"
assumptions = ["none"]

[parameters.x]
domain = "[0, 3]"
default = 1
description = "the position"

[terms]
bowl = "(x - 1)**2"
"""


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("calibrate", "fu2025.thm1", "--solve-for", "kapa", "--target", "0.5"), ["kapa", "did you mean kappa?"]),
        (("calibrate", "fu2025.thm1", "--solve-for", "kappa", "--target", "0.5", "--set", "kappa=1"),
         ["kappa", "also set to 1"]),
        (("calibrate", "fu2025.thm1", "--solve-for", "i", "--target", "0.5"), ["generation index"]),
        (("calibrate", "fu2025.thm1", "--solve-for", "m", "--target", "0.5"), ["solve for lam"]),
        (
            ("calibrate", "fu2025.thm1", "--solve-for", "eps", "--target", "0.01", "--horizon", "10"),
            ["no eps in [0, 1] reaches target 0.01", "do not depend on eps"],
        ),
        (
            ("--bounds", str(EXAMPLES), "calibrate", "example.contraction", "--solve-for", "n", "--target", "1",
             "--set", "eta=0.1"),
            ["does not depend on n", "eta"],
        ),
        (
            ("--bounds", str(EXAMPLES), "calibrate", "example.contraction", "--solve-for", "C_opt", "--target", "1",
             "--set", "eta=0.1"),
            ["does not depend on C_opt with eta set"],
        ),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line(argv: tuple[str, ...], words: list[str]) -> None:
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("stl-bounds: error: ")
    for word in words:
        assert word in err, err


def test_a_bound_not_monotone_in_the_parameter_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bowl.toml"
    path.write_text(NOT_MONOTONE, encoding="utf-8")
    code, _, err = run("--bounds", str(path), "calibrate", "test.bowl", "--solve-for", "x", "--target", "0.25")
    assert code == 2 and err.count("\n") == 1
    assert "not monotone in x" in err and "[0.5" in err and "1.5]" in err
    # where the values meeting the target reach an end of the domain, the other edge is the answer
    code, out, err = run("--bounds", str(path), "calibrate", "test.bowl", "--solve-for", "x", "--target", "1")
    assert code == 0, err
    goal, name, value = answer(out)
    assert (goal, name) == ("maximum", "x") and 2 - 1e-7 <= value <= 2


def test_every_value_meeting_the_target_up_to_an_open_end_has_no_answer() -> None:
    with pytest.raises(CalibrationError, match="there is no smallest delta"):
        solve_for("fu2025.thm1", "delta", 100.0, lam=0.5)
