"""Chunk files: the unit of work, of saving and of resuming a verification run.

A task's replicates are cut into chunks of a fixed size (a property of the
campaign, never of the number of workers).  Each finished chunk is stored as
``<out>/chunks/<campaign>/t<task>-c<chunk>.json``::

    {"schema": 1,
     "identity": {"campaign", "version", "task", "params", "seed", "replicates",
                  "chunk_size", "chunk", "start", "stop", "software"},
     "payload": {...},                      # the chunk's summary statistics
     "sha256": "<hex>"}                     # of the canonical JSON of the three fields above

written atomically (:func:`verification.jsonio.atomic_write`).  On reading, a
file whose checksum or schema does not match is *corrupted*, one whose identity
differs from the chunk expected at that path (another seed, other task
parameters, another replicate count, other software versions) is *foreign*; both raise
:class:`ChunkError` and are never merged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stl_bounds.errors import StlBoundsError
from verification.jsonio import TEMP_SUFFIX, atomic_write, canonical, jsonable

__all__ = ["SCHEMA", "ChunkError", "ChunkIdentity", "chunk_files", "chunk_ranges", "read_chunk", "write_chunk"]

#: Version of the chunk file layout; a file with another version is rejected.
SCHEMA = 1
CHUNKS_DIR = "chunks"


class ChunkError(StlBoundsError):
    """A chunk file is corrupted or belongs to another run."""


def chunk_ranges(replicates: int, chunk_size: int) -> list[tuple[int, int]]:
    """Half-open replicate ranges ``[start, stop)`` of the chunks of a task (the last may be shorter)."""
    return [(start, min(start + chunk_size, replicates)) for start in range(0, replicates, chunk_size)]


@dataclass(frozen=True)
class ChunkIdentity:
    """Everything that determines a chunk's content.

    Attributes
    ----------
    campaign, version
        Campaign name and the version of its statistics (bumped when a
        campaign's payload changes meaning).
    task, params
        Index of the task within the campaign and its parameters.
    seed
        Root seed of the run.
    replicates, chunk_size
        Replicates of the task and the fixed chunk size.
    chunk, start, stop
        Chunk index and its replicate range ``[start, stop)``.
    software
        Versions of the software that computes the chunk (stl_bounds, numpy,
        scipy, python, and torch when installed): a resumed run must not mix
        numbers from two of them.
    """

    campaign: str
    version: int
    task: int
    params: Mapping[str, Any]
    seed: int
    replicates: int
    chunk_size: int
    chunk: int
    start: int
    stop: int
    software: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready identity (the form stored in the file)."""
        return jsonable(
            {
                "campaign": self.campaign,
                "version": self.version,
                "task": self.task,
                "params": dict(self.params),
                "seed": self.seed,
                "replicates": self.replicates,
                "chunk_size": self.chunk_size,
                "chunk": self.chunk,
                "start": self.start,
                "stop": self.stop,
                "software": dict(self.software),
            }
        )

    def path(self, out: Path) -> Path:
        """Where this chunk lives under the output folder ``out``."""
        return Path(out) / CHUNKS_DIR / self.campaign / f"t{self.task:03d}-c{self.chunk:05d}.json"


def _checksum(schema: Any, identity: Any, payload: Any) -> str:
    return hashlib.sha256(canonical({"schema": schema, "identity": identity, "payload": payload})).hexdigest()


def write_chunk(out: Path, identity: ChunkIdentity, payload: Mapping[str, Any]) -> Path:
    """Store ``payload`` for ``identity`` atomically; return the file's path."""
    ident = identity.to_dict()
    body = jsonable(payload)
    record = {"schema": SCHEMA, "identity": ident, "payload": body, "sha256": _checksum(SCHEMA, ident, body)}
    path = identity.path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(record, separators=(",", ":"), allow_nan=False, ensure_ascii=False))
    return path


def read_chunk(out: Path, expected: ChunkIdentity) -> dict[str, Any]:
    """The payload stored for ``expected``, after checking schema, checksum and identity.

    Raises
    ------
    ChunkError
        If the file is not valid JSON, has another schema version, fails its
        checksum, or was written for another chunk (other seed, parameters,
        replicate count, ...).  The message names the file and what is wrong.
    """
    path = expected.path(out)
    where = path.relative_to(out) if path.is_relative_to(out) else path
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ChunkError(
            f"chunk file {where} is corrupted (not valid JSON); delete it and rerun with --resume"
        ) from None
    if not isinstance(record, dict) or not {"schema", "identity", "payload", "sha256"} <= record.keys():
        raise ChunkError(f"chunk file {where} is corrupted (missing fields); delete it and rerun with --resume")
    if record["schema"] != SCHEMA:
        raise ChunkError(
            f"chunk file {where} has schema version {record['schema']!r}, expected {SCHEMA}; use another --out folder"
        )
    if _checksum(record["schema"], record["identity"], record["payload"]) != record["sha256"]:
        raise ChunkError(
            f"chunk file {where} is corrupted (sha256 checksum mismatch); delete it and rerun with --resume"
        )
    found, want = record["identity"], expected.to_dict()
    if found != want:
        diffs = [
            f"{key}={found.get(key)!r} (this run: {want[key]!r})"
            for key in want
            if not isinstance(found, dict) or found.get(key) != want[key]
        ]
        what = "; ".join(diffs) or "unexpected fields"
        raise ChunkError(f"chunk file {where} belongs to another run: {what}; use another --out folder")
    return record["payload"]


def chunk_files(out: Path, campaign: str | None = None) -> list[Path]:
    """Chunk files under ``out/chunks`` (of one campaign, or of all), sorted; temporary files excluded."""
    root = Path(out) / CHUNKS_DIR
    pattern = f"{campaign}/*.json" if campaign else "*/*.json"
    return sorted(p for p in root.glob(pattern) if not p.name.endswith(TEMP_SUFFIX))
