"""The one-command report (``stl-bounds report``): headline bounds, claims, verification, figures.

:func:`make_report` runs, on built-in defaults,

1. the headline numbers (:mod:`stl_bounds.report.headline`): ``fu2025.thm1`` and
   ``fu2025.thm2`` at their defaults, the minimum and the best λ, m*;
2. the claims of docs/theory.md §6.1 (:func:`stl_bounds.claims.check_all`);
3. every verification campaign (:func:`verification.run`) in ``quick`` or ``full`` mode,
   the torch campaigns included (recorded as skipped without torch);
4. every figure (:mod:`stl_bounds.figures`) from those records;

and writes ``README.md`` (figures inline, pass/fail tables), ``results.json``,
``verification.md``, ``figures/`` and ``explorer.html`` (:mod:`stl_bounds.explorer`) into the output
folder.  The report is assembled in a temporary folder beside the output and moved into place only
when complete, so an interrupted or failed run never leaves a half-written
report under the final name.  The campaigns' chunk files live in a work folder
beside the output (``.NAME-work-MODE-seedS``) until the report is complete: an
interrupted run continues from them when rerun with the same settings.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stl_bounds.errors import ParameterError

__all__ = ["README_FILE", "RESULTS_FILE", "TOOL", "make_report", "work_folder"]

README_FILE = "README.md"
RESULTS_FILE = "results.json"
VERIFICATION_FILE = "verification.md"
FIGURES_DIR = "figures"
#: The interactive page of every registered bound (stl_bounds.explorer).
EXPLORER_FILE = "explorer.html"
#: The ``tool`` field of a report's ``results.json`` (how an existing report folder is recognised).
TOOL = "stl-bounds report"
#: Layout version of the report's ``results.json``.
SCHEMA = 1

Progress = Callable[[str], None]


def work_folder(out: Path, mode: str, seed: int) -> Path:
    """Where the campaigns' chunk files of a report into ``out`` are kept until it is complete."""
    return out.parent / f".{out.name}-work-{mode}-seed{seed}"


def _check_out(out: Path) -> None:
    """Refuse an output path that is a file or a non-empty folder that is not an earlier report."""
    if out.is_file():
        raise ParameterError(f"--out {out} is a file; give a folder")
    if out.is_dir() and any(out.iterdir()):
        try:
            tool = json.loads((out / RESULTS_FILE).read_text(encoding="utf-8")).get("tool")
        except (OSError, ValueError, AttributeError):
            tool = None
        if tool != TOOL:
            raise ParameterError(
                f"--out {out} is a non-empty folder that is not an stl-bounds report; "
                "choose another folder (a report replaces only an earlier report)"
            )


def _versions() -> dict[str, str]:
    """Versions of the software: those of the verification records (torch included when installed), matplotlib."""
    import matplotlib

    from verification.report import versions

    return {**versions(), "matplotlib": matplotlib.__version__}


def _figure_entries(results: list[Any]) -> list[dict[str, Any]]:
    from stl_bounds.figures import get_figure
    from stl_bounds.figures.render import Rendered

    entries = []
    for item in results:
        spec = get_figure(item.name)
        if isinstance(item, Rendered):
            entries.append(
                {
                    "name": item.name,
                    "status": "drawn",
                    "caption": spec.caption,
                    "files": [f"{FIGURES_DIR}/{p.name}" for p in item.files],
                    "data_sha256": item.manifest["data_sha256"],
                }
            )
        else:
            entries.append({"name": item.name, "status": "skipped", "caption": spec.caption, "reason": item.reason})
    return entries


def make_report(
    out: str | os.PathLike[str] = "report",
    *,
    mode: str = "quick",
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    bars: bool | None = None,
    command: str = "stl-bounds report",
) -> dict[str, Any]:
    """Build the report into the folder ``out``; return its ``results.json`` document.

    Parameters
    ----------
    out
        Output folder: created, or replaced if it holds an earlier report.
    mode
        ``quick`` (minutes on two cores) or ``full`` (tight intervals) for the campaigns.
    seed
        Root seed of the campaigns.
    workers
        Worker processes of the campaigns (default: CPU count).
    progress
        Called with a one-line message at every step (e.g. printing to stderr).
    bars
        Progress bars of the campaigns (``None``: when stderr is a terminal).
    command
        The command line recorded in the report.

    Raises
    ------
    ParameterError
        A bad mode or seed, or an output folder that cannot be used (nothing is computed).
    """
    from stl_bounds.claims import check_all
    from stl_bounds.explorer.page import write_explorer
    from stl_bounds.figures import names as figure_names
    from stl_bounds.figures.cli import check_writable
    from stl_bounds.figures.records import check_document
    from stl_bounds.figures.render import render_all
    from stl_bounds.registry import all_bounds
    from stl_bounds.report.headline import headline
    from stl_bounds.report.markdown import render_markdown
    from verification import run
    from verification.campaign import MODES
    from verification.report import REPORT_FILE
    from verification.seeding import check_seed

    say = progress or (lambda message: None)
    if mode not in MODES:
        raise ParameterError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    seed = check_seed(seed)
    out = Path(out)
    _check_out(out)
    check_writable(out.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        say("[1/4] headline bounds at their defaults, minimum λ, m*")
        head = headline()
        say("[2/4] claims of docs/theory.md §6.1 (symbolic and numeric)")
        claims = [c.to_dict() for c in check_all()]
        work = work_folder(out, mode, seed)
        say(f"[3/4] verification campaigns ({mode} mode, seed {seed}; chunks kept in {work} until done)")
        verification = run(None, mode=mode, seed=seed, out=work, resume=True, workers=workers, progress=bars)
        shutil.copyfile(work / REPORT_FILE, staging / VERIFICATION_FILE)
        say("[4/4] figures")
        drawn = render_all(
            figure_names(),
            check_document(verification, str(work)),
            staging / FIGURES_DIR,
            progress=lambda name: say(f"      drawing {name}"),
        )
        figures = _figure_entries(drawn)
        say(f"      {EXPLORER_FILE}: every registered bound, interactive")
        write_explorer(staging / EXPLORER_FILE, all_bounds())
        document = {
            "schema": SCHEMA,
            "tool": TOOL,
            "command": command,
            "mode": mode,
            "seed": seed,
            "versions": _versions(),
            "passed": bool(all(c["passed"] for c in claims) and verification["passed"]),
            "headline": head,
            "claims": claims,
            "verification": verification,
            "figures": figures,
        }
        (staging / RESULTS_FILE).write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
        (staging / README_FILE).write_text(render_markdown(document), "utf-8")
        _move_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    return document


def _move_into_place(staging: Path, out: Path) -> None:
    """Replace ``out`` (absent, empty, or an earlier report) by the complete report in ``staging``."""
    os.chmod(staging, 0o755 & ~_umask())
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    os.replace(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
