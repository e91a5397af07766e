"""Loading bound files: the schema, bad input (one line, file and line, nothing registered), registration
all-or-nothing, sources, STL_BOUNDS_PATH, plugins, and loaded bounds working as ordinary ones."""

from __future__ import annotations

import importlib.metadata
import math
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stl_bounds
from stl_bounds import registry
from stl_bounds.boundfiles import load_configured, load_plugins, read_bound_text
from stl_bounds.errors import BoundFileError, ParameterError
from stl_bounds.testing import valid_params

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "bounds"
PLUGIN_SRC = ROOT / "examples" / "plugin" / "src"

MINIMAL = """\
[bound]
id = "test.minimal"
title = "a test bound"
fidelity = "exact"
citation = "Nobody, Nothing, Nowhere 2025"
assumptions = ["none"]

[parameters.alpha]
domain = "(0, 1]"
default = 0.5
description = "a new parameter"

[parameters.n]

[terms]
main = "alpha/sqrt(n)"
"""


pytestmark = pytest.mark.usefixtures("isolated_registry")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, snippet: str) -> int:
    """The last line of ``text`` that contains ``snippet``."""
    return max(k for k, line in enumerate(text.splitlines(), start=1) if snippet in line)


# --- a valid file ---------------------------------------------------------------------------------------
def test_minimal_file_loads_as_an_ordinary_bound(tmp_path: Path) -> None:
    path = write(tmp_path, "minimal.toml", MINIMAL)
    (bound,) = stl_bounds.load_bounds(path)
    assert stl_bounds.get("test.minimal") is bound
    assert "test.minimal" in stl_bounds.list_ids()
    assert registry.source("test.minimal") == str(path)
    assert registry.source("fu2025.thm1") == "built-in"
    assert bound.parameter_map["n"].domain == stl_bounds.get("fu2025.thm1").parameter_map["n"].domain
    assert bound.parameter_map["n"].symbol is stl_bounds.get("fu2025.thm1").parameter_map["n"].symbol
    r = bound.evaluate(alpha=0.25, n=16)
    assert r.value == 0.0625 and r.terms == {"main": 0.0625}
    assert bound.evaluate().value == pytest.approx(0.5 / math.sqrt(1000), rel=1e-15)  # the catalogue's n = 1000
    assert bound.citation.text() == "Nobody, Nothing, Nowhere 2025"


def test_loading_the_same_file_twice_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "minimal.toml", MINIMAL)
    (first,) = stl_bounds.load_bounds(path)
    copy = write(tmp_path, "copy.toml", MINIMAL)
    (second,) = stl_bounds.load_bounds(copy)
    assert first == second and stl_bounds.get("test.minimal") is first
    assert registry.source("test.minimal") == str(path)  # the first source stays


def test_evaluation_on_grids_and_with_mpmath() -> None:
    (bound,) = stl_bounds.load_bounds(EXAMPLES / "contraction.toml")
    lam = np.linspace(0.0, 1.0, 7).reshape(-1, 1)
    i = np.arange(0, 40, 3.0).reshape(1, -1)
    r = bound.evaluate(lam=lam, i=i, L_map=1.2, d0=2.0, C_opt=0.3, n=400)
    rho = (1 - lam) * 1.2
    eta = 0.3 / math.sqrt(400)
    with np.errstate(divide="ignore", invalid="ignore"):
        geom = np.where(rho == 1, i, (1 - rho**i) / (1 - rho))
    assert r.shape == (7, 14)
    np.testing.assert_allclose(r.value, 2.0 * rho**i + eta * geom, rtol=1e-13)
    np.testing.assert_allclose(r.diagnostics["rho"], np.broadcast_to(rho, (7, 14)), rtol=0)
    mp = bound.evaluate(precision="mp", dps=40, lam=0.25, i=30, L_map=1.2, d0=2.0, C_opt=0.3, n=400)
    with mpmath.workdps(40):
        rho_mp = (1 - mpmath.mpf(0.25)) * mpmath.mpf(1.2)
        exact = 2 * rho_mp**30 + mpmath.mpf(0.3) / 20 * (1 - rho_mp**30) / (1 - rho_mp)
        assert abs(mp.value - exact) < mpmath.mpf("1e-35")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(data=st.data())
def test_hypothesis_strategies_draw_valid_points_of_a_loaded_bound(data: st.DataObject) -> None:
    (bound,) = stl_bounds.load_bounds(EXAMPLES / "contraction.toml")
    params = data.draw(valid_params(bound))
    assert 0 <= params["L_map"] <= 3 and 0 <= params["d0"] <= 10  # the declared typical ranges
    r = bound.evaluate(**params)
    assert r.value >= 0 and math.isfinite(r.value)


