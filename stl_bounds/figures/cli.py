"""The ``figures`` subcommand: render the publication figures (PDF, PNG, JSON manifest).

::

    stl-bounds figures [--out stl-figures/] [--only NAME ...] [--results FILE]
                       [--venue onecolumn] [--usetex] [--seed S] [--workers W] [--no-progress]

Figures of the calculator are drawn from the registry alone.  Figures of
campaign results read ``--results`` (a ``results.json`` of ``stl-bounds
verify`` or of ``stl-bounds report``); without it the campaigns they need run
here in quick mode with ``--seed`` (progress on stderr).  A figure whose
record is missing or skipped (the transformer figure without torch) is
reported as skipped.  Exit status: 0 when every requested figure was drawn or
skipped with a note, 2 on bad input (unknown figure, unwritable folder,
incompatible results file), 130 when interrupted.

The default output folder is ``stl-figures/`` (ignored by git), not the
committed ``figures/`` of a clone: a user trying the command does not overwrite
them.  Maintainers re-render those with ``--out figures``.
"""

from __future__ import annotations

from stl_bounds.argtypes import int_at_least
import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from stl_bounds.errors import ParameterError, StlBoundsError
from stl_bounds.figures import get_figure, names
from stl_bounds.styles import VENUES

if TYPE_CHECKING:
    from stl_bounds.figures.render import Rendered, Skipped

__all__ = ["DEFAULT_OUT", "HELP", "campaigns_needed", "check_writable", "configure_figures_parser", "run_figures"]

PROG = "stl-bounds figures"
HELP = "render the publication figures (PDF + PNG + JSON manifest)"
#: Default output folder: outside the committed ``figures/`` of a clone (ignored by git).
DEFAULT_OUT = "stl-figures"


def campaigns_needed(figures: Sequence[str]) -> list[str]:
    """The campaign records the figures ``figures`` plot, in first-use order."""
    seen: dict[str, None] = {}
    for name in figures:
        seen.update(dict.fromkeys(get_figure(name).campaigns))
    return list(seen)


def check_writable(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` if needed and check that files can be written in it.

    Raises
    ------
    ParameterError
        When the folder cannot be created or written to (a file in the way, no permission).
    """
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise ParameterError(f"cannot write to the output folder {folder}: {exc.strerror or exc}") from None
    return path


def configure_figures_parser(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``figures`` to ``p``."""
    p.epilog = f"Figures: {', '.join(names())}."
    p.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"output folder (default {DEFAULT_OUT}/; --out figures re-renders the committed figures of a clone)",
    )
    p.add_argument("--only", nargs="+", metavar="NAME", help="render only these figures (default: all)")
    p.add_argument(
        "--results", metavar="FILE", help="results.json of `stl-bounds verify`/`report` (default: run what is needed)"
    )
    p.add_argument("--venue", choices=sorted(VENUES), default=None, help="venue overlay on the paper style")
    p.add_argument("--usetex", action="store_true", help="typeset text with LaTeX (default: mathtext, no LaTeX)")
    p.add_argument("--seed", type=int_at_least(0), default=0, metavar="S", help="root seed of the campaigns run here (default 0)")
    p.add_argument(
        "--workers", type=int_at_least(1), default=os.cpu_count() or 1, metavar="W", help="worker processes (default: CPU count)"
    )
    p.add_argument("--no-progress", dest="bars", action="store_false", default=None, help="no progress bars")


def _print_outcome(results: Sequence[Rendered | Skipped], out: Path) -> None:
    from stl_bounds.figures.render import Rendered

    for item in results:
        if isinstance(item, Rendered):
            print(f"{item.name:<24} {', '.join(str(out / p.name) for p in item.files)}")
        else:
            print(f"{item.name:<24} skipped: {item.reason}")


def run_figures(args: argparse.Namespace) -> int:
    """Handle ``stl-bounds figures``; return the exit status."""
    from stl_bounds.figures.records import load_results, run_campaigns
    from stl_bounds.figures.render import render_all
    from stl_bounds.figures.spec import Records

    try:
        figures = list(dict.fromkeys(args.only)) if args.only else names()
        needed = campaigns_needed(figures)
        out = check_writable(args.out)
        if args.results is not None:
            records = load_results(args.results)
        elif needed:
            print(f"{PROG}: running the campaigns {', '.join(needed)} (quick mode, seed {args.seed})", file=sys.stderr)
            with tempfile.TemporaryDirectory(prefix="stl-bounds-figures-") as work:
                records = run_campaigns(needed, work, seed=args.seed, workers=args.workers, progress=args.bars)
        else:
            records = Records({}, seed=None)
        results = render_all(
            figures,
            records,
            out,
            venue=args.venue,
            usetex=args.usetex,
            progress=lambda name: print(f"{PROG}: drawing {name}", file=sys.stderr),
        )
    except StlBoundsError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; figures already written are complete, rerun to finish", file=sys.stderr)
        return 130
    _print_outcome(results, out)
    return 0
