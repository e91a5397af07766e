r"""The public protocol of the loop harness: what a model, a model factory and a real sampler are.

A **model factory** is a callable with no arguments that returns an untrained model.  The harness
calls it once per generation (every generation retrains from scratch, as in docs/theory.md §1) and
then

* ``model.fit(data, rng)`` — trains on ``data`` and returns the fitted model (often ``self``);
* ``fitted.sample(size, rng)`` — draws ``size`` points: a float array of shape ``(size, d)``
  (shape ``(size,)`` is accepted when d = 1) for continuous data, or an integer array of shape
  ``(size,)`` of category indices in ``0 .. K-1`` for categorical data.

``data`` has the same layout as the samples.  ``rng`` is a ``numpy.random.Generator`` handed out by
the harness: a model that draws all its randomness from it is reproducible from the run's seed.

Optional methods of a fitted model, used when present:

* ``moments()`` → ``(mean, cov_trace)``: the exact mean vector (length d) and covariance trace of
  the fitted distribution (otherwise both are estimated without bias from an evaluation sample);
* ``probabilities()`` → the length-K probability vector of a categorical model (exact total
  variation and Gini–Simpson diversity, docs/theory.md §5.7; otherwise plug-in estimates);
* ``distance(real)`` → a number ≥ 0: the model's own distance to the real distribution, given the
  replicate's real reference sample ``real`` (recorded as ``model_distance``).

A **real sampler** is a callable ``(size, rng) -> array`` in the same layout; it may carry
``probabilities`` (an array or a method returning one) for exact categorical distances.

Every call into user code is checked here: an exception, a wrong shape, a wrong dtype or a
non-finite value stops the run with :class:`ModelError`, whose one-line message names the factory
(or sampler), the method, the generation and the replicate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np

from stl_bounds.errors import StlBoundsError

__all__ = [
    "CATEGORICAL",
    "CONTINUOUS",
    "Model",
    "ModelError",
    "ModelFactory",
    "RealSampler",
    "Where",
    "call_user",
    "check_points",
]

#: The two kinds of data a loop can run on.
CONTINUOUS = "continuous"
CATEGORICAL = "categorical"

T = TypeVar("T")


@runtime_checkable
class Model(Protocol):
    """A generative model the harness can train and sample (see the module docstring)."""

    def fit(self, data: np.ndarray, rng: np.random.Generator) -> Model:
        """Train on ``data`` and return the fitted model."""
        ...

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``size`` points: shape (size, d) floats, or (size,) integer category indices."""
        ...


class ModelFactory(Protocol):
    """A callable returning an untrained :class:`Model`."""

    def __call__(self) -> Model: ...


class RealSampler(Protocol):
    """A callable drawing ``size`` points of the real distribution."""

    def __call__(self, size: int, rng: np.random.Generator) -> np.ndarray: ...


class ModelError(StlBoundsError):
    """User code (a model factory, its model or a real sampler) failed or returned invalid data."""


class Where:
    """Who is called and when, for messages: ``model factory NAME ... at generation i (replicate r)``.

    Parameters
    ----------
    who
        ``model factory gaussian``, ``real sampler mymod:draw``, ...
    generation, replicate
        Position in the loop (``generation=None``: before the loop starts).
    """

    def __init__(self, who: str, generation: int | None, replicate: int) -> None:
        self.who = who
        self.generation = generation
        self.replicate = replicate

    def at(self) -> str:
        """``at generation 3 (replicate 17)`` or ``before generation 0 (replicate 17)``."""
        when = "before generation 0" if self.generation is None else f"at generation {self.generation}"
        return f"{when} (replicate {self.replicate})"

    def error(self, method: str, problem: str) -> ModelError:
        """The :class:`ModelError` ``{who}: {method} {problem} {at}``."""
        return ModelError(" ".join(f"{self.who}: {method} {problem} {self.at()}".split()))


def call_user(where: Where, method: str, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, any exception turned into a one-line :class:`ModelError` naming ``where`` and ``method``."""
    try:
        return fn(*args)
    except Exception as exc:
        raise where.error(method, f"raised {type(exc).__name__}: {exc}") from None


def check_points(
    points: object, *, size: int, kind: str, d: int, categories: int, where: Where, method: str
) -> np.ndarray:
    """Validate points returned by user code and return them as an array in the harness's layout.

    Parameters
    ----------
    points
        What ``sample`` (or the real sampler) returned.
    size
        The number of points asked for.
    kind, d, categories
        :data:`CONTINUOUS` (shape (size, d), floating dtype, finite; (size,) accepted for d = 1) or
        :data:`CATEGORICAL` (shape (size,), integer dtype, values in 0 .. categories − 1).

    Raises
    ------
    ModelError
        Naming ``where``, ``method``, what was expected and what came back.
    """
    if not isinstance(points, np.ndarray):
        raise where.error(method, f"returned {type(points).__name__}, expected a numpy array")
    if kind == CATEGORICAL:
        if points.shape != (size,):
            raise where.error(method, f"returned shape {points.shape}, expected ({size},) category indices")
        if not np.issubdtype(points.dtype, np.integer):
            raise where.error(method, f"returned dtype {points.dtype}, expected an integer dtype (category indices)")
        if points.size and (points.min() < 0 or points.max() >= categories):
            low, high = int(points.min()), int(points.max())
            raise where.error(method, f"returned categories in [{low}, {high}], expected 0 .. {categories - 1}")
        return points.astype(np.int64, copy=False)
    if d == 1 and points.shape == (size,):
        points = points[:, None]
    if points.shape != (size, d):
        raise where.error(method, f"returned shape {points.shape}, expected ({size}, {d})")
    if not np.issubdtype(points.dtype, np.floating):
        raise where.error(method, f"returned dtype {points.dtype}, expected a floating dtype")
    if not np.all(np.isfinite(points)):
        bad = int(np.count_nonzero(~np.isfinite(points)))
        raise where.error(method, f"returned {bad} non-finite values (NaN or inf)")
    return points.astype(np.float64, copy=False)
