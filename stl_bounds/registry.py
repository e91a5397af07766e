"""The registry: stable id → :class:`~stl_bounds.bound.Bound` (and claims).

Ids never change meaning (STYLE, dp_accounting's rule): registering a second,
different object under an existing id is an error.  The library modules are
imported on first use, so ``import stl_bounds`` stays cheap.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import fields
from types import MappingProxyType

from stl_bounds.bound import Bound
from stl_bounds.errors import ParameterError, UnknownIdError

#: The source of the ids that the package itself registers.
BUILTIN = "built-in"

__all__ = [
    "BUILTIN",
    "LIBRARY_MODULES",
    "IdConflictError",
    "all_bounds",
    "get",
    "list_ids",
    "load_external",
    "overriding",
    "register",
    "register_all",
    "registering_as",
    "source",
]

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
    "cat.": "stl_bounds.library.categorical",
    "kde.": "stl_bounds.library.kde",
}

_REGISTRY: dict[str, Bound] = {}
_loaded = False
#: Substitutes installed by :func:`overriding`, per context (thread or asyncio task).
_OVERRIDES: ContextVar[Mapping[str, Bound]] = ContextVar("stl_bounds_overrides", default=MappingProxyType({}))


#: Where each id comes from: :data:`BUILTIN`, a bound file's path, or ``plugin NAME``.
_SOURCES: dict[str, str] = {}
#: The source given to registrations that name none (set by :func:`registering_as`).
_REGISTERING: ContextVar[str] = ContextVar("stl_bounds_registering", default=BUILTIN)
#: Bound files and plugins of the environment (STL_BOUNDS_PATH, entry points): "pending", "loading" or "done".
_external = "pending"


class IdConflictError(ParameterError):
    """An id is already registered for another formula (ids are never reused).

    ``position`` is the index, in the sequence given to :func:`register_all`, of the bound that conflicts.
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


def register(bound: Bound, source: str | None = None) -> Bound:
    """Add ``bound`` to the registry; an id may be registered only once (again with an identical bound).

    ``source`` says where it comes from (:func:`source`); by default :data:`BUILTIN`, or the
    source of the enclosing :func:`registering_as` block.
    """
    register_all([bound], source)
    return bound


def register_all(bounds: Sequence[Bound], source: str | Sequence[str] | None = None) -> None:
    """Register every bound of ``bounds`` or, if one of them conflicts, none (all-or-nothing).

    ``source`` is one source for all, or one per bound.

    Raises
    ------
    IdConflictError
        If an id is registered (or repeated in ``bounds``) for a different formula; the
        message names the id and the source of the registered one.
    ParameterError
        If an element is not a :class:`Bound`.
    """
    default = source if isinstance(source, str) else _REGISTERING.get()
    labels = [default] * len(bounds) if source is None or isinstance(source, str) else list(source)
    batch: dict[str, tuple[Bound, str]] = {}
    for position, (bound, label) in enumerate(zip(bounds, labels, strict=True)):
        if not isinstance(bound, Bound):
            raise ParameterError(f"only Bound objects can be registered; got {type(bound).__name__}")
        _import_owner(bound.id)
        existing, origin = batch.get(bound.id, (_REGISTRY.get(bound.id), _SOURCES.get(bound.id, BUILTIN)))
        if existing is not None and existing != bound:
            raise IdConflictError(
                f"id {bound.id!r} is already registered for another formula (source: {origin}); ids are never reused",
                position,
            )
        batch[bound.id] = (bound, label)
    for bound_id, (bound, label) in batch.items():
        _REGISTRY.setdefault(bound_id, bound)
        _SOURCES.setdefault(bound_id, label)


@contextmanager
def registering_as(label: str) -> Iterator[None]:
    """Give :func:`register` calls in the block the source ``label`` (e.g. while a plugin imports);
    if the block raises, the ids it registered are removed again (all-or-nothing)."""
    before = set(_REGISTRY)
    token = _REGISTERING.set(label)
    try:
        yield
    except BaseException:
        for bound_id in set(_REGISTRY) - before:
            del _REGISTRY[bound_id]
            _SOURCES.pop(bound_id, None)
        raise
    finally:
        _REGISTERING.reset(token)


