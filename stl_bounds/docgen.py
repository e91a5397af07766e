"""``docs/registry.md``: one Markdown entry per registered id, generated from the registry.

``stl-bounds docs --out docs/`` writes it (:func:`write_registry`); the committed file lists the
built-in ids and a test regenerates it in memory and compares.  Each entry gives what
``stl-bounds show`` prints, for a reader on GitHub: title, id, fidelity label with its meaning
(docs/theory.md §0), kind, citation, source, how the id is checked, the formula and its terms in
LaTeX, the parameters (symbol, domain, default, description), the growth factor ρ and the regime
rule (docs/theory.md §4.1), the constraints, assumptions, stated monotonicity and notes.

GitHub renders ``$$ ... $$`` display blocks and ``$`...`$`` inline math with MathJax, but runs its
Markdown parser first.  So every formula is kept on one line of its own (a blank line would end the
block, a leading ``-`` or ``+`` would start a list); ``\\{``/``\\}`` become ``\\lbrace``/``\\rbrace``
(Markdown would eat the backslash); inline math uses the ``$`...`$`` form, which Markdown leaves
alone, with bars written ``\\vert`` so that they cannot split a table cell; and every piece of text
outside math is escaped (``_``, ``*``, ``$``, brackets, ...: :func:`stl_bounds.notebook.markdown_escape`).
The output is deterministic: ids sorted, no dates, no machine-dependent paths for built-in ids.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from itertools import groupby
from pathlib import Path

import sympy as sp

from stl_bounds.bound import FIDELITY_LABELS, Bound, Monotonicity
from stl_bounds.errors import ParameterError
from stl_bounds.formatting import number
from stl_bounds.notebook import markdown_escape, table_math
from stl_bounds.parameters import Parameter
from stl_bounds.registry import BUILTIN, all_bounds, source

__all__ = [
    "COMMAND",
    "FILENAME",
    "display_math",
    "entry",
    "family",
    "github_anchor",
    "inline_math",
    "registry_markdown",
    "render",
    "write_registry",
]

#: The file written into the output folder.
FILENAME = "registry.md"
#: The command that regenerates the committed file (printed in its header).
COMMAND = "stl-bounds docs --out docs/"

#: What the contract suite checks on every id (tests/test_contract.py), in the words of the README.
CONTRACT = (
    "metadata complete, every parameter validated against its domain, terms sum to the value, LaTeX renders, "
    "float64 agrees with mpmath, grids equal points, stated monotonicity holds, symbolic limits match large i"
)
REGIME_RULE = "converges if ρ < 1, critical if ρ = 1, collapses if ρ > 1 (docs/theory.md §4.1)"


# --- math and anchors as GitHub reads them -------------------------------------------------------
def _one_line(latex: str) -> str:
    """``latex`` on one line, braces that Markdown would unescape written as ``\\lbrace``/``\\rbrace``."""
    latex = latex.replace("\\{", "\\lbrace ").replace("\\}", "\\rbrace ")
    return " ".join(latex.split())


def display_math(latex: str) -> str:
    """A ``$$`` display block: the opening ``$$``, the formula on one line, the closing ``$$``."""
    return f"$$\n{_one_line(latex)}\n$$"


def inline_math(latex: str) -> str:
    """Inline math in GitHub's ``$`...`$`` form, safe in a table cell (bars as ``\\vert``)."""
    return f"$`{table_math(_one_line(latex))}`$"


def github_anchor(heading: str, seen: dict[str, int]) -> str:
    """The anchor GitHub gives ``heading``: lower case, punctuation but ``-``/``_`` dropped, spaces → ``-``;
    a repeated anchor gets ``-1``, ``-2``, ... (``seen`` counts them, in document order)."""
    slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")
    count = seen.get(slug, 0)
    seen[slug] = count + 1
    return slug if count == 0 else f"{slug}-{count}"


# --- the pieces of an entry ----------------------------------------------------------------------
def family(bound_id: str) -> str:
    """The family of an id: its prefix up to the first dot (``fu2025`` for ``fu2025.thm1``)."""
    return bound_id.split(".", 1)[0]


def _relation(bound: Bound) -> str:
    if bound.kind == "identity":
        return "an exact value (=)"
    return (
        "an upper bound up to constants (≲, a rate statement)" if bound.fidelity == "template" else "an upper bound (≤)"
    )


