r"""Plots of any registered bound: ``stl-bounds plot`` and :func:`stl_bounds.plot` (issue 9 §2).

One bound :math:`B(\theta)` (any registered id, built-in or loaded from a bound
file) is drawn against one parameter ``x`` on a grid, with the other
parameters fixed (their defaults, or the values given):

* ``hue``: one curve per value of a second parameter;
* ``col``: one panel per value of a third parameter;
* ``terms``: the named terms :math:`B = \sum_k T_k` (``Result.terms``) stacked
  under the total, one panel per ``col`` value.  Stacking shows a sum only when
  every :math:`T_k \ge 0`; when a term is negative somewhere they are drawn as
  lines instead and the legend says so;
* the regime of a recursive bound (one with a growth factor ρ, docs/theory.md
  §4.1: ρ < 1 converges, ρ = 1 critical, ρ > 1 collapses) is shaded along x
  where the curves of a panel agree, and named in each ``hue`` curve's label;
* where the bound has a trivial level (``Bound.trivial_at``, e.g. M for a loss
  in [0, M]), the region at or above it, where the bound says nothing (it is
  *vacuous*), is hatched when it lies in the plotted range.

Every plotted number comes from one :meth:`Bound.evaluate` on the broadcast
grid ``col × hue × x``.  The figure is a
:class:`~stl_bounds.figures.spec.FigureSpec` drawn with the paper style, so
:func:`~stl_bounds.figures.render.render` writes it reproducibly (a PDF
without date, byte-identical re-rendering) with its JSON manifest (bound id,
fidelity, citation, parameters, style, library versions, hash of the plotted
data).  The x grid is sorted and its repeats dropped; ``hue`` and ``col``
values keep their order.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser

from stl_bounds.bound import Bound
from stl_bounds.domains import as_array
from stl_bounds.errors import ParameterError
from stl_bounds.figures.render import Rendered, draw_figure, render, styled
from stl_bounds.figures.spec import FigureSpec, Records
from stl_bounds.grids import parse_assignment
from stl_bounds.parameters import CATALOG
from stl_bounds.registry import get

__all__ = ["SUFFIXES", "Axis", "PlotRequest", "figure_spec", "plot", "plot_request", "render_plot"]

#: File formats ``stl-bounds plot --out`` writes, by suffix.
SUFFIXES = ("pdf", "png", "svg")

#: Option names in messages: on the command line and in Python.
_CLI = {"x": "--x", "hue": "--hue", "col": "--col", "set": "--set", "terms": "--terms", "logx": "--logx"}
_PY = {"x": "x", "hue": "hue", "col": "col", "set": "keyword", "terms": "terms", "logx": "logx"}

#: Regime → (fill colour, opacity, legend label): Okabe–Ito green, orange, vermillion.
_REGIMES = {
    "converges": ("#009E73", 0.13, r"converges ($\rho < 1$)"),
    "critical": ("#E69F00", 0.22, r"critical ($\rho = 1$)"),
    "collapses": ("#D55E00", 0.13, r"collapses ($\rho > 1$)"),
}


@dataclass(frozen=True)
class Axis:
    """A parameter varied by the plot: its name, its values (1-D) and the text that gave them."""

    name: str
    values: np.ndarray
    text: str


@dataclass(frozen=True)
class PlotRequest:
    """A validated plot: the bound, the varied parameters, the fixed ones and the drawing options."""

    bound_id: str
    x: Axis
    hue: Axis | None
    col: Axis | None
    params: Mapping[str, float]
    terms: bool = False
    logx: bool = False
    logy: bool = False


def _integer_names(bound: Bound) -> frozenset[str]:
    names = {p.name for p in bound.parameters if p.domain.integer}
    if bound.accepts_m and CATALOG["m"].domain.integer:
        names.add("m")
    return frozenset(names)


def _check_name(bound: Bound, name: str, option: str) -> None:
    from stl_bounds.cli import _check_name as check  # the did-you-mean of every command

    try:
        check(bound, name)
    except ParameterError as exc:
        raise ParameterError(f"{option}: {exc}") from None


def _axis(bound: Bound, spec: str | tuple[str, Any], option: str) -> Axis:
    """Parse ``NAME=GRID`` (the grammar of :mod:`stl_bounds.grids`) or a ``(name, values)`` pair."""
    if isinstance(spec, str):
        try:
            name, value = parse_assignment(spec, integer_names=_integer_names(bound))
        except ParameterError as exc:
            raise ParameterError(f"{option}: {exc}") from None
        text = spec
    elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
        name, raw = spec
        value = as_array(name, raw)
        text = f"{name}={raw!r}"
    else:
        raise ParameterError(f"{option} takes NAME=GRID (e.g. i=0:50) or a pair (name, values); got {spec!r}")
    _check_name(bound, name, option)
    values = np.atleast_1d(np.asarray(value, dtype=float)).ravel()
    if values.size == 0:
        raise ParameterError(f"{option}: the grid of {name} is empty; give NAME=GRID such as {name}=0:1:lin:11")
    return Axis(name, values, text)


def plot_request(
    bound_id: str,
    *,
    x: str | tuple[str, Any],
    hue: str | tuple[str, Any] | None = None,
    col: str | tuple[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    terms: bool = False,
    logx: bool = False,
    logy: bool = False,
    cli: bool = False,
) -> PlotRequest:
    """Check a plot's inputs and return the :class:`PlotRequest`.

    Parameters
    ----------
    bound_id
        A registered id.
    x, hue, col
        ``"NAME=GRID"`` (e.g. ``"i=0:50"``, ``"lam=0.1,0.5"``) or ``(name, values)``.
    params
        Fixed values (one number each) of other parameters; the rest take their defaults.
    terms, logx, logy
        Draw the terms stacked under the total; logarithmic x or y axis.
    cli
        Name the options as on the command line (``--x``) rather than as keywords (``x``) in messages.

    Raises
    ------
    UnknownIdError
        For an unknown id (with the closest ids).
    ParameterError
        One line naming the option, the allowed form and the value: an unknown parameter, an empty grid, fewer
        than 2 x values, a parameter given twice, ``terms`` with ``hue``, ``logx`` with x ≤ 0, a value outside
        its domain.
    """
    opt = _CLI if cli else _PY
    bound = get(bound_id)
    x_axis = _axis(bound, x, opt["x"])
    x_values = np.unique(x_axis.values)
    if x_values.size < 2:
        raise ParameterError(
            f"{opt['x']}: a plot needs at least 2 distinct x values, a grid such as {x_axis.name}=0:1:lin:11; "
            f"got {x_axis.text}"
        )
    x_axis = Axis(x_axis.name, x_values, x_axis.text)
    axes: dict[str, Axis] = {"x": x_axis}
    for role, spec in (("hue", hue), ("col", col)):
        if spec is not None:
            a = _axis(bound, spec, opt[role])
            axes[role] = Axis(a.name, np.array(list(dict.fromkeys(a.values.tolist()))), a.text)
    seen: dict[str, str] = {}
    for role, a in axes.items():
        if a.name in seen:
            raise ParameterError(
                f"{opt[role]} and {opt[seen[a.name]]} vary the same parameter {a.name}; give each a different one "
                f"(got {opt[seen[a.name]]} {axes[seen[a.name]].text} and {opt[role]} {a.text})"
            )
        seen[a.name] = role
    fixed = _fixed(bound, params or {}, seen, opt)
    if terms and "hue" in axes:
        raise ParameterError(
            f"{opt['terms']} stacks the terms of one curve per panel: give several values with {opt['col']} "
            f"(one panel each), not {opt['hue']}; got {opt['hue']} {axes['hue'].text}"
        )
    if logx and x_values[0] <= 0:
        raise ParameterError(
            f"{opt['logx']} needs x values > 0 (a log axis); got {x_axis.name}={x_values[0]:g} in {opt['x']} "
            f"{x_axis.text}"
        )
    _check_domains(bound, fixed, axes, opt)
    return PlotRequest(bound.id, x_axis, axes.get("hue"), axes.get("col"), fixed, terms, logx, logy)


def _fixed(bound: Bound, params: Mapping[str, Any], varied: Mapping[str, str], opt: Mapping[str, str]) -> dict:
    """The fixed parameters: known names, one number each, not also varied."""
    fixed = {}
    for name, value in params.items():
        _check_name(bound, name, opt["set"])
        if name in varied:
            role = varied[name]
            raise ParameterError(
                f"{name} is given by {opt[role]} and {opt['set']}; give it once (got {opt['set']} {name}={value!r})"
            )
        x = as_array(name, value)
        if x.size != 1:
            raise ParameterError(
                f"{opt['set']}: {name} takes one number here; several values go to {opt['x']}, {opt['hue']} or "
                f"{opt['col']}; got {name}={value!r}"
            )
        fixed[name] = float(x.ravel()[0])
    return fixed


def _grid_params(request_axes: Mapping[str, Axis]) -> dict[str, np.ndarray]:
    """Each varied parameter on its own axis of the broadcast grid ``col × hue × x``."""
    shapes = {"col": (-1, 1, 1), "hue": (1, -1, 1), "x": (1, 1, -1)}
    return {a.name: a.values.reshape(shapes[role]) for role, a in request_axes.items()}


def _check_domains(bound: Bound, fixed: Mapping[str, float], axes: Mapping[str, Axis], opt: Mapping[str, str]) -> None:
    """Domains option by option (the message names the option), then the joint constraints on the whole grid."""
    try:
        bound.check(**fixed)
    except ParameterError as exc:
        raise ParameterError(f"{opt['set']}: {exc}") from None
    for role, a in axes.items():
        try:
            bound.check(**fixed, **{a.name: a.values})
        except ParameterError as exc:
            raise ParameterError(f"{opt[role]} {a.text}: {exc}") from None
    try:
        bound.check(**fixed, **_grid_params(axes))
    except ParameterError as exc:
        raise ParameterError(f"{', '.join(opt[r] for r in axes)}: {exc}") from None


def _roles(request: PlotRequest) -> dict[str, Axis]:
    return {role: a for role, a in (("col", request.col), ("hue", request.hue), ("x", request.x)) if a is not None}


def plot_data(request: PlotRequest, records: Records | None = None) -> dict[str, Any]:
    """What is plotted: one :meth:`Bound.evaluate` on the grid ``col × hue × x`` (arrays of that shape).

    ``value`` and each term have shape (C, H, N) for C panels, H curves and N x values; ``regime``
    (when the bound has a growth factor ρ) and ``trivial_at`` (when it has a trivial level) too.
    ``terms_mode`` is ``stacked`` when every term is ≥ 0 everywhere, ``lines`` otherwise.
    """
    bound = get(request.bound_id)
    roles = _roles(request)
    result = bound.evaluate(**request.params, **_grid_params(roles))
    shape = (
        request.col.values.size if request.col else 1,
        request.hue.values.size if request.hue else 1,
        request.x.values.size,
    )

    def full(v: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(v, dtype=float), shape).copy()

    terms = {name: full(t) for name, t in result.terms.items()}
    rho = result.diagnostics.get("rho")
    trivial = result.diagnostics.get("trivial_at")
    return {
        "bound": bound.id,
        "fidelity": bound.fidelity,
        "axes": {role: {"name": a.name, "values": a.values} for role, a in roles.items()},
        "params": {k: float(v) for k, v in result.params.items() if np.ndim(v) == 0},
        "value": full(result.value),
        "terms": terms,
        "terms_mode": ("stacked" if all(np.all(t >= 0) for t in terms.values()) else "lines")
        if request.terms
        else None,
        "regime": None if rho is None else np.broadcast_to(np.asarray(result.regime), shape).copy(),
        "trivial_at": None if trivial is None else full(trivial),
    }


# --- drawing -------------------------------------------------------------------------
_MATHTEXT = MathTextParser("path")


def _symbol(bound: Bound, name: str) -> str:
    """The parameter's symbol in mathtext (``$\\lambda$``), or its name where mathtext cannot typeset the LaTeX."""
    p = bound.parameter_map.get(name) or CATALOG.get(name)
    if p is None:
        return name
    text = f"${sp.latex(p.symbol)}$"
    try:
        _MATHTEXT.parse(text)
    except ValueError:
        return name
    return text


