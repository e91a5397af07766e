"""The transformer path of the verification (issue 4, docs/theory.md §4.2, §5.6, §6.1 C5, §6.5).

In-context linear regression learned by linear self-attention (LSA) and by a
small softmax transformer, inside a self-consuming loop, in torch.

torch is an optional extra: this package imports it (this ``__init__`` does not),
nothing in ``stl_bounds`` does, and the campaigns ``icl_anchor``, ``icl_loop`` and ``icl_stability``
import this package lazily.  :func:`torch_missing` says whether torch can be
imported (without importing it) and :data:`INSTALL_HINT` how to install it.

Modules: :mod:`~verification.icl.task` (prompts, token layout, risk),
:mod:`~verification.icl.models` (batched LSA, the von Oswald construction, the
softmax transformer), :mod:`~verification.icl.train` (batched Adam, seeding,
devices, divergence), :mod:`~verification.icl.loop` (the self-consuming loop).
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from typing import Any

import numpy as np

from stl_bounds.extras import TORCH_INSTALL
from verification.campaign import Outcome

__all__ = ["DEVICES", "DEVICE_ENV", "INSTALL_HINT", "check_device", "setup", "skipped_outcome", "torch_missing"]

#: How to install the optional dependency of the transformer path (in a clone, and from a package index).
INSTALL_HINT = TORCH_INSTALL


def torch_missing() -> bool:
    """Whether torch cannot be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec("torch") is None
    except (ImportError, ValueError):
        return True


#: Environment variable choosing the device of the torch campaigns (one of :data:`DEVICES`); ``--device`` sets it.
DEVICE_ENV = "STL_BOUNDS_DEVICE"
#: Device choices: ``auto`` (cuda when available, else cpu), ``cpu``, ``cuda``.
DEVICES = ("auto", "cpu", "cuda")


def skipped_outcome(campaign: str) -> Outcome:
    """The outcome of a torch campaign run without torch: no checks, the reason and the install command."""
    reason = f"{campaign} skipped: torch is not installed; {INSTALL_HINT}"
    warnings.warn(reason, stacklevel=2)
    return Outcome(checks=(), figures={"status": "skipped", "reason": reason}, data=(), skipped=reason)


def setup(rng: np.random.Generator) -> tuple[Any, Any]:
    """Worker set-up of a torch chunk: one thread per worker, the device of :data:`DEVICE_ENV`, a seeded generator.

    Returns
    -------
    (torch.Generator, torch.device)
    """
    import torch

    from verification.icl.train import resolve_device, torch_generator

    torch.set_num_threads(1)  # the executor runs one worker per core
    device = resolve_device(os.environ.get(DEVICE_ENV, "auto"))
    return torch_generator(rng, device), device


def check_device() -> None:
    """Dry run of the device choice (raises :class:`~stl_bounds.ParameterError` for cuda without a GPU)."""
    from verification.icl.train import resolve_device

    resolve_device(os.environ.get(DEVICE_ENV, "auto"))
