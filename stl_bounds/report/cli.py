"""The ``report`` subcommand: the project's main job on built-in defaults.

::

    stl-bounds report [--out report/] [--quick | --full] [--seed S] [--workers W] [--device auto|cpu|cuda]

Progress goes to stderr, a short summary and the report's location to stdout.
Exit status: 0 when every claim and check passes, 1 when one fails (the report
is still written and says so), 2 on bad input (nothing is computed), 130 when
interrupted (no report is written; the campaigns' finished chunks are kept and
a rerun of the same command continues from them).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from stl_bounds.argtypes import int_at_least
from stl_bounds.errors import StlBoundsError
from verification.icl import DEVICE_ENV, DEVICES

__all__ = ["DEFAULT_OUT", "configure_report_parser", "run_report"]

PROG = "stl-bounds report"
DEFAULT_OUT = "report"


def configure_report_parser(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``report`` to ``p``."""
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default {DEFAULT_OUT}/)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick", dest="mode", action="store_const", const="quick", help="quick campaigns (default; minutes)"
    )
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help="full campaigns (tight CIs)")
    p.add_argument(
        "--seed", type=int_at_least(0), default=0, metavar="S", help="root seed of the campaigns (default 0)"
    )
    p.add_argument(
        "--workers",
        type=int_at_least(1),
        default=os.cpu_count() or 1,
        metavar="W",
        help="worker processes (default: CPU count)",
    )
    p.add_argument(
        "--device", choices=DEVICES, default=None, help="device of the torch campaigns (default: auto, a GPU if any)"
    )
    p.add_argument("--no-progress", dest="bars", action="store_false", default=None, help="no progress bars")
    p.set_defaults(mode="quick")


def _summary(document: dict) -> str:
    claims = document["claims"]
    campaigns = document["verification"]["campaigns"]
    checks = [c for r in campaigns.values() for c in r["checks"]]
    skipped = [name for name, r in campaigns.items() if r.get("status") == "skipped"]
    drawn = [f for f in document["figures"] if f["status"] == "drawn"]
    thm1 = document["headline"]["bounds"][0]
    low = document["headline"]["calibration"]["min_lambda"]
    lines = [
        f"{thm1['id']} at its defaults: {thm1['value']:.6g} ({thm1['regime']}, {thm1['fidelity']})",
        f"minimum λ for sup_i B_i ≤ {low['target']:g}: {low['value']!r}; "
        f"m* = {document['headline']['optimal_m']['value']:.6g}",
        f"claims: {sum(c['passed'] for c in claims)}/{len(claims)} pass; "
        f"campaign checks: {sum(c['passed'] for c in checks)}/{len(checks)} pass"
        + (f" ({', '.join(skipped)} skipped)" if skipped else ""),
        f"figures: {len(drawn)}/{len(document['figures'])} drawn",
    ]
    return "\n".join(lines) + "\n"


def run_report(args: argparse.Namespace) -> int:
    """Handle ``stl-bounds report``; return the exit status."""
    from stl_bounds.report import README_FILE, make_report, work_folder

    start = time.perf_counter()

    def say(message: str) -> None:
        print(f"{PROG}: {message} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)

    if args.device is not None:
        os.environ[DEVICE_ENV] = args.device  # read by the torch campaigns, here and in the worker processes
    command = f"{PROG} --{args.mode} --seed {args.seed}"
    try:
        document = make_report(
            args.out,
            mode=args.mode,
            seed=args.seed,
            workers=args.workers,
            progress=say,
            bars=args.bars,
            command=command,
        )
    except StlBoundsError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        from pathlib import Path

        print(
            f"{PROG}: interrupted; no report was written. Finished campaign chunks are kept in "
            f"{work_folder(Path(args.out), args.mode, args.seed)}: rerun the same command to continue",
            file=sys.stderr,
        )
        return 130
    sys.stdout.write(_summary(document))
    verdict = "every claim and check passes" if document["passed"] else "SOME CLAIMS OR CHECKS FAIL"
    print(f"{verdict}; report: {os.path.join(args.out, README_FILE)}")
    say("done")
    return 0 if document["passed"] else 1
