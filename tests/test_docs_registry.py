"""docs/registry.md, generated from the registry by ``stl-bounds docs`` (stl_bounds.docgen).

The committed file must be what the registry generates now; every built-in id has an entry; every
formula in it can be typeset (matplotlib mathtext, as tests/test_contract.py checks the registry's
LaTeX); the command writes the file atomically and refuses a folder it cannot write to.  Each checker
is also fed broken input and must say what broke.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest
import sympy as sp

import stl_bounds
from stl_bounds import docgen, registry
from stl_bounds.bound import Bound, Citation
from stl_bounds.claims import claim_bound_ids
from stl_bounds.cli import main
from stl_bounds.errors import ParameterError
from stl_bounds.parameters import param, symbol

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "docs" / docgen.FILENAME
BUILTIN_IDS = [i for i in registry.list_ids() if registry.source(i) == registry.BUILTIN]

_DISPLAY = re.compile(r"^\$\$\n(.*?)\n\$\$$", re.M | re.S)
_INLINE = re.compile(r"\$`(.*?)`\$")


@pytest.fixture(scope="module")
def fresh() -> str:
    """The document of the built-in ids, generated now."""
    return docgen.registry_markdown(builtin_only=True)


# --- checkers -------------------------------------------------------------------------------
def stale_message(committed: str, fresh: str) -> str | None:
    """``None`` when the committed text is current, else a message naming the first differing line."""
    if committed == fresh:
        return None
    old, new = committed.splitlines(), fresh.splitlines()
    line = next((k for k, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    diff = "\n".join(list(difflib.unified_diff(old, new, "committed", "generated", n=0, lineterm=""))[:12])
    return f"docs/registry.md is not current (first difference at line {line + 1}): run `stl-bounds docs`\n{diff}"


def formulas(markdown: str) -> list[tuple[int, str]]:
    """``(line, LaTeX)`` of every ``$$`` display block and every ``$`...`$`` inline formula."""
    found = [(markdown.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _DISPLAY.finditer(markdown)]
    for number, line in enumerate(markdown.splitlines(), start=1):
        found += [(number, m.group(1)) for m in _INLINE.finditer(line)]
    return sorted(found)


def math_problems(markdown: str) -> list[str]:
    """``line N: <formula>: <why>`` for every formula that mathtext cannot typeset or that GitHub would misread."""
    from matplotlib.mathtext import MathTextParser

    parser = MathTextParser("path")
    problems = []
    for line, latex in formulas(markdown):
        why = None
        if "\n" in latex or re.search(r"\\[{}]", latex):
            why = "a line break or an escaped brace, which GitHub's Markdown would change"
        else:
            try:
                parser.parse(f"${latex}$")
            except ValueError as exc:
                why = f"mathtext cannot typeset it ({str(exc).splitlines()[0]})"
        if why:
            problems.append(f"line {line}: {latex[:40]}: {why}")
    return problems


def entry_of(markdown: str, bound_id: str) -> str:
    """The text of ``bound_id``'s entry: from its heading to the next heading."""
    start = markdown.index(f"\n### `{bound_id}`\n")
    end = re.compile(r"^#{2,3} ", re.M).search(markdown, start + 2)
    return markdown[start : end.start() if end else len(markdown)]


# --- the committed file ---------------------------------------------------------------------------
def test_the_committed_file_is_current(fresh: str) -> None:
    assert COMMITTED.is_file(), "docs/registry.md is missing: run `stl-bounds docs`"
    message = stale_message(COMMITTED.read_text(encoding="utf-8"), fresh)
    assert message is None, message


def test_the_staleness_check_names_the_first_difference(fresh: str) -> None:
    changed = fresh.replace("- id: `fu2025.thm1`", "- id: `fu2025.thm1 (edited)`")
    message = stale_message(changed, fresh)
    assert message is not None and "run `stl-bounds docs`" in message
    assert f"line {fresh.splitlines().index('- id: `fu2025.thm1`') + 1}" in message
    assert "+- id: `fu2025.thm1`" in message and "-- id: `fu2025.thm1 (edited)`" in message
    assert stale_message(fresh + "\nmore\n", fresh) is not None


def test_the_header_says_generated_and_by_which_command(fresh: str) -> None:
    head = "\n".join(fresh.splitlines()[:6])
    assert "generated" in head and "`stl-bounds docs --out docs/`" in head and "do not edit" in head
    assert "every built-in id" in head and f"({len(BUILTIN_IDS)} in all)" in head


