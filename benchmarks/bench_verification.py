"""Benchmarks of the Monte Carlo simulators (issue: Monte Carlo verification, performance).

Run on demand (not part of the test suite)::

    python benchmarks/bench_verification.py [--json out.json] [--scale 1.0]

Measures, in one run:

1. Gaussian 1-D ``fresh(0.5)``, n = 1000, 10^4 replicates, 50 generations: the
   ``exact`` engine against the ``sample`` engine (time ratio), with two-sample
   KS tests on the final-generation mean and variance (scipy.stats.ks_2samp);
2. regression ``mixed(0.5)``, T = 1000, d = 20, 2000 replicates, 50 generations:
   ``exact`` against ``sample``;
3. 10^6 replicates of the 1-D Gaussian ``exact`` engine over 100 generations, in
   chunks of 50,000 replicates (one SeedSequence child per chunk, as the runner
   does), on 1 and on 2 worker processes: wall time, the 1 -> 2 worker speed-up,
   and the peak resident memory of the parent and of the workers.

``--scale`` multiplies every replicate count (e.g. 0.1 for a smoke run).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy.stats import ks_2samp

from verification.gaussian import simulate_gaussian
from verification.regression import simulate_regression

CHUNK = 50_000


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def gaussian_engines(replicates: int) -> dict[str, float]:
    def run(engine: str):  # type: ignore[no-untyped-def]
        rng = np.random.default_rng(np.random.SeedSequence(1, spawn_key=(0 if engine == "exact" else 1,)))
        return simulate_gaussian("fresh", n=1000, fits=50, replicates=replicates, rng=rng, engine=engine, lam=0.5)

    exact, t_exact = timed(lambda: run("exact"))
    sample, t_sample = timed(lambda: run("sample"))
    return {
        "gauss_exact_s": t_exact,
        "gauss_sample_s": t_sample,
        "gauss_speedup": t_sample / t_exact,
        "gauss_ks_p_final_mean": float(ks_2samp(exact.mean[:, -1], sample.mean[:, -1]).pvalue),
        "gauss_ks_p_final_var": float(ks_2samp(exact.var()[:, -1], sample.var()[:, -1]).pvalue),
    }


def regression_engines(replicates: int) -> dict[str, float]:
    def run(engine: str):  # type: ignore[no-untyped-def]
        rng = np.random.default_rng(np.random.SeedSequence(2, spawn_key=(0 if engine == "exact" else 1,)))
        return simulate_regression(
            "mixed", T=1000, d=20, fits=50, replicates=replicates, rng=rng, engine=engine, lam=0.5
        )

    exact, t_exact = timed(lambda: run("exact"))
    sample, t_sample = timed(lambda: run("sample"))
    return {
        "regression_exact_s": t_exact,
        "regression_sample_s": t_sample,
        "regression_speedup": t_sample / t_exact,
        "regression_ks_p_final_test_err": float(ks_2samp(exact.test_err()[:, -1], sample.test_err()[:, -1]).pvalue),
    }


def _chunk(job: tuple[int, int]) -> tuple[np.ndarray, int]:
    """Per-generation sums of the mean error and variance over one chunk, and the worker's peak RSS (kB)."""
    index, size = job
    rng = np.random.default_rng(np.random.SeedSequence(3, spawn_key=(index,)))
    path = simulate_gaussian("fresh", n=100, fits=100, replicates=size, rng=rng, engine="exact", lam=0.5)
    sums = np.stack([path.mean_sq_err().sum(axis=0), path.var().sum(axis=0)])
    return sums, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def many_replicates(replicates: int, workers: int) -> dict[str, float]:
    jobs = [(k, min(CHUNK, replicates - k * CHUNK)) for k in range(-(-replicates // CHUNK))]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_chunk, jobs))
    seconds = time.perf_counter() - t0
    total = sum(r[0] for r in results)
    return {
        "seconds": seconds,
        "replicates_per_s": replicates / seconds,
        "worker_peak_MB": max(r[1] for r in results) / 1024,
        "final_mean_sq_err": float(total[0, -1] / replicates),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the measurements to this file")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every replicate count")
    parser.add_argument(
        "--parts", default="gaussian,regression,scaling", help="comma-separated subset of gaussian,regression,scaling"
    )
    args = parser.parse_args(argv)
    scale, parts = args.scale, set(args.parts.split(","))
    results: dict[str, float] = {}
    if "gaussian" in parts:
        results.update(gaussian_engines(int(10_000 * scale)))
    if "regression" in parts:
        results.update(regression_engines(int(2000 * scale)))
    if "scaling" in parts:
        big = int(10**6 * scale)
        one = many_replicates(big, 1)
        two = many_replicates(big, 2)
        results.update({f"1e6_exact_1worker_{k}": v for k, v in one.items()})
        results.update({f"1e6_exact_2workers_{k}": v for k, v in two.items()})
        results["1e6_exact_speedup_1_to_2_workers"] = one["seconds"] / two["seconds"]
    results["parent_peak_MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    width = max(map(len, results))
    for k, v in results.items():
        print(f"{k:<{width}}  {v:,.4g}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
