"""Run verification campaigns: plan, validate, resume, dispatch, reduce, record.

:func:`run` is the Python API behind ``stl-bounds verify``:

1. validate every setting and dry-run every task through the simulators' own
   validation — nothing starts before all of it passes;
2. plan the chunks (:mod:`verification.chunks`) and, with ``resume``, read and
   check every chunk file already in the output folder (a corrupted or foreign
   file stops the run with :class:`~verification.chunks.ChunkError`);
3. compute the missing chunks on the chosen executor
   (:mod:`verification.executors`), each with its own random stream
   (:mod:`verification.seeding`), saving every chunk atomically as it
   completes;
4. reduce each campaign from its chunk files in chunk order, judge it, and
   write ``results.json`` and ``report.md`` (:mod:`verification.report`).

The results depend on the seed, the mode, the replicate counts and the chunk
size only: not on the executor, the number of workers, or interruptions.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from stl_bounds.errors import ParameterError
from verification.campaign import MODES, Campaign, TaskData
from verification.campaigns import get_campaign, names
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
from verification.jsonio import TEMP_SUFFIX, atomic_write, dumps, jsonable
from verification.report import (
    REPORT_FILE,
    RESULTS_FILE,
    campaign_record,
    render_markdown,
    results_document,
    versions,
)
from verification.seeding import check_seed, chunk_rng

__all__ = ["DEFAULT_OUT", "run"]

#: Default output folder of ``stl-bounds verify``.
DEFAULT_OUT = "verify-out"


@dataclass(frozen=True)
class _Plan:
    campaign: Campaign
    replicates: int
    chunk_size: int
    tasks: tuple[dict[str, Any], ...]
    chunks: tuple[tuple[ChunkIdentity, ...], ...]  # per task, in chunk order


def run(
    campaigns: Sequence[str] | None = None,
    *,
    replicates: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    out: str | os.PathLike[str] = DEFAULT_OUT,
    resume: bool = False,
    mode: str = "quick",
    executor: str = "process",
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Run verification campaigns and return the ``results.json`` document.

    Parameters
    ----------
    campaigns
        Campaign names (default: all, in registry order).
    replicates
        Replicates per task, overriding the mode's default.
    seed
        Root seed (integer ≥ 0).
    workers
        Worker processes (default: ``os.cpu_count()``).
    out
        Output folder: ``chunks/``, ``results.json``, ``report.md``.
    resume
        Reuse the chunk files of an earlier run with the same settings.
    mode
        ``quick`` or ``full``.
    executor, scheduler
        ``inprocess``, ``process`` or ``dask`` (with an optional scheduler address).
    chunk_size
        Replicates per chunk, overriding each campaign's own.
    progress
        Progress bars on stderr: ``None`` shows them when stderr is a terminal.

    Returns
    -------
    dict
        The results document (also written to ``out/results.json``).

    Raises
    ------
    ParameterError
        For a bad setting, before any work starts.
    ChunkError
        For a corrupted or foreign chunk file, or an output folder holding
        chunks without ``resume``.
    """
    seed = check_seed(seed)
    workers = (os.cpu_count() or 1) if workers is None else workers
    check_executor(executor, workers, scheduler)
    plans = _plan(campaigns, replicates=replicates, seed=seed, mode=mode, chunk_size=chunk_size)
    out = _prepare_out(Path(out), resume=resume, plans=plans)
    missing = [ident for plan in plans for task in plan.chunks for ident in task if not ident.path(out).exists()]
    _compute(missing, plans, out=out, executor=executor, workers=workers, scheduler=scheduler, progress=progress)
    records = {plan.campaign.name: _reduce(plan, out, mode=mode, seed=seed) for plan in plans}
    document = results_document(records, seed=seed, mode=mode)
    atomic_write(out / RESULTS_FILE, dumps(document))
    atomic_write(out / REPORT_FILE, render_markdown(document))
    return jsonable(document)


