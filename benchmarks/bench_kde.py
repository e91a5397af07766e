"""Benchmark (issue 10, "Performance"): KDE ``replace`` loops, the vectorized sampler vs scipy.

Usage: ``python benchmarks/bench_kde.py [--replicates 500] [--json out.json]``.

Settings (both ways, same run, same number of replicates): 1-D Gaussian KDE with Scott's rule
(docs/theory.md §5.8), n = 200 points per generation, 50 generations, real data N(0, 1).  The engine
is :func:`verification.kde.simulate_kde` (vectorized over replicates, the law of
``gaussian_kde.resample``).  The straightforward implementation, written here, loops over replicates and
generations around ``scipy.stats.gaussian_kde(data).resample(n)``.  Prints both times and the ratio
(target >= 20x), and the mean last variance of both next to the exact σ²(1 − 1/n)ρ^49 as a check that
both run the same loop.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy import stats

from verification.kde import simulate_kde

N, GENERATIONS = 200, 50


def loop_last_variance(replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Per replicate: fit ``gaussian_kde`` on the previous generation and resample n points, 49 times."""
    out = np.empty(replicates)
    for r in range(replicates):
        data = rng.standard_normal(N)
        for _ in range(GENERATIONS - 1):
            data = stats.gaussian_kde(data).resample(N, seed=rng)[0]
        out[r] = data.var()
    return out


def main() -> None:
    """Time both ways and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicates", type=int, default=500)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    simulate_kde(n=N, fits=2, replicates=2, rng=rng)  # warm-up
    start = time.perf_counter()
    engine = simulate_kde(n=N, fits=GENERATIONS, replicates=args.replicates, rng=rng).var[:, -1]
    engine_s = time.perf_counter() - start
    start = time.perf_counter()
    looped = loop_last_variance(args.replicates, rng)
    loop_s = time.perf_counter() - start
    rho = 1 - 1 / N + N ** (-0.4)
    exact = (1 - 1 / N) * rho ** (GENERATIONS - 1)
    results = {
        "replicates": args.replicates,
        "engine_s": engine_s,
        "loop_s": loop_s,
        "ratio": loop_s / engine_s,
        "engine_mean_last_var": float(engine.mean()),
        "loop_mean_last_var": float(looped.mean()),
        "exact_last_var": exact,
    }
    print(f"KDE replace, n = {N}, {GENERATIONS} generations, {args.replicates} replicates both ways")
    print(
        f"vectorized sampler {engine_s:.3f} s (mean v_50 = {engine.mean():.3g}); loop around gaussian_kde "
        f"{loop_s:.2f} s (mean v_50 = {looped.mean():.3g}); exact E v_50 = {exact:.3g}; "
        f"ratio {loop_s / engine_s:.0f}x (target >= 20)"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
