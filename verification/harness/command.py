"""The ``loop`` subcommand: a thin shell over :func:`verification.harness.run.run_loop` (STYLE habit 7).

::

    stl-bounds loop --model NAME|module:factory --regime R [--lam L] [--generations G] [--replicates K]
                    [--n N] [--out DIR] [--real module:sampler] [--d D] [--categories K] [--coupled]
                    [--fit-bound [--target T]] [--seed S] [--resume] [--workers W] ...

The per-generation table and the fitted bounds go to stdout, progress to stderr.  Exit status:
0 done, 2 bad input or a failing model (one line naming the factory and the generation; finished
chunks are kept for ``--resume``), 130 interrupted.  The heavy modules are imported when the command
runs, so other subcommands start as fast as before.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from typing import Any

from stl_bounds.argtypes import finite_float, int_at_least
from stl_bounds.errors import ParameterError

__all__ = ["LOOP_EPILOG", "LOOP_HELP", "configure_loop", "format_summary", "run_loop_command"]

LOOP_HELP = "run any model with fit and sample in a self-consuming loop: per-generation distances, γ̂, fitted bounds"

LOOP_EPILOG = """\
models: gaussian (MLE), categorical (empirical), kde (scipy gaussian_kde, Scott's rule),
  gaussian_mixture and kernel_density (scikit-learn, extra `sklearn`), or module:factory, a callable
  returning an object with fit(data, rng) -> fitted model and sample(size, rng) -> array
  ((size, d) floats, or (size,) integer categories); module on sys.path or in the current directory.
regimes: replace, fresh (--lam), reused (--lam), accumulate, accumulate_subsample.
real data: N(0, I_d) (--d) for continuous models, uniform over --categories K for categorical ones,
  or --real module:sampler, a callable (size, rng) -> array.
writes DIR/results.json, DIR/loop.pdf, DIR/loop.png and DIR/chunks/ (reused by --resume).
exit codes: 0 done, 2 bad input or a failing model (finished chunks kept: rerun with --resume), 130 interrupted
example:
  stl-bounds loop --model kde --regime fresh --lam 0.5 --n 50 --generations 8 --replicates 32 --out kde-loop
"""


def configure_loop(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``loop`` to ``p``."""
    from verification.executors import EXECUTORS

    p.epilog = LOOP_EPILOG
    p.add_argument("--model", required=True, metavar="NAME|module:factory", help="the model (see below)")
    p.add_argument("--real", default=None, metavar="module:sampler", help="the real distribution (default: see below)")
    p.add_argument(
        "--regime", required=True, metavar="R", help="replace, fresh, reused, accumulate, accumulate_subsample"
    )
    p.add_argument("--lam", type=finite_float, default=None, metavar="L", help="share of real data (fresh, reused)")
    p.add_argument("--generations", type=int_at_least(1), default=10, metavar="G", help="generations (default 10)")
    p.add_argument("--replicates", type=int_at_least(2), default=64, metavar="K", help="replicates (default 64)")
    p.add_argument("--n", type=int_at_least(2), default=100, metavar="N", help="points per generation (default 100)")
    p.add_argument("--out", default="loop-out", metavar="DIR", help="output folder (default loop-out/)")
    p.add_argument("--d", type=int_at_least(1), default=None, metavar="D", help="dimension of N(0, I_d) (default 1)")
    p.add_argument(
        "--categories",
        type=int_at_least(2),
        default=None,
        metavar="K",
        help="categorical data over K categories (default 6 for the categorical model)",
    )
    p.add_argument("--coupled", action="store_true", help="also run from S_0' (one point replaced): measured γ̂_i")
    p.add_argument(
        "--fit-bound",
        action="store_true",
        help="estimate ε̂ and κ̂ and evaluate lemma.amplified_shift and fu2025.thm1 with them",
    )
    p.add_argument(
        "--target",
        type=finite_float,
        default=None,
        metavar="T",
        help="with --fit-bound: the smallest λ keeping each bound under T (calibrate)",
    )
    p.add_argument(
        "--eval-size",
        type=int_at_least(2),
        default=1000,
        metavar="M",
        help="points drawn per fitted model for the estimated measurements (default 1000)",
    )
    p.add_argument("--seed", type=int_at_least(0), default=0, metavar="S", help="root seed (default 0)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its saved chunks")
    p.add_argument(
        "--workers",
        type=int_at_least(1),
        default=os.cpu_count() or 1,
        metavar="W",
        help="worker processes (default: CPU count)",
    )
    p.add_argument("--executor", default="process", choices=EXECUTORS, help="where chunks run (default process)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="dask scheduler address")
    p.add_argument(
        "--chunk-size", type=int_at_least(1), default=8, metavar="C", help="replicates per chunk (default 8)"
    )
    p.add_argument("--no-progress", dest="progress", action="store_false", default=None, help="no progress bar")


def _cell(record: Mapping[str, Any], i: int) -> str:
    return f"{record['mean'][i]:.4g} [{record['ci_low'][i]:.4g}, {record['ci_high'][i]:.4g}]"


def format_summary(document: Mapping[str, Any]) -> str:
    """The stdout text of a run: one row per generation (means with 95% intervals), then the fitted bounds."""
    records = document["records"]
    columns = [document["distance"], "cov_trace", *(c for c in ("learning_error", "gamma") if c in records)]
    lines = [
        f"{document['settings']['model']} on {document['real_distribution']}, regime {document['settings']['regime']}, "
        f"{records['cov_trace']['replicates']} replicates (means, 95% intervals)",
        "\t".join(["i", *columns]),
    ]
    lines += ["\t".join([str(i), *(_cell(records[c], i) for c in columns)]) for i in document["generation"]]
    fit = document.get("fit_bound")
    if fit:
        lines.append(
            f"fitted from the trajectories ({fit['units']}): eps = {fit['eps']:.4g}, kappa = {fit['kappa']:.4g}, "
            f"lam = {fit['lam']:g}, n = {fit['n']}, i = {fit['i']}"
        )
        for bound_id, ev in fit["bounds"].items():
            lines.append(
                f"  {bound_id} ({ev['fidelity']}) = {ev['value']:.6g} (rho = {ev['rho']:.4g}); "
                f"measured shift at i = {fit['i']}: {ev['measured_shift']:.4g}"
            )
        for bound_id, cal in fit.get("calibration", {}).items():
            if "error" in cal:
                lines.append(f"  smallest lam for {bound_id} <= {fit['target']:g}: none ({cal['error']})")
            else:
                lines.append(
                    f"  smallest lam for {bound_id} <= {fit['target']:g}: {cal['value']} "
                    f"(max over i <= {fit['i']}: {cal['achieved']:.6g})"
                )
        lines += [f"  note: {note}" for note in fit["notes"]]
    return "\n".join(lines) + "\n"


def run_loop_command(args: argparse.Namespace) -> int:
    """Handle ``stl-bounds loop``: run, print the summary, return the exit status."""
    from verification.harness.run import run_loop
    from verification.harness.spec import LoopSpec

    if args.target is not None and not args.fit_bound:
        raise ParameterError(f"--target applies with --fit-bound; got --target {args.target:g} without it")
    if args.target is not None and args.target <= 0:
        raise ParameterError(f"--target must be > 0; got {args.target:g}")
    spec = LoopSpec(
        model=args.model,
        regime=args.regime,
        n=args.n,
        generations=args.generations,
        replicates=args.replicates,
        lam=args.lam,
        real=args.real,
        d=args.d,
        categories=args.categories,
        coupled=args.coupled,
        eval_size=args.eval_size,
        seed=args.seed,
        chunk_size=args.chunk_size,
    )
    try:
        document = run_loop(
            spec,
            out=args.out,
            resume=args.resume,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            fit=args.fit_bound,
            fit_bound_target=args.target,
            progress=args.progress,
        )
    except KeyboardInterrupt:
        print(
            f"stl-bounds loop: interrupted; finished chunks are saved in {args.out}/chunks; "
            "rerun the same command with --resume to continue",
            file=sys.stderr,
        )
        return 130
    sys.stdout.write(format_summary(document))
    print(f"wrote {os.path.join(args.out, 'results.json')}, loop.pdf and loop.png")
    return 0
