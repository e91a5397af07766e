"""Pluggable executors: where the chunks of a verification run are computed.

Each executor maps a picklable top-level function over jobs and yields
``(job, result)`` pairs *as they complete*.  Completion order varies; the runner
stores every result under its chunk's identity and reduces in chunk order, so
the executor never influences the results.

* ``inprocess`` — one job after another in this process (debugging, tests);
* ``process`` — ``concurrent.futures.ProcessPoolExecutor`` with ``workers``
  processes (the default);
* ``dask`` — a ``distributed.Client`` on the scheduler at ``scheduler``, or on a
  fresh ``distributed.LocalCluster`` with ``workers`` single-threaded worker
  processes when no address is given.  Dask is imported only here and only
  when asked for (extra ``stl-bounds[distributed]``).
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

from stl_bounds.errors import ParameterError
from stl_bounds.extras import DISTRIBUTED_INSTALL

__all__ = ["EXECUTORS", "check_executor", "run_jobs"]

J = TypeVar("J")

#: Executor names accepted by ``--executor``.
EXECUTORS = ("inprocess", "process", "dask")

#: Seconds to wait for a dask scheduler given by address.
CONNECT_TIMEOUT = 10

_DASK_MISSING = f"the dask executor needs dask.distributed: {DISTRIBUTED_INSTALL}"


def check_executor(kind: str, workers: int, scheduler: str | None) -> None:
    """Validate the executor settings before any work (a dry run: nothing is started).

    Raises
    ------
    ParameterError
        Unknown executor, ``workers < 1``, a scheduler address without
        ``dask``, or ``dask`` without dask.distributed installed.
    """
    if kind not in EXECUTORS:
        raise ParameterError(f"executor must be one of {', '.join(EXECUTORS)}; got {kind!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ParameterError(f"workers must be an integer >= 1; got {workers!r}")
    if scheduler is not None and kind != "dask":
        raise ParameterError(f"a scheduler address needs executor 'dask'; got executor {kind!r}")
    if kind == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ParameterError(_DASK_MISSING) from None


def run_jobs(
    fn: Callable[[J], Any], jobs: Sequence[J], *, kind: str, workers: int, scheduler: str | None = None
) -> Iterator[tuple[J, Any]]:
    """Yield ``(job, fn(job))`` for every job, in completion order, on executor ``kind``.

    A generator: closing it early (or an exception such as KeyboardInterrupt
    in the consumer) cancels the jobs not yet started and releases the workers.
    """
    check_executor(kind, workers, scheduler)
    if not jobs:
        return
    if kind == "inprocess":
        for job in jobs:
            yield job, fn(job)
    elif kind == "process":
        yield from _process_pool(fn, jobs, workers)
    else:
        yield from _dask(fn, jobs, workers, scheduler)


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it cancels pending work and keeps saved chunks)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _process_pool(fn: Callable[[J], Any], jobs: Sequence[J], workers: int) -> Iterator[tuple[J, Any]]:
    pool = cf.ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=_ignore_sigint)
    try:
        futures = {pool.submit(fn, job): job for job in jobs}
        for future in cf.as_completed(futures):
            yield futures[future], future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


#: Loggers that report the routine teardown of a dask cluster (workers killed after a grace period, closed comms).
_TEARDOWN_LOGGERS = ("distributed", "tornado", "asyncio", "bokeh")


@contextmanager
def _quiet_logs(names: Sequence[str] = _TEARDOWN_LOGGERS, level: int = logging.CRITICAL) -> Iterator[None]:
    """Raise the level of the loggers ``names`` to ``level`` for the duration (restored after)."""
    loggers = [logging.getLogger(name) for name in names]
    saved = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, old in zip(loggers, saved, strict=True):
            logger.setLevel(old)


def _close_quietly(*resources: Any) -> None:
    """Close a dask client, then its cluster, without log lines or tracebacks from the teardown.

    Closing a ``LocalCluster`` kills workers that do not stop within its grace period and logs it at
    WARNING (``distributed.nanny - WARNING - Worker process still alive ...``); a comm closed while the
    scheduler says goodbye may be logged with a traceback.  Neither is news for the user of a finished run.
    """
    with _quiet_logs(), ExitStack() as stack:
        for resource in reversed(resources):  # the stack closes last-in first: in the order given, each one surely
            stack.callback(resource.close)


@contextmanager
def _dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ParameterError(_DASK_MISSING) from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise ParameterError(f"cannot connect to the dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            _close_quietly(client)
        return
    # silence_logs: only errors while the run lasts (routine INFO/WARNING lines of the cluster are noise)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR)
    try:
        client = Client(cluster)
    except BaseException:
        _close_quietly(cluster)
        raise
    try:
        yield client
    finally:
        _close_quietly(client, cluster)  # the client first, then the cluster it is connected to


def _dask(fn: Callable[[J], Any], jobs: Sequence[J], workers: int, scheduler: str | None) -> Iterator[tuple[J, Any]]:
    from distributed import as_completed

    with _dask_client(workers, scheduler) as client:
        futures = client.map(fn, jobs, pure=False)
        owner = {f.key: job for f, job in zip(futures, jobs, strict=True)}
        try:
            for future in as_completed(futures):
                yield owner[future.key], future.result()
        finally:
            client.cancel(futures)
