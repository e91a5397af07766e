r"""Expressions of a bound file, read as data: Python's :mod:`ast` checked against a whitelist.

A bound file is never code.  An expression such as ``"eps*geom((1 - lam)*kappa, i + 1)"`` is parsed
by :func:`ast.parse` (which only builds a syntax tree) and the tree is walked node by node; every node
must be one of

* a number (``int`` or finite ``float``; a float is read as the exact decimal it prints as, ``0.1`` is 1/10),
* a declared name, or the constants ``pi`` and ``E``,
* ``+ - * / **`` and unary ``-``/``+``,
* a call, by name, of one of :data:`FUNCTIONS` (positional arguments only),
* ``Piecewise((value, condition), ..., (value, True))``, whose conditions may use comparisons
  (``< <= > >= == !=``), ``and``, ``or``, ``not`` and ``True``/``False``.

Anything else — attribute access, subscripts, lambdas, keywords, starred arguments, f-strings, strings,
comprehensions, conditional expressions, calls of other names such as ``__import__`` — is refused with
an :class:`ExpressionError` that names the construct and quotes it.  The sympy tree is built from the
whitelisted nodes with sympy constructors only: no ``eval``, ``sympify`` or ``parse_expr`` of the text.

Numeric constants are kept from blowing up at construction: an exact power of two numbers is refused
beyond :data:`MAX_POWER_BITS`, and a whitelisted function of constant arguments is built unevaluated
(``floor(exp(exp(100)))`` would otherwise make sympy compute a 10^43-digit integer).
"""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import sympy as sp

from stl_bounds.special import DigammaMinusLog, DividedPower, GeometricSum, LogGammaRatio

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_LENGTH",
    "MAX_POWER_BITS",
    "ExpressionError",
    "parse_condition",
    "parse_expression",
]

#: Longest expression text accepted, in characters, and deepest syntax tree.
MAX_LENGTH = 4000
MAX_DEPTH = 60
#: Largest exact power of two numbers, in bits of the result.
MAX_POWER_BITS = 4096


class ExpressionError(ValueError):
    """An expression that is not valid or not allowed; the message names the construct."""


#: name → (sympy constructor, least and most arguments; ``None``: any number).
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "sqrt": (sp.sqrt, 1, 1),
    "log": (sp.log, 1, 2),
    "exp": (sp.exp, 1, 1),
    "Min": (sp.Min, 1, None),
    "Max": (sp.Max, 1, None),
    "Abs": (sp.Abs, 1, 1),
    "min": (sp.Min, 1, None),
    "max": (sp.Max, 1, None),
    "abs": (sp.Abs, 1, 1),
    "floor": (sp.floor, 1, 1),
    "ceiling": (sp.ceiling, 1, 1),
    "geom": (GeometricSum, 2, 2),
    "GeometricSum": (GeometricSum, 2, 2),
    "DividedPower": (DividedPower, 2, None),
    "LogGammaRatio": (LogGammaRatio, 2, 2),
    "DigammaMinusLog": (DigammaMinusLog, 1, 1),
}
#: Functions built unevaluated when every argument is a constant (their evaluation can be unbounded).
_UNEVALUATED_ON_CONSTANTS = {sp.floor, sp.ceiling, GeometricSum, DividedPower, LogGammaRatio, DigammaMinusLog}
#: Named constants.
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_REFUSED_OPERATORS: dict[type[ast.operator], str] = {
    ast.BitXor: "the operator ^ (write a power as **)",
    ast.FloorDiv: "the operator // (write floor(a/b))",
    ast.Mod: "the operator %",
    ast.MatMult: "the operator @",
    ast.LShift: "the operator <<",
    ast.RShift: "the operator >>",
    ast.BitOr: "the operator |",
    ast.BitAnd: "the operator &",
}
_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: sp.Lt,
    ast.LtE: sp.Le,
    ast.Gt: sp.Gt,
    ast.GtE: sp.Ge,
    ast.Eq: sp.Eq,
    ast.NotEq: sp.Ne,
}
#: Words for refused node types.
_CONSTRUCTS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "a subscript",
    ast.Lambda: "a lambda",
    ast.Starred: "a starred expression",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.IfExp: "a conditional expression (use Piecewise)",
    ast.List: "a list",
    ast.Tuple: "a tuple outside Piecewise",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.NamedExpr: "an assignment expression (:=)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Compare: "a comparison outside a Piecewise condition",
    ast.BoolOp: "and/or outside a Piecewise condition",
    ast.Slice: "a slice",
}


