"""Tests of ``--set`` parsing: every grid form, edge cases, errors, properties."""

from __future__ import annotations

import math

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


def test_non_finite_numbers_are_left_to_the_domain() -> None:
    assert math.isnan(parse_grid("nan"))
    assert parse_grid("inf") == math.inf


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
        ("lam", "expected name=value"),
        ("=3", "identifier"),
        ("1a=2", "identifier"),
        ("la m=2", "identifier"),
        ("lam=", "not a number"),
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
        ("0.1,,0.3", "'' is not a number"),
        ("0.1,x", "'x' is not a number"),
        ("1:2:3:4:5", "too many"),
        ("0:1:cubic:3", "spacing must be lin or log"),
        ("1e2:1e6:log", "number of points is missing: write 1e2:1e6:log:k"),
        ("0:1:lin:x", "number of points must be an integer"),
        ("0:1:lin:0", "must be >= 2"),
        ("0:1:lin:1", "must be >= 2"),
        ("0:10:log:5", "log grid needs both ends > 0"),
        ("-1:10:log:5", "log grid needs both ends > 0"),
        ("0:0:log:2", "log grid needs both ends > 0"),
        ("0:1:0", "step must not be 0"),
        ("0:10:-1", "points away from the stop"),
        ("10:0:2", "points away from the stop"),
        ("nan:1", "must be finite"),
        ("0:inf", "must be finite"),
        ("0:1e12", "the limit"),
        ("0:1:5e-324", "the limit"),
        ("-1e308:1e308:lin:3", "too far apart"),
        ("1:2:lin:1000001", "the limit"),
        (":", "not a number"),
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
    signed = step if b >= a else -step
    value = parse_grid(f"{a}:{b}:{signed}")
    expected = list(range(a, b + (1 if b >= a else -1), signed))
    np.testing.assert_array_equal(value, expected)


@given(finite, finite, st.floats(min_value=1e-3, max_value=1e6))
def test_range_stays_between_its_ends(a: float, b: float, step: float) -> None:
    assume(abs(b - a) / step < MAX_POINTS)
    value = parse_grid(f"{a!r}:{b!r}:{step if b >= a else -step!r}")
    assert value[0] == a
    lo, hi = min(a, b), max(a, b)
    assert np.all(value >= lo - 1e-9 * (1 + abs(lo))) and np.all(value <= hi + 1e-9 * (1 + abs(hi)))


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