def _label(bound: Bound, name: str, value: float) -> str:
    return f"{_symbol(bound, name)} = {value:g}"


def _edges(x: np.ndarray, log: bool) -> np.ndarray:
    """Span edges: the ends of the grid and the midpoints between neighbours (geometric on a log axis)."""
    mid = np.sqrt(x[:-1] * x[1:]) if log else (x[:-1] + x[1:]) / 2
    return np.concatenate([x[:1], mid, x[-1:]])


def _runs(labels: Sequence[str]) -> list[tuple[str, int, int]]:
    """Maximal runs ``(label, first, last)`` of equal consecutive labels."""
    runs: list[tuple[str, int, int]] = []
    for k, label in enumerate(labels):
        if runs and runs[-1][0] == label:
            runs[-1] = (label, runs[-1][1], k)
        else:
            runs.append((label, k, k))
    return runs


def _shade_regimes(ax: Any, x: np.ndarray, regime: np.ndarray, log: bool) -> None:
    """Shade the regime along x where every curve of the panel has the same (``regime``: one row per curve).

    Where the curves differ nothing is shaded: each curve's label names its regime instead.
    """
    agreed = [str(col[0]) if np.all(col == col[0]) else "" for col in regime.T]
    edges = _edges(x, log)
    for label, first, last in _runs(agreed):
        if label:
            color, alpha, text = _REGIMES[label]
            ax.axvspan(
                edges[first],
                edges[last + 1],
                color=color,
                alpha=alpha,
                linewidth=0,
                zorder=0,
                gid=f"regime/{label}",
                label=f"regime: {text}",
            )


