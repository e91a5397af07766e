"""Deterministic random streams, one per chunk of replicates (STYLE habit 10).

A verification run has one root ``numpy.random.SeedSequence(seed)``.  Chunk
``j`` of task ``t`` of campaign ``c`` draws from the child

    SeedSequence(seed, spawn_key=(key(c), t, j))

— the same child that ``root.spawn`` would give after walking the path
``key(c) → t → j`` — so a chunk's random numbers depend only on the seed and on
the chunk's identity: not on the number of workers, on the order in which chunks
finish, on which other campaigns run, or on whether the run was resumed.
``key(c)`` is a stable 32-bit hash of the campaign name.  The global
``np.random`` state is never used.
"""

from __future__ import annotations

import hashlib
import operator

import numpy as np

from stl_bounds.errors import ParameterError

__all__ = ["campaign_key", "check_seed", "chunk_rng", "chunk_seed"]


def check_seed(seed: object) -> int:
    """``seed`` as an int, or :class:`ParameterError` unless it is an integer ≥ 0."""
    try:
        if isinstance(seed, bool):
            raise TypeError
        value = operator.index(seed)  # type: ignore[arg-type]
    except TypeError:
        raise ParameterError(f"seed must be an integer >= 0; got {seed!r}") from None
    if value < 0:
        raise ParameterError(f"seed must be an integer >= 0; got {value}")
    return value


def campaign_key(name: str) -> int:
    """Stable 32-bit key of a campaign name (first 4 bytes of its SHA-256)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def chunk_seed(seed: int, campaign: str, task: int, chunk: int) -> np.random.SeedSequence:
    """The seed sequence of chunk ``chunk`` of task ``task`` of ``campaign``."""
    return np.random.SeedSequence(check_seed(seed), spawn_key=(campaign_key(campaign), task, chunk))


def chunk_rng(seed: int, campaign: str, task: int, chunk: int) -> np.random.Generator:
    """A PCG64 generator on :func:`chunk_seed`."""
    return np.random.default_rng(chunk_seed(seed, campaign, task, chunk))
