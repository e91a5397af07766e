"""The evaluation path: validation, defaults, grids, chunking, errors, precision."""

from __future__ import annotations

import numpy as np
import pytest

import stl_bounds
from stl_bounds import evaluation
from stl_bounds.errors import EvaluationError, ParameterError

THM1 = stl_bounds.get("fu2025.thm1")


def test_defaults_are_filled_and_reported() -> None:
    r = THM1.evaluate(n=400)
    assert r.params["beta"] == pytest.approx(1 / 400)
    assert r.params["lam"] == 0.5 and r.params["i"] == 10
    assert set(r.params) >= set(THM1.parameter_names)


def test_dry_run_agrees_with_evaluation() -> None:
    resolved = THM1.check(lam=0.3, i=7)
    r = THM1.evaluate(lam=0.3, i=7)
    assert resolved == pytest.approx(r.params)


def test_m_replaces_lambda() -> None:
    a = THM1.evaluate(n=100, m=300)
    b = THM1.evaluate(n=100, lam=0.25)
    assert a.value == pytest.approx(b.value, rel=1e-15)
    assert a.params["m"] == 300


def test_lam_and_m_together_is_an_error() -> None:
    with pytest.raises(ParameterError, match="give lam or m, not both"):
        THM1.evaluate(lam=0.5, m=10)


def test_user_override_of_expression_default() -> None:
    base = THM1.evaluate(i=5)
    forced = THM1.evaluate(i=5, shift=0.0)
    assert forced.terms["shift"] == 0.0
    assert forced.terms["stability"] == base.terms["stability"]


def test_broadcast_grid_shape_and_mismatch() -> None:
    r = THM1.evaluate(lam=np.array([0.1, 0.5])[:, None], i=np.arange(4)[None, :])
    assert r.shape == (2, 4)
    assert len(r.points()) == 8
    with pytest.raises(ParameterError, match="do not broadcast"):
        THM1.evaluate(lam=[0.1, 0.2], i=[1, 2, 3])


def test_chunked_threaded_path_equals_direct_path() -> None:
    rng = np.random.default_rng(0)
    size = 3 * evaluation.CHUNK + 17
    params = {"lam": rng.uniform(0, 1, size), "i": rng.integers(0, 40, size), "kappa": rng.uniform(0, 1.5, size)}
    big = THM1.evaluate(**params)
    for j in rng.integers(0, size, 20):
        point = THM1.evaluate(**{k: v[j] for k, v in params.items()})
        assert big.value[j] == point.value
        assert big.params["shift"][j] == pytest.approx(point.params["shift"], rel=1e-15)


def test_regime_from_growth_factor() -> None:
    assert THM1.evaluate(lam=0.5, kappa=1).regime == "converges"
    assert THM1.evaluate(lam=0.5, kappa=2).regime == "critical"
    assert THM1.evaluate(lam=0.0, kappa=1.5).regime == "collapses"
    assert stl_bounds.get("bousquet2002.stability").evaluate().regime == "n/a"
    grid = THM1.evaluate(lam=[0.0, 0.5], kappa=1.5).regime
    assert list(grid) == ["collapses", "converges"]


def test_overflow_is_an_error_not_a_nan() -> None:
    with pytest.raises(EvaluationError, match="precision='mp'"):
        THM1.evaluate(lam=0.0, kappa=3.0, i=1000)
    huge = THM1.evaluate(lam=0.0, kappa=3.0, i=1000, precision="mp")
    assert huge.value > 10**470


def test_unknown_precision() -> None:
    with pytest.raises(ParameterError, match="precision must be one of"):
        THM1.evaluate(precision="float32")


def test_missing_required_parameter_message() -> None:
    from stl_bounds.bound import Bound, Citation
    from stl_bounds.parameters import param, symbol

    bare = Bound(
        id="test.required",
        title="x",
        citation=Citation("p", "l", "docs/theory.md §1"),
        fidelity="exact",
        assumptions=("a",),
        parameters=(param("n"),),
        terms=(("t", symbol("n")),),
    )
    with pytest.raises(ParameterError, match="n is required"):
        bare.evaluate()


def test_result_json_has_no_nan_and_required_keys() -> None:
    import json

    d = THM1.evaluate(i=[0, 1]).to_dict()
    assert isinstance(d, list) and len(d) == 2
    for row in d:
        assert {"id", "params", "value", "terms", "regime", "fidelity"} <= set(row)
    json.dumps(d, allow_nan=False)
