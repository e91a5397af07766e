"""Text, JSON and CSV renderings of bounds, results, claims and calibrations (CLI).

Everything here turns registry objects into strings; nothing is computed except
display quantities (a term's share of the total, the count of vacuous points).
Human output is a *statement* (STYLE habit 7): the value, the terms, the regime,
the parameters with defaults marked, the assumptions, the citation, the
fidelity label (docs/theory.md §0) and footnotes.  JSON never holds NaN/Infinity:
divergence is spelled out by :func:`stl_bounds.result.json_number`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import numbers
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from stl_bounds.bound import FIDELITY_LABELS, Bound
from stl_bounds.parameters import Parameter
from stl_bounds.result import json_number
from stl_bounds.safe_side import exact_decimal, sig_text

if TYPE_CHECKING:
    from stl_bounds.calibration import Calibration
    from stl_bounds.claims import ClaimCheck
    from stl_bounds.result import Result

__all__ = [
    "bound_description",
    "bound_rows",
    "bound_text",
    "calibration_csv",
    "calibration_text",
    "claims_text",
    "csv_text",
    "grid_text",
    "json_text",
    "number",
    "plain",
    "result_csv",
    "result_json",
    "statement",
    "table",
    "value_text",
]

#: The inequality between ρ and 1 that each regime stands for (docs/theory.md §4.1).
_REGIME_SIGN = {"converges": "<", "critical": "=", "collapses": ">"}


# --- numbers and generic layouts ----------------------------------------------
def _is_mp(x: Any) -> bool:
    return type(x).__module__.startswith("mpmath")


def number(x: Any, digits: int = 6) -> str:
    """``x`` with ``digits`` significant digits (mpmath numbers keep their precision)."""
    if _is_mp(x):
        import mpmath

        return mpmath.nstr(x, digits)
    return f"{float(x):.{digits}g}"


def plain(x: Any, digits: int = 17) -> str:
    """``x`` for machines: the shortest round-trip form of a float, ``digits`` digits of an mpf."""
    return number(x, digits) if _is_mp(x) else repr(float(x))


def value_text(bound: Bound, x: Any, digits: int) -> str:
    """A bound's value as printed with ``digits`` significant digits, on the safe side (docs/theory.md §4.5).

    An upper bound (``kind == "bound"``) is rounded up in its last printed digit, so
    the text is never below the computed value; an exact value (an identity) is
    rounded to the nearest.  See :func:`stl_bounds.safe_side.round_sig`.
    """
    return sig_text(x, digits, "up" if bound.kind == "bound" else "nearest")


def _machine_value(bound: Bound, x: Any, digits: int) -> str:
    """A bound's value for CSV: a float exactly (shortest round trip), an mpf by :func:`value_text`."""
    return value_text(bound, x, digits) if _is_mp(x) else repr(float(x))


def _json_value(bound: Bound, x: Any) -> Any:
    """A bound's value for JSON: a float exactly; an mpf as the nearest float on the safe side
    (the next float up for an upper bound), or as a safe 17-digit decimal string beyond float64."""
    encoded = json_number(x)
    if not _is_mp(x) or bound.kind != "bound":
        return encoded
    if isinstance(encoded, str):  # beyond float64
        return sig_text(x, 17, "up")
    return encoded if exact_decimal(encoded) >= exact_decimal(x) else math.nextafter(encoded, math.inf)


def _json_default(x: Any) -> Any:
    """Numbers that :mod:`json` does not know (numpy scalars, mpmath ``mpf``)."""
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        return json_number(float(x))
    raise TypeError(f"cannot encode {type(x).__name__} as JSON")


