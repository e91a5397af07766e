"""Tests of ``--set`` parsing: every grid form, edge cases, errors, properties."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from stl_bounds import GridError, ParameterError
from stl_bounds.grids import FORMS, MAX_POINTS, parse_assignment, parse_grid

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)


# --- the forms -------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [("0.3", 0.3), ("1e3", 1000.0), ("-2", -2.0), (" 7 ", 7.0)])
def test_number_is_a_float(text: str, expected: float) -> None:
    value = parse_grid(text)
    assert isinstance(value, float)
    assert value == expected


@pytest.mark.parametrize("text", ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "+INF"])
def test_non_finite_numbers_are_refused_by_name(text: str) -> None:
    with pytest.raises(GridError, match=re.escape(f"'{text}' is not a finite number")) as info:
        parse_grid(text, name="lam")
    assert str(info.value).endswith(f"got {text!r}")


def test_numbers_beyond_float64_are_refused_not_rounded() -> None:
    with pytest.raises(GridError, match="1e400 is too large for float64"):
        parse_grid("1e400", name="n")
    with pytest.raises(GridError, match="1e-400 is too small for float64 and would be read as 0"):
        parse_grid("1e-400", name="eps")
    assert parse_grid("0e-400") == 0.0  # zero spelled with an exponent is zero
    assert parse_grid("5e-324") == 5e-324  # the smallest subnormal is a number
    assert math.isfinite(parse_grid("1.7e308"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0:50", np.arange(51.0)),
        ("0:50:5", np.arange(0.0, 51.0, 5.0)),
        ("0:10:3", [0.0, 3.0, 6.0, 9.0]),  # the step does not divide: stop not reached
        ("3:0", [3.0, 2.0, 1.0, 0.0]),  # reversed: step -1 by default
        ("10:0:-5", [10.0, 5.0, 0.0]),
        ("5:5", [5.0]),  # one point
        ("0.1:0.5:0.1", [0.1, 0.2, 0.3, 0.4, 0.5]),
        ("0.1,0.3,0.5", [0.1, 0.3, 0.5]),
        ("3,1,2", [3.0, 1.0, 2.0]),  # a list keeps its order
        ("0:1:lin:11", np.linspace(0, 1, 11)),
        ("1e2:1e6:log:5", [1e2, 1e3, 1e4, 1e5, 1e6]),
        ("2:2:lin:1", [2.0]),
        ("1:100:LOG:3", [1.0, 10.0, 100.0]),
        ("0:10:10", [0.0, 10.0]),  # a step equal to the span: both ends
        ("0.1:0.3:0.2", [0.1, 0.3]),  # equal up to rounding (0.3 - 0.1 < 0.2 in float64)
        ("5:5:3", [5.0]),  # equal ends: one point, whatever the step
        ("0:1:lin:1e1", np.linspace(0, 1, 10)),  # a point count written as 1e1
        ("1,500", [1.0, 500.0]),  # a list: no item with a leading zero
        ("0,0.5,1", [0.0, 0.5, 1.0]),
        ("-0.5,0", [-0.5, 0.0]),
    ],
)
def test_grid_forms(text: str, expected: list[float]) -> None:
    value = parse_grid(text)
    assert isinstance(value, np.ndarray)
    assert value.ndim == 1
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-15)


def test_range_ends_exactly_at_the_stop() -> None:
    assert parse_grid("0.1:0.7:0.1")[-1] == 0.7


def test_log_grid_of_an_integer_parameter_is_rounded_and_deduplicated() -> None:
    value = parse_grid("1:10:log:20", integer=True)
    np.testing.assert_array_equal(value, np.arange(1.0, 11.0))
    large = parse_grid("1e2:1e6:log:20", integer=True)
    assert len(large) == 20
    assert np.all(large == np.round(large))
    assert large[0] == 100 and large[-1] == 1e6
    assert not np.all(parse_grid("1e2:1e6:log:20") == large)  # real parameters are not rounded


def test_log_grid_with_equal_ends() -> None:
    np.testing.assert_array_equal(parse_grid("5:5:log:3"), [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(parse_grid("5.4:5.4:log:3", integer=True), [5.0])


def test_lin_grid_is_not_rounded_for_integer_parameters() -> None:
    np.testing.assert_allclose(parse_grid("0:1:lin:3", integer=True), [0.0, 0.5, 1.0])


def test_reversed_log_grid() -> None:
    np.testing.assert_allclose(parse_grid("1e3:1:log:4"), [1e3, 1e2, 10.0, 1.0])


# --- assignments -------------------------------------------------------------------
def test_parse_assignment() -> None:
    assert parse_assignment("lam=0.3") == ("lam", 0.3)
    name, value = parse_assignment(" n =1:100:log:3", integer_names={"n"})
    assert name == "n"
    np.testing.assert_array_equal(value, [1.0, 10.0, 100.0])


def test_parse_assignment_rounds_only_integer_names() -> None:
    _, rounded = parse_assignment("n=1:10:log:4", integer_names={"n"})
    _, kept = parse_assignment("M=1:10:log:4", integer_names={"n"})
    assert np.all(rounded == np.round(rounded))
    assert not np.all(kept == np.round(kept))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("lam", "--set takes NAME=VALUE in one word"),
        ("lam 0.3", "got 'lam 0.3'; write lam=0.3"),
        ("lam:0.3", "got 'lam:0.3'; write lam=0.3"),
        ("=3", "identifier"),
        ("1a=2", "identifier"),
        ("la m=2", "identifier"),
        ("lam=", "lam: the value is empty: write lam=VALUE"),
        ("lam=  ", "lam: the value is empty"),
    ],
)
def test_malformed_assignments(text: str, fragment: str) -> None:
    with pytest.raises(GridError, match=fragment):
        parse_assignment(text)


# --- errors --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("abc", "not a number"),
        ("0.1,,0.3", "list item 2 of 3 is empty"),
        (",0.3", "list item 1 of 2 is empty"),
        ("0.1,", "list item 2 of 2 is empty"),
        ("0.1,x", "the list item 2 'x' is not a number"),
        ("0:1,2", "list item '0:1' is a range"),
        ("10,000", "one number with thousands separators: write 10000 or 1e4"),
        ("1,000", "write 1000 or 1e3"),
        ("1,250,000", "write 1250000 or 1.25e6"),
        ("12,500,000.5", "write 12500000.5 or 1.25000005e7"),
        ("0,05", "list item '05' has a leading zero: a decimal comma\\? write decimals with a point \\(e.g. 0.05\\)"),
        ("1,5,007", "list item '007' has a leading zero"),
        ("30%", "write a percentage as a fraction \\(0.3\\)"),
        ("1/4", "write a fraction as a decimal \\(0.25\\)"),
        ("0:1:11", "the step 11 exceeds the span 1 from 0 to 1.*write 0:1:lin:11"),
        ("1:0:-11", "the step -11 exceeds the span 1.*write 1:0:lin:11"),
        ("0:1:2.5", "the step 2.5 exceeds the span 1.*a step of at most 1, or 0:1:lin:k"),
        ("0:0.5", "0:0.5 spans 0.5, less than its default step 1, so it would be the single point 0"),
        ("0.9:0.1", "spans 0.8, less than its default step 1"),
        ("1:0:0.1", "the step 0.1 points away from the stop 0: from 1 down to 0 write 1:0:-0.1"),
        ("0:1:11:lin", "the spacing comes first: write 0:1:lin:11"),
        (":1", "the start is empty"),
        ("0:", "the stop is empty"),
        ("0:1:", "the step is empty"),
        ("1:2:3:4:5", "too many"),
        ("0:1:cubic:3", "spacing must be lin or log"),
        ("1e2:1e6:log", "number of points is missing: write 1e2:1e6:log:k"),
        ("0:1:lin:x", "number of points must be an integer"),
        ("0:1:lin:0", "must be >= 2"),
        ("0:1:lin:1", "must be >= 2"),
        ("0:10:log:5", "log grid needs both ends > 0 \\(use lin for a range through 0"),
        ("-1:10:log:5", "log grid needs both ends > 0"),
        ("0:0:log:2", "log grid needs both ends > 0"),
        ("0:1:0", "step must not be 0 \\(a non-zero step, or 0:1:lin:k"),
        ("0:10:-1", "points away from the stop"),
        ("10:0:2", "points away from the stop"),
        ("nan:1", "'nan' is not a finite number"),
        ("0:inf", "'inf' is not a finite number"),
        ("0:1:lin:2.5", "number of points must be an integer, not '2.5'"),
        ("0:1e12", "the limit"),
        ("0:1:5e-324", "the limit"),
        ("-1e308:1e308:lin:3", "too far apart"),
        ("1:2:lin:1000001", "the limit"),
        (":", "the start is empty"),
    ],
)
def test_malformed_grids(text: str, fragment: str) -> None:
    with pytest.raises(GridError, match=fragment) as info:
        parse_grid(text, name="lam")
    message = str(info.value)
    assert message.startswith("lam: ")
    assert FORMS in message
    assert repr(text.strip()) in message
    assert "\n" not in message


def test_grid_error_is_a_parameter_error() -> None:
    assert issubclass(GridError, ParameterError)


# --- properties ----------------------------------------------------------------------
@given(finite, finite, st.integers(2, 500))
def test_lin_grid_has_k_points_from_a_to_b(a: float, b: float, k: int) -> None:
    value = parse_grid(f"{a!r}:{b!r}:lin:{k}")
    assert len(value) == k
    assert value[0] == a and value[-1] == b


@given(positive, positive, st.integers(2, 500))
def test_log_grid_has_k_points_from_a_to_b(a: float, b: float, k: int) -> None:
    value = parse_grid(f"{a!r}:{b!r}:log:{k}")
    assert len(value) == k
    assert value[0] == a and value[-1] == b
    direction = 1.0 if b >= a else -1.0
    assert np.all(direction * np.diff(value) >= -1e-12 * np.abs(value[1:]))


@given(st.integers(-1000, 1000), st.integers(-1000, 1000), st.integers(1, 50))
def test_integer_range_matches_python_range(a: int, b: int, step: int) -> None:
    assume(step <= abs(b - a) or a == b)  # a longer step is refused (test_a_range_is_one_point_only_when...)
    signed = step if b >= a else -step
    value = parse_grid(f"{a}:{b}:{signed}")
    expected = list(range(a, b + (1 if b >= a else -1), signed))
    np.testing.assert_array_equal(value, expected)


@given(finite, finite, st.floats(min_value=1e-3, max_value=1e6))
def test_range_stays_between_its_ends(a: float, b: float, step: float) -> None:
    assume(abs(b - a) / step < MAX_POINTS and (step <= abs(b - a) or a == b))
    value = parse_grid(f"{a!r}:{b!r}:{step if b >= a else -step!r}")
    assert value[0] == a
    lo, hi = min(a, b), max(a, b)
    assert np.all(value >= lo - 1e-9 * (1 + abs(lo))) and np.all(value <= hi + 1e-9 * (1 + abs(hi)))


@given(finite, finite, st.floats(min_value=1e-6, max_value=1e9))
def test_a_range_is_one_point_only_when_its_ends_are_equal(a: float, b: float, step: float) -> None:
    text = f"{a!r}:{b!r}:{step if b >= a else -step!r}"
    try:
        value = parse_grid(text)
    except GridError as exc:
        assert a != b and ("exceeds the span" in str(exc) or "the limit" in str(exc)), exc
        if "exceeds the span" in str(exc):
            assert step > abs(b - a) * (1 - 1e-9)
    else:
        assert len(value) >= 2 or a == b


@given(st.integers(1, 999), st.lists(st.integers(0, 999), min_size=1, max_size=3))
def test_thousands_separators_are_never_a_list_ending_in_a_zero_padded_item(head: int, groups: list[int]) -> None:
    groups = [0, *groups[1:]]  # a group such as 000: what a thousands separator gives for a round number
    text = ",".join([str(head), *(f"{g:03d}" for g in groups)])
    with pytest.raises(GridError, match="thousands separators") as info:
        parse_grid(text, name="n")
    assert f"write {text.replace(',', '')} or " in str(info.value)


@given(st.lists(finite, min_size=2, max_size=20))
def test_list_round_trips(values: list[float]) -> None:
    np.testing.assert_array_equal(parse_grid(",".join(map(repr, values))), values)


@given(st.text(max_size=20))
def test_arbitrary_text_parses_or_raises_grid_error(text: str) -> None:
    try:
        value = parse_grid(text)
    except GridError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(value, float | np.ndarray)
