"""The pieces that read a bound file's values: domain texts, expressions (a whitelist over ``ast``), key lines."""

from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from stl_bounds.boundfiles.domains import DomainSyntaxError, parse_domain
from stl_bounds.boundfiles.expressions import ExpressionError, parse_condition, parse_expression
from stl_bounds.boundfiles.locate import KeyLocator
from stl_bounds.boundfiles.numeric import NotARealNumber, mp_value
from stl_bounds.domains import Domain
from stl_bounds.parameters import CATALOG
from stl_bounds.special import GeometricSum

NAMES = {name: p.symbol for name, p in CATALOG.items()}
lam, eps, kappa, i, n = (CATALOG[k].symbol for k in ("lam", "eps", "kappa", "i", "n"))


# --- domains ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("[0, 1]", Domain(0.0, 1.0)),
        ("(0, 1)", Domain(0.0, 1.0, lower_open=True, upper_open=True)),
        ("[0, inf)", Domain(0.0, math.inf)),
        ("> 0", Domain(0.0, math.inf, lower_open=True)),
        (">= -2.5", Domain(-2.5, math.inf)),
        ("<= 3", Domain(-math.inf, 3.0)),
        ("< 3", Domain(-math.inf, 3.0, upper_open=True)),
        ("integer >= 1", Domain(1.0, math.inf, integer=True)),
        ("integer > 0", Domain(0.0, math.inf, lower_open=True, integer=True)),
        ("integer in [1, 100]", Domain(1.0, 100.0, integer=True)),
        ("  INTEGER  in  (0,10] ", Domain(0.0, 10.0, lower_open=True, integer=True)),
        ("(-inf, inf)", Domain()),
        ("real", Domain()),
        ("integer", Domain(integer=True)),
        ("[1e-3, 1E3]", Domain(1e-3, 1e3)),
    ],
)
def test_domain_forms(text: str, domain: Domain) -> None:
    assert parse_domain(text) == domain


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0 to 1", "unknown domain"),
        ("[0; 1]", "unknown domain"),
        ("[0, 1", "unknown domain"),
        ("[nan, 1]", "unknown domain"),
        ("[2, 1]", "empty"),
        ("(1, 1]", "empty"),
        ("[inf, inf]", "empty"),
        ("integer in (1, 2)", "no integer"),
        ("integer in [1.2, 1.8]", "no integer"),
        ("positive", "unknown domain"),
    ],
)
def test_domain_refusals_name_the_text(text: str, reason: str) -> None:
    with pytest.raises(DomainSyntaxError, match=reason) as info:
        parse_domain(text)
    assert repr(text) in str(info.value)


def _empty(d: Domain) -> bool:
    """Whether the domain holds no value (computed here by enumeration, not by the parser)."""
    if math.isinf(d.lower) and d.lower == d.upper:
        return True
    if d.integer and math.isfinite(d.lower) and math.isfinite(d.upper):
        return not any(d.contains(float(k)) for k in range(math.ceil(d.lower), math.floor(d.upper) + 1))
    return d.lower == d.upper and (d.lower_open or d.upper_open)


# end points that Domain.describe prints exactly (it writes %g, 6 digits)
ends = st.one_of(
    st.sampled_from([-math.inf, math.inf, 0.0, 1.0, -1.0, 0.5, 1e-3, 100.0, 2.5e6, 1.25]),
    st.integers(-1000, 1000).map(float),
)


@given(lo=ends, hi=ends, lower_open=st.booleans(), upper_open=st.booleans(), integer=st.booleans())
def test_domain_round_trips_with_describe(
    lo: float, hi: float, lower_open: bool, upper_open: bool, integer: bool
) -> None:
    lo, hi = min(lo, hi), max(lo, hi)
    domain = Domain(lo, hi, lower_open and math.isfinite(lo), upper_open and math.isfinite(hi), integer)
    assume(not _empty(domain))  # describe() of an empty domain need not be faithful; the parser refuses them
    text = domain.describe()
    assert parse_domain(text) == domain, text
    assert parse_domain(text).describe() == text


# --- expressions: what is built ----------------------------------------------------------------------
def test_expression_builds_the_same_tree_as_python_code() -> None:
    built = parse_expression("eps*geom((1 - lam)*kappa, i + 1)", NAMES)
    assert built == eps * GeometricSum((1 - lam) * kappa, i + 1)
    assert parse_expression("-lam**2/3 + sqrt(n)", NAMES) == -(lam**2) / 3 + sp.sqrt(n)
    assert parse_expression("log(n, 2)", NAMES) == sp.log(n, 2)
    assert parse_expression("Max(lam, 1 - lam) + abs(eps) + min(1, n)", NAMES) == (
        sp.Max(lam, 1 - lam) + sp.Abs(eps) + sp.Min(1, n)
    )


def test_float_literals_are_exact_decimals() -> None:
    assert parse_expression("0.1", {}) == sp.Rational(1, 10)
    assert parse_expression("2.5e-3*lam", NAMES) == sp.Rational(1, 400) * lam


