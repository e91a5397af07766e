"""The campaign framework: what a verification campaign declares and returns.

A :class:`Campaign` is a frozen description (like a :class:`~stl_bounds.Bound`):
its tasks (one parameter set each, e.g. a regime and a sample size), how many
replicates each task gets per mode, a fixed chunk size, and three functions:

* ``validate(params)`` — a dry run of the simulator's own validation, called
  for every task before any work is dispatched;
* ``simulate(params, rng, replicates)`` — runs in a worker: simulates one chunk
  of replicates and returns its *summary* (a JSON-ready mapping of sufficient
  statistics or samples), which is what the chunk file stores;
* ``judge(tasks)`` — runs once, in the main process, on every task's chunk
  summaries (in chunk order) and returns the :class:`Outcome`: the
  :class:`Check` results with their figures of merit and the data for plots.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["MODES", "Campaign", "Check", "Outcome", "TaskData"]

#: Run modes: ``quick`` (every campaign in under two minutes on two cores) and ``full`` (tight intervals).
MODES = ("quick", "full")


@dataclass(frozen=True)
class Check:
    """One statistical or deterministic check.

    Attributes
    ----------
    name
        Short stable name, e.g. ``gauss.replace.unbiased.var``.
    passed
        Whether the check holds.
    statement
        What was tested and the pass rule, with its tolerance, in one line.
    figures
        Figures of merit (e.g. ``max_abs_z`` and ``threshold``): JSON-ready numbers.
    """

    name: str
    passed: bool
    statement: str
    figures: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "passed": bool(self.passed),
            "statement": self.statement,
            "figures": dict(self.figures),
        }


@dataclass(frozen=True)
class TaskData:
    """A task's parameters and its chunk summaries in chunk order."""

    index: int
    params: Mapping[str, Any]
    replicates: int
    chunks: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Outcome:
    """What a campaign concludes.

    Attributes
    ----------
    checks
        The checks, in a stable order.
    figures
        Campaign-level figures of merit (e.g. the largest |z| and its threshold).
    data
        Per-task data for plotting (same order as the tasks), e.g. per-fit
        Monte Carlo means with standard errors next to the exact values.
    skipped
        Why the campaign did not run (e.g. an optional dependency is missing,
        with its install command); ``None`` when it ran.  A skipped campaign
        has no checks, is reported with status ``skipped`` and does not fail a run.
    """

    checks: Sequence[Check]
    figures: Mapping[str, Any]
    data: Sequence[Mapping[str, Any]]
    skipped: str | None = None

    @property
    def passed(self) -> bool:
        """Whether every check passed (vacuously true for a skipped campaign; see :attr:`status`)."""
        return all(c.passed for c in self.checks)

    @property
    def status(self) -> str:
        """``skipped``, ``pass`` or ``fail``."""
        if self.skipped is not None:
            return "skipped"
        return "pass" if self.passed else "fail"


@dataclass(frozen=True)
class Campaign:
    """A verification campaign of docs/theory.md §6.

    Attributes
    ----------
    name
        CLI name (``closed_forms``, ...); also keys the random streams.
    title
        One line.
    theory
        Section(s) of docs/theory.md verified.
    version
        Version of the chunk summaries: bump it when ``simulate`` changes what
        it returns, so that old chunk files are reported as foreign.
    chunk_size
        Replicates per chunk (fixed: independent of the number of workers).
    replicates
        Replicates per task in each mode of :data:`MODES`.
    tasks
        ``mode -> [params, ...]``: the tasks' parameters (JSON-ready mappings).
    validate
        ``params -> None``; raises :class:`~stl_bounds.ParameterError` for an impossible setting.
    simulate
        ``(params, rng, replicates) -> summary``; a picklable module-level function.
    judge
        ``[TaskData, ...] -> Outcome``.
    min_replicates
        Fewest replicates per task for the campaign's statistics to be defined.
    """

    name: str
    title: str
    theory: str
    version: int
    chunk_size: int
    replicates: Mapping[str, int]
    tasks: Callable[[str], Sequence[Mapping[str, Any]]]
    validate: Callable[[Mapping[str, Any]], None]
    simulate: Callable[[Mapping[str, Any], np.random.Generator, int], Mapping[str, Any]]
    judge: Callable[[Sequence[TaskData]], Outcome]
    min_replicates: int = 2