def json_text(obj: Any) -> str:
    """Indented JSON, UTF-8 text, never NaN/Infinity (``allow_nan=False``)."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False, default=_json_default)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with a header line (:mod:`csv`, ``\\n`` line ends)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: columns padded to their widest cell, a rule under the header."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _section(title: str, items: Iterable[str]) -> list[str]:
    items = list(items)
    return [f"{title}:", *(f"  - {item}" for item in items)] if items else []


def _fidelity(bound: Bound) -> str:
    return f"fidelity: {bound.fidelity} ({FIDELITY_LABELS[bound.fidelity]})"


def _relation(bound: Bound) -> str:
    if bound.kind == "identity":
        return "an exact value"
    return (
        "an upper bound up to constants (≲, a rate statement)" if bound.fidelity == "template" else "an upper bound (≤)"
    )


def _default_text(p: Parameter) -> str:
    """A numeric default as a short number (``0.5``, not sympy's ``0.500000000000000``)."""
    if p.default is None or p.default.free_symbols:
        return p.default_text()
    return number(float(p.default), 15)


def _header(bound: Bound) -> list[str]:
    return [f"{bound.id}: {bound.title}", _fidelity(bound)]


# --- list ----------------------------------------------------------------------
def bound_rows(bounds: Sequence[Bound]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of ``stl-bounds list``: id, fidelity, kind, title."""
    return ["id", "fidelity", "kind", "title"], [[b.id, b.fidelity, b.kind, b.title] for b in bounds]


# --- show ----------------------------------------------------------------------
def bound_description(bound: Bound) -> dict[str, Any]:
    """Everything ``show`` prints, as a JSON-ready dict."""
    c = bound.citation
    term_latex = bound.term_latex()
    return {
        "id": bound.id,
        "title": bound.title,
        "kind": bound.kind,
        "fidelity": bound.fidelity,
        "fidelity_meaning": FIDELITY_LABELS[bound.fidelity],
        "citation": {"paper": c.paper, "location": c.location, "arxiv": c.arxiv, "theory": c.theory, "text": c.text()},
        "formula": sp.sstr(bound.expr),
        "latex": bound.latex(),
        "latex_with_defaults": bound.latex(with_defaults=True),
        "terms": [{"name": name, "formula": sp.sstr(e), "latex": term_latex[name]} for name, e in bound.terms],
        "growth_rate": None if bound.growth_rate is None else sp.sstr(bound.growth_rate),
        "generation": bound.generation,
        "assumptions": list(bound.assumptions),
        "constraints": [k.message for k in bound.constraints],
        "parameters": [
            {
                "name": p.name,
                "symbol": sp.latex(p.symbol),
                "domain": p.domain.describe(),
                "default": _default_text(p),
                "description": p.description,
            }
            for p in bound.parameters
        ],
        "accepts_m": bound.accepts_m,
        "notes": list(bound.notes),
        "has_derivation": bound.derivation is not None,
    }


def _indent(text: str, prefix: str = "    ") -> list[str]:
    return [prefix + line for line in text.splitlines()]


def bound_text(bound: Bound, width: int = 100) -> str:
    """The human ``show`` page: formula (pretty and LaTeX), terms, parameters, sources."""
    d = bound_description(bound)
    lead = "B" if bound.kind == "bound" else "value"
    lines = [*_header(bound), f"kind: {bound.kind}, {_relation(bound)}"]
    lines.append(f"citation: {d['citation']['text']}")
    lines += ["", "formula:", f"  {lead} = " + " + ".join(name for name, _ in bound.terms)]
    for (name, expr), term in zip(bound.terms, d["terms"], strict=True):
        lines += [f"  {name} =", *_indent(sp.pretty(expr, use_unicode=True, num_columns=width - 4))]
        lines.append(f"    LaTeX: {term['latex']}")
    lines += ["", "LaTeX:", f"  {d['latex']}"]
    if d["latex_with_defaults"] != d["latex"]:
        lines += ["LaTeX with the expression defaults substituted:", f"  {d['latex_with_defaults']}"]
    if bound.growth_rate is not None:
        lines += [
            "",
            f"growth factor: ρ = {d['growth_rate']}",
            "  regime: converges if ρ < 1, critical if ρ = 1, collapses if ρ > 1 (docs/theory.md §4.1)",
        ]
    lines += ["", *_section("assumptions", bound.assumptions), *_section("constraints", d["constraints"])]
    extra = "; m may replace lam (λ = n/(n+m))" if bound.accepts_m else ""
    lines += ["", f"parameters (--set name=value{extra}):"]
    rows = [[p["name"], p["domain"], p["default"], p["description"]] for p in d["parameters"]]
    lines += _indent(table(["name", "domain", "default", "description"], rows), "  ")
    lines += ["", *_section("notes", bound.notes)]
    if bound.derivation is not None:
        lines.append(f"derivation: stl-bounds derive {bound.id}")
    return "\n".join(lines).rstrip() + "\n"


# --- eval ----------------------------------------------------------------------
def _default_mark(bound: Bound, name: str, given: frozenset[str]) -> str:
    if name in given:
        return "given"
    if name == "lam" and "m" in given:
        return "from m: λ = n/(n+m)"
    p = bound.parameter_map[name]
    return f"default = {p.default_text()}" if p.default is not None and p.default.free_symbols else "default"


def _param_names(bound: Bound, result: Result) -> list[str]:
    return [*bound.parameter_names, *(["m"] if "m" in result.params else [])]


def _trivial_text(bound: Bound, value: float) -> str:
    """``M = 1`` for a trivial value given by a parameter, ``1`` for a constant."""
    expr = bound.trivial_at
    if expr is not None and expr.free_symbols:
        name = str(expr.xreplace({p.symbol: sp.Symbol(p.name) for p in bound.parameters}))
        return f"{name} = {number(value)}"
    return number(value)


def _vacuous_line(bound: Bound, trivial: float | None, vacuous: bool | None, where: str = "") -> list[str]:
    """The statement's line when the bound is at or above its trivial value (``Bound.trivial_at``)."""
    if not vacuous or trivial is None:
        return []
    return [f"vacuous: the bound is ≥ {_trivial_text(bound, trivial)}{where}, it says nothing (it holds trivially)"]


def _vacuous_footnote(bound: Bound, points: Sequence[Result]) -> str | None:
    """Footnote when the bound is at or above its trivial value (``Bound.trivial_at``:
    M for a gap of a loss in [0, M], 1 for a total variation), where it says nothing."""
    if bound.trivial_at is None:
        return None
    hits = sum(1 for p in points if p.diagnostics.get("vacuous"))
    if not hits:
        return None
    trivial = str(bound.trivial_at.xreplace({p.symbol: sp.Symbol(p.name) for p in bound.parameters}))
    where = f"the value is ≥ {trivial}" if len(points) == 1 else f"{hits} of {len(points)} values are ≥ {trivial}"
    return f"vacuous: {where}, where the statement holds trivially and the bound says nothing."


def _regime(result: Result, digits: int) -> str | None:
    regime = str(result.regime)
    if regime == "n/a":
        return None
    rho = result.diagnostics.get("rho")
    return regime if rho is None else f"{regime} (ρ = {number(rho, digits)} {_REGIME_SIGN[regime]} 1)"


def _sources(bound: Bound) -> list[str]:
    return [
        *_section("assumptions", bound.assumptions),
        f"citation: {bound.citation.text()}",
        *_section("notes", bound.notes),
    ]


def statement(bound: Bound, result: Result, *, given: frozenset[str], digits: int = 6) -> str:
    """The human statement of a one-point evaluation."""
    value = result.value
    safe = ", rounded up in its last digit" if bound.kind == "bound" else ""
    lines = [*_header(bound), "", f"value: {value_text(bound, value, digits)}  ({_relation(bound)}{safe})"]
    lines += [*_vacuous_line(bound, result.diagnostics.get("trivial_at"), result.diagnostics.get("vacuous")), ""]
    lines.append("terms (share of the total):")
    rows = []
    for name, v in result.terms.items():
        share = f"{100 * float(v / value):.1f} %" if value else ""  # v / value in the result's own precision
        rows.append([name, number(v, digits), share])
    lines += _indent(table(["term", "value", "share"], rows), "  ")
    regime = _regime(result, digits)
    if regime:
        lines += ["", f"regime: {regime}"]
    lines += ["", "parameters:"]
    names = _param_names(bound, result)
    rows = [[n, number(result.params[n], digits), _default_mark(bound, n, given)] for n in names]
    lines += _indent(table(["name", "value", "source"], rows), "  ")
    lines += ["", *_sources(bound)]
    return "\n".join(lines) + "\n"


def grid_text(bound: Bound, result: Result, *, gridded: Sequence[str], given: frozenset[str], digits: int = 6) -> str:
    """The human table of a grid evaluation: one row per point (row-major)."""
    points = result.points()
    term_names = list(result.terms)
    has_regime = str(points[0].regime) != "n/a"
    has_vacuous = any(p.diagnostics.get("vacuous") for p in points)
    header = [f"{g} (param)" if g in term_names else g for g in gridded] + ["value", *term_names]
    header += (["regime"] if has_regime else []) + (["vacuous"] if has_vacuous else [])
    rows = []
    for p in points:
        row = [number(p.params[g], digits) for g in gridded] + [value_text(bound, p.value, digits)]
        row += [number(p.terms[t], digits) for t in term_names]
        row += [str(p.regime)] if has_regime else []
        rows.append(row + (["yes" if p.diagnostics.get("vacuous") else ""] if has_vacuous else []))
    fixed = [n for n in _param_names(bound, result) if np.ndim(result.params[n]) == 0]
    fixed_text = ", ".join(f"{n}={number(result.params[n], digits)}{'' if n in given else '*'}" for n in fixed)
    lines = [*_header(bound), f"grid: {' × '.join(gridded)} ({len(points)} points)", "", table(header, rows), ""]
    if bound.kind == "bound":
        lines.append("values rounded up in their last digit (upper bounds)")
    lines += [f"other parameters (* = default): {fixed_text}", *_sources(bound)]
    footnote = _vacuous_footnote(bound, points)
    if footnote:
        lines += ["", f"[1] {footnote}"]
    return "\n".join(lines) + "\n"


def result_csv(bound: Bound, result: Result, *, digits: int = 17) -> str:
    """CSV of an evaluation: one row per point, every parameter, the value, the terms, the regime, vacuity.

    The value is exact for float64 (shortest round trip) and rounded up for an upper
    bound on the mp path; ``vacuous``/``trivial_at`` are empty where the bound has no
    trivial value.
    """
    points = result.points()
    values = _raw_values(result)
    names = _param_names(bound, result)
    term_names = list(result.terms)
    header = ["id", "fidelity", *names, "value", *(f"term.{t}" for t in term_names), "regime", "rho"]
    header += ["vacuous", "trivial_at"]
    rows = []
    for p, value in zip(points, values, strict=True):
        rho = p.diagnostics.get("rho")
        row = [p.id, p.fidelity, *(plain(p.params[n], digits) for n in names), _machine_value(bound, value, digits)]
        row += [plain(p.terms[t], digits) for t in term_names]
        row += [str(p.regime), "" if rho is None else plain(rho, digits)]
        trivial = p.diagnostics.get("trivial_at")
        vacuous = p.diagnostics.get("vacuous")
        rows.append([*row, "" if vacuous is None else str(bool(vacuous)).lower(), "" if trivial is None else trivial])
    return csv_text(header, rows)


def _raw_values(result: Result) -> list[Any]:
    """The values in :meth:`Result.points` order, mpmath numbers kept (``points`` turns them into floats)."""
    if result.shape == ():
        return [result.value]
    return list(np.reshape(np.asarray(result.value, dtype=object), -1))


def result_json(bound: Bound, result: Result) -> Any:
    """:meth:`Result.to_dict` (with its ``vacuous`` and ``trivial_at`` fields), the value on the
    safe side (:func:`_json_value`: unchanged for float64)."""
    records = result.to_dict()
    for record, value in zip(records if isinstance(records, list) else [records], _raw_values(result), strict=True):
        record["value"] = _json_value(bound, value)
    return records


# --- claims and calibration -------------------------------------------------------
def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def claims_text(checks: Sequence[ClaimCheck]) -> str:
    """Summary table of claim checks (docs/theory.md §6.1), then the detail of each check."""
    rows = [[c.claim_id, _mark(c.symbolic_ok), _mark(c.numeric_ok), c.statement] for c in checks]
    lines = [table(["claim", "symbolic", "numeric", "statement"], rows), ""]
    for c in checks:
        lines += [
            f"{c.claim_id} ({c.theory}; bounds: {', '.join(c.bound_ids)})",
            f"  symbolic {_mark(c.symbolic_ok)} {c.symbolic_detail}",
            f"  numeric  {_mark(c.numeric_ok)} {c.numeric_detail}",
        ]
    passed = sum(1 for c in checks if c.passed)
    lines += ["", f"{passed} of {len(checks)} claims pass"]
    return "\n".join(lines) + "\n"


#: Significant digits of the bound's values in a calibration statement (as many as the answer has).
CALIBRATION_DIGITS = 8


def calibration_text(bound: Bound, cal: Calibration, digits: int = 6) -> str:
    """The human statement of a calibration (docs/theory.md §4.5).

    The answer is printed exactly as it was verified (its shortest round-trip form:
    :mod:`stl_bounds.calibration` rounds a minimum λ up to 8 digits and evaluates
    the bound again there); the bound's value there (``achieved``) and at the
    counts is rounded up in its last digit for an upper bound.
    """
    horizon = "i → ∞ (the limit)" if cal.horizon is None else f"generations up to {cal.horizon}"
    what = cal.goal if cal.target is not None else "minimizing"
    sup = "sup_i B_i" if bound.generation is not None else "the bound"
    integer = cal.quantity in bound.parameter_map and bound.parameter_map[cal.quantity].domain.integer
    answer = f"{cal.value:.0f}" if integer else repr(float(cal.value))
    lines = [*_header(bound), "", f"{what} {cal.quantity} = {answer}"]
    if cal.target is not None:
        lines[-1] += f"  ({sup} ≤ {plain(cal.target)} at this printed value, evaluated again)"
    lines += _counts_lines(bound, cal, sup)
    if cal.target is not None:
        lines.append(f"target: {plain(cal.target)}")
    lines.append(f"achieved: {_achieved_text(bound, cal.achieved, cal.target)}  ({sup} at {cal.quantity} = {answer})")
    lines += _vacuous_line(bound, cal.trivial_at, cal.vacuous, " at this answer")
    lines += [f"horizon: {horizon}", f"method: {cal.method}"]
    if cal.params:
        lines.append("parameters: " + ", ".join(f"{k}={_param_text(v, digits)}" for k, v in cal.params.items()))
    lines += _section("notes", cal.notes)
    lines += [f"citation: {bound.citation.text()}"]
    return "\n".join(lines) + "\n"


def _counts_lines(bound: Bound, cal: Calibration, sup: str) -> list[str]:
    """What the answer means in points (:class:`~stl_bounds.calibration.Counts`), each count checked."""
    c = cal.counts
    if c is None:
        return []
    achieved = _achieved_text(bound, c.achieved, cal.target)
    lines = [
        f"in counts: per generation of n = {c.n} points, at least {c.real} real, i.e. at most {c.synthetic} "
        f"synthetic ({sup} = {achieved} at lam = {c.real}/{c.n})"
    ]
    if c.m_max is not None and c.m_achieved is not None:
        m_achieved = _achieved_text(bound, c.m_achieved, cal.target)
        lines.append(
            f"           with n = {c.n} real points plus m synthetic (λ = n/(n+m)): at most m = {c.m_max} "
            f"({sup} = {m_achieved} at m = {c.m_max})"
        )
    return lines


def _achieved_text(bound: Bound, achieved: float, target: float | None) -> str:
    """The bound's value at a calibration answer: :func:`value_text` with :data:`CALIBRATION_DIGITS`
    digits, or more where rounding up would print it above the target that it meets."""
    for digits in range(CALIBRATION_DIGITS, 18):
        text = value_text(bound, achieved, digits)
        if target is None or achieved > target or float(text) <= target:
            return text
    return repr(float(achieved))


def calibration_csv(cal: Calibration) -> str:
    """One CSV row of :meth:`Calibration.to_dict`: ``params.*`` and ``counts.*`` columns, notes joined by `` | ``.

    Numbers are exact (shortest round trip), so each is the verified value itself.
    """
    record = cal.to_dict()
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        elif key == "counts":
            continue  # None: no counts columns
        elif isinstance(value, list):
            flat[key] = " | ".join(value)
        else:
            flat[key] = value
    cells = ["" if v is None else str(v).lower() if isinstance(v, bool) else v for v in flat.values()]
    return csv_text(list(flat), [cells])


def _param_text(v: Any, digits: int) -> str:
    return number(v, digits) if isinstance(v, numbers.Real) else str(v)