# --- bad input: one line naming the file, the line and the key; nothing registered ------------------------
BAD = [
    ("malformed TOML", 'title = "a test bound"', 'title = "a test bound', "malformed TOML"),
    ("unknown domain", 'domain = "(0, 1]"', 'domain = "0..1"', "unknown domain '0..1'"),
    ("default outside domain", "default = 0.5", "default = 2", "the default 2 is outside the domain (0, 1]"),
    ("undeclared name", 'main = "alpha/sqrt(n)"', 'main = "alpha/sqrt(nn)"', "undeclared name 'nn'"),
    ("declared twice", "[parameters.n]", '[parameters.n]\n[parameters.alpha]\ndomain = "[0, 1]"', "declared twice"),
    ("not finite", 'main = "alpha/sqrt(n)"', 'main = "alpha/(n - 1000)"', "is not finite at the defaults"),
    ("id collision", 'id = "test.minimal"', 'id = "lemma.shift"', "already registered for another formula"),
    ("unknown key", 'title = "a test bound"', 'titel = "a test bound"', "unknown key (did you mean title?)"),
    ("missing key", 'citation = "Nobody, Nothing, Nowhere 2025"', "", "the key 'citation' is missing"),
    ("code", 'main = "alpha/sqrt(n)"', "main = \"__import__('os').system('true')\"", "attribute access"),
    ("wrong type", 'assumptions = ["none"]', 'assumptions = "none"', "must be an array of strings"),
    ("fidelity", 'fidelity = "exact"', 'fidelity = "proved"', "must be one of exact, external, template"),
    ("catalogue domain", "[parameters.n]", '[parameters.n]\ndomain = "[0, 10]"', "not inside the catalogue's"),
    ("no description", 'description = "a new parameter"', "", "description is required for alpha"),
    ("bad name", "[parameters.alpha]", '[parameters."al pha"]', "cannot name a parameter"),
    ("reserved name", "[parameters.alpha]", "[parameters.sqrt]", "is a function or constant"),
    ("bad id", 'id = "test.minimal"', 'id = "minimal"', "an id is dotted words"),
    ("empty terms", 'main = "alpha/sqrt(n)"', "", "give at least one term"),
    ("growth not finite", 'main = "alpha/sqrt(n)"', 'main = "alpha"\n[growth]\nrho = "log(alpha - 0.5)"', "not finite"),
]


@pytest.mark.parametrize(("what", "old", "new", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_with_file_and_line(tmp_path: Path, what: str, old: str, new: str, message: str) -> None:
    text = MINIMAL.replace(old, new, 1)
    assert text != MINIMAL
    path = write(tmp_path, "bad.toml", text)
    before = stl_bounds.list_ids()
    with pytest.raises(BoundFileError) as info:
        stl_bounds.load_bounds(path)
    error = str(info.value)
    assert "\n" not in error and message in error, error
    assert error.startswith(f"{path}:"), error
    if new:
        snippet = "[parameters.alpha]" if what == "declared twice" else new.splitlines()[-1]
        assert error.startswith(f"{path}:{line_of(text, snippet)}:"), error
    assert stl_bounds.list_ids() == before and "test.minimal" not in before
    assert isinstance(info.value, ParameterError)  # the CLI's exit-2 family


def test_cycle_of_defaults_is_refused() -> None:
    text = MINIMAL.replace("default = 0.5", 'default = "beta2"') + textwrap.dedent(
        """
        [parameters.beta2]
        domain = "[0, 1]"
        default = "alpha"
        description = "another"
        """
    )
    with pytest.raises(BoundFileError, match="refer to each other in a cycle"):
        read_bound_text(text, "cycle.toml")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[properties]\nalpha = "increasing"', "must be one of nonincreasing, nondecreasing"),
        ('[properties]\nbeta = "nonincreasing"', "'beta' is not a declared parameter"),
        ('[properties]\nlimit_i = "finite"', "limit_NAME names the generation parameter; there is no generation"),
        ('[properties]\nmain.alpha = { direction = "nondecreasing", given = { n = "[0, 5]" } }', "is not inside"),
        ('[properties]\nnope.alpha = "nondecreasing"', "'nope' is not a term"),
        ('[constraints]\nsmall = "n < 10"', "n < 10 fails at the defaults"),
        ('[constraints]\nsmall = "n + 1"', "a condition must be"),
        ('[recurrence]\nx_next = "x + alpha"', "the key 'x0' is missing"),
        ('[recurrence]\nx_next = "x + alpha"\nx0 = 0', "give the index"),
        ('[growth]\nrate = "alpha"', "unknown key"),
    ],
)
def test_bad_sections_are_refused(extra: str, message: str) -> None:
    with pytest.raises(BoundFileError, match=message):
        read_bound_text(MINIMAL + extra.replace("\\n", "\n"), "sections.toml")


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(BoundFileError, match="no such file or folder"):
        stl_bounds.load_bounds(tmp_path / "missing.toml")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BoundFileError, match=r"the folder has no bound files \(\*\.toml\)"):
        stl_bounds.load_bounds(tmp_path / "empty")
    binary = tmp_path / "latin1.toml"
    binary.write_bytes("title = 'caf\xe9'".encode("latin-1"))
    with pytest.raises(BoundFileError, match="not UTF-8"):
        stl_bounds.load_bounds(binary)


