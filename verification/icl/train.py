r"""Batched Adam training of in-context learners: seeding, devices, divergence.

R replicas are trained at once: the loss is the *sum* over replicas of each
replica's mean squared error on its own batch, so each replica's gradient is
exactly its own, and Adam (elementwise) updates every replica as if it were
trained alone — batched and looped training agree up to floating-point
rounding (``tests/test_icl_core.py``).

Per-step losses are written into a preallocated device tensor; nothing is
copied to the host during training (no per-step synchronisation).  At the end a
replica whose loss or parameters became non-finite is flagged *diverged*
(with the first bad step); callers report it, they never drop it silently.

Randomness: one ``torch.Generator`` per chunk, seeded from the chunk's numpy
generator (itself spawned from the run's ``SeedSequence``,
:mod:`verification.seeding`); the same seed on another device gives
statistically equivalent, not bitwise equal, results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from stl_bounds.errors import ParameterError
from verification.icl import DEVICES
from verification.icl.models import LSA, Params, SoftmaxTransformer
from verification.icl.task import Prompts, sample_prompts, tokens

__all__ = ["DEVICES", "TrainResult", "real_batches", "resolve_device", "torch_generator", "train"]


Batches = Callable[[int], Prompts]


def resolve_device(device: str = "auto") -> torch.device:
    """The torch device for ``auto`` (cuda when available, else cpu), ``cpu`` or ``cuda``.

    Raises
    ------
    ParameterError
        An unknown choice, or ``cuda`` when no CUDA device is available.
    """
    if device not in DEVICES:
        raise ParameterError(f"device must be one of {', '.join(DEVICES)}; got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        build = f"torch {torch.__version__}" + ("" if torch.version.cuda else ", a CPU-only build")
        raise ParameterError(f"device 'cuda' was requested but no CUDA device is available ({build}); use cpu or auto")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


def torch_generator(rng: np.random.Generator, device: torch.device) -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded by one draw of the chunk's numpy generator."""
    gen = torch.Generator(device=device)
    gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
    return gen


def real_batches(
    replicas: int, batch: int, d: int, N: int, sigma2: float, generator: torch.Generator, dtype: torch.dtype
) -> Batches:
    """Fresh real prompts ``(replicas, batch, ...)`` at every step (drawn on the generator's device)."""
    return lambda step: sample_prompts((replicas, batch), d, N, sigma2, generator, dtype=dtype)


@dataclass(frozen=True)
class TrainResult:
    """Trained parameters and the training record.

    Attributes
    ----------
    params
        Parameters after the last step (``(R, ...)`` tensors, detached).
    losses
        Training loss per replica and step, ``(R, steps)`` (on the device).
    diverged
        Replicas whose loss or parameters became non-finite, ``(R,)`` bool (host).
    first_bad_step
        First step with a non-finite loss per replica (−1 if none), ``(R,)`` int (host).
    """

    params: Params
    losses: torch.Tensor
    diverged: np.ndarray
    first_bad_step: np.ndarray


def train(
    model: LSA | SoftmaxTransformer,
    params: Params,
    batches: Batches,
    *,
    steps: int,
    lr: float,
    lr_final: float | None = None,
) -> TrainResult:
    r"""Adam on prompt batches, all replicas at once.

    Parameters
    ----------
    model
        The architecture (its ``project`` runs after every step).
    params
        Initial parameters ``(R, ...)`` (copied, not modified).
    batches
        ``step -> Prompts`` of shape ``(R, B, N+1, ...)``; the training target
        is the query's (noisy or synthetic) label ``y[..., N]``.
    steps, lr
        Number of Adam steps and initial learning rate.
    lr_final
        Learning rate at the last step (geometric decay from ``lr``; default: constant).

    Notes
    -----
    Loss :math:`\sum_r \frac1B \sum_b (\hat y_{rb} - y_{rb,q})^2`: replica r's
    gradient depends on replica r only.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ParameterError(f"steps must be an integer >= 1; got {steps!r}")
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ParameterError(f"lr must be a number > 0; got {lr!r}")
    params = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    opt = torch.optim.Adam(list(params.values()), lr=lr)
    ratio = 1.0 if lr_final is None else lr_final / lr
    first = next(iter(params.values()))
    losses = torch.empty((first.shape[0], steps), dtype=first.dtype, device=first.device)
    for step in range(steps):
        prompts = batches(step)
        n_ctx = prompts.x.shape[-2] - 1
        out = model.query_output(params, tokens(prompts.x, prompts.y), n_ctx)[..., 0]
        per_replica = ((out - prompts.y[..., n_ctx]) ** 2).flatten(1).mean(1)
        losses[:, step] = per_replica.detach()
        opt.zero_grad(set_to_none=True)
        per_replica.sum().backward()
        opt.param_groups[0]["lr"] = lr * ratio ** (step / max(steps - 1, 1))
        opt.step()
        model.project(params)
    finite = torch.isfinite(losses)
    for v in params.values():
        finite[:, -1] &= torch.isfinite(v.detach()).flatten(1).all(1)
    bad = (~finite).cpu().numpy()
    diverged = bad.any(axis=1)
    first_bad = np.where(diverged, bad.argmax(axis=1), -1)
    return TrainResult({k: v.detach() for k, v in params.items()}, losses, diverged, first_bad)
