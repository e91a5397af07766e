"""Benchmarks of bound files (issue 9, "Performance").

Run on demand (not part of the test suite)::

    python benchmarks/bench_boundfiles.py [--points 1000000] [--files 100] [--json out.json]

Measures, in one run, on this machine:

1. a loaded bound (``examples/bounds/fu2025_thm1.toml``, 13 parameters given) evaluated at N scattered
   points through ``Bound.evaluate`` (validation, defaults, terms, value and ρ included), against a plain
   ``sympy.lambdify(..., cse=True)`` of the same expression (the expression defaults of the two parameters
   not given, γ and Δ, substituted) called on the same arrays; best of 5 each, and the speed ratio
   (target: loaded >= 0.8x lambdify);
2. loading F bound files from a folder and evaluating one of them, in a fresh process: the time on top
   of ``import stl_bounds`` (target: < 1 s), and the start-up itself;
3. ``stl-bounds eval fu2025.thm1`` end to end (process start to exit, best of 3; target: < 1.5 s).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

import stl_bounds
from stl_bounds.bound import substitute_defaults
from stl_bounds.evaluation import numeric_modules

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "bounds" / "fu2025_thm1.toml"
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


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def evaluation(points: int, seed: int = 0) -> dict[str, float]:
    """Loaded bound vs plain lambdify(cse=True) of the same expression on the same arrays."""
    (bound,) = stl_bounds.load_bounds(EXAMPLE)
    rng = np.random.default_rng(seed)
    arrays = {
        name: rng.integers(lo, hi + 1, points).astype(float) if integer else rng.uniform(lo, hi, points)
        for name, (lo, hi, integer) in RANGES.items()
    }
    defaulted = tuple(p for p in bound.parameters if p.name not in arrays)  # gamma and shift, from L4 and L5
    expr = substitute_defaults(bound.expr, defaulted)
    symbols = [bound.parameter_map[name].symbol for name in RANGES]
    assert expr.free_symbols <= set(symbols)
    plain = sp.lambdify(symbols, expr, modules=numeric_modules([expr]), cse=True)
    args = list(arrays.values())
    np.testing.assert_allclose(bound.evaluate(**arrays).value, plain(*args), rtol=1e-12)
    loaded = best_of(lambda: bound.evaluate(**arrays), 5)
    reference = best_of(lambda: plain(*args), 5)
    return {
        "points": points,
        "loaded_s": loaded,
        "lambdify_s": reference,
        "loaded_points_per_s": points / loaded,
        "lambdify_points_per_s": points / reference,
        "speed_ratio_loaded_over_lambdify": reference / loaded,
    }


_LOAD_SCRIPT = """
import sys, time
t0, c0 = time.perf_counter(), time.process_time()
import stl_bounds
t1, c1 = time.perf_counter(), time.process_time()
stl_bounds.load_bounds(sys.argv[1])
value = stl_bounds.get("bench.file_0").evaluate().value
t2, c2 = time.perf_counter(), time.process_time()
print(t1 - t0, t2 - t1, c1 - c0, c2 - c1, value)
"""


def loading(files: int) -> dict[str, float]:
    """Load ``files`` distinct bound files (variants of the example: own id, default of M and sampling
    term) in a fresh process and evaluate one; wall-clock and CPU seconds (best of 3)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        for k in range(files):
            variant = text.replace('id = "example.thm1_restated"', f'id = "bench.file_{k}"')
            variant = variant.replace("[parameters.M]\ndefault = 1", f"[parameters.M]\ndefault = {1 + k / files}")
            variant = variant.replace("sqrt(-log(delta)/n)", f"sqrt(-log(delta)/n)*(1 + {k}/{files})")
            Path(folder, f"file_{k:03d}.toml").write_text(variant, encoding="utf-8")
        runs = []
        for _ in range(3):
            out = subprocess.run(
                [sys.executable, "-c", _LOAD_SCRIPT, folder], capture_output=True, text=True, check=True
            )
            runs.append([float(x) for x in out.stdout.split()[:4]])
    best = [min(r[j] for r in runs) for j in range(4)]
    return {"files": files, "import_s": best[0], "load_and_evaluate_one_s": best[1], "import_cpu_s": best[2],
            "load_and_evaluate_one_cpu_s": best[3]}  # fmt: skip


def cli_eval() -> float:
    def run() -> None:
        subprocess.run(["stl-bounds", "eval", "fu2025.thm1"], capture_output=True, check=True)

    return best_of(run, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    results = {"evaluation": evaluation(args.points), "loading": loading(args.files), "cli_eval_s": cli_eval()}
    e, ld = results["evaluation"], results["loading"]
    print(
        f"evaluation of {e['points']:,} points: loaded bound {e['loaded_s']:.3f} s, "
        f"plain lambdify(cse=True) {e['lambdify_s']:.3f} s; ratio {e['speed_ratio_loaded_over_lambdify']:.2f}x "
        "(target >= 0.8x)"
    )
    print(
        f"loading {ld['files']} bound files and evaluating one: {ld['load_and_evaluate_one_s']:.3f} s "
        f"(CPU {ld['load_and_evaluate_one_cpu_s']:.3f} s) on top of `import stl_bounds` ({ld['import_s']:.3f} s, "
        f"CPU {ld['import_cpu_s']:.3f} s) (target < 1 s)"
    )
    print(f"`stl-bounds eval fu2025.thm1` end to end: {results['cli_eval_s']:.3f} s (target < 1.5 s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