def _mark_vacuous(ax: Any, x: np.ndarray, trivial: np.ndarray, colors: Sequence[str]) -> None:
    """Hatch the region at or above the trivial level where it lies in the plotted range (limits kept).

    ``trivial`` has one row per curve; rows that differ are drawn as dotted lines in the curves' colours.
    """
    bottom, top = ax.get_ylim()
    if np.all(trivial >= top):
        return
    if np.all(trivial == trivial[0]):
        level = trivial[0]
        ax.plot(x, level, color="0.35", linestyle=(0, (4, 2)), linewidth=0.8, gid="trivial", label="trivial level")
        ax.fill_between(
            x,
            np.clip(level, bottom, top),
            top,
            facecolor="none",
            hatch="///",
            edgecolor="0.82",
            linewidth=0,
            zorder=0,
            gid="vacuous",
            label="vacuous: bound ≥ trivial level",
        )
    else:
        for row, color in zip(trivial, colors, strict=True):
            ax.plot(x, row, color=color, linestyle=":", linewidth=0.8, gid="trivial", label="trivial level (per curve)")
    ax.set_ylim(bottom, top)


def _draw_terms(ax: Any, x: np.ndarray, d: Mapping[str, Any], c: int) -> None:
    names = list(d["terms"])
    layers = [np.asarray(d["terms"][k])[c, 0] for k in names]
    labels = [k.replace("_", " ") for k in names]
    if d["terms_mode"] == "stacked":
        for poly, name in zip(ax.stackplot(x, *layers, labels=labels, alpha=0.7, linewidth=0), names, strict=True):
            poly.set_gid(f"term/{name}")
    else:
        for layer, label, name in zip(layers, labels, names, strict=True):
            ax.plot(x, layer, linewidth=1.0, label=label, gid=f"term/{name}")
    ax.plot(x, np.asarray(d["value"])[c, 0], color="black", linewidth=1.3, label="total", gid=f"total/{c}/0")


