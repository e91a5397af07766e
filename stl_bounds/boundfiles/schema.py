"""The TOML schema of a bound file, checked key by key (unknown keys refused).

A bound file has these tables (``*``: required)::

    [bound]*        id*, title*, fidelity*, citation*, assumptions*, location, arxiv, notes,
                    kind ("bound" | "identity"), trivial_at, generation, m_alias
    [parameters.NAME]   domain, default, description, latex, typical
                        (domain, default and description are required unless NAME is in the catalogue)
    [terms]*        NAME = expression, ...      (the bound is their sum)
    [growth]        rho = expression
    [recurrence]    x_next*, x0*, index, term
    [constraints]   NAME = condition, ...       (e.g. T_ok = "T >= d + 2")
    [properties]    NAME = "nonincreasing" | "nondecreasing" | {direction, given},
                    TERM.NAME = ..., limit_<generation> = "finite"

:func:`read_document` parses the text with :mod:`tomllib` and checks the
structure and the type of every value; the meaning of the values (expressions,
domains, names) is checked by :mod:`stl_bounds.boundfiles.build`.  Every error
is a one-line :class:`~stl_bounds.errors.BoundFileError` naming the file, the
line of the key (found by :class:`~stl_bounds.boundfiles.locate.KeyLocator`)
and the key.
"""

from __future__ import annotations

import difflib
import keyword
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stl_bounds.boundfiles.locate import KeyLocator
from stl_bounds.errors import BoundFileError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["BOUND_KEYS", "PARAMETER_KEYS", "SECTIONS", "Source", "is_name", "read_document"]

Path_ = tuple[str, ...]

#: Keys of [bound] → whether required.
BOUND_KEYS: dict[str, bool] = {
    "id": True,
    "title": True,
    "fidelity": True,
    "citation": True,
    "assumptions": True,
    "location": False,
    "arxiv": False,
    "notes": False,
    "kind": False,
    "trivial_at": False,
    "generation": False,
    "m_alias": False,
}
PARAMETER_KEYS = ("domain", "default", "description", "latex", "typical")
RECURRENCE_KEYS: dict[str, bool] = {"x_next": True, "x0": True, "index": False, "term": False}
#: Top-level tables → whether required.
SECTIONS: dict[str, bool] = {
    "bound": True,
    "parameters": False,
    "terms": True,
    "growth": False,
    "recurrence": False,
    "constraints": False,
    "properties": False,
}
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def is_name(text: str) -> bool:
    """Whether ``text`` can name a parameter or a term: an identifier, not a Python keyword."""
    return bool(_NAME.fullmatch(text)) and not keyword.iskeyword(text)


@dataclass(frozen=True)
class Source:
    """A bound file being read: its label for messages (the path as given) and its key lines."""

    label: str
    locator: KeyLocator = field(default_factory=lambda: KeyLocator(""))

    def error(self, path: Path_, message: str) -> BoundFileError:
        """``label:line: a.b.c: message`` (one line)."""
        line = self.locator.line(path)
        where = f"{self.label}:{line}" if line is not None else self.label
        key = f" {'.'.join(path)}:" if path else ""
        return BoundFileError(" ".join(f"{where}:{key} {message}".split()))


def read_document(text: str, source: Source) -> dict[str, Any]:
    """Parse ``text`` as TOML and check the schema; return the document.

    Raises
    ------
    BoundFileError
        Malformed TOML (a key or table declared twice included), a missing or
        unknown key, or a value of the wrong type.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(exc, source) from None
    _keys(doc, (), SECTIONS, source)
    for name, required in SECTIONS.items():
        if name in doc:
            _table(doc[name], (name,), source)
        elif required:
            raise source.error((), f"the table [{name}] is missing")
    bound = doc["bound"]
    _keys(bound, ("bound",), BOUND_KEYS, source)
    for key in ("id", "title", "fidelity", "citation", "location", "arxiv", "kind", "generation"):
        if key in bound:
            _text(bound[key], ("bound", key), source)
    for key in ("assumptions", "notes"):
        if key in bound:
            _texts(bound[key], ("bound", key), source)
    if not bound["assumptions"]:
        raise source.error(("bound", "assumptions"), "state at least one assumption")
    if "trivial_at" in bound:
        _expression(bound["trivial_at"], ("bound", "trivial_at"), source)
    if "m_alias" in bound and not isinstance(bound["m_alias"], bool):
        raise source.error(("bound", "m_alias"), f"must be true or false; got {bound['m_alias']!r}")
    if not _ID.fullmatch(bound["id"]):
        raise source.error(
            ("bound", "id"), f"an id is dotted words such as mylab.thm3 (letters, digits, _ and -); got {bound['id']!r}"
        )
    for name, spec in doc.get("parameters", {}).items():
        _parameter(name, spec, source)
    if not doc["terms"]:
        raise source.error(("terms",), "give at least one term")
    for name, value in doc["terms"].items():
        _named(name, ("terms", name), "a term", source)
        _expression(value, ("terms", name), source)
    if "growth" in doc:
        _keys(doc["growth"], ("growth",), {"rho": True}, source)
        _expression(doc["growth"]["rho"], ("growth", "rho"), source)
    if "recurrence" in doc:
        _recurrence(doc["recurrence"], source)
    for name, value in doc.get("constraints", {}).items():
        _named(name, ("constraints", name), "a constraint", source)
        _text(value, ("constraints", name), source)
    _properties(doc.get("properties", {}), source)
    return doc


def _toml_error(exc: Exception, source: Source) -> BoundFileError:
    """tomllib's message "... (at line 7, column 3)" as ``file:7: ...``; duplicates called so."""
    message = str(exc)
    found = re.search(r"\(at line (\d+), column \d+\)", message)
    reason = re.sub(r"\s*\(at .*?\)", "", message)
    if "twice" in reason or "overwrite" in reason:
        reason = f"a key or table is declared twice ({reason})"
    where = f"{source.label}:{found[1]}" if found else source.label
    return BoundFileError(f"{where}: malformed TOML: {reason}")


