"""Benchmark (issue 10, "Performance"): the d-dimensional exact Gaussian engine on the ``replace`` loop.

Usage: ``python benchmarks/bench_gaussian_engine.py [--replicates 2000] [--loop-replicates 20] [--repeat 3]
[--json out.json]``.

Settings (both ways, same run): d = 7, n = 89 points per fit, 100 fits, MLE fits (mean and covariance with
divisor n), real data N(0, I_7).  The engine is ``verification.gaussian.simulate_gaussian(engine="exact")``:
per fit it draws the batch mean and the Bartlett factor A of the scatter matrix (docs/theory.md §5.1), and
the next Cholesky factor is L·A/√n, so no fit is factorized.  The straightforward implementation, written
here, loops over replicates, draws the n points with ``Generator.multivariate_normal`` and refits with
``mean`` and ``np.cov(bias=True)`` every fit.  It runs fewer replicates (it is slow); the ratio compares the
time per replicate (target >= 100x), measured as CPU time of this process (``time.process_time``, which other
processes on a shared machine disturb less than the wall clock), best of ``--repeat`` runs each; wall-clock
times are printed too.  As a check that both run the same loop, the means of log det Σ̂_100 and of tr Σ̂_100 of
each are printed next to their exact values (docs/theory.md §5.1: det Σ̂_t is a product of t·d independent
χ²_{n−1−j}/n factors, so E log det Σ̂_t = t Σ_{j<d} [ψ((n − 1 − j)/2) + log(2/n)]; E Σ̂_t = (1 − 1/n)^t I).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import digamma

from verification.gaussian import simulate_gaussian

D, N, FITS = 7, 89, 100


def loop_final_fits(replicates: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per replicate: draw n points with ``multivariate_normal``, refit with ``np.cov`` (MLE), 100 times.

    Returns the last fitted mean (replicates, d) and covariance (replicates, d, d).
    """
    means, covs = np.empty((replicates, D)), np.empty((replicates, D, D))
    for r in range(replicates):
        mean, cov = np.zeros(D), np.eye(D)
        for _ in range(FITS):
            x = rng.multivariate_normal(mean, cov, size=N)
            mean, cov = x.mean(axis=0), np.cov(x, rowvar=False, bias=True)
        means[r], covs[r] = mean, cov
    return means, covs


def engine_final_fits(replicates: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The exact engine on the same loop; the last fit of every replicate."""
    path = simulate_gaussian("replace", n=N, fits=FITS, replicates=replicates, rng=rng, estimator="mle", d=D)
    return path.mean[:, -1], path.cov[:, -1]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best CPU and best wall-clock seconds of ``repeat`` calls, and the last call's result."""
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return best_cpu, best_wall, out


def summary(covs: np.ndarray) -> dict[str, float]:
    """Mean (and standard error) of log det Σ̂ and tr Σ̂ over replicates."""
    logdet, trace = np.linalg.slogdet(covs)[1], np.trace(covs, axis1=1, axis2=2)
    return {
        "mean_logdet": float(logdet.mean()),
        "se_logdet": float(logdet.std(ddof=1) / np.sqrt(logdet.size)),
        "mean_trace": float(trace.mean()),
        "se_trace": float(trace.std(ddof=1) / np.sqrt(trace.size)),
    }


def main() -> None:
    """Time both ways and print the per-replicate ratio."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicates", type=int, default=2000, help="replicates of the engine")
    parser.add_argument("--loop-replicates", type=int, default=20, help="replicates of the per-replicate loop")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, the best one counts")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    engine_cpu, engine_wall, (_, engine_covs) = timed(lambda: engine_final_fits(args.replicates, rng), args.repeat)
    loop_cpu, loop_wall, (_, loop_covs) = timed(lambda: loop_final_fits(args.loop_replicates, rng), args.repeat)
    exact_logdet = FITS * float(np.sum(digamma((N - 1 - np.arange(D)) / 2) + np.log(2 / N)))
    results = {
        "settings": {"d": D, "n": N, "fits": FITS, "estimator": "mle", "repeat": args.repeat},
        "engine": {"replicates": args.replicates, "cpu_s": engine_cpu, "wall_s": engine_wall, **summary(engine_covs)},
        "loop": {"replicates": args.loop_replicates, "cpu_s": loop_cpu, "wall_s": loop_wall, **summary(loop_covs)},
        "exact": {"mean_logdet": exact_logdet, "mean_trace": D * (1 - 1 / N) ** FITS},
    }
    per = {
        way: (results[way]["cpu_s"] / results[way]["replicates"], results[way]["wall_s"] / results[way]["replicates"])
        for way in ("engine", "loop")
    }
    results["ratio_cpu"] = per["loop"][0] / per["engine"][0]
    results["ratio_wall"] = per["loop"][1] / per["engine"][1]
    for way in ("engine", "loop"):
        r = results[way]
        print(
            f"{way:6s}: {r['replicates']:6d} replicates, {1e3 * per[way][0]:8.3f} ms CPU "
            f"({1e3 * per[way][1]:8.3f} ms wall) per replicate; E log det = {r['mean_logdet']:.3f} ± "
            f"{r['se_logdet']:.3f}, "
            f"E tr = {r['mean_trace']:.4f} ± {r['se_trace']:.4f}"
        )
    exact = results["exact"]
    print(f"exact : E log det = {exact['mean_logdet']:.3f}, E tr = {exact['mean_trace']:.4f}")
    print(
        f"ratio (per replicate, d = {D}, n = {N}, {FITS} MLE fits): {results['ratio_cpu']:.0f}x CPU, "
        f"{results['ratio_wall']:.0f}x wall (target >= 100x)"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
