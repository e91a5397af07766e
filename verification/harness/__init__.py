"""A loop harness for any model with ``fit`` and ``sample`` (issue 10 §4; docs/theory.md §1, §2, §6.5).

A model factory (:mod:`verification.harness.protocol`) is run in any regime of docs/theory.md §1
(``replace``, ``fresh``, ``reused``, ``accumulate``, ``accumulate_subsample``) for many replicates, on
the executors and with the resumable chunks of the verification campaigns, seeded from one
``SeedSequence``; per generation it records the mean, the covariance trace and distances to the real
distribution with confidence intervals, optionally the measured recursive stability of coupled runs
and the bounds of the registry evaluated with ε and κ fitted from the trajectories::

    from verification.harness import LoopSpec, run_loop

    doc = run_loop(LoopSpec(model="kde", regime="replace", n=50, generations=5, replicates=16), out="kde-loop")

Modules: ``protocol`` (what a model is; checks of user output), ``loading`` (``module:name``),
``models`` and ``sklearn_models`` (built-in models), ``catalog`` (names and real distributions),
``spec`` (settings), ``regimes`` (one replicate's loop), ``measures`` (what is recorded),
``simulate`` (chunks), ``summary`` (intervals), ``fitbound`` (``--fit-bound``), ``figure``,
``run`` (the API) and ``command`` (the CLI).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["REGIMES", "LoopSpec", "Model", "ModelError", "ModelFactory", "RealSampler", "run_loop"]

#: Public name → module defining it (imported on first use: the CLI registers ``loop`` without scipy).
_HOMES = {
    "REGIMES": "spec",
    "LoopSpec": "spec",
    "Model": "protocol",
    "ModelError": "protocol",
    "ModelFactory": "protocol",
    "RealSampler": "protocol",
    "run_loop": "run",
}


def __getattr__(name: str) -> Any:
    """The public names, imported from their modules on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'verification.harness' has no attribute {name!r}")
    return getattr(importlib.import_module(f"verification.harness.{_HOMES[name]}"), name)
