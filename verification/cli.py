"""The ``verify`` subcommand: a thin shell over :func:`verification.run` (STYLE habit 7).

::

    stl-bounds verify [CAMPAIGN ...] [--replicates R] [--seed S] [--workers W]
                      [--out DIR] [--resume] [--quick | --full]
                      [--executor inprocess|process|dask] [--scheduler ADDRESS]
                      [--device auto|cpu|cuda]

Progress bars go to stderr, the summary table to stdout.  Exit status
(:data:`EXIT_CODES`): 0 when every check of the campaigns that ran passes, 1
when a check fails, 2 on bad input (one-line message, no traceback; nothing is
computed), 3 when a campaign named on the command line was skipped, so that
nothing was verified for it (e.g. an ``icl_*`` campaign without torch: the
message says how to install it), 130 when interrupted (finished chunks are
kept: rerun with ``--resume``).  A run of the default set reports its skipped
campaigns in the summary (``6 campaigns passed, 3 skipped, not verified (why)``)
and exits 0 when the rest pass.

The main CLI registers the subcommand with :func:`add_verify_parser` (on its
subparsers) or :func:`configure_verify_parser` (on a parser it made); both set
``handler=run_verify`` on the parsed namespace.  :func:`main` is a standalone
entry (``python -m verification verify ...``) built on the same parser.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from stl_bounds.argtypes import int_at_least
from stl_bounds.errors import StlBoundsError
from verification.campaign import MODES
from verification.campaigns import names
from verification.executors import EXECUTORS
from verification.icl import DEVICE_ENV, DEVICES
from verification.report import REPORT_FILE, RESULTS_FILE, record_status, skip_cause, summary_table
from verification.runner import DEFAULT_OUT, run

__all__ = [
    "EXIT_CODES",
    "EXIT_NOT_VERIFIED",
    "HELP",
    "add_verify_parser",
    "configure_verify_parser",
    "main",
    "run_verify",
]

#: Exit status when a campaign named on the command line was skipped: nothing was verified for it.
EXIT_NOT_VERIFIED = 3

#: Exit statuses of ``stl-bounds verify``, as the help text states them.
EXIT_CODES = (
    "0 every check of the campaigns that ran passes (skipped ones are counted in the summary), "
    "1 a check fails, 2 bad input, "
    f"{EXIT_NOT_VERIFIED} a campaign named on the command line was skipped (nothing verified for it), "
    "130 interrupted (rerun with --resume)"
)

PROG = "stl-bounds verify"


HELP = "run the Monte Carlo verification campaigns of docs/theory.md §6"


def add_verify_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``verify`` on ``subparsers``; the namespace gets ``handler=run_verify``."""
    configure_verify_parser(subparsers.add_parser("verify", help=HELP, description=HELP))


def configure_verify_parser(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``verify`` to ``p`` (and ``handler=run_verify`` to its namespace)."""
    p.epilog = (
        f"Writes chunks/, results.json and report.md to the output folder. Campaigns: {', '.join(names())} "
        "(default: all; the icl_* campaigns are the transformer path, which needs torch and is recorded as skipped "
        f"without it). Exit codes: {EXIT_CODES}."
    )
    p.add_argument("campaigns", nargs="*", metavar="CAMPAIGN", help="campaigns to run (default: the default set)")
    p.add_argument(
        "--replicates",
        type=int_at_least(1),
        default=None,
        metavar="R",
        help="replicates per task (default: the mode's)",
    )
    p.add_argument("--seed", type=int_at_least(0), default=0, metavar="S", help="root seed (default 0)")
    p.add_argument(
        "--workers",
        type=int_at_least(1),
        default=os.cpu_count() or 1,
        metavar="W",
        help="worker processes (default: CPU count)",
    )
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default {DEFAULT_OUT}/)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its saved chunks")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help="fast run (default)")
    mode.add_argument(
        "--full", dest="mode", action="store_const", const="full", help="enough replicates for tight intervals"
    )
    p.add_argument("--executor", default="process", choices=EXECUTORS, help="where chunks run (default process)")
    p.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="dask scheduler address (default: a LocalCluster)"
    )
    p.add_argument(
        "--chunk-size",
        type=int_at_least(1),
        default=None,
        metavar="C",
        help="replicates per chunk (default: the campaign's)",
    )
    p.add_argument(
        "--device",
        choices=DEVICES,
        default=None,
        help=f"device of the torch campaigns: auto (cuda when available), cpu or cuda (default: ${DEVICE_ENV} or auto)",
    )
    p.add_argument("--no-progress", dest="progress", action="store_false", default=None, help="no progress bars")
    p.set_defaults(handler=run_verify, mode=MODES[0])


def run_verify(args: argparse.Namespace) -> int:
    """Handle ``stl-bounds verify``: run, print the summary, return the exit status."""
    start = time.perf_counter()
    if args.device is not None:
        os.environ[DEVICE_ENV] = args.device  # read by the torch campaigns, here and in the worker processes
    try:
        document = run(
            args.campaigns or None,
            replicates=args.replicates,
            seed=args.seed,
            workers=args.workers,
            out=args.out,
            resume=args.resume,
            mode=args.mode,
            executor=args.executor,
            scheduler=args.scheduler,
            chunk_size=args.chunk_size,
            progress=args.progress,
        )
    except StlBoundsError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"{PROG}: interrupted; finished chunks are saved in {args.out}/chunks; "
            "rerun the same command with --resume to continue",
            file=sys.stderr,
        )
        return 130
    sys.stdout.write(summary_table(document))
    print(f"wrote {os.path.join(args.out, RESULTS_FILE)} and {os.path.join(args.out, REPORT_FILE)}")
    print(f"{PROG}: finished in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return _exit_status(document, named=args.campaigns)


def _exit_status(document: Mapping[str, Any], *, named: Sequence[str]) -> int:
    """1 when a check failed; :data:`EXIT_NOT_VERIFIED` (with one line on stderr) when a named campaign was skipped."""
    if not document["passed"]:
        return 1
    records = document["campaigns"]
    unverified = [name for name in dict.fromkeys(named) if record_status(records[name]) == "skipped"]
    if not unverified:
        return 0
    causes = "; ".join(dict.fromkeys(skip_cause(name, records[name].get("skip_reason") or "") for name in unverified))
    print(
        f"{PROG}: not verified: {', '.join(unverified)} {'was' if len(unverified) == 1 else 'were'} skipped "
        f"({causes}); exit status {EXIT_NOT_VERIFIED}",
        file=sys.stderr,
    )
    return EXIT_NOT_VERIFIED


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry: ``python -m verification verify ...``, the main CLI's ``verify`` (one parser, one
    error format: a bad option is one line and exit 2)."""
    from stl_bounds.cli import main as cli_main

    return cli_main(argv)
