"""The explorer's build side (issue 11), without a browser: JavaScript compilation of every registered id,
the loud failure on a function without a JavaScript version, the controls' domains and ranges, the page's
self-containment and the ``explore`` command's bad-input exits.  The browser tests are in
tests/test_explorer_browser.py (marker ``browser``)."""

from __future__ import annotations

import dataclasses
import re

import pytest
import sympy as sp

from stl_bounds import cli
from stl_bounds.bound import Bound, Citation
from stl_bounds.explorer.jscode import JS_FUNCTIONS, ExplorerBuildError, compile_bound, js_expression
from stl_bounds.explorer.page import CSP, explorer_html
from stl_bounds.explorer.pagedata import control, default_order, resolved_defaults
from stl_bounds.parameters import param, symbol
from stl_bounds.registry import get, list_ids
from stl_bounds.special import GeometricSum


def _toy(terms: tuple[tuple[str, sp.Expr], ...], *parameters: object) -> Bound:
    return Bound(
        id="toy.explorer",
        title="a toy bound",
        citation=Citation("nobody", "nowhere", "docs/theory.md §0"),
        fidelity="derived",
        assumptions=(),
        parameters=tuple(parameters),  # type: ignore[arg-type]
        terms=terms,
    )


@pytest.mark.parametrize("bound_id", list_ids())
def test_every_registered_id_compiles(bound_id: str) -> None:
    bound = get(bound_id)
    code = compile_bound(bound)
    n_out = len(bound.terms) + 1 + (bound.growth_rate is not None) + (bound.trivial_at is not None)
    returned = re.search(r"return \[(.*)\];\}$", code.kernel)
    assert returned is not None
    assert returned.group(1).count(",") >= n_out - 1
    assert set(code.defaults) == {p.name for p in bound.parameters if p.default is not None and p.default.free_symbols}
    assert len(code.constraints) == len(bound.constraints)
    assert "Not supported" not in code.source()


def test_special_functions_are_printed_as_their_javascript_versions() -> None:
    rho, k = sp.symbols("rho k", positive=True)
    text = js_expression(GeometricSum(rho, k) + sp.polygamma(1, k), {rho: "v0", k: "v1"})
    assert "S.geometricSum(v0, v1)" in text
    assert "S.polygamma(1, v1)" in text
    assert set(JS_FUNCTIONS.values()) <= {f"S.{n}" for n in _special_js_names()} | {"Math.expm1", "Math.log1p"}


def _special_js_names() -> set[str]:
    from importlib import resources

    text = (resources.files("stl_bounds.explorer") / "static/special.js").read_text(encoding="utf-8")
    exported = re.search(r"return \{([^}]*)\};\s*\}\)\(\);\s*$", text)
    assert exported is not None
    return {name.strip() for name in exported.group(1).split(",")}


def test_a_function_without_javascript_fails_naming_the_id_and_the_function() -> None:
    n = symbol("n")
    bound = _toy((("odd", sp.Function("Frobnicate")(n)),), param("n", 10))
    with pytest.raises(ExplorerBuildError, match=r"toy\.explorer: no JavaScript version of Frobnicate"):
        compile_bound(bound)


def test_defaults_are_ordered_after_what_they_use() -> None:
    n, beta = symbol("n"), symbol("beta")
    bound = _toy(
        (("t", symbol("gamma") + beta),),
        param("gamma", 2 * beta),
        param("beta", 1 / n),
        param("n", 10),
    )
    assert default_order(bound) == ["beta", "gamma"]


def test_controls_use_the_registry_domain_text_and_log_sliders_for_positive_scales() -> None:
    bound = get("fu2025.thm1")
    defaults = resolved_defaults(bound)
    controls = {p.name: control(bound, p, defaults) for p in bound.parameters}
    for p in bound.parameters:
        c = controls[p.name]
        assert c["domainText"] == p.domain.describe()
        assert p.domain.contains(c["lo"]) and p.domain.contains(c["hi"]), p.name
        assert c["lo"] <= c["start"] <= c["hi"], p.name
    assert controls["n"]["log"] and controls["delta"]["log"]
    assert not controls["lam"]["log"] and not controls["i"]["log"]
    assert controls["beta"]["dependent"] and controls["beta"]["default"] == "1/n"
    assert controls["n"]["domain"]["integer"] and controls["n"]["lo"] == 1


def test_the_page_is_self_contained() -> None:
    page = explorer_html([get("fu2025.thm1"), get("lemma.shift")])
    assert CSP in page and "default-src 'none'" in CSP
    assert not re.search(r"<(link|img|iframe)\b", page)
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert "fu2025.thm1" in page and "window.stlBounds" in page and "uPlot" in page


def test_an_empty_page_is_refused() -> None:
    from stl_bounds.errors import ParameterError

    with pytest.raises(ParameterError, match="at least one bound"):
        explorer_html([])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["explore", "fu2025.thm9", "--out", "{tmp}/x.html"], "unknown id 'fu2025.thm9'"),
        (["--bounds", "{tmp}/missing.toml", "explore", "--out", "{tmp}/x.html"], "missing.toml: cannot read"),
        (["explore", "lemma.shift", "--out", "{tmp}/no/x.html"], "does not exist"),
        (["explore", "lemma.shift", "--out", "{tmp}"], "is a folder"),
    ],
)
def test_explore_bad_input_exits_2_with_one_line(
    argv: list[str], message: str, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main([a.format(tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert [line for line in err if line.startswith("stl-bounds: error:")] == err[-1:]
    assert message in err[-1]


def test_explore_writes_the_page(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    out = f"{tmp_path}/page.html"
    assert cli.main(["explore", "lemma.shift", "lemma.shift", "--out", out]) == 0
    assert "wrote" in capsys.readouterr().out
    text = open(out, encoding="utf-8").read()
    assert text.count('"id": "lemma.shift"') == 1


def test_a_bound_with_a_broken_copy_differs_in_its_javascript() -> None:
    """Negative control: the compiled kernel follows the expression (a changed term changes the source)."""
    bound = get("lemma.shift")
    name, expr = bound.terms[0]
    broken = dataclasses.replace(bound, terms=((name, 2 * expr),) + bound.terms[1:])
    assert compile_bound(broken).kernel != compile_bound(bound).kernel


def test_the_compiled_javascript_parses_and_runs_under_node(tmp_path: object) -> None:
    """Where node is installed, the kernels of every id (and special.js) run; the browser tests compare values."""
    import shutil
    import subprocess
    from importlib import resources

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the browser tests run the same code in Chromium)")
    special = (resources.files("stl_bounds.explorer") / "static/special.js").read_text(encoding="utf-8")
    kernels = ",\n".join(f'"{i}": {compile_bound(get(i)).source()}' for i in list_ids())
    script = (
        f"{special}\nconst KERNELS = {{{kernels}}};\n"
        "for (const [id, k] of Object.entries(KERNELS)) {\n"
        "  const out = k.kernel(...new Array(k.kernel.length).fill(0.5));\n"
        "  if (!Array.isArray(out)) throw new Error(id);\n"
        "}\n"
        "console.log(Object.keys(KERNELS).length);\n"
    )
    path = f"{tmp_path}/kernels.js"
    with open(path, "w", encoding="utf-8") as f:
        f.write(script)
    run = subprocess.run([node, path], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) == len(list_ids())
