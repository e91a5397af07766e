"""Publication figures of stl-bounds (``stl-bounds figures``), one small declarative spec per figure.

Each figure lives in its own module defining ``FIGURE`` (a
:class:`~stl_bounds.figures.spec.FigureSpec`); modules are imported on first
use.  :func:`~stl_bounds.figures.render.render` writes ``NAME.pdf``,
``NAME.png`` and the manifest ``NAME.json``; figures of campaign results read
the records of a verification run (:mod:`stl_bounds.figures.records`).
"""

from __future__ import annotations

import importlib

from typing import TYPE_CHECKING, Any

from stl_bounds.errors import unknown_choice

if TYPE_CHECKING:
    from stl_bounds.figures.spec import FigureSkipped, FigureSpec, Records

__all__ = ["MODULES", "FigureSkipped", "FigureSpec", "Records", "get_figure", "names"]

#: Figure name → module defining it, in the order of the report.
MODULES = {
    "bound_vs_generation": "stl_bounds.figures.bound_vs_generation",
    "terms_breakdown": "stl_bounds.figures.terms_breakdown",
    "phase_diagram": "stl_bounds.figures.phase_diagram",
    "gaussian_loops": "stl_bounds.figures.gaussian_loops",
    "regression_loops": "stl_bounds.figures.regression_loops",
    "categorical_loops": "stl_bounds.figures.categorical_loops",
    "kde_loops": "stl_bounds.figures.kde_loops",
    "recursive_stability": "stl_bounds.figures.recursive_stability",
    "rate_validity": "stl_bounds.figures.rate_validity",
    "optimal_synthetic_size": "stl_bounds.figures.optimal_synthetic_size",
    "transformer_icl": "stl_bounds.figures.transformer_icl",
}


def __getattr__(name: str) -> Any:
    """``FigureSkipped``, ``FigureSpec`` and ``Records`` on first use (matplotlib loads only when figures are drawn)."""
    if name in ("FigureSkipped", "FigureSpec", "Records"):
        from stl_bounds.figures import spec

        return getattr(spec, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def names() -> list[str]:
    """Every figure name, in report order."""
    return list(MODULES)


def get_figure(name: str) -> FigureSpec:
    """The figure called ``name``.

    Raises
    ------
    ParameterError
        For an unknown name, listing the known ones.
    """
    module = MODULES.get(name)
    if module is None:
        raise unknown_choice("figure", name, MODULES)
    return importlib.import_module(module).FIGURE
