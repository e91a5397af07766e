"""Rich displays for Jupyter: a :class:`~stl_bounds.bound.Bound` as LaTeX and Markdown, a
:class:`~stl_bounds.result.Result` as HTML.

Jupyter calls ``_repr_latex_``, ``_repr_markdown_`` and ``_repr_html_`` on the last value of
a cell; ``Bound`` and ``Result`` forward to the functions here, so that the data classes stay
descriptions and this module is imported only when a notebook asks for a display.

Every piece of text that comes from a bound (title, citation, assumptions, parameter
descriptions; a bound file may put anything there) is escaped: Markdown's special characters
in Markdown, ``<``, ``>``, ``&`` and quotes in HTML.  Values are printed as the CLI prints them:
six significant digits, an upper bound rounded up in its last digit (docs/theory.md §4.5).
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

if TYPE_CHECKING:
    from stl_bounds.bound import Bound
    from stl_bounds.result import Result

__all__ = ["bound_latex", "bound_markdown", "result_html"]

#: Significant digits of displayed values.
DIGITS = 6
#: Grid points shown in a result's HTML table; the rest are counted.
MAX_ROWS = 20

#: Characters escaped with a backslash.  Brackets become character references instead: a
#: backslash before ``[`` or ``(`` would make ``\\[ ... \\]`` a MathJax delimiter in Jupyter.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}<>#+!|~$])")
_BRACKETS = str.maketrans({"[": "&#91;", "]": "&#93;"})


def markdown_escape(text: str) -> str:
    """``text`` safe in Markdown: special characters backslash-escaped (``a_b`` → ``a\\_b``), brackets
    as character references (no link, no math delimiter can be formed)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).translate(_BRACKETS)


def table_math(latex: str) -> str:
    """LaTeX for a Markdown table cell: a bar would end the cell, so ``\\|`` → ``\\Vert``, ``|`` → ``\\vert``."""
    return latex.replace("\\|", "\\Vert ").replace("|", "\\vert ")


def bound_latex(bound: Bound) -> str:
    """Display math ``$$B = <LaTeX of the bound>$$`` (the sum of its terms, as registered)."""
    return f"$$B = {bound.latex()}$$"


def bound_markdown(bound: Bound) -> str:
    """Title, id, fidelity, citation, formula, terms, parameters, assumptions and notes as Markdown."""
    from stl_bounds.bound import FIDELITY_LABELS

    relation = "an upper bound (≤)" if bound.kind == "bound" else "an exact value (=)"
    lines = [
        f"**{markdown_escape(bound.title)}**",
        "",
        f"- id: `{bound.id}`",
        f"- fidelity: `{bound.fidelity}`: {markdown_escape(FIDELITY_LABELS[bound.fidelity])}",
        f"- kind: {bound.kind}, {relation}",
        f"- citation: {markdown_escape(bound.citation.text())}",
        "",
        bound_latex(bound),
        "",
    ]
    if len(bound.terms) > 1:
        lines += ["| term | formula |", "|---|---|"]
        lines += [f"| `{name}` | ${table_math(sp.latex(expr))}$ |" for name, expr in bound.terms]
        lines.append("")
    lines += ["| parameter | symbol | domain | default | description |", "|---|---|---|---|---|"]
    for p in bound.parameters:
        cells = (
            f"`{p.name}`",
            f"${table_math(sp.latex(p.symbol))}$",
            markdown_escape(p.domain.describe()),
            markdown_escape(p.default_text()),
            markdown_escape(p.description),
        )
        lines.append("| " + " | ".join(cells) + " |")
    for heading, items in (("assumptions", bound.assumptions), ("notes", bound.notes)):
        if items:
            lines += ["", f"{heading}:", *(f"- {markdown_escape(item)}" for item in items)]
    return "\n".join(lines) + "\n"


def _direction(result: Result) -> str:
    """``"up"`` for an upper bound (its printed value must not fall below it), else ``"nearest"``."""
    from stl_bounds.errors import UnknownIdError
    from stl_bounds.registry import get

    try:
        return "up" if get(result.id).kind == "bound" else "nearest"
    except UnknownIdError:  # a Result built by hand: no claim to be an upper bound
        return "nearest"


