"""The documents of the repository and its metadata: links, the theory references the code prints,
the registry table of docs/theory.md §7, one version string, LICENSE and CITATION.cff, and the
Jupyter displays of ``Bound`` and ``Result``.

Each checker here (links, anchors, theory references, scanned strings, HTML and Markdown tables) is
also fed broken input and must report what broke.
"""

from __future__ import annotations

import html
import importlib.metadata
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import stl_bounds
from stl_bounds import registry
from stl_bounds.bound import Bound, Citation
from stl_bounds.cli import main
from stl_bounds.notebook import MAX_ROWS
from stl_bounds.parameters import param, symbol
from stl_bounds.result import Result

ROOT = Path(__file__).resolve().parents[1]
THEORY_DOC = ROOT / "docs" / "theory.md"
#: Markdown files whose relative links must resolve (the report's README is generated, not committed).
DOCUMENTS = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")])
#: Strings no file of the repository may contain: a path out of the repository, and the old name of
#: the theory document (written in two pieces so that this file does not match itself).
FORBIDDEN = ("../" + "shared", "THEORY" + " §", "THEORY" + ".md")
BUILTIN_IDS = [i for i in registry.list_ids() if registry.source(i) == registry.BUILTIN]


# --- checkers -------------------------------------------------------------------------------
_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.M)


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation but ``-`` and ``_`` removed, spaces → ``-``."""
    text = heading.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every heading anchor of a Markdown text (repeated headings get ``-1``, ``-2``, … as on GitHub)."""
    seen: dict[str, int] = {}
    out = set()
    for _, title in _HEADING.findall(_FENCE.sub("", markdown)):
        slug = github_slug(title)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.add(slug if count == 0 else f"{slug}-{count}")
    return out


def broken_links(document: Path, text: str | None = None) -> list[str]:
    """Relative links (and anchors) of ``document`` that do not resolve inside the repository.

    Links in code blocks and code spans are not links; ``http(s):``/``mailto:`` targets are not checked.
    """
    text = document.read_text(encoding="utf-8") if text is None else text
    prose = _CODE_SPAN.sub("", _FENCE.sub("", text))
    broken = []
    for target in _LINK.findall(prose):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue
        path_part, _, anchor = target.partition("#")
        if not path_part:  # an anchor of this document
            if anchor not in anchors(text):
                broken.append(f"{document.name}: {target} (no heading with anchor #{anchor})")
            continue
        path = (document.parent / path_part).resolve()
        if not path.exists() or ROOT not in path.parents:
            broken.append(f"{document.name}: {target} (no such file in the repository)")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path.read_text(encoding="utf-8")):
            broken.append(f"{document.name}: {target} (no heading with anchor #{anchor})")
    return broken


