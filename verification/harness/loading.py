"""Import a user's callable from ``module:name`` with :mod:`importlib` (never ``eval``).

The module is looked up on ``sys.path``; the current directory is added to its end first, so a
``mymodel.py`` next to where ``stl-bounds loop`` is run is found (the console script does not put
the current directory on the path by itself).  :func:`module_root` tells worker processes where the
module was found, so that they import the same file under every executor.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from stl_bounds.errors import ParameterError

__all__ = ["FORM", "is_reference", "load_callable", "module_root", "with_paths"]

#: The accepted spelling of a reference to user code.
FORM = "module:name (a dotted module on sys.path or in the current directory, and a callable in it)"

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def is_reference(text: str) -> bool:
    """Whether ``text`` names user code (``module:name``) rather than a built-in."""
    return ":" in text


def _split(text: str, option: str) -> tuple[str, str]:
    module, _, name = text.partition(":")
    if not (_DOTTED.fullmatch(module) and _DOTTED.fullmatch(name)):
        raise ParameterError(f"{option} must be a built-in name or {FORM}; got {text!r}")
    return module, name


def with_paths(paths: Sequence[str]) -> None:
    """Append ``paths`` (and the current directory) to ``sys.path`` where missing."""
    for entry in [*paths, os.getcwd()]:
        if entry not in sys.path:
            sys.path.append(entry)


def load_callable(text: str, option: str) -> Callable[..., Any]:
    """The callable named by ``text`` = ``module:name`` (``name`` may be dotted: ``mod:Class.create``).

    Raises
    ------
    ParameterError
        A malformed reference, a module that cannot be imported (the message gives the import
        error), a missing attribute, or an object that is not callable.
    """
    module_name, name = _split(text, option)
    with_paths(())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ParameterError(
            f"{option} {text!r}: cannot import module {module_name!r} ({type(exc).__name__}: {exc}); "
            "it must be on sys.path or in the current directory"
        ) from None
    obj: Any = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise ParameterError(f"{option} {text!r}: module {module_name!r} has no attribute {name!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ParameterError(f"{option} {text!r}: {name} is a {type(obj).__name__}, not a callable")
    return obj


def module_root(text: str) -> str | None:
    """The ``sys.path`` entry from which the module of ``text`` was imported (None for built-ins)."""
    if not is_reference(text):
        return None
    module_name = text.partition(":")[0]
    module = sys.modules.get(module_name)
    file = getattr(module, "__file__", None)
    if file is None:
        return None
    root = Path(file).resolve().parent
    depth = module_name.count(".") + (1 if Path(file).name == "__init__.py" else 0)
    for _ in range(depth):
        root = root.parent
    return str(root)
