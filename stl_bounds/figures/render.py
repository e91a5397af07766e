"""Render a :class:`~stl_bounds.figures.spec.FigureSpec` to PDF, PNG and a JSON manifest, reproducibly.

Files are byte-identical when re-rendered from the same inputs: the PDF carries
no creation date, the PNG no timestamp, the SVG (of :mod:`~stl_bounds.figures.plot_any`)
no date, the manifest no timing, and every file is written to a temporary name
and moved into place (an interrupted render never leaves a truncated file under
the final name).

The manifest beside each figure (``NAME.json``) records what produced it: the
figure's name and caption, the stl-bounds version, the registry ids with their
fidelity labels and citations, the campaign records with their versions, the
fixed parameters, the seed of the verification run, the style, the versions of
the libraries, a SHA-256 of the plotted data (canonical JSON) and of each file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import scipy
import sympy
from matplotlib import style as mpl_style
from matplotlib.figure import Figure

import stl_bounds
from stl_bounds.errors import ParameterError
from stl_bounds.figures.spec import FigureSkipped, FigureSpec, Records
from stl_bounds.styles import BASE, TEXT_WIDTH, VENUES

__all__ = [
    "FORMATS",
    "Rendered",
    "Skipped",
    "canonical_json",
    "data_hash",
    "draw_figure",
    "render",
    "render_all",
    "styled",
]

#: File formats written for every figure: vector for papers, raster for the README.
FORMATS = ("pdf", "png")


@dataclass(frozen=True)
class Rendered:
    """A rendered figure: its name, the files written and its manifest."""

    name: str
    files: tuple[Path, ...]
    manifest: Mapping[str, Any]


def _plain(value: Any) -> Any:
    """JSON-ready form of plotted data: numpy arrays and scalars to lists and Python numbers; NaN/inf to None."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def canonical_json(data: Mapping[str, Any]) -> str:
    """Canonical JSON of plotted data (sorted keys, shortest round-trip floats)."""
    return json.dumps(_plain(data), sort_keys=True, separators=(",", ":"), allow_nan=False)


def data_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 of :func:`canonical_json` of ``data``."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def _versions() -> dict[str, str]:
    return {
        "stl_bounds": stl_bounds.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sympy": sympy.__version__,
        "matplotlib": matplotlib.__version__,
    }


def _styles(venue: str | None) -> list[str]:
    if venue is None:
        return [BASE]
    if venue not in VENUES:
        raise ParameterError(f"venue must be one of {', '.join(VENUES)} (or none); got {venue!r}")
    return [BASE, VENUES[venue]]