def _title(bound: Bound, d: Mapping[str, Any], width: float) -> str:
    chars = int(width * 9.5)
    head = f"{bound.id}: {bound.title}"
    if bound.fidelity == "template":
        head += r" (template: a rate statement, $\lesssim$)"
    varied = {a["name"] for a in d["axes"].values()}
    fixed = ", ".join(_label(bound, k, v) for k, v in d["params"].items() if k not in varied)
    return "\n".join([*textwrap.wrap(head, chars), *textwrap.wrap(fixed, int(chars * 1.15))])


def draw(fig: Figure, d: Mapping[str, Any], *, logx: bool = False, logy: bool = False) -> None:
    """Panels (one per ``col`` value), curves (one per ``hue`` value) or stacked terms, regimes, vacuous region."""
    bound = get(d["bound"])
    axes_info = d["axes"]
    x = np.asarray(axes_info["x"]["values"], dtype=float)
    value = np.asarray(d["value"], dtype=float)
    regime = None if d["regime"] is None else np.asarray(d["regime"])
    n_col, n_hue = value.shape[:2]
    axes = fig.subplots(1, n_col, sharey=True, squeeze=False)[0]
    colors: list[str] = []
    for c, ax in enumerate(axes):
        if regime is not None:
            _shade_regimes(ax, x, regime[c], logx)
        if d["terms_mode"] is not None:
            _draw_terms(ax, x, d, c)
        else:
            colors = []
            for h in range(n_hue):
                label = f"{bound.id}"
                if "hue" in axes_info:
                    label = _label(bound, axes_info["hue"]["name"], axes_info["hue"]["values"][h])
                    if regime is not None:
                        label += f" ({' → '.join(dict.fromkeys(str(r) for r in regime[:, h].ravel()))})"
                (line,) = ax.plot(x, value[c, h], label=label, gid=f"total/{c}/{h}")
                colors.append(line.get_color())
        if "col" in axes_info:
            ax.set_title(_label(bound, axes_info["col"]["name"], axes_info["col"]["values"][c]), loc="left")
        ax.set_xlabel(_symbol(bound, axes_info["x"]["name"]))
        ax.set_xlim(x[0], x[-1])
        ax.set_xscale("log" if logx else "linear")
        ax.set_yscale("log" if logy else "linear")
    axes[0].set_ylabel(("value" if bound.kind == "identity" else "bound") + f" ({bound.id})")
    if d["trivial_at"] is not None:
        trivial = np.asarray(d["trivial_at"], dtype=float)
        for c, ax in enumerate(axes):
            _mark_vacuous(ax, x, trivial[c], colors)
    _legend(fig, axes, d)
    fig.suptitle(_title(bound, d, fig.get_figwidth()), x=0.01, ha="left", fontsize="small")


