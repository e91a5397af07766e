"""From a campaign task's parameters to the simulators of docs/theory.md §5 loops.

A task names its loop as ``model`` (``gaussian`` or ``regression``) and the
simulator's keyword arguments as ``sim`` (``regime`` plus sizes, λ, ...), so
that task parameters are plain JSON (they are part of every chunk's identity).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from stl_bounds.errors import ParameterError

__all__ = ["simulate_path", "validate_path"]


def _simulator(model: str) -> Any:
    if model == "gaussian":
        from verification.gaussian import simulate_gaussian

        return simulate_gaussian
    if model == "regression":
        from verification.regression import simulate_regression

        return simulate_regression
    raise ParameterError(f"model must be gaussian or regression; got {model!r}")


def simulate_path(model: str, sim: Mapping[str, Any], *, rng: np.random.Generator, replicates: int) -> Any:
    """Simulate ``replicates`` trajectories of the loop ``model`` with keyword arguments ``sim``."""
    args = dict(sim)
    regime = args.pop("regime")
    return _simulator(model)(regime, replicates=replicates, rng=rng, **args)


def validate_path(model: str, sim: Mapping[str, Any]) -> None:
    """Dry run: the simulator's own validation of ``sim`` (raises :class:`ParameterError`)."""
    simulate_path(model, {**sim, "fits": 1}, rng=np.random.default_rng(0), replicates=1)