def parse_expression(text: str, names: Mapping[str, sp.Expr]) -> sp.Expr:
    """The sympy expression written as ``text``, whose free names are the keys of ``names``.

    Parameters
    ----------
    text
        The expression, in Python syntax restricted as the module docstring says.
    names
        Name → sympy object (a parameter's symbol, or e.g. the state ``x`` of a recurrence).

    Raises
    ------
    ExpressionError
        For a syntax error, a refused construct, an undeclared name, a call of a function outside
        :data:`FUNCTIONS`, a wrong number of arguments, or an expression sympy cannot build.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    return _parse(text, tuple(sorted(names.items(), key=lambda item: item[0])))


@lru_cache(maxsize=4096)
def _parse(text: str, names: tuple[tuple[str, sp.Expr], ...]) -> sp.Expr:
    """:func:`parse_expression`, memoized: files of one family share most expressions (refusals are not cached)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression ({exc.msg}): {_quote(text)}") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        raise ExpressionError(f"not a valid expression ({type(exc).__name__}): {_quote(text)}") from None
    _check_depth(tree.body)
    builder = _Builder(text, dict(names))
    try:
        return builder.value(tree.body)
    except ExpressionError:
        raise
    except Exception as exc:  # sympy's own refusals (TypeError, ValueError, ...): still one line, nothing ran
        raise ExpressionError(f"sympy cannot build {_quote(text)}: {type(exc).__name__}: {exc}") from None


