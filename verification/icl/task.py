r"""In-context linear regression: prompts, token layout and risk (docs/theory.md §5.6).

A prompt holds a task :math:`w \sim N(0, I_d)`, inputs
:math:`x_1, \dots, x_{N+1} \sim N(0, \Lambda)` i.i.d. (the first N are the
context, the last the query) and noisy labels :math:`y_j = w^\top x_j +
\xi_j`, :math:`\xi_j \sim N(0, \sigma^2)`.  The risk of a predictor
:math:`\hat y` is measured against the *noiseless* query label,
:math:`E(\hat y - w^\top x_q)^2`.

Token layout (rows are tokens, :math:`Z \in \mathbb R^{(N+1)\times(d+1)}`):
context rows :math:`(x_i, y_i)`, query row :math:`(x_q, 0)`; a model's
prediction is read from the query's label slot ``Z[..., N, d]``.

All tensors carry arbitrary leading batch dimensions (replicas, prompts); data
are drawn on the target device from a ``torch.Generator``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from stl_bounds.errors import ParameterError

__all__ = ["Prompts", "check_dims", "real_count", "risk", "sample_prompts", "tokens"]


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"{name} must be an integer >= 1; got {value!r}")
    return value


def check_dims(d: object, N: object, sigma2: object = 0.0) -> tuple[int, int, float]:
    """Validate the prompt dimensions (dry run of :func:`sample_prompts`).

    Raises
    ------
    ParameterError
        ``d < 1``, ``N < 1`` (or not integers), or ``sigma2`` not a finite number ≥ 0.
    """
    d = _positive_int("d", d)
    N = _positive_int("N", N)
    if isinstance(sigma2, bool) or not isinstance(sigma2, (int, float)) or not math.isfinite(sigma2) or sigma2 < 0:
        raise ParameterError(f"sigma2 must be a finite number >= 0; got {sigma2!r}")
    return d, N, float(sigma2)


def real_count(lam: object, N: int) -> int:
    r"""Number :math:`\lambda N` of real-labelled context pairs per prompt (docs/theory.md §1, §5.2: λn an integer).

    Raises
    ------
    ParameterError
        λ outside [0, 1], or λN not an integer (to 1e−9).
    """
    if isinstance(lam, bool) or not isinstance(lam, (int, float)) or not 0.0 <= lam <= 1.0:
        raise ParameterError(f"lam must be in [0, 1]; got {lam!r}")
    k = round(lam * N)
    if abs(lam * N - k) > 1e-9:
        raise ParameterError(f"lam*N must be an integer (real labels per prompt); got lam*N = {lam}*{N} = {lam * N:g}")
    return int(k)


@dataclass(frozen=True)
class Prompts:
    """A batch of in-context regression prompts.

    Attributes
    ----------
    x
        Inputs, shape ``(..., N+1, d)``; row ``N`` is the query.
    y
        Noisy labels :math:`w^\\top x_j + \\xi_j`, shape ``(..., N+1)`` (the query's too).
    w
        Tasks, shape ``(..., d)``.
    """

    x: torch.Tensor
    y: torch.Tensor
    w: torch.Tensor

    @property
    def target(self) -> torch.Tensor:
        """Noiseless query labels :math:`w^\\top x_q`, shape ``(...)``."""
        return (self.x[..., -1, :] * self.w).sum(-1)


def sample_prompts(
    shape: tuple[int, ...],
    d: int,
    N: int,
    sigma2: float,
    generator: torch.Generator,
    *,
    scales: torch.Tensor | None = None,
    dtype: torch.dtype = torch.float32,
) -> Prompts:
    r"""Draw prompts on ``generator``'s device.

    Parameters
    ----------
    shape
        Leading batch shape, e.g. ``(replicas, prompts)``.
    d, N, sigma2
        Dimension, context length, label-noise variance.
    generator
        Source of randomness (its device is the data's device).
    scales
        Square roots of the eigenvalues of a diagonal Λ (default: Λ = I).
    dtype
        Floating type of the prompts.
    """
    d, N, sigma2 = check_dims(d, N, sigma2)
    device = generator.device
    w = torch.randn((*shape, d), generator=generator, device=device, dtype=dtype)
    x = torch.randn((*shape, N + 1, d), generator=generator, device=device, dtype=dtype)
    if scales is not None:
        x = x * scales.to(device=device, dtype=dtype)
    noise = torch.randn((*shape, N + 1), generator=generator, device=device, dtype=dtype)
    y = (x @ w.unsqueeze(-1)).squeeze(-1) + math.sqrt(sigma2) * noise
    return Prompts(x, y, w)


def tokens(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Token matrix :math:`Z`: rows :math:`(x_i, y_i)` for the context, :math:`(x_q, 0)` for the query.

    Parameters
    ----------
    x
        Inputs ``(..., N+1, d)`` (the last row is the query).
    y
        Labels ``(..., N+1)`` or ``(..., N)`` (a query label, if given, is hidden: set to 0).

    Returns
    -------
    torch.Tensor
        Shape ``(..., N+1, d+1)``.
    """
    n_ctx = x.shape[-2] - 1
    labels = torch.zeros(x.shape[:-1], dtype=x.dtype, device=x.device)
    labels[..., :n_ctx] = y[..., :n_ctx]
    return torch.cat([x, labels.unsqueeze(-1)], dim=-1)


def risk(prediction: torch.Tensor, prompts: Prompts) -> torch.Tensor:
    r"""Mean squared error against the noiseless query label, averaged over the last axis (prompts).

    :math:`\hat R = \frac1P \sum_p (\hat y_p - w_p^\top x_{q,p})^2` (docs/theory.md §5.6).
    """
    return ((prediction - prompts.target) ** 2).mean(-1)
