"""Simulate replicates of a harness run and summarize a chunk of them (runs in the workers).

:func:`simulate_replicate` runs one replicate (and, for a coupled run, its partner from S_0') through
every generation and returns its records (:mod:`verification.harness.measures`) as arrays with one
row per generation; :func:`simulate_chunk` stacks a chunk's replicates and keeps, per record, the
sufficient statistics of its mean (:class:`verification.stats.Moments`), which the chunk file stores.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verification.harness.catalog import Setup
from verification.harness.measures import View, learning_error, measure, view
from verification.harness.protocol import CATEGORICAL, ModelError, Where, call_user
from verification.harness.regimes import Purpose, replicate_seed, stream, trajectory
from verification.harness.spec import MIXED_REGIMES
from verification.stats import Moments

__all__ = ["simulate_chunk", "simulate_replicate"]


def _reference(setup: Setup, seq: np.random.SeedSequence, replicate: int) -> View:
    m = setup.spec.eval_size
    where = Where(f"real sampler {setup.real_name}", None, replicate)
    points = setup.check(call_user(where, "call", setup.real, m, stream(seq, 0, Purpose.REFERENCE)), m, where, "call")
    if setup.kind == CATEGORICAL:
        probs = setup.p0 if setup.p0 is not None else np.bincount(points, minlength=setup.categories) / m
        return View(points, probs, probs, 1.0 - float(probs @ probs))
    return View(points, None, points.mean(axis=0), float(np.sum(points.var(axis=0, ddof=1))))


def simulate_replicate(setup: Setup, replicate: int) -> dict[str, np.ndarray]:
    """Records of every generation of replicate ``replicate``: name → array with a leading generation axis.

    Raises
    ------
    ModelError
        When user code fails or returns invalid data (the message names the generation).
    """
    spec = setup.spec
    seq = replicate_seed(spec.seed, replicate)
    reference = _reference(setup, seq, replicate)
    loops = [trajectory(setup, seq, replicate)]
    if spec.coupled:
        loops.append(trajectory(setup, seq, replicate, perturbed=True))
    rows: list[dict[str, Any]] = []
    previous: View | None = None
    for i, models in enumerate(zip(*loops, strict=True)):
        where = Where(setup.factory_name, i, replicate)
        views = [view(setup, model, stream(seq, i, Purpose.EVAL), where) for model in models]
        partner = views[1] if spec.coupled else None
        row = measure(setup, models[0], views[0], reference, where, partner)
        if spec.regime in MIXED_REGIMES:
            row["learning_error"] = learning_error(setup, views[0], previous, reference)
        if rows and row.keys() != rows[0].keys():
            raise where.error("distance", "is provided at some generations and not at others")
        rows.append(row)
        previous = views[0]
    return {name: np.asarray([row[name] for row in rows], dtype=float) for name in rows[0]}


def simulate_chunk(setup: Setup, start: int, stop: int) -> dict[str, Any]:
    """The chunk summary of replicates ``[start, stop)``: ``{record: Moments.to_dict()}`` (generation axis first)."""
    records = [simulate_replicate(setup, r) for r in range(start, stop)]
    names = list(records[0])
    for r, rec in zip(range(start, stop), records, strict=True):
        if list(rec) != names:
            raise ModelError(
                f"{setup.factory_name}: the model offers distance at some replicates and not at others (replicate {r})"
            )
    return {name: Moments.of(np.stack([rec[name] for rec in records])).to_dict() for name in names}