@pytest.mark.parametrize("bound_id", BUILTIN_IDS)
def test_every_builtin_id_has_an_entry(fresh: str, bound_id: str) -> None:
    b = stl_bounds.get(bound_id)
    assert fresh.count(f"\n### `{bound_id}`\n") == 1
    text = entry_of(fresh, bound_id)
    assert f"- fidelity: `{b.fidelity}`: " in text and "- source: built-in" in text
    assert b.citation.theory in text  # "docs/theory.md §x" kept readable (brackets become &#91; &#93;)
    assert docgen.display_math(f"B = {b.latex()}") in text
    rows = [line.split(" | ")[0] for line in text.splitlines() if line.startswith("| `")]
    assert rows == [f"| `{name}`" for name, _ in b.terms] + [f"| `{p}`" for p in b.parameter_names]
    assert len(re.findall(r"^- .*\b(?:nonincreasing|nondecreasing) in `", text, re.M)) == len(b.monotone)
    assert (r"$`\rho = " in text) == (b.growth_rate is not None)
    claims = sorted(c for c, ids in claim_bound_ids().items() if bound_id in ids)
    checked = next(line for line in text.splitlines() if line.startswith("- checked by: "))
    assert checked.startswith("- checked by: contract suite, golden values")
    assert re.findall(r"\bC\d\b", checked) == claims


def test_the_claims_of_the_theory_document_are_named(fresh: str) -> None:
    """docs/theory.md §6.1: C1-C4 are about fu2025.thm1, C4 also about lemma.amplified_shift, C6 about m*."""
    assert "claims C1, C2, C3, C4 (docs/theory.md §6.1)" in entry_of(fresh, "fu2025.thm1")
    assert "claims C4 (docs/theory.md §6.1)" in entry_of(fresh, "lemma.amplified_shift")
    assert "claims C6 (docs/theory.md §6.1)" in entry_of(fresh, "fu2025.optimal_m")
    assert "claims" not in entry_of(fresh, "lemma.shift").split("- checked by: ")[1].splitlines()[0]


def test_the_contents_link_every_family_and_id_in_order(fresh: str) -> None:
    contents = fresh.split("## Contents\n", 1)[1].split("\n## ", 1)[0]
    linked = re.findall(r"\[`([^`]+)`\]\(#([^)]+)\)", contents)
    families = sorted({i.split(".")[0] for i in BUILTIN_IDS})
    expected = [x for f in families for x in [f, *(i for i in BUILTIN_IDS if i.split(".")[0] == f)]]
    assert [name for name, _ in linked] == expected
    headings = re.findall(r"^#{2,3} `([^`]+)`$", fresh, re.M)
    assert headings == expected  # each family, then its ids, in the order of the contents
    seen: dict[str, int] = {"registry-of-bounds": 1, "contents": 1}
    assert [anchor for _, anchor in linked] == [docgen.github_anchor(f"`{h}`", seen) for h in headings]


# --- math as GitHub and mathtext read it ------------------------------------------------------------
def _contract_latex() -> set[str]:
    """The registry's LaTeX that tests/test_contract.py::test_latex_renders typesets on every run (after ``B = ``)."""
    texts = set()
    for bound_id in BUILTIN_IDS:
        b = stl_bounds.get(bound_id)
        texts |= {f"B = {b.latex()}", f"B = {b.latex(with_defaults=True)}", *b.term_latex().values()}
    return {" ".join(t.split()) for t in texts}


def test_every_formula_the_contract_suite_does_not_typeset_can_be_typeset(fresh: str) -> None:
    """Symbols, expression defaults, growth factors, trivial values; the formulas and terms themselves are the
    contract suite's strings (seconds here; all of them together: the slow test below)."""
    found = formulas(fresh)
    blocks = _DISPLAY.findall(fresh)
    assert len(blocks) >= len(BUILTIN_IDS) and len(found) > len(blocks)
    covered = _contract_latex()
    assert set(blocks) <= covered  # every $$ block is a string the contract suite typesets
    rest = sorted({latex for _, latex in found} - covered)
    assert any(latex.startswith("\\rho = ") for latex in rest) and any("frac" in latex for latex in rest)
    assert math_problems("\n".join(f"$`{latex}`$" for latex in rest)) == []


@pytest.mark.slow
def test_every_formula_can_be_typeset(fresh: str) -> None:
    """Every ``$$`` block and inline formula of the document, typeset by mathtext (about 20 s)."""
    assert math_problems(fresh) == []


