"""The ``plot`` subcommand: any registered bound against one parameter, to a PDF, PNG or SVG with its manifest.

::

    stl-bounds plot ID --x NAME=GRID [--hue NAME=VALUES] [--col NAME=VALUES] [--set NAME=VALUE ...]
                    [--terms] [--logx] [--logy] [--venue onecolumn] --out FILE.pdf|png|svg

Grids take the grammar of ``--set`` (:mod:`stl_bounds.grids`).  The file is
written with its JSON manifest beside it (``FILE.json``); re-running the same
command gives identical bytes.  See :mod:`stl_bounds.figures.plot_any`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from stl_bounds.errors import GridError
from stl_bounds.grids import parse_assignment
from stl_bounds.styles import VENUES

__all__ = ["EPILOG", "HELP", "configure_plot_parser", "run_plot"]

PROG = "stl-bounds plot"
HELP = "plot any bound against one parameter (PDF, PNG or SVG, with a JSON manifest)"

EPILOG = """\
examples:
  stl-bounds plot fu2025.thm1 --x i=0:60 --hue lam=0,0.1,0.5 --out bound.pdf
  stl-bounds plot fu2025.thm1 --x lam=0:1:lin:201 --terms --col eps=0.05,0.005 --out terms.png
  stl-bounds plot lemma.amplified_shift --x lam=0:1:lin:101 --set kappa=2 --set i=30 --out shift.svg

--x, --hue and --col take a parameter and a grid in the grammar of --set (a:b, a:b:step,
a,b,c, a:b:lin:k, a:b:log:k); --set fixes other parameters (one number each), the rest take
their defaults. The regime of a recursive bound is shaded along x; the region where the bound
is vacuous (at or above its trivial level) is hatched. The manifest is FILE.json beside FILE.
"""


def configure_plot_parser(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``plot`` to ``p``."""
    p.add_argument("id", metavar="ID", help="registered id (see `stl-bounds list`)")
    p.add_argument("--x", required=True, metavar="NAME=GRID", help="the horizontal axis, e.g. i=0:50 (>= 2 values)")
    p.add_argument("--hue", metavar="NAME=VALUES", help="one curve per value, e.g. lam=0,0.1,0.5")
    p.add_argument("--col", metavar="NAME=VALUES", help="one panel per value, e.g. kappa=1,2")
    p.add_argument(
        "--set", metavar="NAME=VALUE", action="append", default=[], help="fix a parameter (one number); repeat"
    )
    p.add_argument("--terms", action="store_true", help="stack the terms under the total (lines if one is negative)")
    p.add_argument("--logx", action="store_true", help="logarithmic x axis (x values > 0)")
    p.add_argument("--logy", action="store_true", help="logarithmic y axis")
    p.add_argument("--venue", choices=sorted(VENUES), default=None, help="venue overlay on the paper style")
    p.add_argument("--out", required=True, metavar="FILE", help="output file: .pdf, .png or .svg (+ FILE.json)")


def _fixed(texts: list[str]) -> dict[str, Any]:
    """``--set`` texts → name: value, each parameter once (grids are refused later with the option named)."""
    values: dict[str, Any] = {}
    typed: dict[str, str] = {}
    for text in texts:
        name, value = parse_assignment(text)
        if name in values:
            raise GridError(f"--set: {name} is set twice (--set {typed[name]} and --set {text}); give it once")
        values[name], typed[name] = value, text
    return values


def run_plot(args: argparse.Namespace) -> int:
    """Handle ``stl-bounds plot``; return the exit status (bad input raises, reported by the CLI as exit 2)."""
    from stl_bounds.figures.plot_any import plot_data, plot_request, render_plot

    request = plot_request(
        args.id,
        x=args.x,
        hue=args.hue,
        col=args.col,
        params=_fixed(args.set),
        terms=args.terms,
        logx=args.logx,
        logy=args.logy,
        cli=True,
    )
    rendered = render_plot(request, args.out, venue=args.venue)
    print("\n".join(str(path) for path in rendered.files))
    if request.terms and plot_data(request)["terms_mode"] == "lines":
        print(f"{PROG}: a term is negative somewhere, so the terms are drawn as lines, not stacked", file=sys.stderr)
    return 0