def _default(p: Parameter) -> str:
    """A numeric default as a short number in a code span; an expression default as inline LaTeX."""
    if p.default is None:
        return ""
    if p.default.free_symbols:
        return inline_math(sp.latex(p.default))
    return f"`{number(float(p.default), 15)}`"


def _monotonicity(m: Monotonicity) -> str:
    what = f"term `{m.term}`" if m.term else "the bound"
    given = "; ".join(f"`{name}` {markdown_escape(domain.describe())}" for name, domain in m.given)
    text = f"{what} is {m.direction} in `{m.parameter}`" + (f", given {given}" if given else "")
    return text + (f" ({markdown_escape(m.source)})" if m.source else "")


def _checks(bound: Bound, src: str, claims: Mapping[str, Sequence[str]]) -> str:
    """How the id is checked: the contract suite and golden values (built-in) and the claims naming it."""
    named = sorted(c for c, ids in claims.items() if bound.id in ids)
    parts = ["contract suite", "golden values"] if src == BUILTIN else ["`stl-bounds check FILE` (the contract suite)"]
    if named:
        parts.append(f"claims {', '.join(named)} (docs/theory.md §6.1)")
    return ", ".join(parts)


def _items(title: str, items: Sequence[str]) -> list[str]:
    return [f"{title}:", "", *(f"- {item}" for item in items), ""] if items else []


def entry(bound: Bound, src: str, claims: Mapping[str, Sequence[str]]) -> list[str]:
    """The Markdown lines of one id's entry (without its heading)."""
    lines = [
        f"**{markdown_escape(bound.title)}**",
        "",
        f"- id: `{bound.id}`",
        f"- fidelity: `{bound.fidelity}`: {markdown_escape(FIDELITY_LABELS[bound.fidelity])}",
        f"- kind: {bound.kind}, {_relation(bound)}",
        f"- citation: {markdown_escape(bound.citation.text())}",
        f"- source: {markdown_escape(src)}",
        f"- checked by: {_checks(bound, src, claims)}",
        "",
        "Formula (the sum of the terms):",
        "",
        display_math(f"B = {bound.latex()}"),
        "",
    ]
    if bound.expr_with_defaults != bound.expr:
        substituted = ", ".join(
            f"`{p.name}`" for p in bound.parameters if p.default is not None and p.default.free_symbols
        )
        lines += [f"With the expression defaults of {substituted} substituted:", ""]
        lines += [display_math(f"B = {bound.latex(with_defaults=True)}"), ""]
    lines += ["| term | LaTeX |", "|---|---|"]
    lines += [f"| `{name}` | {inline_math(latex)} |" for name, latex in bound.term_latex().items()]
    lines += ["", "| parameter | symbol | domain | default | description |", "|---|---|---|---|---|"]
    for p in bound.parameters:
        cells = (
            f"`{p.name}`",
            inline_math(sp.latex(p.symbol)),
            f"`{p.domain.describe()}`",
            _default(p),
            markdown_escape(p.description),
        )
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if bound.accepts_m:
        lines += ["`m` (synthetic points) may replace `lam`, with λ = n/(n+m) (docs/theory.md §1).", ""]
    if bound.growth_rate is not None:
        generation = f"; generations are counted by `{bound.generation}`" if bound.generation else ""
        rho = inline_math(r"\rho = " + sp.latex(bound.growth_rate))
        lines += [f"Growth factor {rho}: {REGIME_RULE}{generation}.", ""]
    if bound.trivial_at is not None:
        lines += [
            f"Holds trivially at or above {inline_math(sp.latex(bound.trivial_at))}: "
            "a value there is reported as vacuous.",
            "",
        ]
    lines += _items("Assumptions", [markdown_escape(a) for a in bound.assumptions])
    lines += _items("Constraints", [markdown_escape(k.message) for k in bound.constraints])
    lines += _items("Stated monotonicity (checked by the contract suite)", [_monotonicity(m) for m in bound.monotone])
    lines += _items("Notes", [markdown_escape(n) for n in bound.notes])
    if bound.derivation is not None:
        lines += [f"Symbolic derivation: `stl-bounds derive {bound.id}`.", ""]
    return lines