def test_the_math_checker_reports_what_broke() -> None:
    text = (
        "# t\n\n$$\nB = \\frac{1}{n}\n$$\n\n$$\nB = \\frac{1}{\n$$\n\n"
        "| a | $`\\lbrace x`$ | $`\\{x\\}`$ |\n\n$$\nB = \\begin{cases} 1 \\end{cases}\n$$\n"
    )
    problems = math_problems(text)
    assert [p.split(":")[0] for p in problems] == ["line 8", "line 11", "line 14"]
    assert "mathtext cannot typeset" in problems[0] and "\\frac{1}{" in problems[0]
    assert "escaped brace" in problems[1]
    assert "begin{cases}" in problems[2]


def test_math_helpers_avoid_githubs_pitfalls() -> None:
    assert docgen.display_math("a +\n\n b \\{x\\}") == "$$\na + b \\lbrace x\\rbrace\n$$"
    assert docgen.inline_math("\\left|x\\right|") == "$`\\left\\vert x\\right\\vert `$"
    seen: dict[str, int] = {}
    assert [docgen.github_anchor("`a.b`", seen), docgen.github_anchor("`ab`", seen)] == ["ab", "ab-1"]


def _bound(**changes: object) -> Bound:
    fields = {
        "id": "mylab.thm3",
        "title": "gap of *my* loop_x with $5 and [a link](http://x)",
        "citation": Citation(paper="Me, A_B, 2026", location="Thm 3", theory=""),
        "fidelity": "exact",
        "assumptions": ("loss in [0, M]",),
        "parameters": (param("n", 10), param("beta", 1 / symbol("n"))),
        "terms": (("a_b", symbol("n")), ("b", symbol("beta") * symbol("n"))),
    }
    return Bound(**{**fields, **changes})


def test_text_from_a_bound_is_escaped_and_loaded_bounds_say_their_source() -> None:
    b = _bound()
    text = docgen.render([b], {b.id: "lab/bounds/thm3.toml"}, {})
    assert "every registered id (built-in and loaded) (1 in all)" in text
    assert "**gap of \\*my\\* loop\\_x with \\$5 and &#91;a link&#93;(http://x)**" in text
    assert "- source: lab/bounds/thm3.toml" in text
    assert "- checked by: `stl-bounds check FILE` (the contract suite)" in text
    assert "With the expression defaults of `beta` substituted:" in text and r"$`\frac{1}{n}`$" in text
    assert math_problems(text) == []


def test_the_output_is_deterministic_and_sorted() -> None:
    a, b = _bound(), _bound(id="alab.x", title="x")
    sources = {a.id: "a.toml", b.id: "b.toml"}
    first = docgen.render([a, b], sources, {"C9": ("mylab.thm3",)})
    assert first == docgen.render([b, a], sources, {"C9": ("mylab.thm3",)})
    assert first.index("### `alab.x`") < first.index("### `mylab.thm3`")
    assert "claims C9 (docs/theory.md §6.1)" in entry_of(first, "mylab.thm3")


# --- the command ----------------------------------------------------------------------------------
def test_the_command_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "new" / "docs"
    assert main(["docs", "--out", str(out)]) == 0
    written = out / docgen.FILENAME
    assert written.read_text(encoding="utf-8") == docgen.registry_markdown()
    assert capsys.readouterr().out.startswith(f"wrote {written} (")
    assert sorted(p.name for p in out.iterdir()) == [docgen.FILENAME]  # no temporary file left
    written.write_text("old\n", encoding="utf-8")
    assert main(["docs", "--out", str(out)]) == 0 and written.read_text(encoding="utf-8") != "old\n"


@pytest.mark.parametrize("where", ["file", "file/sub"])
def test_the_command_refuses_a_folder_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["docs", "--out", str(tmp_path / where)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("stl-bounds: error: --out must be a folder that can be written to; got ")
    assert str(tmp_path / where) in captured.err and "Traceback" not in captured.err


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / docgen.FILENAME
    target.write_text("old\n", encoding="utf-8")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ParameterError, match="No space left on device"):
        docgen.write_registry(tmp_path)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == [docgen.FILENAME]


def test_symbols_of_parameters_are_shown_as_registered() -> None:
    b = stl_bounds.get("fu2025.thm1")
    text = docgen.render([b], {b.id: registry.BUILTIN}, claim_bound_ids())
    assert f"| `lam` | $`{sp.latex(symbol('lam'))}`$ | `[0, 1]` |" in text
