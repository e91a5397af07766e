"""The registry: stable id → :class:`~stl_bounds.bound.Bound` (and claims).

Ids never change meaning (STYLE, dp_accounting's rule): registering a second,
different object under an existing id is an error.  The library modules are
imported on first use, so ``import stl_bounds`` stays cheap.
"""

from __future__ import annotations

import difflib
import importlib

from stl_bounds.bound import Bound
from stl_bounds.errors import UnknownIdError

__all__ = ["LIBRARY_MODULES", "all_bounds", "get", "list_ids", "register"]

#: Modules whose import registers the built-in bounds, by id prefix (importing
#: only the owner of an id keeps a one-bound CLI call fast).
LIBRARY_MODULES: dict[str, str] = {
    "lemma.": "stl_bounds.library.lemmas",
    "bousquet2002.": "stl_bounds.library.stability",
    "bkz2020.": "stl_bounds.library.stability",
    "li2023.": "stl_bounds.library.stability",
    "fu2025.": "stl_bounds.library.fu2025",
    "gauss.": "stl_bounds.library.gaussian",
    "regression.": "stl_bounds.library.regression",
    "icl.": "stl_bounds.library.icl",
}

_REGISTRY: dict[str, Bound] = {}
_loaded = False


def register(bound: Bound) -> Bound:
    """Add ``bound`` to the registry; an id may be registered only once."""
    existing = _REGISTRY.get(bound.id)
    if existing is not None and existing != bound:
        raise ValueError(f"id {bound.id!r} is already registered for another formula; ids are never reused")
    _REGISTRY[bound.id] = bound
    return bound


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for module in dict.fromkeys(LIBRARY_MODULES.values()):
            importlib.import_module(module)
        _loaded = True


def get(bound_id: str) -> Bound:
    """The registered bound with id ``bound_id``.

    Raises
    ------
    UnknownIdError
        With the closest registered ids as suggestions.
    """
    if bound_id not in _REGISTRY and isinstance(bound_id, str):
        owner = next((m for prefix, m in LIBRARY_MODULES.items() if bound_id.startswith(prefix)), None)
        if owner is not None:
            importlib.import_module(owner)
    try:
        return _REGISTRY[bound_id]
    except (KeyError, TypeError):
        _load_all()
        close = difflib.get_close_matches(str(bound_id), list(_REGISTRY), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `stl-bounds list`"
        raise UnknownIdError(f"unknown id {bound_id!r}{hint}") from None


def list_ids() -> list[str]:
    """All registered ids, sorted."""
    _load_all()
    return sorted(_REGISTRY)


def all_bounds() -> list[Bound]:
    """All registered bounds, sorted by id."""
    return [get(i) for i in list_ids()]
