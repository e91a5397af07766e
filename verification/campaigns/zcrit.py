r"""Bonferroni z-thresholds as the campaigns report them (docs/theory.md §6.2).

A z-threshold is a normal quantile, not a tolerance on the quantity tested: it
is reported as ``z_threshold`` next to its family level ``alpha`` and the
number ``k`` of tests it is shared by, and the statements spell out the
quantile, :math:`\Phi^{-1}(1 - \alpha/(2k))` for a two-sided test and
:math:`\Phi^{-1}(1 - \alpha/k)` for a one-sided one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verification.stats import bonferroni_threshold

__all__ = ["ZThreshold"]


@dataclass(frozen=True)
class ZThreshold:
    """A Bonferroni normal quantile with its family level and test count.

    Attributes
    ----------
    alpha
        Family-wise level α.
    k
        Number of tests sharing the family level.
    sided
        2 for :math:`\\Phi^{-1}(1 - \\alpha/(2k))`, 1 for :math:`\\Phi^{-1}(1 - \\alpha/k)`.
    value
        The quantile.
    """

    alpha: float
    k: int
    sided: int
    value: float

    @classmethod
    def two_sided(cls, alpha: float, k: int) -> ZThreshold:
        r""":math:`\Phi^{-1}(1 - \alpha/(2k))`."""
        return cls(alpha, int(k), 2, bonferroni_threshold(alpha, k))

    @classmethod
    def one_sided(cls, alpha: float, k: int) -> ZThreshold:
        r""":math:`\Phi^{-1}(1 - \alpha/k)`."""
        return cls(alpha, int(k), 1, bonferroni_threshold(2 * alpha, k))

    def figures(self) -> dict[str, Any]:
        """``z_threshold``, ``alpha`` and ``k`` (JSON-ready)."""
        return {"z_threshold": self.value, "alpha": self.alpha, "k": self.k}

    def text(self) -> str:
        """E.g. ``z_threshold = Φ⁻¹(1 − α/(2k)) = 4.56 (α = 0.001, k = 170)``."""
        quantile = "Φ⁻¹(1 − α/(2k))" if self.sided == 2 else "Φ⁻¹(1 − α/k)"
        return f"z_threshold = {quantile} = {self.value:.4g} (α = {self.alpha:g}, k = {self.k})"
