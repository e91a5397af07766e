r"""One replicate of a self-consuming loop of any model, in any regime (docs/theory.md §1).

Random streams.  Replicate r of a run with root seed s draws from
``SeedSequence(s, spawn_key=(key("loop"), r))`` (:func:`replicate_seed`, the scheme of
:mod:`verification.seeding`), so a replicate's numbers depend on the seed and on r only — not on
the chunk size, the executor or the number of workers.  Within it, generation i takes a separate
generator for each purpose (:func:`stream`: real draws, fitting, synthetic draws, subsampling,
evaluation, ...).  The two loops of a coupled run (S_0 and S_0', docs/theory.md §2, §6.5) use the
same streams: common random numbers, so their difference comes from the one replaced point only.

Generation 0 trains on the real sample S_0 (n points; λn points R in ``reused``, as
:mod:`verification.gaussian`).  S_0' is S_0 with its first point replaced by an independent real
draw.  Every call of user code is checked (:mod:`verification.harness.protocol`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from verification.harness.catalog import Setup
from verification.harness.protocol import Where, call_user
from verification.seeding import campaign_key

__all__ = ["CAMPAIGN", "Purpose", "replicate_seed", "stream", "trajectory"]

#: Name of the harness in chunk files and seeds.
CAMPAIGN = "loop"


class Purpose:
    """Indices of the random streams of one generation."""

    REAL = 0  #: real points (S_0, fresh real points, the swapped point)
    FIT = 1  #: the ``rng`` handed to ``fit``
    SYNTHETIC = 2  #: the ``rng`` handed to ``sample`` for the next training set
    SUBSAMPLE = 3  #: the subsample of ``accumulate_subsample``
    EVAL = 4  #: evaluation draws (:mod:`verification.harness.measures`)
    SWAP = 5  #: the point that makes S_0' from S_0
    REFERENCE = 6  #: the replicate's real reference sample


def replicate_seed(seed: int, replicate: int) -> np.random.SeedSequence:
    """The seed sequence of replicate ``replicate``: ``SeedSequence(seed, spawn_key=(key("loop"), replicate))``."""
    return np.random.SeedSequence(seed, spawn_key=(campaign_key(CAMPAIGN), replicate))


def stream(seq: np.random.SeedSequence, generation: int, purpose: int) -> np.random.Generator:
    """The generator of ``purpose`` (a :class:`Purpose`) at ``generation`` of the replicate ``seq``."""
    return np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, generation, purpose)))


def _real(setup: Setup, size: int, rng: np.random.Generator, where: Where) -> np.ndarray:
    points = call_user(where, "call", setup.real, size, rng)
    return setup.check(points, size, where, "call")


def _fit(setup: Setup, train: np.ndarray, rng: np.random.Generator, where: Where) -> object:
    untrained = call_user(where, "factory call", setup.factory)
    fit = getattr(untrained, "fit", None)
    if not callable(fit) or not callable(getattr(untrained, "sample", None)):
        raise where.error("factory call", f"returned a {type(untrained).__name__} without fit and sample methods")
    fitted = call_user(where, "fit", fit, train.copy(), rng)
    if not callable(getattr(fitted, "sample", None)):
        raise where.error("fit", f"returned {type(fitted).__name__}, expected the fitted model (with a sample method)")
    return fitted


def _synthetic(setup: Setup, model: object, size: int, rng: np.random.Generator, where: Where) -> np.ndarray:
    return setup.check(call_user(where, "sample", model.sample, size, rng), size, where, "sample")  # type: ignore[attr-defined]


def trajectory(
    setup: Setup, seq: np.random.SeedSequence, replicate: int, *, perturbed: bool = False
) -> Iterator[object]:
    """The fitted models of generations 0 .. G − 1 of one replicate (S_0' when ``perturbed``).

    Raises
    ------
    ModelError
        When the factory, its model or the real sampler fails, naming the generation.
    """
    spec = setup.spec
    model_at = lambda i: Where(setup.factory_name, i, replicate)  # noqa: E731
    real_at = lambda i: Where(f"real sampler {setup.real_name}", i, replicate)  # noqa: E731
    first = _real(
        setup, spec.real_size if spec.regime == "reused" else spec.n, stream(seq, 0, Purpose.REAL), real_at(0)
    )
    if perturbed:
        first = first.copy()
        first[0] = _real(setup, 1, stream(seq, 0, Purpose.SWAP), real_at(0))[0]
    pool = first
    model = _fit(setup, first, stream(seq, 0, Purpose.FIT), model_at(0))
    yield model
    for i in range(1, spec.generations):
        synthetic_size = spec.n - spec.real_size
        synthetic = _synthetic(setup, model, synthetic_size, stream(seq, i, Purpose.SYNTHETIC), model_at(i))
        if spec.regime == "replace":
            train = synthetic
        elif spec.regime == "fresh":
            fresh = _real(setup, spec.real_size, stream(seq, i, Purpose.REAL), real_at(i))
            train = np.concatenate([fresh, synthetic])
        elif spec.regime == "reused":
            train = np.concatenate([first, synthetic])
        else:
            pool = np.concatenate([pool, synthetic])
            if spec.regime == "accumulate":
                train = pool
            else:  # accumulate_subsample: n of the (i + 1)n pooled points, uniformly without replacement
                train = pool[stream(seq, i, Purpose.SUBSAMPLE).choice(pool.shape[0], size=spec.n, replace=False)]
        model = _fit(setup, train, stream(seq, i, Purpose.FIT), model_at(i))
        yield model
