"""The ``stl-bounds`` command line: a thin shell over the API (STYLE habit 7).

Results go to stdout, progress and warnings to stderr.  Exit codes: 0 success,
1 a failed check (``claims``), 2 bad input — every
:class:`~stl_bounds.errors.StlBoundsError` and every argparse error is reported
as one line ``stl-bounds: error: ...`` on stderr, without a traceback.

Subcommands are registered in :data:`COMMANDS`; adding one (e.g. ``verify``) is
one :func:`register_command` call with a function that adds its arguments and a
function that runs it and returns the exit code.  The ``claims`` and
``calibration`` modules (scipy.optimize, simulations) are imported inside the
commands that need them, so ``eval`` starts fast.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stl_bounds import __version__, formatting
from stl_bounds.bound import FIDELITY_LABELS, Bound
from stl_bounds.errors import GridError, StlBoundsError
from stl_bounds.grids import MAX_POINTS, parse_assignment
from stl_bounds.parameters import CATALOG
from stl_bounds.registry import all_bounds, get

__all__ = ["COMMANDS", "Command", "UsageError", "build_parser", "main", "main_entry", "register_command"]

PROG = "stl-bounds"

EXAMPLES = """\
examples:
  stl-bounds report                      # the main job: bounds, claims, quick verification, figures -> report/
  stl-bounds list
  stl-bounds show fu2025.thm1
  stl-bounds eval fu2025.thm1 --set lam=0.3 --set n=5000
  stl-bounds eval fu2025.thm1 --set i=0:50 --format csv
  stl-bounds eval fu2025.thm1 --set lam=0.1,0.5,0.9 --set n=1e2:1e6:log:5 --format json
  stl-bounds derive lemma.amplified_shift --format latex
  stl-bounds claims --seed 1
  stl-bounds calibrate fu2025.thm1 --target 0.2 --horizon 50
  stl-bounds verify --quick --out verify-out
  stl-bounds figures --only bound_vs_generation --venue onecolumn

exit codes: 0 success, 1 a claim or check failed, 2 bad input (one-line message on stderr), 130 interrupted
"""

SET_HELP = f"""\
--set values (one number or a grid; both ends of a range are included):
  lam=0.3            one number
  i=0:50             0, 1, ..., 50 (step 1; -1 when start > stop)
  i=0:50:5           0, 5, ..., 50 (stops at the last step not past the end: 0:10:3 is 0, 3, 6, 9)
  lam=0.1,0.3,0.5    a list
  lam=0:1:lin:11     11 evenly spaced points
  n=1e2:1e6:log:20   20 log-spaced points (ends > 0); for an integer parameter (n, m, i, ...)
                     they are rounded to the nearest integer and repeats dropped
Several gridded parameters form the cartesian product, one axis each in the order
given (the first varies slowest); at most {MAX_POINTS} points in all.
Parameters not set take their defaults (see `stl-bounds show ID`); m (synthetic
points) may replace lam, with lam = n/(n+m).
"""


CALIBRATE_HELP = """\
--set gives one number per parameter (e.g. --set n=5000 --set eps=0.01); the others
take their defaults. The default horizon is the limit i → ∞. An unreachable target
is reported as an error (exit 2).
"""


class UsageError(Exception):
    """A command line that cannot be run as given (argparse errors, misused options)."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are exceptions, so that :func:`main` prints one line."""

    def error(self, message: str) -> Any:  # argparse's own prints the usage and exits
        raise UsageError(f"{message} (see `{self.prog} --help`)")


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, one-line help, how to add its arguments and how to run it.

    ``run`` receives the parsed arguments and returns the exit code.
    """

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    epilog: str = ""


#: Registered subcommands, in ``--help`` order.
COMMANDS: dict[str, Command] = {}


def register_command(command: Command) -> Command:
    """Add ``command`` to :data:`COMMANDS` (its name must be new)."""
    if command.name in COMMANDS:
        raise ValueError(f"subcommand {command.name!r} is already registered")
    COMMANDS[command.name] = command
    return command


def build_parser() -> argparse.ArgumentParser:
    """The ``stl-bounds`` parser with one subparser per registered command."""
    parser = _Parser(
        prog=PROG,
        description="Bounds for self-consuming training loops (Fu et al., ICLR 2025, and exact results).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS.values():
        p = sub.add_parser(
            command.name,
            help=command.help,
            description=command.help,
            epilog=command.epilog or None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.configure(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command].run(args)
    except (UsageError, StlBoundsError) as exc:
        message = " ".join(str(exc).split("\n")) or type(exc).__name__
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0


def main_entry() -> None:
    """Console-script entry point: ``sys.exit(main())``, quiet on a closed pipe or Ctrl-C."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `stl-bounds eval ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


