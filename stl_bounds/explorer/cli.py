"""The ``explore`` subcommand: write the explorer page.

::

    stl-bounds explore [ID ...] [--bounds FILE ...] --out explorer.html

Without ids the page holds every registered bound (bound files of ``--bounds`` included).  An unknown id,
an unreadable bound file or an unusable ``--out`` exits 2 with one line on stderr (:func:`stl_bounds.cli.main`).
"""

from __future__ import annotations

import argparse
import sys

from stl_bounds.registry import all_bounds, get

__all__ = ["configure_explore_parser", "run_explore"]


def configure_explore_parser(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``explore`` to ``p``."""
    p.add_argument("ids", nargs="*", metavar="ID", help="bounds on the page (default: every registered id)")
    p.add_argument("--out", default="explorer.html", metavar="FILE", help="the HTML file (default explorer.html)")


def run_explore(args: argparse.Namespace) -> int:
    """Handle ``stl-bounds explore``; return the exit status (errors propagate to the CLI's one-line report)."""
    from stl_bounds.explorer.page import write_explorer

    bounds = [get(i) for i in dict.fromkeys(args.ids)] if args.ids else all_bounds()
    print(f"stl-bounds explore: typesetting and compiling {len(bounds)} bounds ...", file=sys.stderr)
    path = write_explorer(args.out, bounds)
    print(f"wrote {path} ({len(bounds)} bounds, {path.stat().st_size / 1e6:.2f} MB)")
    return 0