def test_piecewise_with_conditions() -> None:
    built = parse_expression("Piecewise((1, lam < 0.5 and not n >= 3), (lam, 0 <= lam <= 1), (2, True))", NAMES)
    expected = sp.Piecewise(
        (1, sp.And(lam < sp.Rational(1, 2), sp.Not(n >= 3))), (lam, sp.And(0 <= lam, lam <= 1)), (2, True)
    )
    assert built == expected
    assert parse_condition("T >= d + 2", NAMES) == (CATALOG["T"].symbol >= CATALOG["d"].symbol + 2)


# --- expressions: what is refused --------------------------------------------------------------------
REFUSED = [
    ('__import__("os").system("true")', "attribute access"),
    ('__import__("os")', "call of '__import__'"),
    ('eval("1")', "call of 'eval'"),
    ("lam.real", "attribute access"),
    ("(lambda: 1)()", "call of a computed function"),
    ("lambda x: x", "lambda"),
    ("n[0]", "subscript"),
    ("Max(*n)", "starred"),
    ('f"{n}"', "f-string"),
    ("log(n, base=2)", "keyword argument"),
    ("1 if lam else 2", "conditional expression"),
    ("[lam]", "list"),
    ("(lam, n)", "tuple"),
    ("{lam: 1}", "dict"),
    ("[x for x in n]", "comprehension"),
    ("(y := 1)", "assignment expression"),
    ("lam < 1", "comparison outside a Piecewise"),
    ("lam and n", "and/or outside"),
    ("not lam", "not/~"),
    ("lam ^ 2", "write a power as \\*\\*"),
    ("n // 2", "floor"),
    ("n % 2", "%"),
    ('"abc"', "str constant"),
    ("1j", "complex number"),
    ("True", "True/False"),
    ("1e400", "too large"),
    ("2**10**6", "too large"),
    ("sin(lam)", "call of 'sin'"),
    ("sqrt", "must be called"),
    ("sqrt(1, 2)", "takes 1 argument"),
    ("Piecewise((1, lam < 1))", "condition True"),
    ("Piecewise(1, 2)", "pair"),
    ("Piecewise((1, lam), (2, True))", "a condition must be"),
    ("nope + 1", "undeclared name 'nope'"),
    ("lam +", "not a valid expression"),
    ("lam\x00", "not a valid expression"),
    ("-" * 200 + "lam", "nested deeper"),
    ("lam + " * 2000 + "lam", "longer than"),
]


@pytest.mark.parametrize(("text", "construct"), REFUSED)
def test_refused_constructs_are_named_in_one_line(text: str, construct: str) -> None:
    with pytest.raises(ExpressionError, match=construct) as info:
        parse_expression(text, NAMES)
    assert "\n" not in str(info.value)


def test_undeclared_name_suggests_the_closest() -> None:
    with pytest.raises(ExpressionError, match=r"undeclared name 'lamb' \(did you mean lam\?\)"):
        parse_expression("lamb + 1", NAMES)


def test_constant_functions_stay_unevaluated() -> None:
    # floor(exp(exp(100))) evaluated by sympy would be an integer of 10^43 digits
    built = parse_expression("floor(exp(exp(100))) + geom(2, 10**100)", {})
    assert built.has(sp.floor) and built.has(GeometricSum)
    assert mp_value(built, {}) > 10**40


# --- numbers at given values -----------------------------------------------------------------------------
def test_mp_value_matches_sympy() -> None:
    expr = parse_expression("Piecewise((log(n)*sqrt(lam), lam < 0.5), (exp(-n), True)) + Abs(-eps) + pi", NAMES)
    values = {n: 7, lam: 0.25, eps: 0.1}
    assert float(mp_value(expr, values)) == pytest.approx(float(expr.subs(values).evalf(30)), rel=1e-15)


@pytest.mark.parametrize("text", ["log(lam)", "sqrt(lam - 1)", "1/lam", "1/0", "log(0)"])
def test_mp_value_refuses_non_real_values(text: str) -> None:
    with pytest.raises(NotARealNumber):
        mp_value(parse_expression(text, NAMES), {lam: 0.0})


# --- key lines --------------------------------------------------------------------------------------------
def test_locator_finds_tables_keys_dotted_and_inline() -> None:
    text = """# comment
[bound]
id = "x.y"
notes = '''
[terms]
shift = "not a key"
'''

[parameters.lam]
default = 0.5
[parameters]
n = { domain = "integer >= 1", default = 3 }

[properties]
shift.lam = "nonincreasing"
"quoted key" = 1
"""
    where = KeyLocator(text)
    assert where.line(("bound", "id")) == 3
    assert where.line(("parameters", "lam", "default")) == 10
    assert where.line(("parameters", "lam", "domain")) == 9  # not in the file: its table's line
    assert where.line(("parameters", "n", "domain")) == 12  # inside an inline table
    assert where.line(("properties", "shift", "lam")) == 15
    assert where.line(("properties", "quoted key")) == 16
    assert where.line(("terms",)) is None  # inside a multi-line string: no table there
    assert where.line(("terms", "shift")) is None