def source(bound_id: str) -> str:
    """Where the registered id comes from: ``built-in``, a bound file's path or ``plugin NAME``."""
    get(bound_id)
    return _SOURCES.get(bound_id, BUILTIN)


def _import_owner(bound_id: str) -> None:
    """Import the library module that owns ``bound_id``'s prefix, if any (its ids are then registered)."""
    owner = next((m for prefix, m in LIBRARY_MODULES.items() if bound_id.startswith(prefix)), None)
    if owner is not None:
        importlib.import_module(owner)


def load_external() -> None:
    """Load the bound files of STL_BOUNDS_PATH and the installed plugins, once (the registry calls it the
    first time it lacks an id or lists them; the CLI calls it up front when bound files are configured)."""
    global _external
    if _external != "pending":
        return
    _external = "loading"
    try:
        from stl_bounds.boundfiles.loader import load_configured

        load_configured()
    except BaseException:
        _external = "pending"
        raise
    _external = "done"


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for module in dict.fromkeys(LIBRARY_MODULES.values()):
            importlib.import_module(module)
        _loaded = True
    load_external()


def get(bound_id: str) -> Bound:
    """The registered bound with id ``bound_id``.

    Raises
    ------
    UnknownIdError
        With the closest registered ids as suggestions.
    """
    if isinstance(bound_id, str) and bound_id in (substitutes := _OVERRIDES.get()):
        return substitutes[bound_id]
    if bound_id not in _REGISTRY and isinstance(bound_id, str):
        _import_owner(bound_id)
        if bound_id not in _REGISTRY:
            load_external()
    try:
        return _REGISTRY[bound_id]
    except (KeyError, TypeError):
        _load_all()
        close = difflib.get_close_matches(str(bound_id), list(_REGISTRY), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `stl-bounds list`"
        raise UnknownIdError(f"unknown id {bound_id!r}{hint}") from None


@contextmanager
def overriding(bounds: Mapping[str, Bound]) -> Iterator[None]:
    """Make :func:`get` return substitutes for registered ids while the ``with`` block runs.

    For negative controls: a checker (e.g. :func:`stl_bounds.claims.check_claim`)
    run on a deliberately broken copy of a registered bound must fail.  The
    substitutes are visible to every :func:`get` of the current context (thread
    or asyncio task) only, nest, and are removed on exit, also after an
    exception; the registry itself is never changed.

    Caches keyed on :class:`Bound` equality (lambdified kernels, symbolic limits)
    stay correct because a substitute must *differ* from the registered bound in
    a compared field: a copy that changes only ``limit`` or ``derivation``
    (fields that equality ignores) would share the registered bound's cache
    entries, so it is refused; change a compared field as well (e.g. ``notes``).

    Parameters
    ----------
    bounds
        Registered id → substitute :class:`Bound` with that same ``id``, typically
        ``dataclasses.replace(get(id), ...)``.

    Raises
    ------
    UnknownIdError
        For an id that is not registered.
    ParameterError
        For a value that is not a :class:`Bound`, has another id, or equals the
        registered bound while differing from it in ``limit`` or ``derivation``.
    """
    checked: dict[str, Bound] = {}
    for bound_id, bound in bounds.items():
        registered = get(bound_id)
        if not isinstance(bound, Bound) or bound.id != bound_id:
            got = f"a Bound with id {bound.id!r}" if isinstance(bound, Bound) else type(bound).__name__
            raise ParameterError(f"the substitute for {bound_id!r} must be a Bound with that id; got {got}")
        shadowed = [
            f.name for f in fields(Bound) if not f.compare and getattr(bound, f.name) is not getattr(registered, f.name)
        ]
        if bound == registered and shadowed:
            raise ParameterError(
                f"the substitute for {bound_id!r} differs from the registered bound only in {', '.join(shadowed)}, "
                "which Bound equality ignores, so caches keyed on the bound could not tell them apart; "
                "change a compared field too (e.g. notes)"
            )
        checked[bound_id] = bound
    token = _OVERRIDES.set(MappingProxyType({**_OVERRIDES.get(), **checked}))
    try:
        yield
    finally:
        _OVERRIDES.reset(token)


def list_ids() -> list[str]:
    """All registered ids, sorted."""
    _load_all()
    return sorted(_REGISTRY)


def all_bounds() -> list[Bound]:
    """All registered bounds, sorted by id."""
    return [get(i) for i in list_ids()]