def _legend(fig: Figure, axes: Sequence[Any], d: Mapping[str, Any]) -> None:
    """One figure legend (entries of every panel, each label once), beside the panels or below a narrow figure."""
    entries: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    title = None
    if d["terms_mode"] == "stacked":
        title = "terms stacked under the total"
    elif d["terms_mode"] == "lines":
        title = "terms drawn as lines:\na term is negative, so a stack\nwould not show the sum"
    wide = fig.get_figwidth() >= 5
    fig.legend(
        list(entries.values()),
        list(entries),
        loc="outside right upper" if wide else "outside lower center",
        ncols=1 if wide else 2,
        title=title,
        title_fontsize="small",
    )


# --- the figure, in Python and in files ----------------------------------------------
def figure_spec(request: PlotRequest, name: str = "plot") -> FigureSpec:
    """The :class:`FigureSpec` of ``request`` (files ``name.*``): its data, drawing and manifest entries."""
    bound = get(request.bound_id)
    roles = _roles(request)
    rate = ", a rate statement (≲)" if bound.fidelity == "template" else ""
    varied = "; ".join(f"{role} {a.name} = {a.text.partition('=')[2] or a.text}" for role, a in roles.items())
    return FigureSpec(
        name=name,
        caption=f"{bound.id} ({bound.fidelity}{rate}): {bound.title}; against {request.x.name} ({varied}).",
        theory=bound.citation.theory,
        bound_ids=(bound.id,),
        campaigns=(),
        data=partial(plot_data, request),
        draw=partial(draw, logx=request.logx, logy=request.logy),
        parameters={
            "axes": {role: {"name": a.name, "values": a.values, "text": a.text} for role, a in roles.items()},
            "set": dict(request.params),
            "others": "defaults",
            "terms": request.terms,
            "logx": request.logx,
            "logy": request.logy,
        },
        aspect=0.42 if request.col else 0.45,
        column_aspect=1.0,
        full_width=request.col is not None and request.col.values.size > 1,
    )


