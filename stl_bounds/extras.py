"""How to install the optional extras, spelled as the README installs them (issue 12 §3).

Every install hint that stl-bounds prints comes from here, and names both ways:
in a clone of the repository (an editable install, with torch pinned to the CPU
build the README uses) and from a package index.
"""

from __future__ import annotations

__all__ = ["DISTRIBUTED_INSTALL", "SKLEARN_INSTALL", "TORCH_INSTALL", "install_hint"]


def install_hint(extra: str, *pins: str) -> str:
    """``install it in a clone with python3 -m pip install -e ".[extra]" ...; from a package index with ...``.

    Parameters
    ----------
    extra
        The name of the optional extra in ``pyproject.toml`` (``torch``, ``distributed``).
    pins
        Requirements added to the clone's command, e.g. ``torch==2.13.0`` (the CPU build).
    """
    clone = " ".join([f'python3 -m pip install -e ".[{extra}]"', *(f'"{pin}"' for pin in pins)])
    return f'install it in a clone with {clone}, or from a package index with pip install "stl-bounds[{extra}]"'


#: The transformer path (``icl_*`` campaigns, the ``transformer_icl`` figure).
TORCH_INSTALL = install_hint("torch", "torch==2.13.0")
#: The dask executor of ``stl-bounds verify --executor dask``.
DISTRIBUTED_INSTALL = install_hint("distributed")
#: The scikit-learn models of ``stl-bounds loop`` (``gaussian_mixture``, ``kernel_density``).
SKLEARN_INSTALL = install_hint("sklearn")
