"""Bound files: declare a bound in TOML and get the whole machinery (``docs/theory.md`` for the theory).

A bound file is data, never code: TOML read with :mod:`tomllib`, expressions read with :mod:`ast`
against a whitelist (:mod:`.expressions`), domains in the text form of ``Domain.describe``
(:mod:`.domains`), the schema checked key by key (:mod:`.schema`), assembled into an ordinary
:class:`~stl_bounds.bound.Bound` (:mod:`.build`) and registered all-or-nothing (:mod:`.loader`)::

    import stl_bounds
    stl_bounds.load_bounds("examples/bounds/contraction.toml")
    stl_bounds.get("example.contraction").evaluate(lam=0.3)

Every error is a one-line :class:`~stl_bounds.errors.BoundFileError` naming the file, the line and the key.
"""

from stl_bounds.boundfiles.loader import (
    ENTRY_POINT_GROUP,
    ENV_VAR,
    load_bounds,
    load_configured,
    load_plugins,
    read_bound_file,
    read_bound_text,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_VAR",
    "load_bounds",
    "load_configured",
    "load_plugins",
    "read_bound_file",
    "read_bound_text",
]
