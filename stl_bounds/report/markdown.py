"""``README.md`` of a report: the report document rendered for people (tables, figures inline, skip notes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stl_bounds.formatting import number
from stl_bounds.safe_side import sig_text
from verification.report import format_figure, record_status

__all__ = ["render_markdown"]


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows),
        "",
    ]


def _mark(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def _summary(doc: Mapping[str, Any]) -> list[str]:
    claims = doc["claims"]
    campaigns = doc["verification"]["campaigns"]
    ran = [r for r in campaigns.values() if record_status(r) != "skipped"]
    checks = [c for r in ran for c in r["checks"]]
    figures = doc["figures"]
    drawn = [f for f in figures if f["status"] == "drawn"]
    rows = [
        (
            "claims of docs/theory.md §6.1 (symbolic + numeric)",
            f"{sum(c['passed'] for c in claims)}/{len(claims)}",
            _mark(all(c["passed"] for c in claims)),
        ),
        (
            "verification campaigns (Monte Carlo checks)",
            f"{sum(c['passed'] for c in checks)}/{len(checks)} checks in {len(ran)} campaigns",
            _mark(all(c["passed"] for c in checks)),
        ),
        ("figures", f"{len(drawn)}/{len(figures)} drawn", "pass" if len(drawn) == len(figures) else "partial"),
    ]
    return ["## Summary", "", *_table(("part", "result", "status"), rows)]


def _headline(doc: Mapping[str, Any]) -> list[str]:
    head = doc["headline"]
    rows = []
    for b in head["bounds"]:
        terms = ", ".join(f"{k} = {number(v, 4)}" for k, v in b["terms"].items())
        value = sig_text(b["value"], 6, "up")  # an upper bound, rounded up in its last digit
        if b.get("vacuous"):
            value += f" (vacuous: ≥ {number(b['trivial_at'])}, says nothing)"
        rows.append((f"`{b['id']}`", b["fidelity"], value, terms, b["regime"]))
    lines = [
        "## Headline bounds (registry defaults)",
        "",
        *_table(("bound", "fidelity", "value", "terms", "regime"), rows),
    ]
    cal = head["calibration"]
    low, best = cal["min_lambda"], cal["best_lambda"]
    opt = head["optimal_m"]
    params = ", ".join(f"{k} = {number(v, 4)}" for k, v in low["params"].items())
    lines += [
        f"- **Minimum real proportion** (docs/theory.md §4.5): λ ≥ **{low['value']!r}** keeps "
        f"sup_i B_i of `{low['bound_id']}` ≤ {number(low['target'], 4)} ({params}).",
        f"- **Best real proportion**: λ = {number(best['value'], 4)} gives the smallest sup_i B_i = "
        f"{sig_text(best['achieved'], 4, 'up')}.",
        f"- **Optimal synthetic size** (docs/theory.md §4.3, `{opt['id']}`, {opt['fidelity']}): m* = "
        f"**{number(opt['value'], 6)}** at "
        + ", ".join(f"{k} = {number(v, 4)}" for k, v in opt["params"].items())
        + ".",
        "",
        "Fidelity labels (docs/theory.md §0): `template` bounds are our reconstruction of the theorems of Fu et al. "
        "(ICLR 2025) with explicit constants c1..c4, i.e. rate statements; `exact`/`external` results are "
        "checked by Monte Carlo below.",
        "",
    ]
    return lines


def _claims(doc: Mapping[str, Any]) -> list[str]:
    rows = [(c["claim_id"], c["statement"], _mark(c["symbolic_ok"]), _mark(c["numeric_ok"])) for c in doc["claims"]]
    return ["## Claims (docs/theory.md §6.1)", "", *_table(("claim", "statement", "symbolic", "numeric"), rows)]


def _verification(doc: Mapping[str, Any]) -> list[str]:
    ver = doc["verification"]
    rows = []
    notes = []
    for name, rec in ver["campaigns"].items():
        status = record_status(rec)
        n_pass = sum(c["passed"] for c in rec["checks"])
        rows.append(
            (f"`{name}`", rec["title"], f"{n_pass}/{len(rec['checks'])}", status if status != "FAIL" else "**FAIL**")
        )
        if status == "skipped":
            notes.append(f"- {rec.get('skip_reason') or f'`{name}` skipped'}")
        for c in rec["checks"]:
            if not c["passed"]:
                notes.append(f"- **FAIL** `{name}`: `{c['name']}` — {c['statement']} ({format_figure(c['figures'])})")
    return [
        f"## Monte Carlo verification ({ver['mode']} mode, seed {ver['seed']})",
        "",
        *_table(("campaign", "what", "checks", "status"), rows),
        *notes,
        *([""] if notes else []),
        "Every check, its statement and its figures of merit: [`verification.md`](verification.md).",
        "",
    ]


def _figures(doc: Mapping[str, Any]) -> list[str]:
    lines = ["## Figures", ""]
    for f in doc["figures"]:
        if f["status"] == "drawn":
            lines += [
                f"### `{f['name']}`",
                "",
                f["caption"],
                "",
                f"![{f['name']}](figures/{f['name']}.png)",
                "",
                f"PDF: [`figures/{f['name']}.pdf`](figures/{f['name']}.pdf)",
                "",
            ]
        else:
            lines += [f"### `{f['name']}` (skipped)", "", f"Not drawn: {f['reason']}", ""]
    return lines


def render_markdown(doc: Mapping[str, Any]) -> str:
    """The report's ``README.md``."""
    versions = ", ".join(f"{k} {v}" for k, v in doc["versions"].items())
    verdict = "every claim and check passes" if doc["passed"] else "**some claims or checks fail** (see below)"
    lines = [
        "# stl-bounds report",
        "",
        f"Generated by `{doc['command']}` ({versions}). Result: {verdict}.",
        "",
        "Theory: Fu, Wang, Chen, Tian, Tao, *A Theoretical Perspective: How to Prevent Model Collapse in "
        "Self-consuming Training Loops* (ICLR 2025), as written in docs/theory.md of the stl-bounds repository. "
        "Machine-readable: "
        "[`results.json`](results.json). Interactive, offline: [`explorer.html`](explorer.html) (every bound).",
        "",
        *_summary(doc),
        *_headline(doc),
        *_claims(doc),
        *_verification(doc),
        *_figures(doc),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"