def _check_usetex(usetex: bool) -> None:
    if usetex and shutil.which("latex") is None:
        raise ParameterError("--usetex needs a LaTeX installation (`latex` on PATH); mathtext is the default")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomic(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _manifest(
    spec: FigureSpec, records: Records, data: Mapping[str, Any], styles: Sequence[str], usetex: bool
) -> dict[str, Any]:
    bounds = []
    for bound_id in spec.bound_ids:
        b = stl_bounds.get(bound_id)
        bounds.append({"id": bound_id, "fidelity": b.fidelity, "citation": b.citation.text()})
    campaigns = {
        name: {"version": records[name].get("version"), "status": records[name].get("status")}
        for name in spec.campaigns
        if name in records
    }
    return {
        "figure": spec.name,
        "caption": spec.caption,
        "theory": spec.theory,
        "stl_bounds_version": stl_bounds.__version__,
        "bounds": bounds,
        "campaigns": campaigns,
        "parameters": _plain(spec.parameters),
        "seed": records.seed if spec.campaigns else None,
        "style": {"styles": list(styles), "usetex": usetex},
        "versions": _versions(),
        "data_sha256": data_hash(data),
    }


@contextmanager
def styled(venue: str | None = None, usetex: bool = False) -> Iterator[list[str]]:
    """Apply the paper style, the venue overlay and ``text.usetex`` while the block runs; yield the style names.

    Raises
    ------
    ParameterError
        For an unknown venue, or ``usetex`` without LaTeX.
    """
    styles = _styles(venue)
    _check_usetex(usetex)
    with ExitStack() as stack:
        stack.enter_context(mpl_style.context(styles))
        stack.enter_context(matplotlib.rc_context({"text.usetex": usetex}))
        yield styles


def draw_figure(spec: FigureSpec, data: Mapping[str, Any]) -> Figure:
    """A new :class:`Figure` sized for ``spec`` under the current style, drawn by ``spec.draw`` from ``data``.

    Call it inside :func:`styled`: the width is the style's (one column under the ``onecolumn`` overlay)
    unless ``spec.full_width``, the height ``spec.aspect`` (or ``spec.column_aspect`` when narrower) times it.
    """
    width = TEXT_WIDTH if spec.full_width else matplotlib.rcParams["figure.figsize"][0]
    narrow = width < TEXT_WIDTH and spec.column_aspect is not None
    fig = Figure(figsize=(width, width * (spec.column_aspect if narrow else spec.aspect)))
    spec.draw(fig, data)
    return fig


def _metadata(fmt: str) -> dict[str, Any]:
    """File metadata without a date (a date would change the bytes of every re-rendering)."""
    if fmt == "pdf":
        return {"CreationDate": None, "Creator": f"stl-bounds {stl_bounds.__version__}"}
    if fmt == "svg":
        return {"Date": None, "Creator": f"stl-bounds {stl_bounds.__version__}, matplotlib {matplotlib.__version__}"}
    return {"Software": f"stl-bounds {stl_bounds.__version__}, matplotlib {matplotlib.__version__}"}


def render(
    spec: FigureSpec,
    records: Records,
    out: str | os.PathLike[str],
    *,
    venue: str | None = None,
    usetex: bool = False,
    formats: Sequence[str] = FORMATS,
) -> Rendered:
    """Draw ``spec`` from ``records`` and write ``out/NAME.{pdf,png,json}``.

    Raises
    ------
    FigureSkipped
        When a campaign record the figure needs is absent or skipped (nothing is written).
    ParameterError
        For an unknown venue, or ``usetex`` without LaTeX.
    """
    out = Path(out)
    data = spec.data(records)
    with styled(venue, usetex) as styles:
        fig = draw_figure(spec, data)
        files = []
        for fmt in formats:
            path = out / f"{spec.name}.{fmt}"
            _write_atomic(path, lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, metadata=_metadata(fmt)))
            files.append(path)
    manifest = _manifest(spec, records, data, styles, usetex)
    manifest["files"] = {p.name: _sha256(p) for p in files}
    manifest_path = out / f"{spec.name}.json"
    text = json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
    _write_atomic(manifest_path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return Rendered(spec.name, (*files, manifest_path), manifest)


@dataclass(frozen=True)
class Skipped:
    """A figure that was not drawn, and why (e.g. torch is missing for the transformer figure)."""

    name: str
    reason: str


def render_all(
    names: Sequence[str],
    records: Records,
    out: str | os.PathLike[str],
    *,
    venue: str | None = None,
    usetex: bool = False,
    progress: Any = None,
) -> list[Rendered | Skipped]:
    """Render the figures ``names`` into ``out`` (created if needed); a figure that cannot be drawn is :class:`Skipped`.

    ``progress(name)`` is called before each figure (for a progress line on stderr).
    """
    from stl_bounds.figures import get_figure

    specs = [get_figure(name) for name in names]  # unknown names fail before anything is drawn
    _styles(venue)
    _check_usetex(usetex)
    Path(out).mkdir(parents=True, exist_ok=True)
    results: list[Rendered | Skipped] = []
    for spec in specs:
        if progress is not None:
            progress(spec.name)
        try:
            results.append(render(spec, records, out, venue=venue, usetex=usetex))
        except FigureSkipped as exc:
            results.append(Skipped(spec.name, str(exc)))
    return results
