"""User code for the loop-harness tests: a model factory, real samplers, and a factory that misbehaves on cue.

The tests put this folder on ``sys.path`` (``monkeypatch.syspath_prepend``) and name the callables as
``loop_user_models:NAME``, as a user would name their own module.
"""

from __future__ import annotations

import numpy as np

#: How :func:`flaky` misbehaves (set by the tests): None, "factory", "fit", "none", "shape", "nan", "dtype".
MODE: str | None = None
#: The fit call (counted from 1 in this process) from which the misbehaviour starts.
TRIGGER = 3
#: Fit calls so far in this process.
CALLS = 0


class MeanShift:
    """A 1-D Gaussian fitted by its sample mean and (MLE) standard deviation, with its own distance."""

    def __init__(self) -> None:
        self.mu = 0.0
        self.sd = 1.0

    def fit(self, data: np.ndarray, rng: np.random.Generator) -> MeanShift:
        self.mu, self.sd = float(data[:, 0].mean()), float(data[:, 0].std())
        return self

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        return self.mu + self.sd * rng.standard_normal((size, 1))

    def distance(self, real: np.ndarray) -> float:
        """|fitted mean − mean of the real reference sample|."""
        return abs(self.mu - float(real[:, 0].mean()))


def mean_shift() -> MeanShift:
    """The factory ``loop_user_models:mean_shift``."""
    return MeanShift()


class _Flaky(MeanShift):
    def __init__(self, bad: bool) -> None:
        super().__init__()
        self.bad = bad

    def fit(self, data: np.ndarray, rng: np.random.Generator) -> MeanShift | None:
        global CALLS
        CALLS += 1
        if MODE == "fit" and CALLS >= TRIGGER:
            raise ZeroDivisionError("the model divided by zero")
        fitted = super().fit(data, rng)
        self.bad = MODE is not None and CALLS >= TRIGGER
        return None if (self.bad and MODE == "none") else fitted

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        points = super().sample(size, rng)
        if not self.bad:
            return points
        if MODE == "shape":
            return points[:-1]
        if MODE == "nan":
            points[0, 0] = np.nan
            return points
        if MODE == "dtype":
            return np.round(points).astype(np.int64)
        return points


def flaky() -> _Flaky:
    """The factory ``loop_user_models:flaky``: behaves like :func:`mean_shift` until fit call :data:`TRIGGER`."""
    if MODE == "factory" and CALLS + 1 >= TRIGGER:
        raise RuntimeError("no GPU left")
    return _Flaky(False)


def shifted_plane(size: int, rng: np.random.Generator) -> np.ndarray:
    """A real sampler: N((1, −1), I_2)."""
    return rng.standard_normal((size, 2)) + np.array([1.0, -1.0])


def nan_sampler(size: int, rng: np.random.Generator) -> np.ndarray:
    """A broken real sampler: NaN everywhere."""
    return np.full((size, 1), np.nan)


class Loaded:
    """A categorical real sampler over 3 categories with known probabilities (exact total variation)."""

    probabilities = np.array([0.6, 0.3, 0.1])

    def __call__(self, size: int, rng: np.random.Generator) -> np.ndarray:
        return rng.choice(3, size=size, p=self.probabilities)


loaded = Loaded()


class HiddenCounts:
    """The empirical categorical fit over 3 categories, seen only through ``sample`` (no ``probabilities``)."""

    def fit(self, data: np.ndarray, rng: np.random.Generator) -> HiddenCounts:
        self.p = np.bincount(data, minlength=3) / data.size
        return self

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        return rng.choice(3, size=size, p=self.p)
