"""Benchmark (issue 10, "Performance"): categorical ``replace`` loops run until one category is left.

Usage: ``python benchmarks/bench_categorical.py [--replicates 2000] [--loop-replicates 50] [--json out.json]``.

Settings (both ways, same run): K = 6 uniform categories, n = 1,000 points per fit, every loop run
until one category is left (docs/theory.md §5.7, about 1,823 fits on average).  The engine is
:func:`verification.categorical.run_to_fixation` (counts are the sufficient statistic: one multinomial
draw per replicate and fit, vectorized over replicates, fixed replicates dropped).  The straightforward
implementation, written here, loops over replicates, draws the n points with ``Generator.choice`` and
refits with ``bincount`` every fit.  Its replicates are fewer (it is slow); the ratio compares the time per
replicate (target >= 100x).  The mean fixation times of both are printed next to Kimura–Ohta's value as a
check that both run the same loop.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from verification.categorical import run_to_fixation

K, N = 6, 1000


def loop_fixation_times(replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Per replicate: draw n points with ``choice``, refit with ``bincount``, until one category is left."""
    times = np.empty(replicates, dtype=np.int64)
    for r in range(replicates):
        p, t = np.full(K, 1.0 / K), 0
        while True:
            t += 1
            counts = np.bincount(rng.choice(K, size=N, p=p), minlength=K)
            if counts.max() == N:
                break
            p = counts / N
        times[r] = t
    return times


def main() -> None:
    """Time both ways and print the per-replicate ratio."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicates", type=int, default=2000, help="replicates of the engine")
    parser.add_argument("--loop-replicates", type=int, default=50, help="replicates of the per-replicate loop")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    engine = run_to_fixation(p0=np.full(K, 1.0 / K), n=N, replicates=args.replicates, rng=rng)
    engine_s = time.perf_counter() - start
    start = time.perf_counter()
    looped = loop_fixation_times(args.loop_replicates, rng)
    loop_s = time.perf_counter() - start
    per_engine, per_loop = engine_s / args.replicates, loop_s / args.loop_replicates
    kimura_ohta = -2 * N * (K - 1) * np.log(1 - 1 / K)
    results = {
        "engine_replicates": args.replicates,
        "engine_s": engine_s,
        "engine_mean_fits": float(engine.times.mean()),
        "loop_replicates": args.loop_replicates,
        "loop_s": loop_s,
        "loop_mean_fits": float(looped.mean()),
        "kimura_ohta_fits": float(kimura_ohta),
        "ratio_per_replicate": per_loop / per_engine,
    }
    print(f"categorical replace to fixation, K = {K}, n = {N} (Kimura–Ohta: {kimura_ohta:.0f} fits)")
    print(
        f"engine: {args.replicates} replicates in {engine_s:.2f} s ({1e3 * per_engine:.3f} ms/replicate, "
        f"mean {engine.times.mean():.0f} fits); loop: {args.loop_replicates} replicates in {loop_s:.2f} s "
        f"({1e3 * per_loop:.2f} ms/replicate, mean {looped.mean():.0f} fits); "
        f"ratio {per_loop / per_engine:.0f}x (target >= 100)"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
