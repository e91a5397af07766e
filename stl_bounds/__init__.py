"""stl-bounds: a formal bound calculator for self-consuming training loops.

The public API::

    import stl_bounds
    stl_bounds.list_ids()                    # registered bounds and exact results
    b = stl_bounds.get("fu2025.thm1")        # an immutable Bound
    r = b.evaluate(lam=0.3, i=range(50))     # a frozen Result (value, terms, regime)

Bounds follow ``docs/theory.md`` (Fu, Wang, Chen, Tian, Tao, ICLR 2025, and the
exact results of neighbouring papers); every bound carries its citation and a
fidelity label (``exact``, ``external``, ``template``, ``derived``).
"""

import os
from typing import TYPE_CHECKING, Any

from stl_bounds.bound import Bound, Citation
from stl_bounds.errors import (
    BoundFileError,
    CalibrationError,
    EvaluationError,
    GridError,
    ParameterError,
    StlBoundsError,
    UnknownIdError,
)
from stl_bounds.registry import get, list_ids
from stl_bounds.result import Result

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def load_bounds(path: str | os.PathLike[str]) -> list[Bound]:
    """Load a bound file (TOML), or every ``*.toml`` file of a folder, and register its bounds.

    All-or-nothing: an invalid file or an id collision raises :class:`BoundFileError` (one line
    naming the file, the line and the key) and registers nothing.  See :mod:`stl_bounds.boundfiles`.
    """
    from stl_bounds.boundfiles.loader import load_bounds as load  # lazy: keeps `import stl_bounds` cheap

    return load(path)


def plot(bound_id: str, **kwargs: Any) -> "Figure":
    """A matplotlib Figure of a registered bound against one parameter, e.g.
    ``stl_bounds.plot("fu2025.thm1", x="i=0:60", hue="lam=0,0.1,0.5")``; see
    :func:`stl_bounds.figures.plot_any.plot` (matplotlib is imported here, not by ``import stl_bounds``)."""
    from stl_bounds.figures.plot_any import plot as draw  # lazy: keeps `import stl_bounds` free of matplotlib

    return draw(bound_id, **kwargs)


__version__ = "0.1.0"

__all__ = [
    "Bound",
    "BoundFileError",
    "CalibrationError",
    "Citation",
    "EvaluationError",
    "GridError",
    "ParameterError",
    "Result",
    "StlBoundsError",
    "UnknownIdError",
    "__version__",
    "get",
    "list_ids",
    "load_bounds",
    "plot",
]
