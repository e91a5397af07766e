"""A registered bound's sympy expressions compiled to JavaScript for the explorer page (issue 11).

Every formula the page computes is printed here, at build time, from the same sympy expressions that
:mod:`stl_bounds.evaluation` lambdifies (never written twice): the terms, their sum, the growth factor ρ
(docs/theory.md §4.1), the trivial level, each expression-valued default (``beta = 1/n``) and each joint
constraint.  Printing uses sympy's :class:`~sympy.printing.jscode.JavascriptCodePrinter`, with the special
functions of :mod:`stl_bounds.special` (and a few of sympy's) mapped to their JavaScript versions in
``static/special.js`` (object ``S``), written with the same numerical care (e.g. ``expm1`` near ρ = 1).
A function without a JavaScript version stops the build with an error naming the id and the function.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.printing.jscode import JavascriptCodePrinter

from stl_bounds.bound import Bound
from stl_bounds.errors import StlBoundsError

__all__ = ["JS_FUNCTIONS", "CompiledBound", "ExplorerBuildError", "compile_bound", "js_expression"]

#: sympy function name → JavaScript callable (``Math.*`` built-ins or ``S.*`` of ``static/special.js``),
#: on top of those the JavaScript printer knows (exp, log, sqrt, Min, Max, Abs, floor, ...).
JS_FUNCTIONS: dict[str, str] = {
    "GeometricSum": "S.geometricSum",
    "DividedPower": "S.dividedPower",
    "LogGammaRatio": "S.logGammaRatio",
    "DigammaMinusLog": "S.digammaMinusLog",
    "polygamma": "S.polygamma",
    "loggamma": "S.lgamma",
    "gamma": "S.gamma",
    "expm1": "Math.expm1",
    "log1p": "Math.log1p",
}


class ExplorerBuildError(StlBoundsError):
    """A bound cannot be put into the explorer page (e.g. a function with no JavaScript version)."""


class _Printer(JavascriptCodePrinter):
    """The JavaScript printer with the special functions of :data:`JS_FUNCTIONS`; unknown ones are collected."""

    def __init__(self) -> None:
        super().__init__({"strict": False, "user_functions": dict(JS_FUNCTIONS)})
        self.missing: set[str] = set()

    def _print_not_supported(self, expr: sp.Basic) -> str:
        self.missing.add(expr.func.__name__ if isinstance(expr, sp.Basic) else type(expr).__name__)
        return super()._print_not_supported(expr)


def js_expression(expr: sp.Basic, names: dict[sp.Symbol, str], bound_id: str = "") -> str:
    """One JavaScript expression for ``expr``, its symbols printed as ``names``.

    Raises
    ------
    ExplorerBuildError
        Naming ``bound_id`` and the function(s) that have no JavaScript version.
    """
    printer = _Printer()
    expr = sp.sympify(expr).xreplace({s: sp.Symbol(n) for s, n in names.items()})
    text = printer.doprint(expr)
    missing = sorted(printer.missing)
    if missing:
        raise ExplorerBuildError(
            f"{bound_id or 'expression'}: no JavaScript version of {', '.join(missing)} for the explorer "
            f"(add it to stl_bounds/explorer/static/special.js and JS_FUNCTIONS)"
        )
    return text


@dataclass(frozen=True)
class CompiledBound:
    """JavaScript source of one bound: ``kernel``, ``defaults`` (name → function) and ``constraints``.

    ``kernel`` is a function of the parameters' values in the order of ``Bound.parameters`` returning
    ``[*terms, value, rho?, trivial?]``; each default and constraint is a function of the same arguments.
    """

    kernel: str
    defaults: dict[str, str]
    constraints: list[str]
    has_growth: bool
    has_trivial: bool

    def source(self) -> str:
        """The JavaScript object literal ``{kernel, defaults, constraints}``."""
        defaults = ", ".join(f"{_js_string(name)}: {fn}" for name, fn in self.defaults.items())
        return f"{{kernel: {self.kernel}, defaults: {{{defaults}}}, constraints: [{', '.join(self.constraints)}]}}"


def _js_string(text: str) -> str:
    """A JavaScript string literal, safe inside ``<script>``."""
    return json.dumps(text).replace("</", "<\\/")


def _function(args: str, body_exprs: list[sp.Basic], names: dict[sp.Symbol, str], bound_id: str) -> str:
    """``function(args) {const t0 = ...; return [...];}`` with common subexpressions eliminated (as lambdify)."""
    replacements, reduced = sp.cse(body_exprs, symbols=sp.numbered_symbols("t"))
    local = dict(names)
    lines = []
    for sym, sub in replacements:
        lines.append(f"const {sym.name} = {js_expression(sub, local, bound_id)};")
        local[sym] = sym.name
    values = ", ".join(js_expression(e, local, bound_id) for e in reduced)
    return f"function({args}) {{{' '.join(lines)} return [{values}];}}"


def compile_bound(bound: Bound) -> CompiledBound:
    """Compile the terms, value, ρ, trivial level, expression defaults and constraints of ``bound``.

    Raises
    ------
    ExplorerBuildError
        When an expression uses a function that has no JavaScript version (naming the id and the function).
    """
    names = {p.symbol: f"v{j}" for j, p in enumerate(bound.parameters)}
    args = ", ".join(names.values())
    terms = [e for _, e in bound.terms]
    outputs: list[Any] = [*terms, sp.Add(*terms)]
    if bound.growth_rate is not None:
        outputs.append(bound.growth_rate)
    if bound.trivial_at is not None:
        outputs.append(bound.trivial_at)
    kernel = _function(args, outputs, names, bound.id)
    defaults = {
        p.name: f"function({args}) {{return {js_expression(p.default, names, bound.id)};}}"
        for p in bound.parameters
        if p.default is not None and p.default.free_symbols
    }
    constraints = [
        f"function({args}) {{return {js_expression(c.condition, names, bound.id)};}}" for c in bound.constraints
    ]
    return CompiledBound(kernel, defaults, constraints, bound.growth_rate is not None, bound.trivial_at is not None)
