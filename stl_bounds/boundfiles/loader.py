"""Loading bound files: a file or a folder, ``STL_BOUNDS_PATH``, and plugins (entry points).

* :func:`load_bounds` reads a ``.toml`` file, or every ``*.toml`` file directly inside a folder,
  and registers their bounds all-or-nothing: if one file is invalid or one id collides with a
  different registered formula, a :class:`~stl_bounds.errors.BoundFileError` names the file, the
  line and the key, and nothing of the call is registered.  Loading the same file twice is fine
  (the bounds are identical).
* ``STL_BOUNDS_PATH`` (``os.pathsep``-separated files and folders) and the installed plugins are
  loaded by :func:`load_configured`, which the registry calls the first time it is asked for an id
  it does not have or for the list of ids.
* A plugin declares an entry point in the group ``stl_bounds.bounds``.  Its object is a module
  (the ``*.toml`` files of its package folder are loaded, and any :class:`Bound` it registers on
  import is attributed to the plugin), a callable (returning bounds and/or paths of bound files)
  or a :class:`Bound`.  A plugin is loaded all-or-nothing too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Union

from stl_bounds import registry
from stl_bounds.bound import Bound
from stl_bounds.boundfiles.build import BoundFile, build
from stl_bounds.boundfiles.locate import KeyLocator
from stl_bounds.boundfiles.schema import Source, read_document
from stl_bounds.errors import BoundFileError

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # pragma: no cover - Python 3.10
    from importlib.abc import Traversable

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_VAR",
    "MAX_BYTES",
    "bound_file_paths",
    "load_bounds",
    "load_configured",
    "load_plugins",
    "read_bound_file",
    "read_bound_text",
]

ENV_VAR = "STL_BOUNDS_PATH"
ENTRY_POINT_GROUP = "stl_bounds.bounds"
#: Largest bound file read, in bytes.
MAX_BYTES = 1 << 20

PathLike = Union[str, "os.PathLike[str]", Traversable]


def read_bound_text(text: str, label: str) -> BoundFile:
    """Read the bound file text ``text`` (``label`` names it in messages); register nothing."""
    source = Source(label, KeyLocator(text))
    return build(read_document(text, source), source)


def read_bound_file(path: PathLike, label: str | None = None) -> BoundFile:
    """Read one bound file; register nothing.

    Raises
    ------
    BoundFileError
        If it cannot be read, is not UTF-8, is larger than :data:`MAX_BYTES` or is invalid.
    """
    entry = _entry(path)
    label = label or str(path)
    try:
        data = entry.read_bytes()
    except OSError as exc:
        raise BoundFileError(f"{label}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise BoundFileError(f"{label}: larger than {MAX_BYTES} bytes; a bound file is a short TOML text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BoundFileError(f"{label}: not UTF-8 text (byte {exc.start})") from None
    return read_bound_text(text, label)


def _entry(path: PathLike) -> Traversable:
    return path if isinstance(path, Traversable) else Path(os.fspath(path))


def bound_file_paths(path: PathLike) -> list[Traversable]:
    """``path`` itself if it is a file, else the ``*.toml`` files directly inside the folder, sorted.

    Raises
    ------
    BoundFileError
        If ``path`` does not exist or is a folder without ``*.toml`` files.
    """
    entry = _entry(path)
    if entry.is_file():
        return [entry]
    if not entry.is_dir():
        raise BoundFileError(f"{path}: cannot read: no such file or folder")
    files = sorted((e for e in entry.iterdir() if e.name.endswith(".toml") and e.is_file()), key=lambda e: e.name)
    if not files:
        raise BoundFileError(f"{path}: the folder has no bound files (*.toml)")
    return files


def _register(files: Sequence[BoundFile], bounds: Sequence[Bound] = (), source: str | None = None) -> list[Bound]:
    """Register the files' bounds (each under its path, or all under ``source``) and ``bounds``, all or none."""
    everything = [f.bound for f in files] + list(bounds)
    labels = [source or f.source.label for f in files] + [source or registry.BUILTIN] * len(bounds)
    try:
        registry.register_all(everything, labels)
    except registry.IdConflictError as exc:
        if exc.position >= len(files):  # a Bound object of a plugin
            raise BoundFileError(f"{source}: {exc}") from None
        raise files[exc.position].source.error(("bound", "id"), str(exc)) from None
    return everything


def load_bounds(path: PathLike) -> list[Bound]:
    """Read the bound file ``path`` (or every ``*.toml`` file of the folder) and register its bounds.

    Returns
    -------
    list of Bound
        The loaded bounds, ordinary :class:`Bound` objects (``stl_bounds.get(id)`` finds them).

    Raises
    ------
    BoundFileError
        For an unreadable path or an invalid file, or an id already registered for a different
        formula; then nothing of this call is registered.
    """
    return _register([read_bound_file(p, _label(path, p)) for p in bound_file_paths(path)])


def _label(given: PathLike, entry: Traversable) -> str:
    """The file as the user can find it: the path given, or the folder given joined with the file name."""
    return str(given) if str(given) == str(entry) else os.path.join(str(given), entry.name)


def load_configured(paths: Iterable[PathLike] = (), *, environ: dict[str, str] | None = None) -> list[Bound]:
    """Load ``paths``, then the entries of ``STL_BOUNDS_PATH``, then the installed plugins.

    Raises
    ------
    BoundFileError
        As :func:`load_bounds`; an error from the environment variable names it.
    """
    loaded = [b for p in paths for b in load_bounds(p)]
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    for entry in (e for e in value.split(os.pathsep) if e.strip()):
        try:
            loaded += load_bounds(entry)
        except BoundFileError as exc:
            raise BoundFileError(f"{ENV_VAR}: {exc}") from None
    return loaded + load_plugins()


def load_plugins() -> list[Bound]:
    """Load every entry point of the group ``stl_bounds.bounds`` (see the module docstring)."""
    from importlib.metadata import entry_points

    loaded: list[Bound] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        loaded += _load_plugin(ep)
    return loaded


def _load_plugin(ep: EntryPoint) -> list[Bound]:
    label = f"plugin {ep.name}"
    with registry.registering_as(label):
        try:
            obj = ep.load()
            items = _plugin_items(obj, label)
        except BoundFileError:
            raise
        except Exception as exc:  # a broken plugin is reported in one line, like a broken file
            raise BoundFileError(f"{label} ({ep.value}): {type(exc).__name__}: {exc}") from None
        bounds = [item for item in items if isinstance(item, Bound)]
        files = [read_bound_file(p) for item in items if not isinstance(item, Bound) for p in bound_file_paths(item)]
        return _register(files, bounds, source=label)


def _plugin_items(obj: Any, label: str) -> list[Any]:
    """What a plugin's entry-point object provides: bounds and paths of bound files."""
    if isinstance(obj, ModuleType):
        if not hasattr(obj, "__path__"):
            return []
        from importlib.resources import files

        folder = files(obj.__name__)
        return [e for e in folder.iterdir() if e.name.endswith(".toml") and e.is_file()]
    if isinstance(obj, Bound):
        return [obj]
    if callable(obj):
        result = obj()
        items = [result] if isinstance(result, (Bound, str, os.PathLike, Traversable)) else list(result)
        for item in items:
            if not isinstance(item, (Bound, str, os.PathLike, Traversable)):
                raise BoundFileError(f"{label}: gave a {type(item).__name__}; a plugin gives Bound objects or paths")
        return items
    raise BoundFileError(f"{label}: the entry point names a {type(obj).__name__}; name a module, a callable or a Bound")
