"""The ``stl-bounds`` command line: a thin shell over the API (STYLE habit 7).

Results go to stdout, progress and warnings to stderr.  Exit codes: 0 success,
1 a failed check (``claims``, ``verify``), 2 bad input — every
:class:`~stl_bounds.errors.StlBoundsError` and every argparse error is reported
as one line ``stl-bounds: error: ...`` on stderr, without a traceback — and 3
when ``verify`` skipped a campaign named on its command line (nothing verified).
Warnings of the libraries are shown as one line ``stl-bounds: warning: ...``
or, when known harmless, not at all (:mod:`stl_bounds.clean_warnings`).

Subcommands are registered in :data:`COMMANDS`; adding one (e.g. ``verify``) is
one :func:`register_command` call with a function that adds its arguments and a
function that runs it and returns the exit code.  The ``claims`` and
``calibration`` modules (scipy.optimize, simulations) are imported inside the
commands that need them, so ``eval`` starts fast.
"""

from __future__ import annotations

import argparse
import difflib
import math
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stl_bounds import __version__, formatting
from stl_bounds.argtypes import finite_float as _finite_float
from stl_bounds.argtypes import int_at_least as _int_at_least
from stl_bounds.bound import FIDELITY_LABELS, Bound
from stl_bounds.clean_warnings import warnings_as_lines
from stl_bounds.errors import GridError, ParameterError, StlBoundsError
from stl_bounds.explorer.cli import configure_explore_parser, run_explore
from stl_bounds.grids import ASSIGNMENT_FORM, MAX_POINTS, parse_assignment
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
  stl-bounds --bounds examples/bounds eval example.contraction --set lam=0.3   # a bound file (TOML)
  stl-bounds check examples/bounds/contraction.toml    # the contract checks of a bound file

