"""Fuzzing the bound-file reader: generated expressions and files either load or raise BoundFileError
(one line), never another exception, and never run code (generated calls that would write a file don't)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stl_bounds
from stl_bounds.boundfiles import read_bound_text
from stl_bounds.boundfiles.expressions import ExpressionError, parse_expression
from stl_bounds.boundfiles.schema import BOUND_KEYS, PARAMETER_KEYS, SECTIONS
from stl_bounds.errors import BoundFileError

#: A file that a generated construct would create if anything ran it.
SENTINEL = Path(tempfile.mkdtemp(prefix="stl-bounds-fuzz-")) / "ran"
NAMES = ("lam", "n", "alpha", "i")
SYMBOLS = {name: sp.Symbol(name, positive=True) for name in NAMES}

#: Constructs that would have an effect if they were run.
PAYLOADS = [
    f"open({str(SENTINEL)!r}, 'w')",
    f"__import__('os').system('touch {SENTINEL}')",
    f"__import__('pathlib').Path({str(SENTINEL)!r}).touch()",
    f"exec(\"open({str(SENTINEL)!r}, 'w')\")",
    f"eval(\"open({str(SENTINEL)!r}, 'w')\")",
    f"[open({str(SENTINEL)!r}, 'w') for _ in [1]]",
    f"(lambda: open({str(SENTINEL)!r}, 'w'))()",
    f"getattr(__builtins__, 'open')({str(SENTINEL)!r}, 'w')",
    f"f'{{open({str(SENTINEL)!r}, \"w\")}}'",
    "().__class__.__base__.__subclasses__()",
]
ATOMS = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(["undeclared", "pi", "E", "x", "True", "None", "'s'", "1j", "...", "sqrt", "os"]),
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["1e400", "10**10**10", "0", "-0.0"]),
    st.sampled_from(PAYLOADS),
)
FUNCTIONS = ["sqrt", "log", "exp", "Min", "Max", "Abs", "floor", "ceiling", "geom", "LogGammaRatio", "DigammaMinusLog",
             "DividedPower", "sin", "__import__", "eval", "getattr", "print", "Piecewise"]  # fmt: skip


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    two = st.tuples(children, children)
    return st.one_of(
        st.tuples(
            two, st.sampled_from(["+", "-", "*", "/", "**", "^", "//", "%", "@", "<", "==", " and ", " or "])
        ).map(lambda t: f"({t[0][0]}{t[1]}{t[0][1]})"),
        children.map(lambda c: f"-{c}"),
        children.map(lambda c: f"not {c}"),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(children, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        st.tuples(children, children).map(lambda t: f"Piecewise(({t[0]}, {t[1]}), ({t[1]}, True))"),
        children.map(lambda c: f"{c}.real"),
        children.map(lambda c: f"{c}[0]"),
        children.map(lambda c: f"log({c}, base=2)"),
        children.map(lambda c: f"Max(*[{c}])"),
        children.map(lambda c: f"(lambda: {c})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        children.map(lambda c: f"f'{{{c}}}'"),
        children.map(lambda c: f"(y := {c})"),
    )


EXPRESSIONS = st.recursive(ATOMS, _combine, max_leaves=12)


pytestmark = pytest.mark.usefixtures("isolated_registry")


FUZZ = settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(text=st.one_of(EXPRESSIONS, st.text(max_size=80)))
def test_expressions_build_or_are_refused_in_one_line(text: str) -> None:
    try:
        expr = parse_expression(text, SYMBOLS)
    except ExpressionError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(expr, sp.Basic)
        assert expr.free_symbols <= set(SYMBOLS.values())
    assert not SENTINEL.exists()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_refused(payload: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(payload, SYMBOLS)
    assert not SENTINEL.exists()


# --- whole files ----------------------------------------------------------------------------------------------
def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and abs(value) != float("inf") else "nan"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + "}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _toml(doc: dict[str, dict[str, object]]) -> str:
    lines = []
    for table, body in doc.items():
        lines.append(f"[{table}]")
        lines += [f'"{key}" = {_toml_value(value)}' for key, value in body.items()]
    return "\n".join(lines) + "\n"


VALUES = st.one_of(
    EXPRESSIONS,
    st.sampled_from(["[0, 1]", "(0, 1]", "integer >= 1", "> 0", "nondecreasing", "finite", "exact", "bound"]),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.lists(st.text(max_size=5), max_size=2),
    st.dictionaries(st.sampled_from(["direction", "given", "n"]), st.sampled_from(["nonincreasing", "[0, 1]"])),
)
KEYS = st.sampled_from([*BOUND_KEYS, *PARAMETER_KEYS, "rho", "x_next", "x0", "index", "term", "lam", "bogus"])


@st.composite
def documents(draw: st.DrawFn) -> str:
    doc: dict[str, dict[str, object]] = {
        "bound": {
            "id": "fuzz.bound",
            "title": "t",
            "fidelity": "exact",
            "citation": "c",
            "assumptions": ["a"],
        },
        "parameters.alpha": {"domain": "[0, 1]", "default": 0.5, "description": "d"},
        "parameters.n": {},
        "terms": {"main": draw(EXPRESSIONS)},
    }
    for _ in range(draw(st.integers(0, 4))):
        table = draw(st.sampled_from([*SECTIONS, "parameters.alpha", "parameters.lam", "properties.main", "bogus"]))
        doc.setdefault(table, {})[draw(KEYS)] = draw(VALUES)
    if draw(st.booleans()):
        table = draw(st.sampled_from(sorted(doc)))
        if doc[table]:
            doc[table].pop(draw(st.sampled_from(sorted(doc[table]))))
    return _toml(doc)


@FUZZ
@given(text=st.one_of(documents(), st.text(max_size=200)))
def test_files_load_or_raise_one_line(text: str) -> None:
    try:
        loaded = read_bound_text(text, "fuzz.toml")
    except BoundFileError as exc:
        assert str(exc).startswith("fuzz.toml") and "\n" not in str(exc), str(exc)
    else:
        assert loaded.bound.id == "fuzz.bound"
        try:
            stl_bounds.registry.register_all([loaded.bound], "fuzz.toml")
        except stl_bounds.registry.IdConflictError:
            pass  # an earlier example registered another formula under this id
    assert not SENTINEL.exists()
