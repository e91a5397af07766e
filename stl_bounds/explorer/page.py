"""The explorer page: one self-contained HTML file for a set of bounds (issue 11).

The page holds, inline, everything it needs: the bounds' descriptions and typeset formulas
(:mod:`stl_bounds.explorer.pagedata`), their formulas compiled to JavaScript
(:mod:`stl_bounds.explorer.jscode`), the special functions (``static/special.js``), the page's own
script and style (``static/explorer.js``, ``static/explorer.css``) and the plotting library uPlot
(``vendor/``, MIT, version in ``vendor/VERSION``).  A Content-Security-Policy forbids every request to
any host, so opening the page never touches the network.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from stl_bounds import __version__
from stl_bounds.bound import Bound
from stl_bounds.errors import ParameterError
from stl_bounds.explorer.formulas import FormulaSet
from stl_bounds.explorer.pagedata import bound_page
from stl_bounds.parameters import CATALOG

__all__ = ["explorer_html", "write_explorer"]

#: The bound the page opens with when it is on the page (the headline bound of the report), else the first.
DEFAULT_ID = "fu2025.thm1"
#: No request to any host: scripts and styles only inline, images only from data/blob URLs.
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:"


def _asset(name: str) -> str:
    return (resources.files("stl_bounds.explorer") / name).read_text(encoding="utf-8")


def _script_json(value: object) -> str:
    """JSON safe inside ``<script>``: ``</`` cannot end the element."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")


def explorer_html(bounds: Sequence[Bound]) -> str:
    """The explorer page for ``bounds`` (in that order), as one HTML document.

    Raises
    ------
    ExplorerBuildError
        When a formula has no JavaScript version (the message names the id and the function).
    ParameterError
        When ``bounds`` is empty.
    """
    if not bounds:
        raise ParameterError("the explorer needs at least one bound; got none")
    formulas = FormulaSet()
    pages = [bound_page(b, formulas) for b in bounds]
    m = CATALOG["m"]
    data = {
        "version": __version__,
        "defaultId": DEFAULT_ID if any(b.id == DEFAULT_ID for b in bounds) else bounds[0].id,
        "bounds": [p.data for p in pages],
        "mDomain": {
            "domain": {
                "lower": m.domain.lower,
                "upper": None,
                "lowerOpen": m.domain.lower_open,
                "upperOpen": m.domain.upper_open,
                "integer": m.domain.integer,
            },
            "domainText": m.domain.describe(),
        },
    }
    kernels = ",\n".join(f"{_script_json(p.data['id'])}: {p.code.source()}" for p in pages)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="stl-bounds {html.escape(__version__)}">
<title>stl-bounds explorer</title>
<style>{_asset("vendor/uPlot.min.css")}</style>
<style>{_asset("static/explorer.css")}</style>
</head>
<body>
{formulas.defs()}
<header>
<h1>stl-bounds explorer</h1>
<label>bound <select id="bound"></select></label>
</header>
<main>
<div>
<section id="info">
<h2 id="title"></h2>
<div><span id="bound-id"></span> · <span id="fidelity"></span></div>
<p id="citation"></p>
<ul id="assumptions"></ul>
<div id="terms"></div>
</section>
<section id="controls-box">
<div id="controls"></div>
</section>
</div>
<section id="plot-box">
<div id="axis">
<label>x <select id="x"></select></label>
<label>from <input type="text" id="from"></label>
<label>to <input type="text" id="to"></label>
<label><input type="checkbox" id="xlog"> log x</label>
<label><input type="checkbox" id="ylog"> log y</label>
<label>target <input type="text" id="target" placeholder="e.g. 0.2"></label>
<label>solve for <select id="solve"></select></label>
<button id="export" type="button">export CSV</button>
</div>
<div id="status">
<span id="value"></span>
<span id="regime" class="regime"></span>
<span id="vacuous"></span>
<span id="solution"></span>
</div>
<div id="message" role="alert"></div>
<div id="curve-note"></div>
<div id="plot"></div>
<div id="legend-regimes">shading: <span class="regime converges">converges (ρ &lt; 1)</span>\
<span class="regime critical">critical (ρ = 1)</span><span class="regime collapses">collapses (ρ &gt; 1)</span></div>
</section>
</main>
<footer>stl-bounds {html.escape(__version__)}; formulas compiled from the registry's sympy expressions;
plots by uPlot (MIT). Sections cited as docs/theory.md §x refer to the theory document of stl-bounds.</footer>
<script type="application/json" id="stl-data">{_script_json(data)}</script>
<script>{_asset("vendor/uPlot.iife.min.js")}</script>
<script>{_asset("static/special.js")}</script>
<script>
"use strict";
const KERNELS = {{
{kernels}
}};
</script>
<script>{_asset("static/explorer.js")}</script>
</body>
</html>
"""


def write_explorer(out: str | Path, bounds: Sequence[Bound]) -> Path:
    """Write the explorer page for ``bounds`` to ``out`` (a file; its folder must exist); return its path.

    Raises
    ------
    ParameterError
        When ``out`` is a folder or its folder does not exist.
    """
    path = Path(out)
    if path.is_dir():
        raise ParameterError(f"--out {out} is a folder; give a file name such as explorer.html")
    if not path.parent.is_dir():
        raise ParameterError(f"--out {out}: the folder {path.parent} does not exist")
    text = explorer_html(bounds)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ParameterError(f"--out {out}: cannot write ({exc.strerror})") from None
    return path