def repository_files() -> list[Path]:
    """The files of the checkout: tracked and untracked-but-not-ignored (git), or a walk without git."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        files = [ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".hypothesis", "__pycache__", ".benchmarks", ".pytest_cache"}
        files = [
            p
            for p in ROOT.rglob("*")
            if p.is_file() and not skip & set(p.relative_to(ROOT).parts) and ".egg-info" not in str(p)
        ]
    return [p for p in files if p.is_file()]


def forbidden_strings(files: list[Path], forbidden: tuple[str, ...] = FORBIDDEN) -> list[str]:
    """``file:line: string`` for every occurrence of a forbidden string."""
    hits = []
    for path in files:
        data = path.read_bytes()
        for needle in forbidden:
            start = data.find(needle.encode())
            while start != -1:
                line = data.count(b"\n", 0, start) + 1
                hits.append(f"{path.relative_to(ROOT) if ROOT in path.parents else path}:{line}: {needle}")
                start = data.find(needle.encode(), start + 1)
    return hits


_SECTION_HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", re.M)
_REFERENCE = re.compile(r"docs/theory\.md §(\d+(?:\.\d+)?)(?: ([LC]\d+))?")


def theory_sections(markdown: str) -> dict[str, str]:
    """Section number → its text (up to the next numbered heading) of docs/theory.md."""
    marks = list(_SECTION_HEADING.finditer(markdown))
    ends = [m.start() for m in marks[1:]] + [len(markdown)]
    return {m.group(1): markdown[m.start() : end] for m, end in zip(marks, ends)}


def unresolved_references(text: str, sections: dict[str, str]) -> list[str]:
    """References ``docs/theory.md §x[.y] [Lk|Ck]`` in ``text`` whose section, lemma or claim does not exist."""
    bad = []
    for match in _REFERENCE.finditer(text):
        number, item = match.groups()
        if number not in sections:
            bad.append(f"{match.group(0)} (no section {number})")
        elif item and f"**{item}" not in sections[number]:
            bad.append(f"{match.group(0)} (no {item} in section {number})")
    return bad


class _TagChecker(HTMLParser):
    """Records tags that close without opening, or stay open (void elements aside)."""

    VOID = frozenset({"br", "hr", "img", "meta", "input", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag in ("td", "th"):
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells[-1] += data


def html_problems(fragment: str) -> tuple[list[str], _TagChecker]:
    """Tag errors of an HTML fragment (unbalanced or unclosed tags), and the parsed checker."""
    checker = _TagChecker()
    checker.feed(fragment)
    checker.close()
    return checker.errors + [f"<{tag}> not closed" for tag in checker.stack], checker


def markdown_table_rows(markdown: str) -> list[list[str]]:
    """The rows of the Markdown tables in ``markdown``, split on unescaped bars (code spans kept whole)."""
    rows = []
    for line in markdown.splitlines():
        if line.startswith("|"):
            protected = _CODE_SPAN.sub(lambda m: m.group(0).replace("|", "\0"), line)
            cells = re.split(r"(?<!\\)\|", protected)[1:-1]
            rows.append([c.replace("\0", "|").strip() for c in cells])
    return rows


# --- links and references ---------------------------------------------------------------------
def test_the_documents_exist() -> None:
    assert THEORY_DOC.is_file() and (ROOT / "README.md").is_file()
    assert ROOT / "docs" / "theory.md" in DOCUMENTS


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(document: Path) -> None:
    assert broken_links(document) == []


def test_the_link_checker_reports_broken_links_and_anchors(tmp_path: Path) -> None:
    page = ROOT / "docs" / "page.md"  # never written: the text is given
    text = (
        "# Title\n[ok](theory.md) [ok anchor](theory.md#0-fidelity-labels) [self](#title)\n"
        "[gone](missing.md) [bad anchor](theory.md#no-such-heading) [outside](../../etc/passwd) [x](#nope)\n"
        "`[in code](nowhere.md)` [web](https://example.org/x)\n```\n[fenced](nowhere.md)\n```\n"
    )
    assert broken_links(page, text) == [
        "page.md: missing.md (no such file in the repository)",
        "page.md: theory.md#no-such-heading (no heading with anchor #no-such-heading)",
        "page.md: ../../etc/passwd (no such file in the repository)",
        "page.md: #nope (no heading with anchor #nope)",
    ]


def test_github_slugs() -> None:
    assert github_slug("3. Lemmas L1–L5 (`exact`)") == "3-lemmas-l1l5-exact"
    assert github_slug("4.1 `fu2025.thm1`: generalization") == "41-fu2025thm1-generalization"
    assert anchors("## A\n## A\n```\n## not a heading\n```\n") == {"a", "a-1"}


def test_nothing_in_the_repository_points_outside_it_or_at_the_old_theory_name() -> None:
    files = repository_files()
    assert ROOT / "README.md" in files and THEORY_DOC in files
    assert forbidden_strings(files) == []


def test_the_string_scanner_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('ok = 1\nx = "see ' + "../" + 'shared/spec"\n', encoding="utf-8")
    assert forbidden_strings([bad]) == [f"{bad}:2: {'../' + 'shared'}"]


def test_every_theory_reference_in_the_code_names_a_section_of_the_document() -> None:
    sections = theory_sections(THEORY_DOC.read_text(encoding="utf-8"))
    assert {"0", "1", "2", "3", "4.1", "4.5", "5.6", "6.1", "6.5", "6.6", "7", "8"} <= set(sections)
    sources = [
        p for p in repository_files() if p.suffix in {".py", ".json", ".md"} and p not in (THEORY_DOC, Path(__file__))
    ]
    bad = [
        f"{p.relative_to(ROOT)}: {b}" for p in sources for b in unresolved_references(p.read_text("utf-8"), sections)
    ]
    assert bad == []
    printed = [stl_bounds.get(i).citation.theory for i in BUILTIN_IDS]
    assert all(t.startswith("docs/theory.md §") for t in printed)
    assert unresolved_references(" ".join(printed), sections) == []


def test_the_reference_checker_reports_missing_sections_lemmas_and_claims() -> None:
    sections = theory_sections("## 3. Lemmas\n**L1 x** **L3 y**\n### 6.1 Claims\n- **C1, converge.**\n")
    text = (
        "docs/theory.md §3 L3, docs/theory.md §3 L9, docs/theory.md §6.1 C1, docs/theory.md §6.1 C8, "
        "docs/theory.md §9.9"
    )
    assert unresolved_references(text, sections) == [
        "docs/theory.md §3 L9 (no L9 in section 3)",
        "docs/theory.md §6.1 C8 (no C8 in section 6.1)",
        "docs/theory.md §9.9 (no section 9.9)",
    ]


def test_the_registry_table_of_the_theory_document_is_the_registry() -> None:
    """docs/theory.md §7 lists every built-in id once, with the section its citation names, its fidelity
    label and its parameters in order."""
    section = theory_sections(THEORY_DOC.read_text(encoding="utf-8"))["7"]
    rows = {r[0].strip("`"): r[1:] for r in markdown_table_rows(section)[2:]}
    assert len(rows) == len(markdown_table_rows(section)) - 2  # no id listed twice
    assert sorted(rows) == sorted(BUILTIN_IDS)
    for bound_id, (section_ref, fidelity, parameters) in rows.items():
        b = stl_bounds.get(bound_id)
        assert f"docs/theory.md {section_ref}" == b.citation.theory, bound_id
        assert fidelity == b.fidelity, bound_id
        assert parameters.strip("`").split(", ") == list(b.parameter_names), bound_id


# --- one version string, license, citation ----------------------------------------------------
def test_version_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"stl-bounds {stl_bounds.__version__}"
    run = subprocess.run([sys.executable, "-m", "stl_bounds", "--version"], capture_output=True, text=True, check=False)
    assert (run.returncode, run.stdout.strip(), run.stderr) == (0, f"stl-bounds {stl_bounds.__version__}", "")


def test_the_version_has_one_source() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "stl_bounds.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", stl_bounds.__version__)
    try:
        installed = importlib.metadata.version("stl-bounds")
    except importlib.metadata.PackageNotFoundError:
        installed = stl_bounds.__version__  # run from a source tree that was never installed
    assert installed == stl_bounds.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{stl_bounds.__version__}] - " in changelog and "## [Unreleased]" in changelog


def test_importing_the_package_does_not_import_the_notebook_displays() -> None:
    code = "import sys, stl_bounds; print('stl_bounds.notebook' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def test_license_is_mit_everywhere() -> None:
    tomllib = pytest.importorskip("tomllib")
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "Copyright (c) 2026 stl-bounds developers" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert not any("License ::" in c for c in project.get("classifiers", []))  # an SPDX expression excludes them


def test_citation_file() -> None:
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software" and cff["license"] == "MIT"
    assert cff["version"] == stl_bounds.__version__
    assert cff["title"].startswith("stl-bounds") and cff["message"] and cff["authors"]
    (paper,) = cff["references"]
    assert paper["title"].startswith("A Theoretical Perspective: How to Prevent Model Collapse")
    assert paper["year"] == 2025 and "ICLR 2025" in paper["collection-title"]
    assert [a["family-names"] for a in paper["authors"]] == ["Fu", "Wang", "Chen", "Tian", "Tao"]
    assert {"type": "other", "value": "arXiv:2502.18865", "description": "arXiv identifier"} in paper["identifiers"]


# --- Jupyter displays ---------------------------------------------------------------------------
@pytest.mark.parametrize("bound_id", BUILTIN_IDS)
def test_bound_displays(bound_id: str) -> None:
    b = stl_bounds.get(bound_id)
    latex = b._repr_latex_()
    assert latex == f"$$B = {b.latex()}$$"
    md = b._repr_markdown_()
    assert f"- id: `{bound_id}`" in md and f"- fidelity: `{b.fidelity}`" in md
    assert latex in md.splitlines()
    assert b.citation.theory in md.replace("&#91;", "[").replace("&#93;", "]")
    rows = markdown_table_rows(md)
    params = [r for r in rows if len(r) == 5 and r[0].startswith("`")]
    assert [r[0] for r in params] == [f"`{p}`" for p in b.parameter_names]
    assert all(len(r) in (2, 5) for r in rows), "a bar inside a cell split it"
    terms = [r for r in rows if len(r) == 2 and r[0].startswith("`")]
    assert [r[0] for r in terms] == ([f"`{name}`" for name, _ in b.terms] if len(b.terms) > 1 else [])


@pytest.mark.parametrize("bound_id", BUILTIN_IDS)
def test_result_html_at_the_defaults(bound_id: str) -> None:
    b = stl_bounds.get(bound_id)
    r = b.evaluate()
    fragment = r._repr_html_()
    errors, parsed = html_problems(fragment)
    assert errors == []
    assert f"<code>{bound_id}</code>" in fragment
    assert [parsed.cells[3 * k] for k in range(1, len(r.terms) + 1)] == list(r.terms)  # term column, in order
    shares = [parsed.cells[3 * k + 2] for k in range(1, len(r.terms) + 1)]
    if r.value and all(float(v) >= 0 for v in r.terms.values()):
        assert sum(float(s.rstrip(" %")) for s in shares) == pytest.approx(100, abs=0.1 * len(shares))
    assert ("regime</strong>: " + str(r.regime)) in fragment if r.regime != "n/a" else "regime" not in fragment
    assert ("vacuous</strong>" in fragment) == bool(r.diagnostics.get("vacuous"))


def test_result_html_rounds_an_upper_bound_up_and_flags_vacuous_values() -> None:
    r = stl_bounds.get("fu2025.thm1").evaluate(n=10, eps=1.0)
    fragment = r._repr_html_()
    assert r.diagnostics["vacuous"] and "vacuous</strong>" in fragment
    value = float(re.search(r"value</strong>: ([0-9.e+-]+)", fragment).group(1))
    assert value >= r.value and value == pytest.approx(r.value, rel=1e-5)
    assert "regime</strong>: converges (ρ = 0.5)" in fragment


def test_result_html_on_a_grid_lists_points_up_to_a_limit() -> None:
    r = stl_bounds.get("fu2025.thm1").evaluate(lam=[0.0, 0.5], i=np.arange(30)[:, None])
    errors, parsed = html_problems(r._repr_html_())
    assert errors == []
    assert "grid of 60 points (shape (30, 2))" in r._repr_html_()
    assert f"… and {60 - MAX_ROWS} more points" in r._repr_html_()
    header = parsed.cells[:7]
    assert header[:2] == ["lam", "i"] and "value" in header and "regime" in header
    assert parsed.tags.count("tr") == 1 + MAX_ROWS


def test_result_html_with_mpmath_values() -> None:
    r = stl_bounds.get("fu2025.thm1").evaluate(lam=0.0, kappa=2.0, i=2000, precision="mp")
    fragment = r._repr_html_()
    assert html_problems(fragment)[0] == [] and "precision mp" in fragment and "e+" in fragment


def test_displays_escape_what_a_bound_declares() -> None:
    evil = '<script>alert("x")</script> a|b [link](http://x) *em* `code` $math$'
    b = Bound(
        id="test.escape",
        title=evil,
        citation=Citation(paper=evil, location="Thm 1", theory="docs/theory.md §0"),
        fidelity="exact",
        assumptions=(evil,),
        parameters=(param("n", 10),),
        terms=(("a", symbol("n")), ("b", 2 * symbol("n"))),
        notes=(evil,),
    )
    md = b._repr_markdown_()
    assert "<script>" not in md and "[link]" not in md and "*em*" not in md and "$math$" not in md
    assert all(len(r) in (2, 5) for r in markdown_table_rows(md))
    r = Result(id='<img src=x onerror="y">', fidelity="<i>exact</i>", params={"n": 1.0}, value=1.0, terms={"<a>": 1.0})
    fragment = r._repr_html_()
    assert "<img" not in fragment and "<i>" not in fragment and "<a>" not in fragment
    assert html.escape('<img src=x onerror="y">') in fragment
    assert html_problems(fragment)[0] == []


def test_the_html_and_table_checkers_see_broken_structure() -> None:
    assert html_problems("<div><p>x</div>")[0] == ["</div> closes p", "<div> not closed", "<p> not closed"]
    assert html_problems("<table><tr><td>1</td></tr></table>")[0] == []
    assert markdown_table_rows("| `a|b` | x \\| y | z |") == [["`a|b`", "x \\| y", "z"]]
    assert markdown_table_rows("| a | b | c |") == [["a", "b", "c"]]