def _keys(table: Mapping[str, Any], path: Path_, allowed: Mapping[str, bool], source: Source) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise source.error((*path, key), f"unknown key{hint}; allowed: {', '.join(allowed)}")
    for key, required in allowed.items():
        if required and key not in table:
            raise source.error(path, f"the key {key!r} is missing")


def _table(value: Any, path: Path_, source: Source) -> None:
    if not isinstance(value, dict):
        raise source.error(path, f"must be a table, e.g. [{'.'.join(path)}]; got {_kind(value)}")


def _kind(value: Any) -> str:
    kinds = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array"}
    return kinds.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)


def _text(value: Any, path: Path_, source: Source) -> None:
    if not isinstance(value, str) or not value.strip():
        raise source.error(path, f"must be a non-empty string; got {_kind(value)}")


def _texts(value: Any, path: Path_, source: Source) -> None:
    if not isinstance(value, list):
        raise source.error(path, f"must be an array of strings; got {_kind(value)}")
    for item in value:
        _text(item, path, source)


def _expression(value: Any, path: Path_, source: Source) -> None:
    """An expression: a string, or a number (not a boolean, finite)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise source.error(path, f"must be an expression (a string) or a number; got {_kind(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise source.error(path, f"must be finite; got {value}")
    if isinstance(value, str) and not value.strip():
        raise source.error(path, "the expression is empty")


def _named(name: str, path: Path_, what: str, source: Source) -> None:
    if not is_name(name):
        raise source.error(path, f"{name!r} cannot name {what}: use letters, digits and _, starting with a letter")


def _parameter(name: str, spec: Any, source: Source) -> None:
    path = ("parameters", name)
    _named(name, path, "a parameter", source)
    _table(spec, path, source)
    _keys(spec, path, dict.fromkeys(PARAMETER_KEYS, False), source)
    for key in ("domain", "description", "latex"):
        if key in spec:
            _text(spec[key], (*path, key), source)
    if "default" in spec:
        _expression(spec["default"], (*path, "default"), source)
    if "typical" in spec:
        box = spec["typical"]
        ok = isinstance(box, list) and len(box) == 2
        ok = ok and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in box)
        if not ok or box[0] >= box[1]:
            raise source.error((*path, "typical"), f"must be [low, high] with finite low < high; got {box!r}")


def _recurrence(table: Any, source: Source) -> None:
    _keys(table, ("recurrence",), RECURRENCE_KEYS, source)
    for key in ("x_next", "x0"):
        _expression(table[key], ("recurrence", key), source)
    for key in ("index", "term"):
        if key in table:
            _text(table[key], ("recurrence", key), source)


_DIRECTIONS = ("nonincreasing", "nondecreasing")


def _properties(table: Mapping[str, Any], source: Source) -> None:
    """Values: a direction, a {direction, given} table, a table of those (per term), or "finite" for limit_*."""

    def statement(value: Any, path: Path_) -> None:
        if isinstance(value, dict):
            _keys(value, path, {"direction": True, "given": False}, source)
            statement(value["direction"], (*path, "direction"))
            given = value.get("given", {})
            _table(given, (*path, "given"), source)
            for name, domain in given.items():
                _text(domain, (*path, "given", name), source)
        elif value not in _DIRECTIONS:
            raise source.error(path, f"must be one of {', '.join(_DIRECTIONS)}; got {value!r}")

    for key, value in table.items():
        path = ("properties", key)
        if key.startswith("limit_"):
            if value != "finite":
                raise source.error(path, f'the only limit property is "finite"; got {value!r}')
        elif isinstance(value, dict) and "direction" not in value:
            for name, inner in value.items():
                statement(inner, (*path, name))
        else:
            statement(value, path)