# --- shared helpers ------------------------------------------------------------------
def _int_at_least(lowest: int) -> Callable[[str], int]:
    """An argparse type: an integer ≥ ``lowest``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lowest - 1
        if value < lowest:
            raise argparse.ArgumentTypeError(f"expected an integer >= {lowest}; got {text!r}")
        return value

    return parse


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number; got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number; got {text!r}")
    return value


def _add_id(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="ID", help="registered id (see `stl-bounds list`)")


def _add_set(p: argparse.ArgumentParser, *, grids: bool) -> None:
    what = "a number or a grid (see below)" if grids else "a number"
    p.add_argument(
        "--set",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help=f"parameter value, {what}; repeat for several parameters",
    )


def _add_format(p: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    p.add_argument("--format", choices=list(choices), default=choices[0], help=f"output format (default {choices[0]})")


def _assignments(bound: Bound, texts: Sequence[str], *, grids: bool) -> tuple[dict[str, Any], list[str]]:
    """Parse ``--set`` texts into evaluate keywords; give each gridded parameter its own axis.

    Returns the keywords and the names of the gridded parameters (in the order given).
    """
    integer = {p.name for p in bound.parameters if p.domain.integer}
    if bound.accepts_m and CATALOG["m"].domain.integer:
        integer.add("m")
    values: dict[str, Any] = {}
    for text in texts:
        name, value = parse_assignment(text, integer_names=integer)
        if name in values:
            raise GridError(f"{name} is set twice; give each parameter once (--set {text!r})")
        values[name] = value
    gridded = [name for name, v in values.items() if isinstance(v, np.ndarray)]
    if gridded and not grids:
        raise GridError(f"{gridded[0]}: this command takes one number per parameter, not a grid")
    sizes = [values[name].size for name in gridded]
    if math.prod(sizes) > MAX_POINTS:
        shape = " × ".join(map(str, sizes))
        raise GridError(f"the grid over {', '.join(gridded)} has {shape} points; the limit is {MAX_POINTS} in all")
    for axis, name in enumerate(gridded):
        shape = [1] * len(gridded)
        shape[axis] = -1
        values[name] = values[name].reshape(shape)
    return values, gridded


def _write(text: str) -> int:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


# --- list ----------------------------------------------------------------------------
def _configure_list(p: argparse.ArgumentParser) -> None:
    _add_format(p, ("text", "json", "csv"))


def _run_list(args: argparse.Namespace) -> int:
    bounds = all_bounds()
    header, rows = formatting.bound_rows(bounds)
    if args.format == "json":
        records = [
            {**dict(zip(header, row, strict=True)), "citation": b.citation.text()}
            for b, row in zip(bounds, rows, strict=True)
        ]
        return _write(formatting.json_text(records))
    if args.format == "csv":
        return _write(formatting.csv_text(header, rows))
    legend = "\n".join(f"  {label:<9} {meaning}" for label, meaning in FIDELITY_LABELS.items())
    return _write(f"{formatting.table(header, rows)}\n\nfidelity labels (THEORY §0):\n{legend}")


# --- show ----------------------------------------------------------------------------
def _configure_show(p: argparse.ArgumentParser) -> None:
    _add_id(p)
    _add_format(p, ("text", "json"))


def _run_show(args: argparse.Namespace) -> int:
    bound = get(args.id)
    if args.format == "json":
        return _write(formatting.json_text(formatting.bound_description(bound)))
    return _write(formatting.bound_text(bound, width=max(80, shutil.get_terminal_size().columns)))


# --- eval ----------------------------------------------------------------------------
def _configure_eval(p: argparse.ArgumentParser) -> None:
    _add_id(p)
    _add_set(p, grids=True)
    _add_format(p, ("text", "json", "csv"))
    p.add_argument(
        "--precision",
        choices=["float64", "mp"],
        default="float64",
        help="float64 (fast, default) or mp: the mpmath reference path",
    )
    p.add_argument("--dps", type=_int_at_least(1), default=50, help="decimal digits of the mp path (default 50)")


def _run_eval(args: argparse.Namespace) -> int:
    bound = get(args.id)
    params, gridded = _assignments(bound, args.set, grids=True)
    result = bound.evaluate(precision=args.precision, dps=args.dps, **params)
    mp = args.precision == "mp"
    if args.format == "json":
        return _write(formatting.json_text(result.to_dict()))
    if args.format == "csv":
        return _write(formatting.result_csv(bound, result, digits=args.dps if mp else 17))
    digits, given = (args.dps if mp else 6), frozenset(params)
    if gridded:
        return _write(formatting.grid_text(bound, result, gridded=gridded, given=given, digits=digits))
    return _write(formatting.statement(bound, result, given=given, digits=digits))


# --- derive --------------------------------------------------------------------------
def _configure_derive(p: argparse.ArgumentParser) -> None:
    _add_id(p)
    _add_format(p, ("text", "latex"))


def _run_derive(args: argparse.Namespace) -> int:
    bound = get(args.id)
    if bound.derivation is None:
        with_one = ", ".join(b.id for b in all_bounds() if b.derivation is not None)
        raise UsageError(f"{bound.id} has no derivation; ids with one: {with_one}")
    print(f"deriving {bound.id} with sympy ...", file=sys.stderr)
    derivation = bound.derivation()
    return _write(derivation.latex() if args.format == "latex" else derivation.text())


# --- claims --------------------------------------------------------------------------
def _configure_claims(p: argparse.ArgumentParser) -> None:
    _add_format(p, ("text", "json"))
    p.add_argument("--seed", type=int, default=0, help="root seed of the numeric checks (default 0)")
    p.add_argument("--draws", type=_int_at_least(1), default=200, help="random draws per numeric check (default 200)")


def _run_claims(args: argparse.Namespace) -> int:
    from stl_bounds.claims import check_all

    print(f"checking the claims of THEORY §6.1 (seed {args.seed}, {args.draws} draws) ...", file=sys.stderr)
    checks = check_all(seed=args.seed, draws=args.draws)
    if args.format == "json":
        _write(formatting.json_text([c.to_dict() for c in checks]))
    else:
        _write(formatting.claims_text(checks))
    return 0 if all(c.passed for c in checks) else 1


# --- calibrate -----------------------------------------------------------------------
def _configure_calibrate(p: argparse.ArgumentParser) -> None:
    _add_id(p)
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--target", type=_finite_float, help="the bound must not exceed this value")
    goal.add_argument("--best-lambda", action="store_true", help="the λ that minimizes the bound")
    p.add_argument(
        "--for",
        dest="quantity",
        choices=["lam", "n"],
        default="lam",
        help="with --target: the minimum λ (lam, default) or the minimum n",
    )
    horizon = p.add_mutually_exclusive_group()
    horizon.add_argument(
        "--horizon",
        type=_int_at_least(0),
        metavar="G",
        help="bound the supremum over generations i ≤ G",
    )
    horizon.add_argument("--limit", action="store_true", help="the limit i → ∞ (default)")
    p.add_argument("--n-max", type=_finite_float, help="with --for n: the largest n searched (default 1e12)")
    _add_set(p, grids=False)
    _add_format(p, ("text", "json"))


def _run_calibrate(args: argparse.Namespace) -> int:
    from stl_bounds.calibration import best_lambda, min_lambda, min_n

    if args.best_lambda and args.quantity != "lam":
        raise UsageError("--best-lambda chooses λ; it does not combine with --for n")
    if args.n_max is not None and (args.best_lambda or args.quantity != "n"):
        raise UsageError("--n-max applies to --target with --for n only")
    bound = get(args.id)
    params, _ = _assignments(bound, args.set, grids=False)
    bound.check(**params)  # unknown names (target=..., n_max=... included) and bad values, before any search
    horizon = None if args.limit else args.horizon
    if args.best_lambda:
        cal = best_lambda(bound.id, horizon=horizon, **params)
    elif args.quantity == "lam":
        cal = min_lambda(bound.id, args.target, horizon=horizon, **params)
    else:
        n_max = {} if args.n_max is None else {"n_max": args.n_max}
        cal = min_n(bound.id, args.target, horizon=horizon, **n_max, **params)
    if args.format == "json":
        return _write(formatting.json_text(cal.to_dict()))
    return _write(formatting.calibration_text(bound, cal))


register_command(Command("list", "list the registered bounds with their fidelity labels", _configure_list, _run_list))
register_command(
    Command("show", "show a bound: formula, LaTeX, terms, parameters, sources", _configure_show, _run_show)
)
register_command(
    Command(
        "eval",
        "evaluate a bound at one point or on a grid of parameters",
        _configure_eval,
        _run_eval,
        epilog=SET_HELP,
    )
)
register_command(Command("derive", "print the symbolic derivation of a bound", _configure_derive, _run_derive))
register_command(
    Command(
        "claims",
        "check the claims of THEORY §6.1 (symbolically and numerically); exit 1 if one fails",
        _configure_claims,
        _run_claims,
    )
)
register_command(
    Command(
        "calibrate",
        "inverse problems: the minimum λ or n for a target value, or the best λ (THEORY §4.5)",
        _configure_calibrate,
        _run_calibrate,
        epilog=CALIBRATE_HELP,
    )
)


def _configure_verify(p: argparse.ArgumentParser) -> None:
    from verification.cli import configure_verify_parser

    configure_verify_parser(p)


def _run_verify(args: argparse.Namespace) -> int:
    from verification.cli import run_verify

    return run_verify(args)


register_command(
    Command("verify", "run the Monte Carlo verification campaigns of THEORY §6", _configure_verify, _run_verify)
)


def _configure_figures(p: argparse.ArgumentParser) -> None:
    from stl_bounds.figures.cli import configure_figures_parser

    configure_figures_parser(p)


def _run_figures(args: argparse.Namespace) -> int:
    from stl_bounds.figures.cli import run_figures

    return run_figures(args)


register_command(
    Command("figures", "render the publication figures (PDF + PNG + JSON manifest)", _configure_figures, _run_figures)
)


def _configure_report(p: argparse.ArgumentParser) -> None:
    from stl_bounds.report.cli import configure_report_parser

    configure_report_parser(p)


def _run_report(args: argparse.Namespace) -> int:
    from stl_bounds.report.cli import run_report

    return run_report(args)


register_command(
    Command(
        "report",
        "the main job: headline bounds, claims, quick verification and figures, written to report/",
        _configure_report,
        _run_report,
    )
)
