"""The shipped bound files (examples/): restated built-ins give the built-ins' values, the others evaluate and
derive as documented, and the catalogue defaults a file may reuse are those of built-in bounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stl_bounds
from stl_bounds import registry
from stl_bounds.boundfiles.catalog import CATALOG_DEFAULTS
from stl_bounds.boundfiles.expressions import parse_expression
from stl_bounds.boundfiles.loader import read_bound_file
from stl_bounds.errors import EvaluationError
from stl_bounds.parameters import CATALOG
from stl_bounds.testing import valid_params

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "bounds"
PLUGIN_FILE = ROOT / "examples" / "plugin" / "src" / "stl_bounds_example_plugin" / "hoeffding.toml"
LOOSE = [
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
]


pytestmark = pytest.mark.usefixtures("isolated_registry")


def test_examples_folder_has_three_files_that_load() -> None:
    files = sorted(EXAMPLES.glob("*.toml"))
    assert len(files) >= 3
    loaded = stl_bounds.load_bounds(EXAMPLES)
    assert {b.id for b in loaded} == {read_bound_file(f).bound.id for f in files}
    assert all(registry.source(b.id) == str(EXAMPLES / f.name) for b, f in zip(loaded, files))


def _identical(restated: str, builtin: str, points: list[dict[str, float]]) -> None:
    """Both bounds on the same points, as arrays: bit-for-bit equal values, terms and regimes."""
    mine, ref = stl_bounds.get(restated), stl_bounds.get(builtin)
    arrays = {name: np.array([p[name] for p in points]) for name in points[0]}
    try:
        expected = ref.evaluate(**arrays)
    except EvaluationError:
        with pytest.raises(EvaluationError):
            mine.evaluate(**arrays)
        return
    got = mine.evaluate(**arrays)
    np.testing.assert_array_equal(got.value, expected.value)  # the same expression tree: bit for bit
    for name, values in expected.terms.items():
        np.testing.assert_array_equal(got.terms[name], values)
    np.testing.assert_array_equal(got.diagnostics["rho"], expected.diagnostics["rho"])


#: 1,000 drawn points per restated bound, in batches (hypothesis' buffer holds about 25 points of fu2025.thm1)
BATCHES = settings(max_examples=40, suppress_health_check=LOOSE)


@BATCHES
@given(points=st.lists(valid_params("lemma.amplified_shift"), min_size=25, max_size=25))
def test_restated_amplified_shift_equals_the_builtin_at_1000_points(points: list[dict[str, float]]) -> None:
    if "example.amplified_shift_restated" not in registry._REGISTRY:
        stl_bounds.load_bounds(EXAMPLES / "amplified_shift.toml")
    _identical("example.amplified_shift_restated", "lemma.amplified_shift", points)


@BATCHES
@given(points=st.lists(valid_params("fu2025.thm1"), min_size=25, max_size=25))
def test_restated_thm1_equals_the_builtin_at_1000_points(points: list[dict[str, float]]) -> None:
    if "example.thm1_restated" not in registry._REGISTRY:
        stl_bounds.load_bounds(EXAMPLES / "fu2025_thm1.toml")
    _identical("example.thm1_restated", "fu2025.thm1", points)


def test_restated_bounds_have_the_builtin_expressions_and_mp_values() -> None:
    for path, builtin in [("amplified_shift.toml", "lemma.amplified_shift"), ("fu2025_thm1.toml", "fu2025.thm1")]:
        mine = read_bound_file(EXAMPLES / path).bound
        ref = stl_bounds.get(builtin)
        assert mine.terms == ref.terms and mine.growth_rate == ref.growth_rate
        assert mine.expr_with_defaults == ref.expr_with_defaults
        a = mine.evaluate(precision="mp", dps=40, lam=0.3, i=7)
        b = ref.evaluate(precision="mp", dps=40, lam=0.3, i=7)
        assert a.value == b.value


def test_catalogue_defaults_are_those_of_builtin_bounds() -> None:
    symbols = {name: p.symbol for name, p in CATALOG.items()}
    used: dict[str, set[sp.Expr]] = {}
    for bound in stl_bounds.registry.all_bounds():
        for p in bound.parameters:
            used.setdefault(p.name, set()).add(sp.nsimplify(p.default))
    for name, default in CATALOG_DEFAULTS.items():
        value = parse_expression(default, symbols) if isinstance(default, str) else sp.nsimplify(default)
        assert value in used[name], (name, default, used[name])


def test_recurrences_are_proved_by_rsolve() -> None:
    for path in ("amplified_shift.toml", "contraction.toml"):
        bound = read_bound_file(EXAMPLES / path).bound
        derivation = bound.derivation()
        captions = [s.caption for s in derivation.steps]
        assert any("proved equal to the closed form" in c for c in captions), captions
        assert any(c.startswith("limit i -> oo") for c in captions), captions


def test_contraction_limit_is_eta_over_one_minus_rho() -> None:
    bound = read_bound_file(EXAMPLES / "contraction.toml").bound
    limit = bound.limit_in_generations()
    s = {p.name: p.symbol for p in bound.parameters}
    rho = (1 - s["lam"]) * s["L_map"]
    assert sp.simplify(limit - s["C_opt"] / sp.sqrt(s["n"]) / (1 - rho)) == 0


def test_plugin_bound_file_is_hoeffding() -> None:
    bound = read_bound_file(PLUGIN_FILE).bound
    assert bound.id == "example.plugin.hoeffding" and bound.fidelity == "external"
    r = bound.evaluate(n=50, delta=0.01, M=2)
    assert r.value == pytest.approx(2 * (sp.log(200).evalf() / 100) ** 0.5, rel=1e-14)
