r"""The settings of one harness run (:class:`LoopSpec`) and their validation.

Regimes (docs/theory.md §1; fit t = i + 1 trains generation i, generation 0 on real data):

=========================  ===========================================================================
``replace``                n points drawn from generation i − 1 (λ = 0)
``fresh``                  λn new real points and (1 − λ)n points from generation i − 1 (§5.2)
``reused``                 the λn real points R of generation 0 and (1 − λ)n points from generation
                           i − 1; generation 0 trains on R alone (§5.2, as the Gaussian simulator)
``accumulate``             every earlier point plus n new ones from generation i − 1 (§5.3)
``accumulate_subsample``   the pool grows as in ``accumulate`` (size (i + 1)n), each generation
                           trains on n points of it drawn uniformly without replacement (§5.7)
=========================  ===========================================================================

``fresh`` and ``reused`` need λn to be an integer (``reused``: at least 1); ``lam`` is refused for
the regimes that do not use it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from stl_bounds.errors import ParameterError, unknown_choice

__all__ = ["MIXED_REGIMES", "REGIMES", "LoopSpec"]

REGIMES = ("replace", "fresh", "reused", "accumulate", "accumulate_subsample")
#: Regimes with a fixed share λ of real data per generation (the setting of Lemmas L3–L5).
MIXED_REGIMES = ("replace", "fresh", "reused")
#: Number of categories of the default categorical real distribution.
DEFAULT_CATEGORIES = 6


@dataclass(frozen=True)
class LoopSpec:
    """Everything that determines the numbers of a harness run (the chunk identity holds all of it).

    Attributes
    ----------
    model
        A built-in model name or ``module:factory``.
    real
        ``None`` (the default real distribution: N(0, I_d) for continuous models, uniform over K
        categories for categorical ones) or ``module:sampler``.
    regime, lam
        The regime and, for ``fresh``/``reused``, the share λ of real data.
    n
        Training points per generation.
    generations
        Generations 0 .. G − 1.
    replicates
        Independent loops.
    d
        Dimension of the default real distribution (``None``: 1, or what ``--real`` returns).
    categories
        K for categorical data (``None``: continuous, unless the model is ``categorical``).
    coupled
        Run each replicate twice, from S_0 and S_0' (one point replaced), with common random numbers.
    eval_size
        Points drawn from each fitted model (and of the real reference sample) for the estimated
        measurements (docs of :mod:`verification.harness.measures`).
    seed, chunk_size
        Root seed; replicates per chunk file.
    """

    model: str
    regime: str
    n: int
    generations: int
    replicates: int
    lam: float | None = None
    real: str | None = None
    d: int | None = None
    categories: int | None = None
    coupled: bool = False
    eval_size: int = 1000
    seed: int = 0
    chunk_size: int = 8

    def __post_init__(self) -> None:
        if self.regime not in REGIMES:
            raise unknown_choice("regime", self.regime, REGIMES)
        for name, lowest in (("n", 2), ("generations", 1), ("replicates", 2), ("eval_size", 2), ("chunk_size", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
                raise ParameterError(f"{name} must be an integer >= {lowest}; got {value!r}")
        for name, lowest in (("d", 1), ("categories", 2)):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < lowest):
                raise ParameterError(f"{name} must be an integer >= {lowest}; got {value!r}")
        if self.d is not None and self.categories is not None:
            raise ParameterError("--d applies to continuous data and --categories to categorical data; got both")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ParameterError(f"seed must be an integer >= 0; got {self.seed!r}")
        self._check_lam()

    def _check_lam(self) -> None:
        if self.regime not in ("fresh", "reused"):
            if self.lam is not None:
                raise ParameterError(
                    f"lam applies to the regimes fresh and reused; got lam={self.lam:g} with regime {self.regime!r}"
                )
            return
        if self.lam is None:
            raise ParameterError(f"regime {self.regime!r} needs lam (the share of real data), e.g. --lam 0.5")
        if not 0.0 <= self.lam <= 1.0:
            raise ParameterError(f"lam must be in [0, 1]; got {self.lam:g}")
        real = self.lam * self.n
        if abs(real - round(real)) > 1e-9:
            raise ParameterError(
                f"lam*n must be an integer (whole real points) for regime {self.regime!r}; "
                f"got lam*n = {self.lam:g}*{self.n} = {real:g}"
            )
        if self.regime == "reused" and round(real) < 1:
            raise ParameterError(f"regime 'reused' needs at least one real point: lam*n >= 1; got {real:g}")

    @property
    def real_size(self) -> int:
        """Real points per generation in ``fresh``/``reused`` (λn), 0 otherwise."""
        return round(self.lam * self.n) if self.lam is not None else 0

    @property
    def share(self) -> float:
        """The share λ of real data in the mixed distribution D̃_i of L3 (0 for ``replace``)."""
        return 0.0 if self.lam is None else self.lam

    def params(self) -> dict[str, Any]:
        """The settings that determine a chunk's numbers (seed, replicates and chunk size excepted)."""
        out = asdict(self)
        for key in ("seed", "replicates", "chunk_size"):
            del out[key]
        return out
