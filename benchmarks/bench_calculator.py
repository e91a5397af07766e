"""Benchmarks of the bound calculator (issue: calculator performance targets).

Run on demand (not part of the test suite)::

    python benchmarks/bench_calculator.py [--points 1000000] [--json out.json]

Measures, in one run, on this machine:

1. ``fu2025.thm1`` on N parameter points with all 13 parameters varying,
   (a) scattered: every parameter an i.i.d. array of N values,
   (b) a cartesian grid of about N points (each parameter on its own axis),
   in points per second after compilation (best of 5);
2. the same bound through a sympy ``subs``/``evalf`` loop (points per second on a
   small sample) and the speed-up ratio of (a) and (b) over it;
3. peak traced memory (tracemalloc, which sees numpy's buffers) of (a) and (b);
4. ``stl-bounds eval fu2025.thm1 --set i=0:50`` end to end (process start to exit,
   best of 5), and whether importing ``stl_bounds`` pulled in matplotlib,
   scipy.optimize or torch.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

import stl_bounds

RANGES: dict[str, tuple[float, float, bool]] = {  # name: (low, high, integer)
    "M": (0.5, 2.0, False),
    "lam": (0.0, 1.0, False),
    "n": (10, 10**6, True),
    "delta": (0.01, 0.1, False),
    "beta": (0.0, 1e-3, False),
    "eps": (0.0, 0.1, False),
    "kappa": (0.5, 1.5, False),
    "g": (0.5, 2.0, False),
    "i": (0, 50, True),
    "c1": (0.5, 2.0, False),
    "c2": (0.5, 2.0, False),
    "c3": (0.5, 2.0, False),
    "c4": (0.5, 2.0, False),
}
GRID_SIZES = (4, 5, 3, 3, 3, 3, 4, 2, 5, 2, 2, 2, 2)  # product 1,036,800 points


def scattered(points: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for name, (lo, hi, integer) in RANGES.items():
        out[name] = rng.integers(lo, hi + 1, points).astype(float) if integer else rng.uniform(lo, hi, points)
    return out


def cartesian() -> dict[str, np.ndarray]:
    out = {}
    for axis, ((name, (lo, hi, integer)), size) in enumerate(zip(RANGES.items(), GRID_SIZES)):
        values = np.linspace(lo, hi, size)
        values = np.round(values) if integer else values
        shape = [1] * len(RANGES)
        shape[axis] = size
        out[name] = values.reshape(shape)
    return out


def best_of(fn: Callable[[], Any], repeat: int = 5) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def peak_bytes(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def subs_evalf_rate(sample: int = 50) -> float:
    b = stl_bounds.get("fu2025.thm1")
    expr = b.expr_with_defaults
    symbols = {p.name: p.symbol for p in b.parameters}
    pts = scattered(sample, seed=1)
    t0 = time.perf_counter()
    for j in range(sample):
        float(expr.subs({symbols[k]: v[j] for k, v in pts.items()}).evalf())
    return sample / (time.perf_counter() - t0)


def cli_seconds(repeat: int = 5) -> float:
    cmd = [sys.executable, "-m", "stl_bounds", "eval", "fu2025.thm1", "--set", "i=0:50"]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return min(times)


def eager_imports() -> list[str]:
    code = (
        "import sys, stl_bounds; stl_bounds.get('fu2025.thm1').evaluate(); "
        "print(','.join(m for m in ('matplotlib', 'scipy.optimize', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    return [m for m in out.split(",") if m]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10**6)
    parser.add_argument("--json", help="write the measurements to this file")
    args = parser.parse_args(argv)
    b = stl_bounds.get("fu2025.thm1")
    scat, grid = scattered(args.points), cartesian()
    grid_points = int(np.prod(GRID_SIZES))
    t_scat = best_of(lambda: b.evaluate(**scat))
    t_grid = best_of(lambda: b.evaluate(**grid))
    slow = subs_evalf_rate()
    results = {
        "scattered_points": args.points,
        "scattered_points_per_s": args.points / t_scat,
        "grid_points": grid_points,
        "grid_points_per_s": grid_points / t_grid,
        "subs_evalf_points_per_s": slow,
        "speedup_scattered_over_subs": args.points / t_scat / slow,
        "speedup_grid_over_subs": grid_points / t_grid / slow,
        "peak_MB_scattered_excluding_inputs": peak_bytes(lambda: b.evaluate(**scat)) / 2**20,
        "input_MB_scattered": sum(v.nbytes for v in scat.values()) / 2**20,
        "peak_MB_grid": peak_bytes(lambda: b.evaluate(**grid)) / 2**20,
        "cli_eval_seconds": cli_seconds(),
        "eager_heavy_imports": eager_imports(),
    }
    width = max(map(len, results))
    for k, v in results.items():
        print(f"{k:<{width}}  {v:,.3f}" if isinstance(v, float) else f"{k:<{width}}  {v}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
