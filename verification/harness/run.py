"""Run the harness: validate, plan chunks, resume, compute on an executor, reduce, write results.

:func:`run_loop` is the Python API behind ``stl-bounds loop``.  It works like a verification
campaign (:mod:`verification.runner`): the replicates are cut into chunks of ``spec.chunk_size``,
each computed on the chosen executor (:mod:`verification.executors`: in process, a process pool,
or Dask) and saved atomically with its identity and checksum under ``out/chunks/loop/``
(:mod:`verification.chunks`).  With ``resume`` the chunks already in ``out`` are checked and
reused, so a run stopped by Ctrl-C, a crash or a failing model continues where it stopped, with
the same numbers.  ``results.json`` depends only on the settings and the seed.  A user's model is
identified by its ``module:factory`` name, not by its code: after changing the code, start a new
output folder rather than resuming.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from tqdm import tqdm

from stl_bounds.errors import ParameterError
from verification.chunks import (
    CHUNKS_DIR,
    ChunkError,
    ChunkIdentity,
    chunk_files,
    chunk_ranges,
    read_chunk,
    write_chunk,
)
from verification.executors import check_executor, run_jobs
from verification.harness.catalog import SKLEARN_MODELS, resolve
from verification.harness.figure import write_figure
from verification.harness.fitbound import fit_bound
from verification.harness.loading import module_root, with_paths
from verification.harness.measures import distance_name
from verification.harness.regimes import CAMPAIGN
from verification.harness.simulate import simulate_chunk
from verification.harness.spec import MIXED_REGIMES, LoopSpec
from verification.harness.summary import DESCRIPTIONS, pool_records, record_summary
from verification.jsonio import TEMP_SUFFIX, atomic_write, dumps, jsonable
from verification.report import RESULTS_FILE, versions

__all__ = ["RESULTS_SCHEMA", "VERSION", "run_loop"]

#: Version of the chunk payload of the harness (bumped when a record changes meaning).
VERSION = 1
#: Version of the layout of the harness's results.json.
RESULTS_SCHEMA = 1

Job = tuple[ChunkIdentity, tuple[str, ...]]


def _software(spec: LoopSpec) -> dict[str, str]:
    out = versions()
    if spec.model in SKLEARN_MODELS:
        out["scikit-learn"] = metadata.version("scikit-learn")
    return out


def _spec_of(identity: ChunkIdentity) -> LoopSpec:
    return LoopSpec(
        **identity.params, seed=identity.seed, replicates=identity.replicates, chunk_size=identity.chunk_size
    )


def execute_loop_chunk(job: Job) -> dict[str, Any]:
    """Simulate one chunk (runs in a worker): import the user's code from ``job``'s paths, then simulate."""
    identity, paths = job
    with_paths(paths)
    return jsonable(simulate_chunk(resolve(_spec_of(identity)), identity.start, identity.stop))


def _plan(spec: LoopSpec) -> list[ChunkIdentity]:
    software = _software(spec)
    params = jsonable(spec.params())
    return [
        ChunkIdentity(
            CAMPAIGN, VERSION, 0, params, spec.seed, spec.replicates, spec.chunk_size, j, start, stop, software
        )
        for j, (start, stop) in enumerate(chunk_ranges(spec.replicates, spec.chunk_size))
    ]


def _prepare_out(out: Path, plan: Sequence[ChunkIdentity], *, resume: bool) -> None:
    folder = out / CHUNKS_DIR / CAMPAIGN
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test{TEMP_SUFFIX}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ParameterError(f"output folder {out} is not writable: {exc.strerror or exc}") from None
    existing = chunk_files(out, CAMPAIGN)
    if existing and not resume:
        raise ChunkError(
            f"output folder {out} already holds {len(existing)} chunk files of an earlier run; "
            "pass --resume to continue it, or choose another --out folder"
        )
    for stale in folder.glob(f".*{TEMP_SUFFIX}"):  # left by a killed run
        stale.unlink()
    expected = {ident.path(out) for ident in plan}
    for path in existing:
        if path not in expected:
            raise ChunkError(
                f"chunk file {path.relative_to(out)} belongs to another run (no such chunk in this run's plan: "
                "other replicates or chunk size); use another --out folder"
            )
    for ident in plan:
        if ident.path(out).exists():
            read_chunk(out, ident)


def run_loop(
    spec: LoopSpec,
    *,
    out: str | os.PathLike[str],
    resume: bool = False,
    executor: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    fit_bound_target: float | None = None,
    fit: bool = False,
    progress: bool | None = None,
    figure: bool = True,
) -> dict[str, Any]:
    """Run ``spec`` and return the results document (also written to ``out/results.json``, with the figure).

    Parameters
    ----------
    spec
        The run.
    out
        Output folder: ``chunks/loop/``, ``results.json``, ``loop.pdf``, ``loop.png``.
    resume
        Reuse the chunk files of an earlier run of the same settings in ``out``.
    executor, workers, scheduler
        Where chunks run (:mod:`verification.executors`); ``workers`` defaults to the CPU count.
    fit, fit_bound_target
        Estimate ε and κ and evaluate the bounds (:mod:`verification.harness.fitbound`); with a
        target, also the smallest λ that keeps them under it.
    progress
        A progress bar on stderr (``None``: when stderr is a terminal).
    figure
        Write the figure.

    Raises
    ------
    ParameterError
        A bad setting, before any work starts.
    ModelError
        User code failed; finished chunks stay in ``out`` for ``resume``.
    ChunkError
        A corrupted or foreign chunk file, or chunks in ``out`` without ``resume``.
    """
    workers = (os.cpu_count() or 1) if workers is None else workers
    check_executor(executor, workers, scheduler)
    if fit and spec.regime not in MIXED_REGIMES:
        raise ParameterError(
            f"--fit-bound needs a regime with a fixed share of real data ({', '.join(MIXED_REGIMES)}); "
            f"got {spec.regime!r}"
        )
    if fit and spec.generations < 2:
        raise ParameterError(f"--fit-bound needs generations >= 2 to estimate kappa; got {spec.generations}")
    setup = resolve(spec)  # a dry run: imports, names, layout, the real sampler's output
    paths = tuple(p for p in (module_root(spec.model), module_root(spec.real or "")) if p)
    out = Path(out)
    plan = _plan(spec)
    _prepare_out(out, plan, resume=resume)
    missing = [ident for ident in plan if not ident.path(out).exists()]
    print(
        f"loop: {spec.model} on {setup.real_name}, {spec.regime}, n={spec.n}, {spec.generations} generations, "
        f"{spec.replicates} replicates in {len(plan)} chunks ({len(plan) - len(missing)} done) -> {out}",
        file=sys.stderr,
    )
    bar = tqdm(
        total=len(plan),
        initial=len(plan) - len(missing),
        desc="loop",
        unit="chunk",
        file=sys.stderr,
        dynamic_ncols=True,
        disable=None if progress is None else not progress,
    )
    try:
        jobs = run_jobs(
            execute_loop_chunk,
            [(ident, paths) for ident in missing],
            kind=executor,
            workers=workers,
            scheduler=scheduler,
        )
        try:
            for (identity, _), payload in jobs:
                write_chunk(out, identity, payload)
                bar.update(1)
        finally:
            jobs.close()
    finally:
        bar.close()
    document = _document(spec, setup, [read_chunk(out, ident) for ident in plan], fit=fit, target=fit_bound_target)
    atomic_write(out / RESULTS_FILE, dumps(document))
    if figure:
        write_figure(document, out)
    return jsonable(document)


def _document(
    spec: LoopSpec, setup: Any, chunks: list[dict[str, Any]], *, fit: bool, target: float | None
) -> dict[str, Any]:
    pooled = pool_records(chunks)
    distance = distance_name(setup)
    document: dict[str, Any] = {
        "schema": RESULTS_SCHEMA,
        "tool": "stl-bounds loop",
        "settings": {**spec.params(), "seed": spec.seed, "replicates": spec.replicates, "chunk_size": spec.chunk_size},
        "kind": setup.kind,
        "d": setup.d,
        "categories": setup.categories or None,
        "real_distribution": setup.real_name,
        "distance": distance,
        "generation": list(range(spec.generations)),
        "descriptions": {name: DESCRIPTIONS[name] for name in pooled},
        "records": {name: record_summary(moments) for name, moments in pooled.items()},
        "software": _software(spec),
    }
    if fit:
        document["fit_bound"] = fit_bound(spec, pooled, distance, target=target)
    return jsonable(document)