def plot(
    bound_id: str,
    *,
    x: str | tuple[str, Any],
    hue: str | tuple[str, Any] | None = None,
    col: str | tuple[str, Any] | None = None,
    terms: bool = False,
    logx: bool = False,
    logy: bool = False,
    venue: str | None = None,
    **params: Any,
) -> Figure:
    """A matplotlib :class:`~matplotlib.figure.Figure` of the bound ``bound_id`` against one parameter.

    Example: ``stl_bounds.plot("fu2025.thm1", x="i=0:60", hue="lam=0,0.1,0.5", n=5000)``.

    Parameters
    ----------
    bound_id
        A registered id (built-in, from a bound file or a plugin).
    x
        The horizontal axis: ``"NAME=GRID"`` in the grammar of ``--set`` (``"i=0:50"``, ``"n=1e2:1e6:log:20"``)
        or ``(name, values)``; at least 2 distinct values, sorted for the plot.
    hue, col
        One curve (``hue``) or one panel (``col``) per value, in the same forms.
    terms
        Draw the terms stacked under the total (as lines when a term is negative).
    logx, logy
        Logarithmic axes.
    venue
        A venue overlay of :mod:`stl_bounds.styles` (``onecolumn``), or ``None`` for the paper style.
    **params
        Fixed values of other parameters (one number each); the rest take their defaults.

    Raises
    ------
    StlBoundsError
        For bad input (one line), see :func:`plot_request`.
    """
    request = plot_request(bound_id, x=x, hue=hue, col=col, params=params, terms=terms, logx=logx, logy=logy)
    spec = figure_spec(request)
    with styled(venue):
        return draw_figure(spec, spec.data(Records({})))


def render_plot(request: PlotRequest, out: str | Path, *, venue: str | None = None) -> Rendered:
    """Write the plot to ``out`` (``.pdf``, ``.png`` or ``.svg``) and its manifest beside it (``.json``).

    Raises
    ------
    ParameterError
        For another suffix, an unknown venue or a folder that cannot be written.
    """
    from stl_bounds.figures.cli import check_writable

    path = Path(out)
    suffix = path.suffix.lstrip(".")
    if suffix not in SUFFIXES or not path.stem:
        raise ParameterError(
            f"--out: the file name must end in {', '.join('.' + s for s in SUFFIXES)} (e.g. plot.pdf); got {str(out)!r}"
        )
    check_writable(path.parent)
    return render(figure_spec(request, path.stem), Records({}), path.parent, venue=venue, formats=(suffix,))
