"""Built-in model names, the default real distributions, and resolving a :class:`LoopSpec` into callables.

Built-in models: ``gaussian``, ``categorical``, ``kde`` (:mod:`verification.harness.models`) and,
with scikit-learn, ``gaussian_mixture`` and ``kernel_density``
(:mod:`verification.harness.sklearn_models`).  Anything with a colon is user code,
``module:factory`` (:mod:`verification.harness.loading`).

The data are categorical when the model is ``categorical`` or ``--categories`` is given, and
continuous otherwise; the default real distribution is then uniform over K categories, or
N(0, I_d).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from stl_bounds.errors import ParameterError, unknown_choice
from verification.harness import models, sklearn_models
from verification.harness.loading import is_reference, load_callable
from verification.harness.protocol import CATEGORICAL, CONTINUOUS, Where, call_user, check_points
from verification.harness.spec import DEFAULT_CATEGORIES, LoopSpec

__all__ = ["BUILTIN_MODELS", "SKLEARN_MODELS", "Setup", "StandardNormal", "UniformCategories", "resolve"]

#: Built-in models that need only numpy and scipy, with their kind.
BUILTIN_MODELS = {"gaussian": CONTINUOUS, "categorical": CATEGORICAL, "kde": CONTINUOUS}
#: Built-in models of the optional extra ``sklearn``.
SKLEARN_MODELS = {"gaussian_mixture": CONTINUOUS, "kernel_density": CONTINUOUS}

#: Tolerance on the sum of a probability vector.
_SUM_TOL = 1e-9


@dataclass(frozen=True)
class StandardNormal:
    """The default continuous real distribution N(0, I_d)."""

    d: int

    def __call__(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` standard normal points, shape (size, d)."""
        return rng.standard_normal((size, self.d))


@dataclass(frozen=True)
class UniformCategories:
    """The default categorical real distribution: uniform over ``categories`` categories."""

    categories: int

    def __call__(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` uniform category indices, shape (size,)."""
        return rng.integers(self.categories, size=size)

    def probabilities(self) -> np.ndarray:
        """The uniform vector 1/K."""
        return np.full(self.categories, 1.0 / self.categories)


@dataclass(frozen=True)
class Setup:
    """A resolved run: the callables and the layout of the data.

    Attributes
    ----------
    spec
        The settings.
    factory, factory_name
        The model factory and how messages name it (``model factory NAME``).
    real, real_name
        The real sampler and its name in messages.
    kind, d, categories
        Layout of the points (``d`` is 1 and ``categories`` 0 where they do not apply).
    p0
        The real probability vector (categorical data whose sampler exposes it), else ``None``.
    """

    spec: LoopSpec
    factory: Callable[[], object]
    factory_name: str
    real: Callable[[int, np.random.Generator], np.ndarray]
    real_name: str
    kind: str
    d: int
    categories: int
    p0: np.ndarray | None

    def check(self, points: object, size: int, where: Where, method: str) -> np.ndarray:
        """:func:`check_points` in this run's layout."""
        return check_points(
            points, size=size, kind=self.kind, d=self.d, categories=self.categories, where=where, method=method
        )


def _model(spec: LoopSpec) -> tuple[Callable[[], object], str | None]:
    """The factory of ``spec.model`` and its kind (``None`` for user code: the data decide)."""
    name = spec.model
    if is_reference(name):
        return load_callable(name, "--model"), None
    if name in SKLEARN_MODELS:
        sklearn_models.require_sklearn(name)
        return (
            sklearn_models.GaussianMixtureModel if name == "gaussian_mixture" else sklearn_models.KernelDensityModel
        ), CONTINUOUS
    if name not in BUILTIN_MODELS:
        raise unknown_choice("--model", name, [*BUILTIN_MODELS, *SKLEARN_MODELS, "module:factory"])
    if name == "categorical":
        return functools.partial(models.CategoricalModel, spec.categories or DEFAULT_CATEGORIES), CATEGORICAL
    return (models.GaussianModel if name == "gaussian" else models.KdeModel), CONTINUOUS


def _probabilities(real: object, categories: int, name: str) -> np.ndarray | None:
    attr = getattr(real, "probabilities", None)
    if attr is None:
        return None
    where = Where(f"real sampler {name}", None, 0)
    p = call_user(where, "probabilities", attr) if callable(attr) else attr
    p = np.asarray(p, dtype=float)
    if p.shape != (categories,) or np.any(p < 0) or abs(p.sum() - 1.0) > _SUM_TOL:
        raise where.error("probabilities", f"is not a probability vector of length {categories}")
    return p


def resolve(spec: LoopSpec) -> Setup:
    """Import the model and real sampler of ``spec`` and fix the layout of the data.

    A user's real sampler is called once here (two points, a throwaway generator) to learn its
    dimension and check its output.

    Raises
    ------
    ParameterError
        Unknown names, imports that fail, a missing scikit-learn, inconsistent ``--d``/``--categories``.
    ModelError
        A real sampler that fails or returns invalid points.
    """
    factory, model_kind = _model(spec)
    kind = CATEGORICAL if (model_kind == CATEGORICAL or spec.categories is not None) else CONTINUOUS
    if model_kind is not None and model_kind != kind:
        raise ParameterError(f"model {spec.model!r} is continuous; --categories applies to categorical models")
    if kind == CATEGORICAL and spec.d is not None:
        raise ParameterError(f"--d applies to continuous models; model {spec.model!r} runs on categorical data")
    categories = (spec.categories or DEFAULT_CATEGORIES) if kind == CATEGORICAL else 0
    factory_name = f"model factory {spec.model}"
    if spec.real is None:
        d = spec.d or 1
        real: Callable[..., np.ndarray] = UniformCategories(categories) if kind == CATEGORICAL else StandardNormal(d)
        real_name = f"uniform over {categories} categories" if kind == CATEGORICAL else f"N(0, I_{d})"
        return Setup(
            spec,
            factory,
            factory_name,
            real,
            real_name,
            kind,
            d,
            categories,
            _probabilities(real, categories, real_name),
        )
    real = load_callable(spec.real, "--real")
    where = Where(f"real sampler {spec.real}", None, 0)
    probe = call_user(where, "call", real, 2, np.random.default_rng(0))
    d = 1
    if kind == CONTINUOUS:
        shape = getattr(probe, "shape", ())
        d = shape[1] if len(shape) == 2 else 1
        if spec.d is not None and spec.d != d:
            raise ParameterError(f"--d {spec.d} does not match the real sampler {spec.real}, which returns d = {d}")
    setup = Setup(spec, factory, factory_name, real, spec.real, kind, d, categories, None)
    setup.check(probe, 2, Where(f"real sampler {spec.real}", None, 0), "call")
    p0 = _probabilities(real, categories, spec.real) if kind == CATEGORICAL else None
    return Setup(spec, factory, factory_name, real, spec.real, kind, d, categories, p0)
