"""Defaults that a bound file may reuse for the parameters of the catalogue (docs/theory.md §7).

The catalogue (:data:`stl_bounds.parameters.CATALOG`) fixes each name's symbol,
domain and description; the defaults below are those that the built-in bounds
use for the name (the headline bounds of docs/theory.md §3-§4 where families
differ, e.g. ``n = 1000``), so a bound file that declares ``[parameters.lam]``
with no default gets λ = 0.5 as ``fu2025.thm1`` does.  A test checks that each
one is the default of some built-in bound.  ``m``, ``gamma`` and ``shift`` have
none: a file that uses them gives its own.
"""

from __future__ import annotations

__all__ = ["CATALOG_DEFAULTS"]

#: Catalogue name → default (a number, or an expression in other catalogue names).
CATALOG_DEFAULTS: dict[str, float | int | str] = {
    "n": 1000,
    "lam": 0.5,
    "i": 10,
    "M": 1,
    "delta": 0.05,
    "beta": "1/n",
    "eps": 0.05,
    "kappa": 1,
    "g": 1,
    "c1": 1,
    "c2": 1,
    "c3": 1,
    "c4": 1,
    "c": 1,
    "a": 0.5,
    "L_loss": 1,
    "Gamma": 0.5,
    "D": 2,
    "sigma": 1,
    "sigma0": 1,
    "sigma2": 0.25,
    "t": 10,
    "d": 5,
    "T": 100,
    "T0": 100,
    "N": 20,
    "k": 1,
    "w": 0.5,
}