# --- the document --------------------------------------------------------------------------------
def _header(count: int, builtin_only: bool) -> list[str]:
    which = "every built-in id" if builtin_only else "every registered id (built-in and loaded)"
    labels = [f"- `{label}`: {markdown_escape(meaning)}" for label, meaning in FIDELITY_LABELS.items()]
    return [
        "# Registry of bounds",
        "",
        f"<!-- Generated by `{COMMAND}` from the registry: do not edit by hand. -->",
        "",
        f"*This file is generated from the registry by `{COMMAND}`; do not edit it by hand.* "
        f"It has one entry for {which} ({count} in all), in the order of the ids. The theory behind each "
        "formula is in [docs/theory.md](theory.md); the section each citation names is given as docs/theory.md §x.",
        "",
        "Fidelity labels (docs/theory.md §0):",
        "",
        *labels,
        "",
        f"How an id is checked: the contract suite ({CONTRACT}) and golden values computed independently run on "
        "every built-in id; the claims of docs/theory.md §6.1 that are about an id are named in its entry "
        "(`stl-bounds claims`). A bound loaded from a file is checked by `stl-bounds check FILE`. The Monte Carlo "
        "campaigns that compare the exact results with simulated loops are described in docs/theory.md §6.",
        "",
    ]


def render(bounds: Sequence[Bound], sources: Mapping[str, str], claims: Mapping[str, Sequence[str]]) -> str:
    """The whole Markdown document for ``bounds``.

    Parameters
    ----------
    bounds
        The bounds to document (sorted by id here; grouped by family in the contents).
    sources
        Id → source (:func:`stl_bounds.registry.source`): ``built-in``, a bound file or a plugin.
    claims
        Claim id → the ids it is about (:func:`stl_bounds.claims.claim_bound_ids`).
    """
    ordered = sorted(bounds, key=lambda b: b.id)
    builtin_only = all(sources[b.id] == BUILTIN for b in ordered)
    seen: dict[str, int] = {}
    for heading in ("Registry of bounds", "Contents"):
        github_anchor(heading, seen)
    families = [(name, list(members)) for name, members in groupby(ordered, key=lambda b: family(b.id))]
    anchors: dict[str, str] = {}
    for name, members in families:
        anchors[name] = github_anchor(f"`{name}`", seen)
        for b in members:
            anchors[b.id] = github_anchor(f"`{b.id}`", seen)
    lines = [*_header(len(ordered), builtin_only), "## Contents", ""]
    for name, members in families:
        lines.append(f"- [`{name}`](#{anchors[name]}) ({len(members)})")
        lines += [f"  - [`{b.id}`](#{anchors[b.id]}): {markdown_escape(b.title)}" for b in members]
    lines.append("")
    for name, members in families:
        lines += [f"## `{name}`", ""]
        for b in members:
            lines += [f"### `{b.id}`", "", *entry(b, sources[b.id], claims)]
    return "\n".join(lines).rstrip("\n") + "\n"


def registry_markdown(*, builtin_only: bool = False) -> str:
    """The document for the registered ids (only the built-in ones if ``builtin_only``)."""
    from stl_bounds.claims import claim_bound_ids  # scipy and the claim checks: only when documenting

    bounds = all_bounds()
    sources = {b.id: source(b.id) for b in bounds}
    if builtin_only:
        bounds = [b for b in bounds if sources[b.id] == BUILTIN]
    return render(bounds, sources, claim_bound_ids())


def write_registry(folder: str | os.PathLike[str]) -> Path:
    """Write :func:`registry_markdown` to ``folder/registry.md`` atomically (a temporary file in the same
    folder, then ``os.replace``), creating the folder if needed; return the path.

    Raises
    ------
    ParameterError
        When the folder cannot be created or written to (a file in the way, no permission).
    """
    target = Path(folder) / FILENAME
    try:  # the folder is checked before the work
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{FILENAME}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _unwritable(folder, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(registry_markdown())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        raise _unwritable(folder, exc) from None
    finally:
        Path(tmp).unlink(missing_ok=True)  # gone after os.replace; removed after a failure
    return target


def _unwritable(folder: str | os.PathLike[str], exc: OSError) -> ParameterError:
    return ParameterError(
        f"--out must be a folder that can be written to; got {os.fspath(folder)!r} ({exc.strerror or exc})"
    )