exit codes: 0 success, 1 a claim or check failed, 2 bad input (one-line message on stderr),
  3 `verify CAMPAIGN`: a campaign named was skipped, nothing verified (e.g. torch missing), 130 interrupted
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
is reported as an error (exit 2) that says why (the floor no value reaches).
--solve-for NAME (alias --for) takes any parameter of the bound: lam and n get
their minimum; any other NAME its minimum where the bound decreases in it (delta)
and its maximum where it increases (eps, kappa); a bound that is not monotone in
NAME is refused (for lam, --best-lambda gives the minimizer).
Answers are on the safe side as printed: a minimum is rounded up (a maximum down)
to 8 digits and the bound evaluated again there; it is also given in counts (real points per
generation, the largest number of synthetic points), each count checked.
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
    _add_bounds(parser, "bounds")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS.values():
        p = sub.add_parser(
            command.name,
            help=command.help,
            description=command.help,
            epilog=command.epilog or None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _add_bounds(p, "bounds_after_command")
        command.configure(p)
    return parser


def _add_bounds(p: argparse.ArgumentParser, dest: str) -> None:
    """``--bounds PATH``, before or after the subcommand (two destinations: argparse lets a subparser's
    default overwrite the main parser's value)."""
    p.add_argument(
        "--bounds",
        dest=dest,
        metavar="PATH",
        action="append",
        default=[],
        help="load a bound file (TOML) or every *.toml file of a folder; repeatable (also: STL_BOUNDS_PATH)",
    )


def _load_bound_files(args: argparse.Namespace) -> None:
    """Register the bound files of ``--bounds`` and, when bound files are configured, those of
    STL_BOUNDS_PATH and the plugins up front, so that a broken file is reported whatever the command."""
    paths = [*args.bounds, *getattr(args, "bounds_after_command", [])]
    if not paths and not os.environ.get("STL_BOUNDS_PATH"):
        return  # plugins are loaded on the first id the registry does not know
    from stl_bounds import registry
    from stl_bounds.boundfiles.loader import load_bounds

    for path in paths:
        load_bounds(path)
    registry.load_external()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Warnings raised while it runs are shown as one line each, known-harmless ones not
    at all (:mod:`stl_bounds.clean_warnings`).
    """
    words = list(sys.argv[1:] if argv is None else argv)
    with warnings_as_lines(PROG):
        try:
            _check_set_words(words)
            args = build_parser().parse_args(words)
            _load_bound_files(args)
            return COMMANDS[args.command].run(args)
        except (UsageError, StlBoundsError) as exc:
            message = " ".join(str(exc).split("\n")) or type(exc).__name__
            print(f"{PROG}: error: {_with_stray_word_hint(message, words)}", file=sys.stderr)
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


# --- --set typed as several words ----------------------------------------------------
def _looks_like_value(word: str) -> bool:
    """Whether ``word`` reads as the value of a parameter (``0.2``, ``-1``, ``.5``, ``inf``), not an id or option."""
    return not word.startswith("--") and (word[:1] in set("0123456789.+-") or word.lower().startswith(("nan", "inf")))


def _check_set_words(words: Sequence[str]) -> None:
    """Refuse ``--set lam 0.2``, ``--set lam = 0.2`` and ``--set lam= 0.2`` with the one-word spelling to use.

    argparse would take ``lam`` for the assignment and report ``0.2`` as an unrecognized
    argument (or take it for the id), which says nothing about the missing ``=``.
    """
    for k, word in enumerate(words):
        if word == "--":
            return
        if word != "--set" or k + 2 >= len(words):
            continue
        name, after = words[k + 1], words[k + 2 : k + 4]
        typed, fix = None, None
        if "=" not in name and name.isidentifier():
            if after[0] == "=" and len(after) > 1 and _looks_like_value(after[1]):
                typed, fix = [name, *after], f"{name}={after[1]}"
            elif after[0].startswith("=") and _looks_like_value(after[0][1:]):
                typed, fix = [name, after[0]], f"{name}{after[0]}"
            elif _looks_like_value(after[0]):
                typed, fix = [name, after[0]], f"{name}={after[0]}"
        elif name.endswith("=") and name[:-1].strip().isidentifier() and _looks_like_value(after[0]):
            typed, fix = [name, after[0]], f"{name}{after[0]}"
        if fix is not None:
            raise UsageError(f"--set takes {ASSIGNMENT_FORM}; got {' '.join(['--set', *typed])!r}: write --set {fix}")


def _with_stray_word_hint(message: str, words: Sequence[str]) -> str:
    """argparse's ``unrecognized arguments`` message, explaining a word that belongs to the ``--set`` before it."""
    prefix, see = "unrecognized arguments: ", " (see `"
    if not message.startswith(prefix):
        return message
    for stray in message[len(prefix) :].split(see)[0].split():
        hint = ""
        where = [k for k, word in enumerate(words) if word == stray and k >= 2 and words[k - 2] == "--set"]
        if "=" in stray and stray.partition("=")[0].strip().isidentifier():
            hint = f"; each parameter takes its own --set: --set {stray}"
        elif where and _looks_like_value(stray):
            hint = f"; a list is one word without spaces: --set {words[where[0] - 1].rstrip(',')},{stray}"
        if hint:
            head, _, tail = message.partition(see)
            return f"{head}{hint}{see}{tail}" if tail else head + hint
    return message


# --- shared helpers ------------------------------------------------------------------
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
    typed: dict[str, str] = {}
    for text in texts:
        name, value = parse_assignment(text, integer_names=integer)
        _check_name(bound, name)
        if name in values:
            raise GridError(
                f"{name} is set twice (--set {typed[name]} and --set {text}); give each parameter once, "
                f"several values as one grid such as {name}=0.1,0.3"
            )
        values[name], typed[name] = value, text
    gridded = [name for name, v in values.items() if isinstance(v, np.ndarray)]
    if gridded and not grids:
        raise GridError(
            f"{gridded[0]}: this command takes one number per parameter, not a grid; got --set {typed[gridded[0]]}"
        )
    sizes = [values[name].size for name in gridded]
    if math.prod(sizes) > MAX_POINTS:
        shape = " × ".join(map(str, sizes))
        raise GridError(f"the grid over {', '.join(gridded)} has {shape} points; the limit is {MAX_POINTS} in all")
    for axis, name in enumerate(gridded):
        shape = [1] * len(gridded)
        shape[axis] = -1
        values[name] = values[name].reshape(shape)
    return values, gridded


def _check_name(bound: Bound, name: str) -> None:
    """Refuse a parameter name that ``bound`` does not take, suggesting the closest (also for ``λ``, ``lambda``).

    Raises
    ------
    ParameterError
        ``unknown parameter 'lamda' for fu2025.thm1 (did you mean lam?); allowed: ...``.
    """
    allowed = sorted({*bound.parameter_names, *(("m",) if bound.accepts_m else ())})
    if name in allowed:
        return
    import sympy  # loaded with the bound already; its printer only on this error path

    spelled = {}  # each parameter's symbol by name and in unicode: lambda and λ for lam
    for p in bound.parameters:
        spelled[str(p.symbol)] = spelled[sympy.pretty(p.symbol)] = p.name
    if name in spelled:
        close = [spelled[name]]
    else:
        close = [a for a in allowed if a.lower() == name.lower()] or difflib.get_close_matches(name, allowed, n=3)
        close = close or [spelled[c] for c in difflib.get_close_matches(name, list(spelled), n=1)]
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise ParameterError(f"unknown parameter {name!r} for {bound.id}{hint}; allowed: {', '.join(allowed)}")


def _write(text: str) -> int:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


# --- list ----------------------------------------------------------------------------
def _configure_list(p: argparse.ArgumentParser) -> None:
    _add_format(p, ("text", "json", "csv"))


def _run_list(args: argparse.Namespace) -> int:
    from stl_bounds.registry import source

    bounds = all_bounds()
    header, rows = formatting.bound_rows(bounds)
    header.insert(3, "source")  # built-in, a bound file's path, or plugin NAME
    for b, row in zip(bounds, rows, strict=True):
        row.insert(3, source(b.id))
    if args.format == "json":
        records = [
            {**dict(zip(header, row, strict=True)), "citation": b.citation.text()}
            for b, row in zip(bounds, rows, strict=True)
        ]
        return _write(formatting.json_text(records))
    if args.format == "csv":
        return _write(formatting.csv_text(header, rows))
    legend = "\n".join(f"  {label:<9} {meaning}" for label, meaning in FIDELITY_LABELS.items())
    return _write(f"{formatting.table(header, rows)}\n\nfidelity labels (docs/theory.md §0):\n{legend}")


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
        return _write(formatting.json_text(formatting.result_json(bound, result)))
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
    p.add_argument("--seed", type=_int_at_least(0), default=0, help="root seed of the numeric checks (default 0)")
    p.add_argument("--draws", type=_int_at_least(2), default=200, help="random draws per numeric check (default 200)")
    p.add_argument(
        "ids",
        nargs="*",
        metavar="CLAIM",
        help="claims to check (C1 ... C8); default: every claim but the Monte Carlo claim C7",
    )


def _run_claims(args: argparse.Namespace) -> int:
    from stl_bounds.claims import CLAIM_IDS, MONTE_CARLO_CLAIM_IDS, check_claim

    unknown = [c for c in args.ids if c not in CLAIM_IDS]
    if unknown:
        raise UsageError(f"unknown claim {unknown[0]!r}; claims are {', '.join(CLAIM_IDS)}")
    ids = list(dict.fromkeys(args.ids)) or [c for c in CLAIM_IDS if c not in MONTE_CARLO_CLAIM_IDS]
    print(f"checking the claims of docs/theory.md §6.1 (seed {args.seed}, {args.draws} draws) ...", file=sys.stderr)
    checks = [check_claim(c, seed=args.seed, draws=args.draws) for c in ids]
    skipped = [c for c in MONTE_CARLO_CLAIM_IDS if c not in ids]
    note = (
        f"{', '.join(skipped)} (concrete loops) is a Monte Carlo claim, not checked here: run "
        f"`stl-bounds claims {' '.join(skipped)}`, `stl-bounds verify claims` "
        f'or `stl_bounds.claims.check_claim("{skipped[0]}")` in Python'
        if skipped
        else ""
    )
    if args.format == "json":
        _write(formatting.json_text([c.to_dict() for c in checks]))
        if note:
            print(note, file=sys.stderr)
    else:
        _write(formatting.claims_text(checks) + note)
    return 0 if all(c.passed for c in checks) else 1


# --- calibrate -----------------------------------------------------------------------
def _configure_calibrate(p: argparse.ArgumentParser) -> None:
    _add_id(p)
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--target", type=_finite_float, help="the bound must not exceed this value")
    goal.add_argument("--best-lambda", action="store_true", help="the λ that minimizes the bound")
    p.add_argument(
        "--solve-for",
        "--for",
        dest="quantity",
        metavar="NAME",
        default="lam",
        help="with --target: the parameter solved for (default lam): its minimum where the bound decreases in it, "
        "its maximum where it increases (e.g. eps, kappa)",
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
    _add_format(p, ("text", "json", "csv"))


def _run_calibrate(args: argparse.Namespace) -> int:
    from stl_bounds.calibration import best_lambda, min_lambda, min_n

    if args.best_lambda and args.quantity != "lam":
        raise UsageError(f"--best-lambda chooses λ; it does not combine with --solve-for {args.quantity}")
    if args.n_max is not None and (args.best_lambda or args.quantity != "n"):
        raise UsageError("--n-max applies to --target with --solve-for n only")
    bound = get(args.id)
    params, _ = _assignments(bound, args.set, grids=False)
    bound.check(**params)  # unknown names (target=..., n_max=... included) and bad values, before any search
    horizon = None if args.limit else args.horizon
    if args.best_lambda:
        cal = best_lambda(bound.id, horizon=horizon, **params)
    elif args.quantity == "lam":
        cal = min_lambda(bound.id, args.target, horizon=horizon, **params)
    elif args.quantity == "n":
        n_max = {} if args.n_max is None else {"n_max": args.n_max}
        cal = min_n(bound.id, args.target, horizon=horizon, **n_max, **params)
    else:
        from stl_bounds.solve import solve_for

        cal = solve_for(bound.id, args.quantity, args.target, horizon=horizon, **params)
    if args.format == "json":
        return _write(formatting.json_text(cal.to_dict()))
    if args.format == "csv":
        return _write(formatting.calibration_csv(cal))
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


# --- docs ----------------------------------------------------------------------------
def _configure_docs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="docs", metavar="DIR", help="output folder of registry.md (default docs/)")


def _run_docs(args: argparse.Namespace) -> int:
    from stl_bounds.docgen import write_registry

    return _write(f"wrote {write_registry(args.out)} ({len(all_bounds())} ids)")


register_command(
    Command("docs", "write DIR/registry.md: one Markdown entry per registered id", _configure_docs, _run_docs)
)
register_command(
    Command(
        "claims",
        "check the claims of docs/theory.md §6.1 (symbolically and numerically); exit 1 if one fails",
        _configure_claims,
        _run_claims,
    )
)
register_command(
    Command(
        "calibrate",
        "inverse problems: the smallest or largest value of a parameter for a target, or the best λ "
        "(docs/theory.md §4.5)",
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
    Command("verify", "run the Monte Carlo verification campaigns of docs/theory.md §6", _configure_verify, _run_verify)
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


def _configure_plot(p: argparse.ArgumentParser) -> None:
    from stl_bounds.figures.plot_cli import EPILOG, configure_plot_parser

    p.epilog = EPILOG
    configure_plot_parser(p)


def _run_plot(args: argparse.Namespace) -> int:
    from stl_bounds.figures.plot_cli import run_plot

    return run_plot(args)


register_command(
    Command("plot", "plot any bound against one parameter (PDF, PNG or SVG, + JSON)", _configure_plot, _run_plot)
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
register_command(Command("explore", "write the interactive bound explorer", configure_explore_parser, run_explore))


# --- check ---------------------------------------------------------------------------
def _configure_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a bound file (TOML)")
    p.add_argument("--draws", type=_int_at_least(1), default=100, help="drawn points per numeric check (default 100)")
    p.add_argument("--seed", type=_int_at_least(0), default=0, help="seed of the drawn points (default 0)")
    _add_format(p, ("text", "json"))


def _run_check(args: argparse.Namespace) -> int:
    from stl_bounds.boundfiles.check import check_file

    print(f"checking {args.file} ({args.draws} draws per numeric check, seed {args.seed}) ...", file=sys.stderr)
    report = check_file(args.file, draws=args.draws, seed=args.seed)
    _write(formatting.json_text(report.to_dict()) if args.format == "json" else report.text())
    return 0 if report.passed else 1


register_command(
    Command(
        "check",
        "run the contract checks on a bound file: exit 0 all hold, 1 one fails (with a counterexample), 2 invalid",
        _configure_check,
        _run_check,
    )
)


# --- loop: any model in a self-consuming loop (verification/harness/command.py) --------
from verification.harness.command import LOOP_HELP, configure_loop, run_loop_command  # noqa: E402

register_command(Command("loop", LOOP_HELP, configure_loop, run_loop_command))
