"""The records of a verification run: ``results.json``, ``report.md``, the summary table.

``results.json`` holds one record per campaign: its checks (pass/fail, the
statement tested, figures of merit), campaign-level figures of merit, the
settings (mode, seed, replicates, chunk size), per-task data for plots, and the
versions of the software.  It depends only on what determines the numbers
(no timings, no worker counts, no executor), so reruns with the same seed are
byte-identical.  ``report.md`` renders the same document for people.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

import numpy as np
import scipy

import stl_bounds
from verification.campaign import Campaign, Outcome, TaskData
from verification.jsonio import jsonable

__all__ = [
    "REPORT_FILE",
    "RESULTS_FILE",
    "RESULTS_SCHEMA",
    "campaign_record",
    "format_figure",
    "record_status",
    "render_markdown",
    "results_document",
    "summary_table",
    "verdict",
    "versions",
]

RESULTS_FILE = "results.json"
REPORT_FILE = "report.md"
#: Version of the layout of ``results.json``.
RESULTS_SCHEMA = 1


def versions() -> dict[str, str]:
    """Versions of the software that produced the numbers (torch when installed: the transformer campaigns)."""
    out = {
        "stl_bounds": stl_bounds.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }
    try:
        out["torch"] = metadata.version("torch")  # read from the package metadata: torch is not imported
    except metadata.PackageNotFoundError:
        pass
    return out


def campaign_record(
    campaign: Campaign, tasks: Sequence[TaskData], outcome: Outcome, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """The JSON-ready record of one campaign."""
    return jsonable(
        {
            "campaign": campaign.name,
            "title": campaign.title,
            "theory": campaign.theory,
            "version": campaign.version,
            "passed": outcome.passed,
            "status": outcome.status,
            **({"skip_reason": outcome.skipped} if outcome.skipped is not None else {}),
            "settings": dict(settings),
            "figures": dict(outcome.figures),
            "checks": [c.to_dict() for c in outcome.checks],
            "tasks": [
                {"task": t.index, "params": dict(t.params), "replicates": t.replicates, "data": dict(d)}
                for t, d in zip(tasks, outcome.data, strict=True)
            ],
        }
    )


def results_document(records: Mapping[str, Mapping[str, Any]], *, seed: int, mode: str) -> dict[str, Any]:
    """The ``results.json`` document over campaign ``records`` (in run order)."""
    return jsonable(
        {
            "schema": RESULTS_SCHEMA,
            "tool": "stl-bounds verify",
            "seed": seed,
            "mode": mode,
            "versions": versions(),
            "passed": all(r["passed"] for r in records.values()),
            "campaigns": dict(records),
        }
    )


def format_figure(value: Any) -> str:
    """A figure of merit as short text: 4 significant digits, slopes as ``s [lo, hi]``, mappings as ``k = v, ...``."""
    if isinstance(value, Mapping):
        if _is_slope(value):
            return (
                f"{format_figure(value['slope'])} [{format_figure(value['ci_low'])}, {format_figure(value['ci_high'])}]"
            )
        return ", ".join(
            f"{k}: ({format_figure(v)})" if isinstance(v, Mapping) and not _is_slope(v) else f"{k} = {format_figure(v)}"
            for k, v in value.items()
        )
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_figure(v) for v in value) + "]"
    return str(value)


def record_status(record: Mapping[str, Any]) -> str:
    """``skipped``, ``pass`` or ``FAIL`` for a campaign record (records without ``status`` predate skipping)."""
    if record.get("status") == "skipped":
        return "skipped"
    return "pass" if record["passed"] else "FAIL"


def _is_slope(value: Any) -> bool:
    return isinstance(value, Mapping) and {"slope", "ci_low", "ci_high"} <= value.keys()


def _headline(figures: Mapping[str, Any]) -> str:
    """Numbers and slopes only (nested tables stay in report.md)."""
    return "; ".join(
        f"{k} = {format_figure(v)}" for k, v in figures.items() if not isinstance(v, Mapping) or _is_slope(v)
    )


def _figure_lines(figures: Mapping[str, Any]) -> list[str]:
    """Markdown bullets; a table of tables (e.g. one entry per n) gets one sub-bullet per entry."""
    lines = []
    for k, v in figures.items():
        if isinstance(v, Mapping) and not _is_slope(v) and all(isinstance(x, Mapping) for x in v.values()):
            lines.append(f"- {k}:")
            lines += [f"  - {kk}: {format_figure(vv)}" for kk, vv in v.items()]
        else:
            lines.append(f"- {k}: {format_figure(v)}")
    return lines


def _figures_text(figures: Mapping[str, Any]) -> str:
    return "; ".join(f"{k} = {format_figure(v)}" for k, v in figures.items())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(document: Mapping[str, Any]) -> str:
    """``report.md``: per campaign its settings, figures of merit and a table of checks."""
    v = document["versions"]
    skipped_any = any(record_status(rec) == "skipped" for rec in document["campaigns"].values())
    overall_note = f" — {verdict(document)}" if skipped_any else ""
    lines = [
        "# stl-bounds verification report",
        "",
        f"Mode `{document['mode']}`, seed {document['seed']}; " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        f"**Overall: {'PASS' if document['passed'] else 'FAIL'}**{overall_note}",
        "",
        "| campaign | checks passed | status |",
        "|---|---|---|",
    ]
    for name, rec in document["campaigns"].items():
        n_pass = sum(c["passed"] for c in rec["checks"])
        lines.append(f"| {name} | {n_pass}/{len(rec['checks'])} | {record_status(rec)} |")
    for name, rec in document["campaigns"].items():
        s = rec["settings"]
        lines += [
            "",
            f"## {name}: {rec['title']}",
            "",
            f"{rec['theory']}. Replicates per task {s['replicates']} (chunks of {s['chunk_size']}), "
            f"{len(rec['tasks'])} tasks.",
            "",
            *([f"**Skipped**: {rec['skip_reason']}", ""] if record_status(rec) == "skipped" else []),
            "Figures of merit:",
            "",
            *_figure_lines(rec["figures"]),
            "",
            "| check | result | figures of merit | statement |",
            "|---|---|---|---|",
        ]
        for c in rec["checks"]:
            lines.append(
                f"| `{c['name']}` | {'pass' if c['passed'] else '**FAIL**'} | "
                f"{_cell(_figures_text(c['figures']))} | {_cell(c['statement'])} |"
            )
    return "\n".join(lines) + "\n"


def summary_table(document: Mapping[str, Any]) -> str:
    """A plain-text table for stdout: campaign, checks passed, status, campaign figures of merit."""
    rows = [("campaign", "checks", "status", "figures of merit")]
    for name, rec in document["campaigns"].items():
        n_pass = sum(c["passed"] for c in rec["checks"])
        rows.append((name, f"{n_pass}/{len(rec['checks'])}", record_status(rec), _headline(rec["figures"])))
    widths = [max(len(r[k]) for r in rows) for k in range(3)]
    text = ["  ".join(r[k].ljust(widths[k]) for k in range(3)) + "  " + r[3] for r in rows]
    failed = [
        f"  FAIL {name}: {c['name']} ({_figures_text(c['figures'])})"
        for name, rec in document["campaigns"].items()
        for c in rec["checks"]
        if not c["passed"]
    ]
    skipped = [
        f"  SKIPPED {name}: {rec.get('skip_reason', '')}"
        for name, rec in document["campaigns"].items()
        if record_status(rec) == "skipped"
    ]
    return "\n".join([*text, *failed, *skipped, verdict(document)]) + "\n"


def verdict(document: Mapping[str, Any]) -> str:
    """The last line of the summary: ``all checks pass`` only when every campaign ran and passed.

    With skipped campaigns it counts them apart, with why they were skipped, e.g.
    ``6 campaigns passed, 3 skipped, not verified (torch is not installed)``;
    failed checks come first: ``2 checks fail; 5 campaigns passed, 1 failed, 3 skipped, ...``.
    """
    records = document["campaigns"]
    statuses = {name: record_status(rec) for name, rec in records.items()}
    n_failed_checks = sum(not c["passed"] for rec in records.values() for c in rec["checks"])
    skipped = [name for name, status in statuses.items() if status == "skipped"]
    if not skipped:
        return "all checks pass" if document["passed"] else f"{n_failed_checks} checks fail"
    n_pass = sum(status == "pass" for status in statuses.values())
    n_fail = sum(status == "FAIL" for status in statuses.values())
    # the first clause (torch is not installed): the SKIPPED lines above give the whole reason and the install command
    causes = dict.fromkeys(skip_cause(name, records[name].get("skip_reason") or "").split("; ")[0] for name in skipped)
    counts = [f"{n_pass} campaign{'' if n_pass == 1 else 's'} passed", *([f"{n_fail} failed"] if n_fail else [])]
    why = "; ".join(cause for cause in causes if cause) or "see above"
    head = "" if document["passed"] else f"{n_failed_checks} checks fail; "
    return f"{head}{', '.join(counts)}, {len(skipped)} skipped, not verified ({why})"


def skip_cause(name: str, reason: str) -> str:
    """Why campaign ``name`` was skipped: its ``skip_reason`` without the leading ``<name> skipped: ``."""
    prefix = f"{name} skipped: "
    return reason[len(prefix) :] if reason.startswith(prefix) else reason
