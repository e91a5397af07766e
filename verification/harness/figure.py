"""The figure of a harness run: ``loop.pdf`` and ``loop.png`` in the project's style (``stl_bounds.styles``).

Panels, against the generation i: the distance to the real distribution (``tv`` or ``wasserstein``,
with the learning error ε̂_i where recorded), the covariance trace of the fitted law (the
Gini–Simpson diversity for categorical data), and, for a coupled run, the measured recursive
stability γ̂_i (log scale).  Bands are the 95% confidence intervals of results.json.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

import stl_bounds

__all__ = ["FIGURE_NAME", "write_figure"]

#: Base name of the figure files in the output folder.
FIGURE_NAME = "loop"

_LABELS = {
    "tv": "total variation to $D_0$",
    "wasserstein": "$W_1$ to $D_0$ (first coordinate)",
    "learning_error": r"learning error $\hat\varepsilon_i$",
    "cov_trace": "covariance trace",
    "gamma": r"$\hat\gamma_i$ (coupled)",
}


def _band(ax: Any, x: np.ndarray, record: Mapping[str, Any], label: str) -> None:
    mean = np.asarray(record["mean"], dtype=float)
    ax.plot(x, mean, marker="o", markersize=3, label=label)
    ax.fill_between(
        x, np.asarray(record["ci_low"], dtype=float), np.asarray(record["ci_high"], dtype=float), alpha=0.25
    )


def write_figure(document: Mapping[str, Any], out: Path) -> list[Path]:
    """Draw the run of ``document`` (a results.json document) and write ``out/loop.{pdf,png}``."""
    from matplotlib.figure import Figure

    from stl_bounds.figures.render import styled

    records = document["records"]
    x = np.arange(document["settings"]["generations"])
    panels = [[document["distance"], *(["learning_error"] if "learning_error" in records else [])], ["cov_trace"]]
    if "gamma" in records:
        panels.append(["gamma"])
    paths = []
    with styled():
        fig = Figure(figsize=(2.4 * len(panels), 2.4))
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, names in zip(axes, panels, strict=True):
            for name in names:
                _band(ax, x, records[name], _LABELS[name])
            ax.set_xlabel("generation $i$")
            if names == ["gamma"] and np.all(np.asarray(records["gamma"]["mean"], dtype=float) > 0):
                ax.set_yscale("log")
            ax.legend(fontsize="small")
        settings = document["settings"]
        fig.suptitle(f"{settings['model']}, {settings['regime']}, n = {settings['n']}", fontsize="medium")
        for fmt in ("pdf", "png"):
            path = out / f"{FIGURE_NAME}.{fmt}"
            meta = {"CreationDate": None} if fmt == "pdf" else {}
            fig.savefig(
                path,
                metadata={**meta, "Creator" if fmt == "pdf" else "Software": f"stl-bounds {stl_bounds.__version__}"},
            )
            paths.append(path)
    return paths
