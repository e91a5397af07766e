"""From a checked TOML document to an ordinary :class:`~stl_bounds.bound.Bound`.

:func:`build` gives every value its meaning: domains (``[0, 1]``, ``integer >= 1``, ...),
expressions (data, see :mod:`stl_bounds.boundfiles.expressions`), parameters (a name of
the catalogue keeps its symbol, and may omit domain, default and description; a new name
gets a symbol whose assumptions follow its domain), defaults (numbers or expressions of
other parameters, resolved in dependency order and checked against their domains), terms
(finite at the defaults), the growth factor, constraints, the recurrence and the stated
properties (mapped to :class:`~stl_bounds.bound.Monotonicity`).  It registers nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from stl_bounds.bound import FIDELITY_LABELS, Bound, Citation, Constraint, Monotonicity
from stl_bounds.boundfiles.catalog import CATALOG_DEFAULTS
from stl_bounds.boundfiles.domains import DomainSyntaxError, parse_domain
from stl_bounds.boundfiles.expressions import CONSTANTS, FUNCTIONS, ExpressionError, parse_condition, parse_expression
from stl_bounds.boundfiles.numeric import NotARealNumber, mp_value
from stl_bounds.boundfiles.recurrence import STATE, Recurrence, derivation
from stl_bounds.boundfiles.schema import Source
from stl_bounds.domains import Domain
from stl_bounds.parameters import CATALOG, Parameter

__all__ = ["TYPICAL_CLIP", "BoundFile", "build"]

#: A new parameter with an unbounded side and no ``typical`` range is drawn from its domain clipped to this.
TYPICAL_CLIP = (-1000.0, 1000.0)
#: Where a bound file's stated properties come from (``Monotonicity.source``).
PROPERTY_SOURCE = "bound file [properties]"
_RESERVED = {*FUNCTIONS, *CONSTANTS, "Piecewise"}


@dataclass(frozen=True)
class BoundFile:
    """A bound file read into a :class:`Bound` plus what the Bound has no field for.

    Attributes
    ----------
    source
        The file's label and key lines (for messages of later checks).
    bound
        The bound, ready to register.
    finite_limit
        Whether ``[properties] limit_<generation> = "finite"`` is stated.
    recurrence
        The ``[recurrence]``, if any.
    """

    source: Source
    bound: Bound
    finite_limit: bool = False
    recurrence: Recurrence | None = None


def build(doc: Mapping[str, Any], source: Source) -> BoundFile:
    """The :class:`BoundFile` of a document that :func:`~stl_bounds.boundfiles.schema.read_document` accepted.

    Raises
    ------
    BoundFileError
        Unknown fidelity, kind or domain syntax, a catalogue name with a domain outside the catalogue's,
        a default outside its domain or in a cycle of defaults, an expression naming an undeclared
        parameter or using a refused construct, a term, growth factor or threshold that is not finite
        at the defaults, a constraint that fails at the defaults, or a property naming an unknown
        parameter or term.
    """
    head = doc["bound"]
    _choice(head["fidelity"], tuple(FIDELITY_LABELS), ("bound", "fidelity"), source)
    kind = head.get("kind", "bound")
    _choice(kind, ("bound", "identity"), ("bound", "kind"), source)
    builder = _Builder(source)
    parameters = builder.parameters(doc.get("parameters", {}))
    at_defaults = builder.default_values(parameters)
    terms = tuple((name, builder.finite(("terms", name), value, at_defaults)) for name, value in doc["terms"].items())
    growth = builder.finite(("growth", "rho"), doc["growth"]["rho"], at_defaults) if "growth" in doc else None
    trivial = builder.finite(("bound", "trivial_at"), head["trivial_at"], at_defaults) if "trivial_at" in head else None
    generation = head.get("generation", "i" if "i" in builder.symbols else None)
    if generation is not None and generation not in builder.symbols:
        raise source.error(("bound", "generation"), f"{generation!r} is not a declared parameter")
    constraints = tuple(
        builder.constraint(name, text, at_defaults) for name, text in doc.get("constraints", {}).items()
    )
    term_names = [name for name, _ in terms]
    monotone, finite_limit = builder.properties(doc.get("properties", {}), term_names, generation, parameters)
    recurrence = None
    if "recurrence" in doc:
        recurrence = builder.recurrence(doc["recurrence"], term_names, generation, growth, at_defaults)
    built: dict[str, Bound] = {}  # the derivation needs the bound it belongs to
    try:
        bound = Bound(
            id=head["id"],
            title=head["title"],
            citation=Citation(
                paper=head["citation"], location=head.get("location", ""), theory="", arxiv=head.get("arxiv")
            ),
            fidelity=head["fidelity"],
            assumptions=tuple(head["assumptions"]),
            parameters=tuple(parameters),
            terms=terms,
            generation=generation,
            growth_rate=growth,
            constraints=constraints,
            monotone=monotone,
            kind=kind,
            m_alias=head.get("m_alias", True),
            trivial_at=trivial,
            notes=tuple(head.get("notes", ())),
            derivation=None if recurrence is None else lambda: derivation(built["bound"], recurrence),
        )
    except ValueError as exc:  # Bound's own consistency checks; the ones above should have caught it
        raise source.error(("bound",), str(exc)) from None
    built["bound"] = bound
    return BoundFile(source, bound, finite_limit, recurrence)


def _choice(value: str, choices: tuple[str, ...], path: tuple[str, ...], source: Source) -> None:
    if value not in choices:
        raise source.error(path, f"must be one of {', '.join(choices)}; got {value!r}")


def _assumptions(domain: Domain) -> dict[str, bool]:
    """Sympy assumptions implied by a domain (as the catalogue's symbols have them)."""
    out = {"integer": True} if domain.integer else {}
    if domain.lower > 0 or (domain.lower == 0 and domain.lower_open):
        out["positive"] = True
    elif domain.lower >= 0:
        out["nonnegative"] = True
    else:
        out["real"] = True
    return out


def _inside(inner: Domain, outer: Domain) -> bool:
    """Whether every value of ``inner`` is a value of ``outer``."""
    low_ok = inner.lower > outer.lower or (inner.lower == outer.lower and (inner.lower_open or not outer.lower_open))
    high_ok = inner.upper < outer.upper or (inner.upper == outer.upper and (inner.upper_open or not outer.upper_open))
    return low_ok and high_ok and (inner.integer or not outer.integer)


def _number(value: float | int) -> sp.Expr:
    return sp.Integer(value) if isinstance(value, int) else sp.Float(value)


class _Builder:
    """The symbols of one file and the expressions read in their terms."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.symbols: dict[str, sp.Symbol] = {}

    def expression(self, path: tuple[str, ...], value: Any, extra: Mapping[str, sp.Expr] | None = None) -> sp.Expr:
        if not isinstance(value, str):
            return _number(value)
        try:
            return parse_expression(value, {**self.symbols, **(extra or {})})
        except ExpressionError as exc:
            raise self.source.error(path, str(exc)) from None

    def finite(
        self, path: tuple[str, ...], value: Any, at: Mapping[sp.Symbol, Any], extra: Mapping[str, sp.Expr] | None = None
    ) -> sp.Expr:
        """An expression that must be a finite real number at the defaults ``at``."""
        expr = self.expression(path, value, extra)
        try:
            mp_value(expr, at)
        except NotARealNumber as exc:
            raise self.source.error(path, f"is not finite at the defaults ({exc})") from None
        return expr

    # --- parameters -----------------------------------------------------------------------
    def parameters(self, table: Mapping[str, Mapping[str, Any]]) -> list[Parameter]:
        """Symbols and domains first (defaults may name any parameter), then the defaults."""
        specs: list[tuple[str, Domain, str, Any, tuple[float, float] | None]] = []
        taken: dict[str, str] = {}
        for name, spec in table.items():
            path = ("parameters", name)
            if name in _RESERVED:
                raise self.source.error(path, f"{name!r} is a function or constant of the expressions; rename it")
            catalogue = CATALOG.get(name)
            for key in ("domain", "default", "description") if catalogue is None else ():
                if key not in spec:
                    raise self.source.error(path, f"{key} is required for {name}, which is not in the catalogue")
            domain = self._domain(name, spec, catalogue)
            if catalogue is not None:
                if "latex" in spec:
                    raise self.source.error((*path, "latex"), f"the catalogue fixes the symbol of {name}")
                symbol = catalogue.symbol
            else:
                symbol = sp.Symbol(spec.get("latex", name), **_assumptions(domain))
            if symbol.name in taken:
                raise self.source.error(path, f"its symbol {symbol.name} is {taken[symbol.name]}'s; give a latex")
            taken[symbol.name] = name
            self.symbols[name] = symbol
            default = spec.get("default", CATALOG_DEFAULTS.get(name))
            if default is None:
                raise self.source.error(path, f"give {name} a default (the catalogue has none)")
            description = spec.get("description", catalogue.description if catalogue is not None else "")
            specs.append((name, domain, description, default, self._typical(name, spec, domain, catalogue)))
        return [
            Parameter(name, self.symbols[name], domain, description, self._default(name, default), typical)
            for name, domain, description, default, typical in specs
        ]

    def _domain(self, name: str, spec: Mapping[str, Any], catalogue: Parameter | None) -> Domain:
        if "domain" not in spec and catalogue is not None:
            return catalogue.domain
        path = ("parameters", name, "domain")
        try:
            domain = parse_domain(spec["domain"])
        except DomainSyntaxError as exc:
            raise self.source.error(path, str(exc)) from None
        if catalogue is not None and not _inside(domain, catalogue.domain):
            raise self.source.error(
                path,
                f"{domain.describe()} is not inside the catalogue's {catalogue.domain.describe()} for {name}; "
                "a parameter with another meaning needs another name",
            )
        return domain

    def _typical(
        self, name: str, spec: Mapping[str, Any], domain: Domain, catalogue: Parameter | None
    ) -> tuple[float, float] | None:
        if "typical" in spec:
            low, high = (float(x) for x in spec["typical"])
        elif catalogue is None and not (math.isfinite(domain.lower) and math.isfinite(domain.upper)):
            low, high = TYPICAL_CLIP
        else:
            return None
        first, last = max(low, domain.lower), min(high, domain.upper)
        if domain.integer:
            k = math.ceil(first) + int(not domain.contains(math.ceil(first)))  # the least integer of both
            ok = k <= last and bool(domain.contains(k))
        else:
            ok = first < last or (first == last and bool(domain.contains(first)))
        if not ok:
            raise self.source.error(
                ("parameters", name, "typical"), f"[{low:g}, {high:g}] holds no value of the domain {domain.describe()}"
            )
        return (low, high)

    def _default(self, name: str, value: Any) -> sp.Expr:
        expr = self.expression(("parameters", name, "default"), value)
        if self.symbols[name] in expr.free_symbols:
            raise self.source.error(("parameters", name, "default"), f"the default of {name} refers to {name}")
        return expr

    def default_values(self, parameters: list[Parameter]) -> dict[sp.Symbol, mpmath.mpf]:
        """Every default as a number (expression defaults after those they name), each in its domain."""
        values: dict[sp.Symbol, mpmath.mpf] = {}
        pending = {p.name: p for p in parameters}
        while pending:
            ready = [p for p in pending.values() if p.default.free_symbols <= values.keys()]
            if not ready:
                cycle = ", ".join(pending)
                raise self.source.error(("parameters",), f"the defaults of {cycle} refer to each other in a cycle")
            for p in ready:
                path = ("parameters", p.name, "default")
                try:
                    value = mp_value(p.default, values)
                except NotARealNumber as exc:
                    raise self.source.error(path, f"is not finite ({exc})") from None
                if not p.domain.contains(float(value)):
                    shown = f"{float(value):g}"
                    shown = f"{p.default_text()} = {shown}" if p.default.free_symbols else shown
                    raise self.source.error(path, f"the default {shown} is outside the domain {p.domain.describe()}")
                values[p.symbol] = value
                del pending[p.name]
        return values

    # --- constraints, properties, recurrence --------------------------------------------------
    def constraint(self, name: str, text: str, at: Mapping[sp.Symbol, Any]) -> Constraint:
        path = ("constraints", name)
        try:
            condition = parse_condition(text, self.symbols)
        except ExpressionError as exc:
            raise self.source.error(path, str(exc)) from None
        try:
            holds = mp_value(sp.Piecewise((1, condition), (0, True)), at) == 1
        except NotARealNumber as exc:
            raise self.source.error(path, f"cannot be decided at the defaults ({exc})") from None
        if not holds:
            raise self.source.error(path, f"{text} fails at the defaults")
        return Constraint(condition, f"{name}: {' '.join(text.split())} must hold")

    def properties(
        self, table: Mapping[str, Any], terms: list[str], generation: str | None, parameters: list[Parameter]
    ) -> tuple[tuple[Monotonicity, ...], bool]:
        """Stated monotonicity (per bound or per term) and the finite limit in the generation."""
        domains = {p.name: p.domain for p in parameters}
        out: list[Monotonicity] = []
        finite_limit = False
        for key, value in table.items():
            path = ("properties", key)
            if key.startswith("limit_"):
                if key[len("limit_") :] != generation:
                    where = f"the generation parameter is {generation}" if generation else "there is no generation"
                    raise self.source.error(path, f"limit_NAME names the generation parameter; {where}")
                finite_limit = True
            elif isinstance(value, dict) and "direction" not in value:
                if key not in terms:
                    raise self.source.error(path, f"{key!r} is not a term; terms: {', '.join(terms)}")
                out += [self._monotone((*path, n), n, v, key, domains) for n, v in value.items()]
            else:
                out.append(self._monotone(path, key, value, None, domains))
        return tuple(out), finite_limit

    def _monotone(
        self, path: tuple[str, ...], name: str, value: Any, term: str | None, domains: Mapping[str, Domain]
    ) -> Monotonicity:
        if name not in domains:
            raise self.source.error(path, f"{name!r} is not a declared parameter")
        direction = value["direction"] if isinstance(value, dict) else value
        given = []
        for other, text in (value.get("given", {}) if isinstance(value, dict) else {}).items():
            where = (*path, "given", other)
            if other not in domains:
                raise self.source.error(where, f"{other!r} is not a declared parameter")
            try:
                restricted = parse_domain(text)
            except DomainSyntaxError as exc:
                raise self.source.error(where, str(exc)) from None
            if not _inside(restricted, domains[other]):
                raise self.source.error(where, f"{restricted.describe()} is not inside {domains[other].describe()}")
            given.append((other, restricted))
        return Monotonicity(name, direction, term=term, given=tuple(given), source=PROPERTY_SOURCE)

    def recurrence(
        self,
        table: Mapping[str, Any],
        terms: list[str],
        generation: str | None,
        growth: sp.Expr | None,
        at: Mapping[sp.Symbol, Any],
    ) -> Recurrence:
        index = table.get("index", generation)
        if index is None or index not in self.symbols:
            raise self.source.error(("recurrence", "index"), f"give the index, a declared parameter; got {index!r}")
        term = table.get("term")
        if term is not None and term not in terms:
            raise self.source.error(("recurrence", "term"), f"{term!r} is not a term; terms: {', '.join(terms)}")
        extra: dict[str, sp.Expr] = {}
        if growth is not None and "rho" not in self.symbols:
            extra["rho"] = growth
        if "x" in self.symbols:
            raise self.source.error(("recurrence", "x_next"), "x names the previous value; rename the parameter x")
        x0 = self.finite(("recurrence", "x0"), table["x0"], at, extra)
        start = {**at, STATE: mp_value(x0, at)}
        x_next = self.finite(("recurrence", "x_next"), table["x_next"], start, {**extra, "x": STATE})
        return Recurrence(x_next, x0, self.symbols[index], term)
