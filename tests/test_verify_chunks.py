"""Chunk files, seeding and JSON encoding of the verification runner."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from stl_bounds.errors import ParameterError
from verification.chunks import ChunkError, ChunkIdentity, chunk_files, chunk_ranges, read_chunk, write_chunk
from verification.jsonio import dumps, jsonable
from verification.seeding import check_seed, chunk_rng

IDENT = ChunkIdentity("toy", 1, 2, {"n": 10, "lam": 0.5}, 7, 25, 10, 1, 10, 20, {"numpy": "2.4.6"})


def test_chunk_ranges_do_not_depend_on_workers() -> None:
    assert chunk_ranges(25, 10) == [(0, 10), (10, 20), (20, 25)]
    assert chunk_ranges(10, 10) == [(0, 10)]


def test_chunk_streams_are_distinct_and_reproducible() -> None:
    a = chunk_rng(7, "toy", 2, 1).random(3)
    assert np.array_equal(a, chunk_rng(7, "toy", 2, 1).random(3))
    for other in (
        chunk_rng(8, "toy", 2, 1),
        chunk_rng(7, "toy2", 2, 1),
        chunk_rng(7, "toy", 3, 1),
        chunk_rng(7, "toy", 2, 0),
    ):
        assert not np.array_equal(a, other.random(3))


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_bad_seed(seed: object) -> None:
    with pytest.raises(ParameterError, match="seed must be an integer >= 0"):
        check_seed(seed)


def test_jsonable_spells_non_finite() -> None:
    doc = jsonable({"a": np.array([1.0, np.inf, -np.inf, np.nan]), "b": np.int64(3), "c": (np.True_,)})
    assert doc == {"a": [1.0, "inf", "-inf", "nan"], "b": 3, "c": [True]}
    assert "Infinity" not in dumps(doc) and "NaN" not in dumps(doc)
    assert np.isinf(np.asarray(doc["a"], dtype=float)[1])


def test_write_read_round_trip(tmp_path: Path) -> None:
    payload = {"x": [0.1, 1 / 3, "inf"], "k": 3}
    path = write_chunk(tmp_path, IDENT, payload)
    assert path == tmp_path / "chunks" / "toy" / "t002-c00001.json"
    assert read_chunk(tmp_path, IDENT) == payload
    assert chunk_files(tmp_path) == [path]
    assert not [p for p in path.parent.iterdir() if p != path]  # no temporary file left


def test_flipped_byte_is_detected(tmp_path: Path) -> None:
    path = write_chunk(tmp_path, IDENT, {"x": [0.25, 0.5]})
    data = bytearray(path.read_bytes())
    data[data.index(b"0.25") + 2] ^= 0x01  # 0.25 -> 0.35: still valid JSON
    path.write_bytes(bytes(data))
    with pytest.raises(ChunkError, match="checksum mismatch"):
        read_chunk(tmp_path, IDENT)


def test_truncated_file_is_detected(tmp_path: Path) -> None:
    path = write_chunk(tmp_path, IDENT, {"x": [0.25]})
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(ChunkError, match="not valid JSON"):
        read_chunk(tmp_path, IDENT)


def test_other_schema_is_rejected(tmp_path: Path) -> None:
    path = write_chunk(tmp_path, IDENT, {"x": 1})
    record = json.loads(path.read_text())
    record["schema"] = 99
    path.write_text(json.dumps(record))
    with pytest.raises(ChunkError, match="schema version 99"):
        read_chunk(tmp_path, IDENT)


@pytest.mark.parametrize(
    "field, value",
    [("seed", 8), ("params", {"n": 11, "lam": 0.5}), ("replicates", 30), ("software", {"numpy": "2.5.0"})],
)
def test_foreign_chunk_is_rejected(tmp_path: Path, field: str, value: object) -> None:
    write_chunk(tmp_path, replace(IDENT, **{field: value}), {"x": 1})
    with pytest.raises(ChunkError, match=f"belongs to another run: {field}="):
        read_chunk(tmp_path, IDENT)
