"""Campaign records for the figures: read a verification run's ``results.json``, or run the campaigns needed.

A record is valid input only if it was written with the current layout
(``results.json`` schema) and by the current version of its campaign; an older
record is refused with a message naming the command that regenerates it, since
its numbers may not mean what the figure code expects.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from stl_bounds.errors import ParameterError
from stl_bounds.figures.spec import Records

__all__ = ["check_document", "load_results", "run_campaigns"]


def check_document(document: Mapping[str, Any], source: str = "results") -> Records:
    """Validate a ``results.json`` document (schema, campaign versions) and wrap its campaigns as :class:`Records`.

    ``document`` is the ``results.json`` of ``stl-bounds verify`` or of ``stl-bounds report`` (whose
    ``verification`` entry is the former).

    Raises
    ------
    ParameterError
        A document of another layout or a record from another version of its campaign.
    """
    from stl_bounds.report import TOOL as REPORT_TOOL
    from verification.campaigns import MODULES, get_campaign
    from verification.report import RESULTS_SCHEMA

    if isinstance(document, Mapping) and document.get("tool") == REPORT_TOOL:
        document = document.get("verification")  # a report's results.json holds the verification document
    if not isinstance(document, Mapping) or not isinstance(document.get("campaigns"), Mapping):
        raise ParameterError(f"{source} is not a results.json of `stl-bounds verify` (no 'campaigns' mapping)")
    if document.get("schema") != RESULTS_SCHEMA:
        raise ParameterError(
            f"{source} has results schema {document.get('schema')!r}; this stl-bounds reads schema {RESULTS_SCHEMA}: "
            "rerun `stl-bounds verify` to regenerate it"
        )
    for name, record in document["campaigns"].items():
        if name not in MODULES:
            continue  # a campaign this version does not know: no figure reads it
        expected = get_campaign(name).version
        if record.get("version") != expected:
            raise ParameterError(
                f"{source}: the record of campaign {name!r} is version {record.get('version')!r}, this stl-bounds "
                f"expects version {expected}: rerun `stl-bounds verify {name}` to regenerate it"
            )
    return Records(document["campaigns"], seed=document.get("seed"))


def load_results(path: str | os.PathLike[str]) -> Records:
    """The campaign records of the ``results.json`` at ``path`` (or in the folder ``path``).

    Raises
    ------
    ParameterError
        A missing or unreadable file, invalid JSON, or an incompatible document (:func:`check_document`).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"no results file at {path} (write one with `stl-bounds verify --out DIR`)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ParameterError(f"{path} is not valid JSON: {exc}") from None
    return check_document(document, str(path))


def run_campaigns(
    campaigns: Sequence[str], out: str | os.PathLike[str], *, mode: str = "quick", seed: int = 0, **run_options: Any
) -> Records:
    """Run ``campaigns`` with :func:`verification.run` into ``out`` and return their records."""
    from verification import run

    if not campaigns:
        return Records({}, seed=seed)
    document = run(list(campaigns), mode=mode, seed=seed, out=out, **run_options)
    return check_document(document, str(out))
