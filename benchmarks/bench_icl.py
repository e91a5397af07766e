"""Benchmark (issue 4): R = 64 LSA replicas trained batched vs one after another, same settings, same run.

Usage: ``python benchmarks/bench_icl.py [--device auto|cpu|cuda] [--steps S] [--model lsa|softmax]``.
Prints the wall-clock times, the ratio (target >= 8 on CPU for the LSA) and prompts/s
(replicas x batch x steps / s).  ``--model softmax`` times the softmax transformer (2 layers,
2 heads) the same way; data are generated on the device in both cases.
"""

from __future__ import annotations

import argparse
import time

import torch

from verification.icl.models import LSA, SoftmaxTransformer
from verification.icl.train import real_batches, resolve_device, train

R, D, N, SIGMA2, BATCH = 64, 4, 16, 0.25, 64


MODELS = {"lsa": lambda: LSA(D), "softmax": lambda: SoftmaxTransformer(D, depth=2, heads=2)}


def _fit(replicas: int, steps: int, gen: torch.Generator, model_name: str) -> None:
    model = MODELS[model_name]()
    batches = real_batches(replicas, BATCH, D, N, SIGMA2, gen, torch.float32)
    result = train(model, model.init(replicas, gen), batches, steps=steps, lr=0.1, lr_final=0.001)
    result.losses.sum().item()  # synchronise (GPU) before stopping the clock


def main() -> None:
    """Time both ways and print the ratio and throughput."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--model", choices=sorted(MODELS), default="lsa")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator(device=resolve_device(args.device)).manual_seed(0)
    _fit(2, 5, gen, args.model)  # warm-up
    start = time.perf_counter()
    _fit(R, args.steps, gen, args.model)
    batched = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(R):
        _fit(1, args.steps, gen, args.model)
    looped = time.perf_counter() - start
    prompts = R * BATCH * args.steps
    print(f"{args.model} on {gen.device}, R={R}, d={D}, N={N}, batch={BATCH}, steps={args.steps}")
    print(
        f"batched {batched:.2f} s ({prompts / batched:,.0f} prompts/s); looped {looped:.2f} s "
        f"({prompts / looped:,.0f} prompts/s); ratio {looped / batched:.1f}x"
        + (" (target >= 8)" if args.model == "lsa" else "")
    )


if __name__ == "__main__":
    main()