def _number(x: Any, direction: str = "nearest") -> str:
    from stl_bounds.safe_side import sig_text

    return sig_text(x, DIGITS, direction)


def _share(term: Any, value: Any) -> str:
    """A term's share of the total in percent, computed in the result's own precision."""
    if not value:
        return ""
    return f"{100 * float(term / value):.1f} %"


def _row(cells: list[str], tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"


def _table(header: list[str], rows: list[list[str]]) -> str:
    return "<table>" + _row(header, "th") + "".join(_row(r) for r in rows) + "</table>"


def _vacuous_html(vacuous: Any, trivial_at: Any) -> str:
    """The vacuous flag: the bound is at or above the value where it holds trivially (``Bound.trivial_at``)."""
    if not vacuous:
        return ""
    where = "" if trivial_at is None else f" ({_number(trivial_at)})"
    return (
        "<p><strong>vacuous</strong>: the bound is at or above the value where it holds trivially"
        f"{html.escape(where)}: it says nothing here.</p>"
    )


def _point_html(result: Result, direction: str) -> str:
    value = result.value
    rounding = " (an upper bound, rounded up in its last digit)" if direction == "up" else ""
    parts = [f"<p><strong>value</strong>: {html.escape(_number(value, direction))}{rounding}</p>"]
    rows = [[name, _number(v), _share(v, value)] for name, v in result.terms.items()]
    parts.append(_table(["term", "value", "share"], rows))
    if result.regime != "n/a":
        rho = result.diagnostics.get("rho")
        parts.append(
            f"<p><strong>regime</strong>: {html.escape(str(result.regime))} (ρ = {html.escape(_number(rho))})</p>"
        )
    parts.append(_vacuous_html(result.diagnostics.get("vacuous"), result.diagnostics.get("trivial_at")))
    params = [[name, _number(v)] for name, v in result.params.items()]
    parts.append("<details><summary>parameters</summary>" + _table(["name", "value"], params) + "</details>")
    return "".join(parts)


def _grid_html(result: Result, direction: str) -> str:
    shape = result.shape
    size = int(np.prod(shape))
    flat = {k: np.broadcast_to(np.asarray(v, dtype=object), shape).reshape(size) for k, v in result.params.items()}
    varying = [k for k, v in flat.items() if len({float(x) for x in v}) > 1]
    value = np.broadcast_to(np.asarray(result.value, dtype=object), shape).reshape(size)
    has_regime = result.diagnostics.get("rho") is not None
    regime = np.broadcast_to(np.asarray(result.regime, dtype=object), shape).reshape(size) if has_regime else None
    vac = result.diagnostics.get("vacuous")
    vacuous = None if vac is None else np.broadcast_to(np.asarray(vac, dtype=bool), shape).reshape(size)
    header = [*varying, "value"] + (["regime"] if has_regime else []) + (["vacuous"] if vacuous is not None else [])
    rows = []
    for j in range(min(size, MAX_ROWS)):
        row = [_number(flat[k][j]) for k in varying] + [_number(value[j], direction)]
        row += [str(regime[j])] if regime is not None else []
        row += (["yes" if vacuous[j] else ""]) if vacuous is not None else []
        rows.append(row)
    more = f"<p>… and {size - MAX_ROWS} more points</p>" if size > MAX_ROWS else ""
    return f"<p>grid of {size} points (shape {html.escape(str(shape))})</p>" + _table(header, rows) + more


def result_html(result: Result) -> str:
    """The value, the terms with their shares, the regime and the vacuous flag, as an HTML fragment.

    On a grid: one row per point (the first :data:`MAX_ROWS`), with the parameters that vary.
    """
    direction = _direction(result)
    head = (
        f"<p><code>{html.escape(result.id)}</code> "
        f"(fidelity <code>{html.escape(result.fidelity)}</code>, "
        f"precision {html.escape(str(result.diagnostics.get('precision', 'float64')))})</p>"
    )
    body = _point_html(result, direction) if result.shape == () else _grid_html(result, direction)
    return f'<div class="stl-bounds-result">{head}{body}</div>'