def parse_condition(text: str, names: Mapping[str, sp.Expr]) -> sp.Basic:
    """The sympy condition written as ``text`` (comparisons joined by and/or/not), e.g. ``T >= d + 2``.

    Raises
    ------
    ExpressionError
        As :func:`parse_expression`, and for a text that is not a condition.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the condition is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
        raise ExpressionError(f"not a valid condition ({reason}): {_quote(text)}") from None
    _check_depth(tree.body)
    try:
        return _Builder(text, names).condition(tree.body)
    except ExpressionError:
        raise
    except Exception as exc:  # sympy's own refusals
        raise ExpressionError(f"sympy cannot build {_quote(text)}: {type(exc).__name__}: {exc}") from None


def _check_depth(root: ast.AST) -> None:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _quote(text: str, limit: int = 60) -> str:
    flat = " ".join(str(text).split())
    return f"`{flat if len(flat) <= limit else flat[: limit - 3] + '...'}`"


class _Builder:
    """Walks a syntax tree, refusing every node outside the whitelist."""

    def __init__(self, text: str, names: Mapping[str, sp.Expr]) -> None:
        self.text = text.strip()
        self.names = names

    def _snippet(self, node: ast.AST) -> str:
        return _quote(ast.get_source_segment(self.text, node) or type(node).__name__)

    def _refuse(self, node: ast.AST, what: str | None = None) -> ExpressionError:
        what = what or _CONSTRUCTS.get(type(node), f"the construct {type(node).__name__}")
        return ExpressionError(f"{what} is not allowed in an expression: {self._snippet(node)}")

    # --- values -------------------------------------------------------------------------------
    def value(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.value(node.operand)
            if isinstance(node.op, ast.UAdd):
                return self.value(node.operand)
            raise self._refuse(node, "not/~ outside a Piecewise condition")
        if isinstance(node, ast.Call):
            return self._call(node)
        raise self._refuse(node)

    def _number(self, node: ast.Constant) -> sp.Expr:
        v = node.value
        if isinstance(v, bool):
            raise self._refuse(node, "True/False outside a Piecewise condition")
        if isinstance(v, int):
            return sp.Integer(v)
        if isinstance(v, float):
            if not math.isfinite(v):
                raise self._refuse(node, "a number too large for float64")
            return sp.Rational(repr(v))
        kind = "a complex number" if isinstance(v, complex) else f"a {type(v).__name__} constant"
        raise self._refuse(node, kind)

    def _name(self, node: ast.Name) -> sp.Expr:
        if node.id in self.names:
            return self.names[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS or node.id == "Piecewise":
            raise ExpressionError(f"the function {node.id} must be called: {self._snippet(node)}")
        known = sorted(self.names)
        close = difflib.get_close_matches(node.id, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        declared = ", ".join(known) if known else "none"
        raise ExpressionError(f"undeclared name {node.id!r}{hint}; declared: {declared}")

    def _binary(self, node: ast.BinOp) -> sp.Expr:
        op = type(node.op)
        if op in _REFUSED_OPERATORS:
            raise self._refuse(node, _REFUSED_OPERATORS[op])
        left, right = self.value(node.left), self.value(node.right)
        if op is ast.Pow:
            _check_power(left, right, self._snippet(node))
            return left**right
        if op in _BINARY:
            return _BINARY[op](left, right)
        raise self._refuse(node, f"the operator {op.__name__}")

    def _call(self, node: ast.Call) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            what = "attribute access" if isinstance(node.func, ast.Attribute) else "a call of a computed function"
            raise self._refuse(node.func if isinstance(node.func, ast.Attribute) else node, what)
        name = node.func.id
        if node.keywords:
            raise self._refuse(node, f"a keyword argument (in the call of {name})")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self._refuse(arg)
        if name == "Piecewise":
            return self._piecewise(node)
        if name not in FUNCTIONS:
            allowed = ", ".join([*FUNCTIONS, "Piecewise"])
            raise self._refuse(node, f"a call of {name!r} (functions: {allowed})")
        function, least, most = FUNCTIONS[name]
        count = len(node.args)
        if count < least or (most is not None and count > most):
            arity = str(least) if least == most else f"{least}+" if most is None else f"{least}-{most}"
            raise ExpressionError(f"{name} takes {arity} argument(s), got {count}: {self._snippet(node)}")
        return _apply(function, tuple(self.value(a) for a in node.args))

    def _piecewise(self, node: ast.Call) -> sp.Expr:
        if not node.args:
            raise ExpressionError(f"Piecewise needs at least one (value, condition) pair: {self._snippet(node)}")
        pairs = []
        for arg in node.args:
            if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                raise ExpressionError(
                    f"each Piecewise argument must be a pair (value, condition): {self._snippet(arg)}"
                )
            pairs.append((self.value(arg.elts[0]), self.condition(arg.elts[1])))
        if pairs[-1][1] is not sp.true:
            raise ExpressionError(
                f"the last Piecewise pair must have the condition True (a bound is defined everywhere): "
                f"{self._snippet(node)}"
            )
        return sp.Piecewise(*pairs)

    # --- conditions ---------------------------------------------------------------------------
    def condition(self, node: ast.AST) -> sp.Basic:
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return sp.true if node.value else sp.false
        if isinstance(node, ast.Compare):
            parts, left = [], self.value(node.left)
            for op, right_node in zip(node.ops, node.comparators):
                if type(op) not in _COMPARISONS:
                    raise self._refuse(node, f"the comparison {type(op).__name__}")
                right = self.value(right_node)
                parts.append(_COMPARISONS[type(op)](left, right))
                left = right
            return sp.And(*parts)
        if isinstance(node, ast.BoolOp):
            combine = sp.And if isinstance(node.op, ast.And) else sp.Or
            return combine(*(self.condition(v) for v in node.values))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return sp.Not(self.condition(node.operand))
        raise ExpressionError(
            f"a condition must be a comparison, and/or/not of comparisons, or True: {self._snippet(node)}"
        )


@lru_cache(maxsize=4096)
def _apply(function: Callable[..., Any], args: tuple[sp.Expr, ...]) -> sp.Expr:
    """``function(*args)``, memoized (sympy's Min/Max constructors cost milliseconds); a function of
    :data:`_UNEVALUATED_ON_CONSTANTS` is left unevaluated on constant arguments."""
    if function in _UNEVALUATED_ON_CONSTANTS and not any(a.free_symbols for a in args):
        return function(*args, evaluate=False)
    return function(*args)


def _check_power(base: sp.Expr, exponent: sp.Expr, snippet: str) -> None:
    """Refuse an exact power of two numbers whose result would exceed :data:`MAX_POWER_BITS` bits."""
    if not (isinstance(base, sp.Rational) and isinstance(exponent, sp.Rational)):
        return
    size = max(abs(base.p).bit_length(), abs(base.q).bit_length())
    if size > 1 and abs(exponent) * (size - 1) > MAX_POWER_BITS:
        raise ExpressionError(f"the constant {snippet} is too large (over {MAX_POWER_BITS} bits)")
