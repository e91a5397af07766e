"""stl-bounds: a formal bound calculator for self-consuming training loops.

The public API::

    import stl_bounds
    stl_bounds.list_ids()                    # registered bounds and exact results
    b = stl_bounds.get("fu2025.thm1")        # an immutable Bound
    r = b.evaluate(lam=0.3, i=range(50))     # a frozen Result (value, terms, regime)

Bounds follow ``THEORY.md`` (Fu, Wang, Chen, Tian, Tao, ICLR 2025, and the
exact results of neighbouring papers); every bound carries its citation and a
fidelity label (``exact``, ``external``, ``template``, ``derived``).
"""

from stl_bounds.bound import Bound, Citation
from stl_bounds.errors import (
    CalibrationError,
    EvaluationError,
    GridError,
    ParameterError,
    StlBoundsError,
    UnknownIdError,
)
from stl_bounds.registry import get, list_ids
from stl_bounds.result import Result

__version__ = "0.1.0"

__all__ = [
    "Bound",
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
]