def test_a_folder_is_all_or_nothing(tmp_path: Path) -> None:
    write(tmp_path, "a_good.toml", MINIMAL)
    write(tmp_path, "b_bad.toml", MINIMAL.replace("test.minimal", "test.other").replace("0.5", "7"))
    with pytest.raises(BoundFileError, match=r"b_bad\.toml:10"):
        stl_bounds.load_bounds(tmp_path)
    assert "test.minimal" not in stl_bounds.list_ids()


def test_two_files_with_one_id_for_two_formulas(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", MINIMAL)
    write(tmp_path, "b.toml", MINIMAL.replace("alpha/sqrt(n)", "alpha/n"))
    with pytest.raises(BoundFileError, match=r"b.toml:2: bound.id: id 'test.minimal' is already registered") as info:
        stl_bounds.load_bounds(tmp_path)
    assert f"source: {tmp_path / 'a.toml'}" in str(info.value)
    assert "test.minimal" not in stl_bounds.list_ids()


# --- STL_BOUNDS_PATH and plugins ----------------------------------------------------------------------------
def test_environment_variable_is_honoured_on_first_lookup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write(tmp_path, "minimal.toml", MINIMAL)
    monkeypatch.setenv("STL_BOUNDS_PATH", f"{tmp_path}{__import__('os').pathsep}{EXAMPLES / 'contraction.toml'}")
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **_: [])
    monkeypatch.setattr(registry, "_external", "pending")
    assert stl_bounds.get("example.contraction").id == "example.contraction"
    assert registry.source("test.minimal") == str(tmp_path / "minimal.toml")


def test_environment_variable_errors_name_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(BoundFileError, match=r"^STL_BOUNDS_PATH: .*missing.*no such file or folder"):
        load_configured(environ={"STL_BOUNDS_PATH": str(tmp_path / "missing")})


def _install_plugin(site: Path, name: str, value: str, package: Path | None = None) -> None:
    """A plugin as pip would install it: the package and a dist-info with its entry point."""
    if package is not None:
        shutil.copytree(package, site / package.name)
    info = site / f"{name}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[stl_bounds.bounds]\n{name} = {value}\n", encoding="utf-8")


def test_installed_plugin_is_discovered_through_its_entry_point(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = PLUGIN_SRC / "stl_bounds_example_plugin"
    _install_plugin(tmp_path, "example", "stl_bounds_example_plugin", package)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "stl_bounds_example_plugin", raising=False)
    monkeypatch.setattr(registry, "_external", "pending")
    bound = stl_bounds.get("example.plugin.hoeffding")
    assert registry.source(bound.id) == "plugin example"
    assert bound.evaluate(n=100, delta=0.05, M=1).value == pytest.approx(math.sqrt(math.log(40) / 200), rel=1e-15)
    monkeypatch.delitem(sys.modules, "stl_bounds_example_plugin", raising=False)


def test_plugin_callable_and_failures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    site = tmp_path / "site"
    module = site / "fake_plugin.py"
    site.mkdir()
    module.write_text(
        textwrap.dedent(
            f"""
            import dataclasses
            import stl_bounds
            from stl_bounds.registry import register

            def bounds():
                restated = dataclasses.replace(stl_bounds.get("lemma.shift"), id="fake.shift")
                return [restated, {str(EXAMPLES / "contraction.toml")!r}]

            def half_registered():
                register(dataclasses.replace(stl_bounds.get("lemma.shift"), id="fake.half"))
                raise RuntimeError("broken after registering")

            def clash():
                return dataclasses.replace(stl_bounds.get("lemma.shift"), notes=("changed",))

            def wrong():
                return [42]
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "fake_plugin", raising=False)

    def only(value: str) -> None:
        point = importlib.metadata.EntryPoint(name="fake", value=value, group="stl_bounds.bounds")
        monkeypatch.setattr(importlib.metadata, "entry_points", lambda **_: [point])

    only("fake_plugin:bounds")
    ids = {b.id for b in load_plugins()}
    assert ids == {"fake.shift", "example.contraction"}
    assert registry.source("fake.shift") == "plugin fake" == registry.source("example.contraction")

    only("fake_plugin:half_registered")
    with pytest.raises(BoundFileError, match=r"^plugin fake \(fake_plugin:half_registered\): RuntimeError: broken"):
        load_plugins()
    assert "fake.half" not in stl_bounds.list_ids()  # rolled back: all-or-nothing per plugin

    only("fake_plugin:clash")
    with pytest.raises(BoundFileError, match=r"^plugin fake: id 'lemma.shift' is already registered"):
        load_plugins()

    only("fake_plugin:wrong")
    with pytest.raises(BoundFileError, match="gave a int; a plugin gives Bound objects or paths"):
        load_plugins()
    only("no_such_module_anywhere")
    with pytest.raises(BoundFileError, match="ModuleNotFoundError"):
        load_plugins()


def test_import_stays_cheap() -> None:
    code = "import sys, stl_bounds; print(any(m.startswith(('stl_bounds.boundfiles', 'tomllib')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
