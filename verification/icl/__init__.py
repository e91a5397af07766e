"""The transformer path of the verification (issue 4, THEORY §4.2, §5.6, §6.1 C5, §6.5).

In-context linear regression learned by linear self-attention (LSA) and by a
small softmax transformer, inside a self-consuming loop, in torch.

torch is an optional extra: this package imports it, nothing in ``stl_bounds``
does, and the campaigns ``icl_anchor``, ``icl_loop`` and ``icl_stability``
import this package lazily.  :func:`torch_missing` says whether torch can be
imported (without importing it) and :data:`INSTALL_HINT` how to install it.

Modules: :mod:`~verification.icl.task` (prompts, token layout, risk),
:mod:`~verification.icl.models` (batched LSA, the von Oswald construction, the
softmax transformer), :mod:`~verification.icl.train` (batched Adam, seeding,
devices, divergence), :mod:`~verification.icl.loop` (the self-consuming loop).
"""

from __future__ import annotations

import importlib.util

__all__ = ["INSTALL_HINT", "torch_missing"]

#: How to install the optional dependency of the transformer path.
INSTALL_HINT = "pip install 'stl-bounds[torch]' (or the CPU build: pip install torch==2.13.0)"


def torch_missing() -> bool:
    """Whether torch cannot be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec("torch") is None
    except (ImportError, ValueError):
        return True