def _plan(
    campaigns: Sequence[str] | None, *, replicates: int | None, seed: int, mode: str, chunk_size: int | None
) -> list[_Plan]:
    if mode not in MODES:
        raise ParameterError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    for name, value in (("replicates", replicates), ("chunk_size", chunk_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ParameterError(f"{name} must be an integer >= 1; got {value!r}")
    if isinstance(campaigns, str):
        campaigns = [campaigns]
    selected = list(dict.fromkeys(campaigns)) if campaigns else names()
    plans = []
    software = versions()
    for name in selected:
        campaign = get_campaign(name)
        reps = campaign.replicates[mode] if replicates is None else replicates
        if reps < campaign.min_replicates:
            raise ParameterError(f"replicates must be >= {campaign.min_replicates} for campaign {name}; got {reps}")
        size = campaign.chunk_size if chunk_size is None else chunk_size
        tasks = tuple(dict(p) for p in campaign.tasks(mode))
        for params in tasks:
            campaign.validate(params)
        chunks = tuple(
            tuple(
                ChunkIdentity(name, campaign.version, t, jsonable(params), seed, reps, size, j, start, stop, software)
                for j, (start, stop) in enumerate(chunk_ranges(reps, size))
            )
            for t, params in enumerate(tasks)
        )
        plans.append(_Plan(campaign, reps, size, tasks, chunks))
    return plans


def _prepare_out(out: Path, *, resume: bool, plans: Sequence[_Plan]) -> Path:
    try:
        for plan in plans:
            (out / CHUNKS_DIR / plan.campaign.name).mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test{TEMP_SUFFIX}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ParameterError(f"output folder {out} is not writable: {exc.strerror or exc}") from None
    existing = chunk_files(out)
    if existing and not resume:
        raise ChunkError(
            f"output folder {out} already holds {len(existing)} chunk files of an earlier run; "
            "pass --resume to continue it, or choose another --out folder"
        )
    expected = {ident.path(out) for plan in plans for task in plan.chunks for ident in task}
    for plan in plans:
        folder = out / CHUNKS_DIR / plan.campaign.name
        for stale in folder.glob(f".*{TEMP_SUFFIX}"):  # left by a killed run
            stale.unlink()
        for path in chunk_files(out, plan.campaign.name):
            if path not in expected:
                raise ChunkError(
                    f"chunk file {path.relative_to(out)} belongs to another run (no such chunk in this run's plan: "
                    "other replicates, chunk size or mode); use another --out folder"
                )
        for task in plan.chunks:
            for ident in task:
                if ident.path(out).exists():
                    read_chunk(out, ident)
    return out


def execute_chunk(identity: ChunkIdentity) -> dict[str, Any]:
    """Simulate one chunk (runs in a worker): the campaign's summary of replicates ``[start, stop)``."""
    campaign = get_campaign(identity.campaign)
    rng = chunk_rng(identity.seed, identity.campaign, identity.task, identity.chunk)
    return jsonable(campaign.simulate(identity.params, rng, identity.stop - identity.start))


def _compute(
    missing: list[ChunkIdentity],
    plans: Sequence[_Plan],
    *,
    out: Path,
    executor: str,
    workers: int,
    scheduler: str | None,
    progress: bool | None,
) -> None:
    bars = {}
    for position, plan in enumerate(plans):
        total = sum(len(task) for task in plan.chunks)
        todo = sum(1 for ident in missing if ident.campaign == plan.campaign.name)
        bars[plan.campaign.name] = tqdm(
            total=total,
            initial=total - todo,
            desc=plan.campaign.name,
            unit="chunk",
            file=sys.stderr,
            position=position,
            dynamic_ncols=True,
            disable=None if progress is None else not progress,
        )
    try:
        jobs = run_jobs(execute_chunk, missing, kind=executor, workers=workers, scheduler=scheduler)
        try:
            for identity, payload in jobs:
                write_chunk(out, identity, payload)
                bars[identity.campaign].update(1)
        finally:
            jobs.close()
    finally:
        for bar in bars.values():
            bar.close()


def _reduce(plan: _Plan, out: Path, *, mode: str, seed: int) -> dict[str, Any]:
    tasks = [
        TaskData(t, params, plan.replicates, [read_chunk(out, ident) for ident in plan.chunks[t]])
        for t, params in enumerate(plan.tasks)
    ]
    outcome = plan.campaign.judge(tasks)
    settings = {"mode": mode, "seed": seed, "replicates": plan.replicates, "chunk_size": plan.chunk_size}
    return campaign_record(plan.campaign, tasks, outcome, settings)
