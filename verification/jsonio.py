"""JSON without NaN/Infinity, canonical encoding and atomic file writes.

JSON has no NaN or Infinity (STYLE, outputs), so :func:`jsonable` spells
non-finite floats as the strings ``"inf"``, ``"-inf"`` and ``"nan"`` (the
convention of :func:`stl_bounds.result.json_number`); ``np.asarray(x,
dtype=float)`` reads them back.  Every file is written to a temporary file in
the same folder and moved into place with ``os.replace``, which is atomic on
POSIX and Windows: a reader (or a resumed run) sees the old file or the new one,
never a partial one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from stl_bounds.result import json_number

__all__ = ["TEMP_SUFFIX", "atomic_write", "canonical", "dumps", "jsonable"]

#: Suffix of the temporary files of :func:`atomic_write` (left behind only by a killed run).
TEMP_SUFFIX = ".partial"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Mode of written files: what ``open`` would give (mkstemp's temporary files are private, 0600).
FILE_MODE = 0o666 & ~_umask()


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy arrays and scalars as lists and numbers, non-finite floats as strings.

    Mappings keep their key order; tuples become lists.  Integers stay
    integers, booleans stay booleans.
    """
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return json_number(float(obj))
    return obj


def canonical(obj: Any) -> bytes:
    """Canonical UTF-8 bytes of a JSON-ready ``obj`` (sorted keys, no spaces): what checksums cover."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode()


def dumps(obj: Any) -> str:
    """Readable, deterministic JSON of :func:`jsonable` ``(obj)`` (key order kept, 2-space indent)."""
    return json.dumps(jsonable(obj), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file in the same folder, fsync, ``os.replace``)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
