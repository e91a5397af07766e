"""Domains: membership, messages, and the strategies derived from them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stl_bounds.domains import Domain
from stl_bounds.errors import ParameterError
from stl_bounds.parameters import CATALOG
from stl_bounds.testing import domain_values, invalid_values

UNIT = Domain(0.0, 1.0)
OPEN = Domain(0.0, 1.0, lower_open=True, upper_open=True)
COUNT = Domain(1.0, math.inf, integer=True)


@pytest.mark.parametrize(
    ("domain", "text"),
    [(UNIT, "[0, 1]"), (OPEN, "(0, 1)"), (COUNT, "integer >= 1"), (Domain(0.0, math.inf, lower_open=True), "> 0")],
)
def test_describe(domain: Domain, text: str) -> None:
    assert domain.describe() == text


def test_message_names_parameter_set_and_value() -> None:
    with pytest.raises(ParameterError, match=r"^lam must be \[0, 1\]; got 1.3$"):
        UNIT.validate("lam", 1.3)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -0.5, 1.5, "0.5", True, None, [0.2, 2.0], 1j, []])
def test_rejects(bad: object) -> None:
    with pytest.raises(ParameterError):
        UNIT.validate("lam", bad)


def test_open_ends_and_integers() -> None:
    with pytest.raises(ParameterError):
        OPEN.validate("delta", 0.0)
    with pytest.raises(ParameterError, match=r"integer >= 1; got 2\.5"):
        COUNT.validate("n", [1, 2.5])
    assert COUNT.validate("n", 3) == 3.0
    np.testing.assert_array_equal(COUNT.validate("n", [1, 2, 3]), [1.0, 2.0, 3.0])


def test_array_with_nan_is_rejected_by_fast_path() -> None:
    with pytest.raises(ParameterError, match="got nan"):
        UNIT.validate("lam", np.array([0.1, np.nan, 0.3]))


@pytest.mark.parametrize("name", sorted(CATALOG))
@given(data=st.data())
def test_strategies_agree_with_validation(name: str, data: st.DataObject) -> None:
    domain = CATALOG[name].domain
    good = data.draw(domain_values(domain, (-1e6, 1e6)))
    assert domain.validate(name, good) == good
    bad = data.draw(invalid_values(domain))
    with pytest.raises(ParameterError):
        domain.validate(name, bad)
