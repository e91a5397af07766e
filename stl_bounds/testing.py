"""Public hypothesis strategies for property tests of stl-bounds and of user code.

Every strategy is derived from the declared parameter domains
(:class:`~stl_bounds.domains.Domain`), so a new bound gets valid and invalid
inputs for free::

    from hypothesis import given
    from stl_bounds.testing import valid_params

    @given(valid_params("fu2025.thm1"))
    def test_bound_is_nonnegative(params):
        assert stl_bounds.get("fu2025.thm1").evaluate(**params).value >= 0

``valid_params`` draws values inside each domain, clipped to a *moderate* box
(``MODERATE``) so that float64 evaluation stays in range; ``invalid_params``
draws one parameter outside its domain (or NaN/inf/a wrong type).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from stl_bounds.bound import Bound
from stl_bounds.domains import Domain
from stl_bounds.registry import get

__all__ = [
    "MODERATE",
    "bound_ids",
    "domain_values",
    "invalid_params",
    "invalid_values",
    "parameter_box",
    "valid_params",
]

#: Default finite box for unbounded domains: large enough to matter, small enough for float64.
MODERATE: Mapping[str, tuple[float, float]] = {
    "n": (1, 10**6),
    "m": (0, 10**6),
    "i": (0, 200),
    "t": (1, 200),
    "M": (1e-3, 1e3),
    "beta": (0.0, 1.0),
    "gamma": (0.0, 1.0),
    "kappa": (0.0, 3.0),
    "g": (0.0, 10.0),
    "c1": (0.0, 10.0),
    "c2": (0.0, 10.0),
    "c3": (0.0, 10.0),
    "c4": (0.0, 10.0),
    "c": (0.0, 10.0),
    "a": (1e-3, 10.0),
    "L_loss": (0.0, 10.0),
    "Gamma": (0.0, 3.0),
    "D": (1, 8),
    "sigma": (1e-3, 1e3),
    "sigma0": (1e-3, 1e3),
    "sigma2": (0.0, 10.0),
    "d": (1, 50),
    "T": (1, 10**5),
    "T0": (1, 10**5),
    "N": (1, 10**4),
    "k": (1e-3, 1e3),
    "K": (2, 10**4),
    "h": (1e-3, 1e3),
}


def domain_values(domain: Domain, box: tuple[float, float] | None = None) -> st.SearchStrategy[float]:
    """Floats (integral for integer domains) inside ``domain``, intersected with ``box``."""
    lo, hi = domain.lower, domain.upper
    if box is not None:
        lo, hi = max(lo, box[0]), min(hi, box[1])
    if domain.integer:
        first = math.floor(lo) + 1 if domain.lower_open and lo == domain.lower else math.ceil(lo)
        last = math.ceil(hi) - 1 if domain.upper_open and hi == domain.upper else math.floor(hi)
        return st.integers(int(first), int(last)).map(float)
    return st.floats(
        min_value=lo,
        max_value=hi,
        exclude_min=domain.lower_open and lo == domain.lower,
        exclude_max=domain.upper_open and hi == domain.upper,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
    )


def invalid_values(domain: Domain) -> st.SearchStrategy[Any]:
    """Values that ``domain.validate`` must reject: outside, non-finite, non-integral, wrong type."""
    options: list[st.SearchStrategy[Any]] = [
        st.sampled_from([math.nan, math.inf, -math.inf]),
        st.sampled_from(["abc", None, True, [], {"x": 1}, 1 + 2j]),
    ]
    if math.isfinite(domain.lower):
        below = st.floats(
            max_value=domain.lower, exclude_max=not domain.lower_open, allow_nan=False, allow_infinity=False
        )
        options.append(below.filter(lambda x: x >= domain.lower - 1e6))
    if math.isfinite(domain.upper):
        above = st.floats(
            min_value=domain.upper, exclude_min=not domain.upper_open, allow_nan=False, allow_infinity=False
        )
        options.append(above.filter(lambda x: x <= domain.upper + 1e6))
    if domain.integer:
        options.append(st.just(max(domain.lower, 0.0) + 1.5))
    return st.one_of(options)


def parameter_box(bound: Bound, name: str) -> tuple[float, float] | None:
    """The drawing box of a parameter: its declared ``typical`` range, else ``MODERATE``."""
    typical = bound.parameter_map[name].typical
    return typical if typical is not None else MODERATE.get(name)


def _bound(bound: Bound | str) -> Bound:
    return get(bound) if isinstance(bound, str) else bound


@st.composite
def valid_params(draw: st.DrawFn, bound: Bound | str, names: tuple[str, ...] | None = None) -> dict[str, float]:
    """A dict of valid values for the bound's parameters (all, or ``names``).

    Parameters whose default is an expression (``beta = 1/n``, ``shift`` from L4)
    are left to their default unless named.  Draws are rejected (``assume``-style
    filtering by the bound's own dry run) when a joint constraint fails.
    """
    b = _bound(bound)
    chosen = (
        names
        if names is not None
        else tuple(p.name for p in b.parameters if p.default is None or not p.default.free_symbols)
    )
    out = {name: draw(domain_values(b.parameter_map[name].domain, parameter_box(b, name))) for name in chosen}
    if "lam" in out and "n" in out and draw(st.booleans()):
        # λ on the lattice j/n half of the time: loops that pool λn real points need λn integral (docs/theory.md §5.2)
        out["lam"] = draw(st.integers(0, int(out["n"]))) / out["n"]
    from stl_bounds.errors import ParameterError

    try:
        b.check(**out)
    except ParameterError:
        from hypothesis import assume

        assume(False)
    return out


@st.composite
def invalid_params(draw: st.DrawFn, bound: Bound | str) -> tuple[str, Any]:
    """``(name, value)``: one parameter of the bound with a value outside its domain."""
    b = _bound(bound)
    p = draw(st.sampled_from(b.parameters))
    return p.name, draw(invalid_values(p.domain))


def bound_ids() -> st.SearchStrategy[str]:
    """Any registered id."""
    from stl_bounds.registry import list_ids

    return st.sampled_from(list_ids())
