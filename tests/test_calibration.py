"""Inverse problems of docs/theory.md §4.5: forward(inverse(t)) <= t, minimality, horizon vs limit, errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import stl_bounds
from stl_bounds.calibration import (
    ANSWER_DIGITS,
    Calibration,
    best_lambda,
    min_lambda,
    min_n,
    sup_over_generations,
)

THM1 = "fu2025.thm1"


def sup_by_registry(bound_id: str, horizon: int, **params: float) -> float:
    """sup_{0<=i<=G} B_i computed here, independently of the calibration module."""
    return float(np.max(stl_bounds.get(bound_id).evaluate(i=np.arange(horizon + 1.0), **params).value))


# --- strategies -----------------------------------------------------------------------------
thm1_params = st.fixed_dictionaries(
    {
        "eps": st.floats(0.0, 0.3),
        "kappa": st.floats(0.0, 2.0),
        "n": st.integers(10, 100_000).map(float),
        "g": st.floats(0.0, 5.0),
        "M": st.floats(0.5, 2.0),
        "delta": st.floats(0.001, 0.5),
    }
)
horizons = st.sampled_from([None, 0, 3, 30])


# --- min_lambda -------------------------------------------------------------------------------
def test_min_lambda_default_statement() -> None:
    r = min_lambda(THM1, 0.2)
    assert isinstance(r, Calibration)
    assert r.quantity == "lam" and r.target == 0.2 and r.horizon is None
    assert 0.0 < r.value < 1.0
    assert r.achieved <= 0.2
    assert "brentq" in r.method or "bisection" in r.method
    assert "lam" not in r.params and "i" not in r.params and "shift" not in r.params
    assert r.params["beta"] == pytest.approx(1e-3)
    assert json.loads(json.dumps(r.to_dict(), allow_nan=False))["value"] == pytest.approx(r.value)


@pytest.mark.parametrize(("eps", "target"), [(0.05, 0.1), (0.05, 0.5), (0.2, 0.25), (0.01, 1.0)])
def test_min_lambda_lemma_shift_exact(eps: float, target: float) -> None:
    """L3: sup_i Δ_i = ε/λ over all i, so the smallest λ is ε/t exactly."""
    r = min_lambda("lemma.shift", target, eps=eps)
    exact = eps / target
    unit = 10.0 ** (math.floor(math.log10(exact)) - ANSWER_DIGITS + 1)  # the answer is rounded up to 8 digits
    assert exact * (1 - 1e-12) <= r.value <= exact + 1.000001 * unit
    assert r.achieved <= target


def test_min_lambda_lemma_shift_horizon_exact() -> None:
    """L3 over i <= G: sup = Δ_G = ε(1 − (1−λ)^(G+1))/λ; compare with a fine independent root."""
    eps, target, horizon = 0.1, 0.3, 4
    r = min_lambda("lemma.shift", target, horizon=horizon, eps=eps)
    grid = np.linspace(0.0, 1.0, 200_001)
    value = eps * (1 - (1 - grid) ** (horizon + 1)) / np.where(grid > 0, grid, 1.0)
    value[0] = eps * (horizon + 1)
    first = grid[np.argmax(value <= target)]
    assert r.value == pytest.approx(first, abs=1e-5)
    assert r.achieved <= target


@settings(max_examples=25)
@given(params=thm1_params, horizon=horizons, factor=st.floats(1.001, 3.0))
def test_min_lambda_is_on_the_safe_side_and_minimal(params: dict, horizon: int | None, factor: float) -> None:
    floor = float(stl_bounds.get(THM1).evaluate(i=0, **params).value)  # B_0 = sup_i B_i at lam = 1
    target = floor * factor
    r = min_lambda(THM1, target, horizon=horizon, **params)
    assert r.achieved <= target
    assert sup_over_generations(THM1, horizon=horizon, lam=r.value, **params) <= target
    if horizon is not None:
        assert sup_by_registry(THM1, horizon, lam=r.value, **params) <= target
        below = np.linspace(0.0, max(r.value - 1e-6, 0.0), 200)
        if r.value > 1e-6:  # every smaller lam on a grid is infeasible
            values = stl_bounds.get(THM1).evaluate(lam=below[:, None], i=np.arange(horizon + 1.0)[None, :], **params)
            assert np.all(values.value.max(axis=1) > target)
    if r.value > 1e-7:
        assert sup_over_generations(THM1, horizon=horizon, lam=r.value - 1e-7, **params) > target


@settings(max_examples=20)
@given(params=thm1_params, horizon=st.sampled_from([0, 3, 30]), factor=st.floats(1.001, 3.0))
def test_limit_answer_is_at_least_the_horizon_answer(params: dict, horizon: int, factor: float) -> None:
    target = float(stl_bounds.get(THM1).evaluate(i=0, **params).value) * factor
    finite = min_lambda(THM1, target, horizon=horizon, **params)
    limit = min_lambda(THM1, target, **params)
    assert limit.value >= finite.value - 1e-12


def test_min_lambda_amplified_generator_needs_more_than_threshold() -> None:
    """With κ = 2 the limit is finite only for λ > 1 − 1/κ = 1/2 (C4)."""
    r = min_lambda(THM1, 0.5, kappa=2.0)
    assert r.value > 0.5
    assert sup_over_generations(THM1, lam=0.5, kappa=2.0) == math.inf


def test_min_lambda_survives_float_overflow() -> None:
    """κ = 1e3 over 300 generations overflows float64 for small λ: those points count as infeasible."""
    r = min_lambda(THM1, 0.5, horizon=300, kappa=1e3)
    assert abs(r.value - (1 - 1e-3)) < 1e-3  # near λ* = 1 − 1/κ: ρ slightly above 1 stays bounded over 300 steps
    assert sup_by_registry(THM1, 300, lam=r.value, kappa=1e3) <= 0.5


def test_min_lambda_target_met_without_real_data() -> None:
    r = min_lambda("lemma.shift", 5.0, horizon=10, eps=0.1)
    assert r.value == 0.0
    assert any("no real data" in note for note in r.notes)


def test_min_lambda_infeasible_message() -> None:
    with pytest.raises(stl_bounds.CalibrationError, match=r"no lam in \[0, 1\] reaches target 0.01 for fu2025.thm1"):
        min_lambda(THM1, 0.01)
    with pytest.raises(stl_bounds.CalibrationError, match="recursive_stability do not depend on lam at i = 0"):
        min_lambda(THM1, 0.12)  # below B_0 = 0.1302 at the defaults


# --- min_n ---------------------------------------------------------------------------------------
@settings(max_examples=20)
@given(
    eps=st.floats(0.0, 0.2),
    lam=st.floats(0.05, 1.0),
    kappa=st.floats(0.0, 1.0),
    horizon=st.sampled_from([None, 0, 5]),
    factor=st.floats(1.01, 3.0),
)
def test_min_n_is_safe_and_minimal(eps: float, lam: float, kappa: float, horizon: int | None, factor: float) -> None:
    params = {"eps": eps, "lam": lam, "kappa": kappa}
    floor = sup_over_generations(THM1, horizon=horizon, n=1e9, **params)
    assume(math.isfinite(floor))
    target = floor * factor
    r = min_n(THM1, target, horizon=horizon, **params)
    assert r.value == int(r.value) >= 1
    assert r.achieved <= target
    if horizon is not None:
        assert sup_by_registry(THM1, horizon, n=r.value, **params) <= target
    if r.value > 1:
        assert sup_over_generations(THM1, horizon=horizon, n=r.value - 1, **params) > target
    if horizon is not None:  # the limit problem is harder: infeasible, or a larger n
        try:
            assert min_n(THM1, target, **params).value >= r.value
        except stl_bounds.CalibrationError:
            assert sup_over_generations(THM1, n=1e12, **params) > target


def test_min_n_without_generations() -> None:
    r = min_n("bkz2020.stability", 0.05)
    bound = stl_bounds.get("bkz2020.stability")
    assert bound.evaluate(n=r.value).value <= 0.05 < bound.evaluate(n=r.value - 1).value
    assert r.horizon is None and r.params["beta"] == pytest.approx(1 / r.value)


def test_min_n_with_synthetic_count() -> None:
    """n real + m synthetic: λ = n/(n+m) moves with n."""
    r = min_n(THM1, 0.3, m=500)
    assert r.params["m"] == 500 and r.params["lam"] == pytest.approx(r.value / (r.value + 500))
    assert r.achieved <= 0.3


def test_min_n_infeasible_because_of_the_shift_floor() -> None:
    # the shift term c1·M·(1−λ)·ε/(1−ρ) = 0.05 does not decrease with n
    with pytest.raises(stl_bounds.CalibrationError, match=r"no n in \[1, 1e\+12\] reaches target 0.01"):
        min_n(THM1, 0.01)


# --- best_lambda ---------------------------------------------------------------------------------
def test_best_lambda_interior_counterexample() -> None:
    """docs/theory.md §6.1 C3 with nβ > 2Mg: the minimizer over later generations is interior (λ° = 1/3 at ε = 0)."""
    r = best_lambda(THM1, eps=1e-4, g=0.25)
    assert r.target is None
    assert 0.3 < r.value < 0.37
    assert any("interior optimum" in note for note in r.notes)
    grid = np.linspace(0.0, 1.0, 101)
    values = [sup_over_generations(THM1, lam=x, eps=1e-4, g=0.25) for x in grid]
    assert r.achieved <= min(values) * (1 + 1e-12)


def test_best_lambda_at_the_edge_for_defaults() -> None:
    r = best_lambda(THM1)
    assert r.value == 1.0
    assert any("edge" in note for note in r.notes)
    assert r.achieved == pytest.approx(float(stl_bounds.get(THM1).evaluate(i=0).value))


def test_best_lambda_finite_horizon_prefers_no_real_data() -> None:
    """Over 5 generations with a tiny ε the template favours λ = 0 (the √(λn) term vanishes)."""
    r = best_lambda(THM1, horizon=5, eps=1e-3)
    assert r.value == 0.0
    assert sup_by_registry(THM1, 5, lam=0.0, eps=1e-3) == pytest.approx(r.achieved)


# --- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", [0.0, -1.0, math.nan, math.inf, "0.1", None, True])
def test_bad_target(target: object) -> None:
    with pytest.raises(stl_bounds.ParameterError, match="target must be a finite number > 0"):
        min_lambda(THM1, target)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: min_lambda("bkz2020.stability", 0.1), "has no parameter 'lam'"),
        (lambda: min_n("li2023.transformer_K", 0.1), "has no parameter 'n'"),
        (lambda: min_lambda(THM1, 0.2, lam=0.3), "lam is the calibrated quantity"),
        (lambda: min_lambda(THM1, 0.2, m=10), "m fixes lam"),
        (lambda: min_n(THM1, 0.2, n=10), "n is the calibrated quantity"),
        (lambda: min_lambda(THM1, 0.2, i=3), "pass horizon=G"),
        (lambda: min_lambda(THM1, 0.2, horizon=-1), "horizon must be an integer >= 0"),
        (lambda: min_lambda(THM1, 0.2, horizon=2.5), "horizon must be an integer >= 0"),
        (lambda: min_lambda(THM1, 0.2, horizon=True), "horizon must be an integer >= 0"),
        (lambda: min_n("bkz2020.stability", 0.2, horizon=3), "horizon must be None"),
        (lambda: min_lambda(THM1, 0.2, eps=[0.1, 0.2]), "scalar parameters"),
        (lambda: min_lambda(THM1, 0.2, eps=1.5), r"eps must be \[0, 1\]; got 1.5"),
        (lambda: min_lambda(THM1, 0.2, foo=1), "unknown parameter 'foo'"),
        (lambda: min_n(THM1, 0.2, n_max=math.inf), "n_max must be a finite number"),
        (lambda: best_lambda(THM1, lam=0.5), "lam is the calibrated quantity"),
    ],
)
def test_parameter_errors(call: object, match: str) -> None:
    with pytest.raises(stl_bounds.ParameterError, match=match):
        call()  # type: ignore[operator]


def test_unknown_id() -> None:
    with pytest.raises(stl_bounds.UnknownIdError):
        min_lambda("fu2025.thm9", 0.1)


def test_divergence_is_encoded_for_json() -> None:
    assert sup_over_generations(THM1, kappa=3.0) == math.inf
    r = Calibration(THM1, "lam", 0.0, None, math.inf, None, {}, "grid", ())
    assert json.loads(json.dumps(r.to_dict(), allow_nan=False))["achieved"] == "inf"


def test_import_does_not_load_scipy_optimize() -> None:
    code = (
        "import sys, stl_bounds, stl_bounds.calibration, stl_bounds.claims; "
        "stl_bounds.get('fu2025.thm1'); "
        "bad = [m for m in ('scipy.optimize', 'matplotlib', 'torch') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- joint constraints and limits sympy cannot take ------------------------------------------------
@pytest.fixture
def lattice_bound(monkeypatch: pytest.MonkeyPatch) -> str:
    """A bound 1/(1 + λn) whose constraint allows only λn integer (as docs/theory.md §5.2 loops do), registered
    for the duration of one test."""
    from stl_bounds.bound import Bound, Citation, Constraint
    from stl_bounds.parameters import param, symbol
    from stl_bounds.registry import _REGISTRY

    lam, n = symbol("lam"), symbol("n")
    bound = Bound(
        id="test.lattice",
        title="test bound with a lattice constraint",
        citation=Citation("test", "test", "docs/theory.md §4.5"),
        fidelity="exact",
        assumptions=(),
        parameters=(param("lam", 0.5), param("n", 20)),
        terms=(("value", 1 / (1 + lam * n)),),
        constraints=(Constraint(sp.Eq(lam * n, sp.floor(lam * n)), "lam*n must be an integer"),),
    )
    stl_bounds.list_ids()
    monkeypatch.setitem(_REGISTRY, bound.id, bound)
    return bound.id


@pytest.mark.parametrize("target", [0.9, 0.3, 0.1, 0.05])
def test_min_lambda_on_a_lattice_is_exact(lattice_bound: str, target: float) -> None:
    r = min_lambda(lattice_bound, target)
    k = math.ceil(1 / target - 1 - 1e-12)  # smallest integer k = λn with 1/(1 + k) <= t
    assert r.value == pytest.approx(k / 20, abs=1e-15)
    assert "scan of the 21 values lam = k/n, k = 0..n" in r.method and r.achieved <= target  # n = 20
    assert best_lambda(lattice_bound).value == 1.0


def test_min_n_rejects_gaps_in_the_allowed_n(lattice_bound: str) -> None:
    with pytest.raises(stl_bounds.CalibrationError, match="reject n=3 but allow n=2: min_n needs every n"):
        min_n(lattice_bound, 0.1)
    assert min_n(lattice_bound, 0.1, lam=1.0).value == 9.0  # λ = 1: every n allowed, 1/(1 + n) <= 0.1


def test_limit_that_sympy_cannot_take(monkeypatch: pytest.MonkeyPatch) -> None:
    import stl_bounds.calibration as calibration

    def refuse(*args: object) -> None:
        raise NotImplementedError("no closed form")

    monkeypatch.setattr(calibration, "generations_limit", refuse)
    calibration._limit_function.cache_clear()
    try:
        with pytest.raises(stl_bounds.CalibrationError, match="pass a finite horizon"):
            min_lambda(THM1, 0.2, eps=0.01)
        assert min_lambda(THM1, 0.2, eps=0.01, horizon=10).achieved <= 0.2
    finally:
        calibration._limit_function.cache_clear()


# --- what an answer states: fields, notes, counts, the safe-side fallback ---------------------------------------
def test_to_dict_carries_every_field_of_the_answer() -> None:
    r = min_lambda(THM1, 0.2)
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert set(d) == {"bound_id", "quantity", "value", "target", "achieved", "horizon", "params", "method", "notes",
                      "counts", "trivial_at", "vacuous", "goal"}  # fmt: skip
    assert d["quantity"] == "lam" and d["method"] == r.method and d["notes"] == list(r.notes)
    assert d["params"] == pytest.approx(r.params) and d["counts"]["real_min"] == r.counts.real


def test_the_limit_uses_a_shift_the_user_sets() -> None:
    """With ``shift`` set, B_i (i >= 1) moves with i only through γ_i = g·geom(ρ, i)/n, which has converged at
    i = 2000 (ρ = 1/2): sup over all i is that value, not the limit with L4's default shift ε/(1 − ρ) = 0.1."""
    assert sup_over_generations(THM1, shift=0.02) == pytest.approx(sup_by_registry(THM1, 2000, shift=0.02), rel=1e-9)


def test_sup_over_generations_checks_the_horizon() -> None:
    for horizon in (-1, 2.5, True):
        with pytest.raises(stl_bounds.ParameterError, match=rf"horizon must be an integer >= 0 or None; got {horizon}"):
            sup_over_generations(THM1, horizon=horizon)  # type: ignore[arg-type]
    with pytest.raises(stl_bounds.ParameterError, match="has no generation index, so horizon must be None; got 3"):
        sup_over_generations("bkz2020.stability", horizon=3)


def test_min_n_accepts_n_max_at_the_smallest_n() -> None:
    r = min_n(THM1, 10.0, n_max=1)
    assert r.value == 1.0 and r.achieved <= 10.0 and "[1, 1]" in r.method


def test_counts_and_notes_over_a_finite_horizon() -> None:
    """Each count is checked over the same generations i = 0..G as λ, and the rounding note names the printed λ."""
    r = min_lambda(THM1, 0.2, horizon=3, n=2000)
    c = r.counts
    assert c is not None and c.m_max is not None and c.m_achieved is not None
    assert sup_by_registry(THM1, 3, n=2000, lam=c.real / 2000) == c.achieved <= 0.2
    assert sup_by_registry(THM1, 3, n=2000, lam=(c.real - 1) / 2000) > 0.2
    assert sup_by_registry(THM1, 3, n=2000, m=c.m_max) == c.m_achieved <= 0.2
    assert sup_by_registry(THM1, 3, n=2000, m=c.m_max + 1) > 0.2
    assert r.notes[-1].endswith(
        f" rounded up to {r.value!r} ({ANSWER_DIGITS} significant digits) "
        "and evaluated again there: the printed value meets the target"
    )


def test_best_lambda_notes_name_the_horizon_and_the_interior_optimum() -> None:
    assert best_lambda(THM1, horizon=5, eps=1e-3).notes[0] == "sup over the generations i = 0..5, every one evaluated"
    interior = best_lambda(THM1, eps=1e-4, g=0.25)
    assert "interior optimum: sup_i B_i is not monotone in lam (docs/theory.md §6.1 C3)" in interior.notes


def test_safe_crossing_keeps_a_feasible_root_and_moves_an_infeasible_one_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """f = 1 − x crosses the target 1/2 at x = 1/2 exactly; a root brentq puts just below it (within its tolerance)
    is infeasible and moved up by bisection; a failing brentq leaves bisection on the whole bracket."""
    import scipy.optimize

    from stl_bounds.calibration import LAM_XTOL, _safe_crossing

    def f(x: float) -> float:
        return 1.0 - x

    assert _safe_crossing(f, 0.0, 1.0, 0.5) == (0.5, "brentq on [0, 1]", [])
    monkeypatch.setattr(scipy.optimize, "brentq", lambda *args, **kwargs: 0.5 - 1e-9)
    value, method, notes = _safe_crossing(f, 0.0, 1.0, 0.5)
    assert 0.5 <= value <= 0.5 + LAM_XTOL and method == "brentq on [0, 1] + bisection"
    assert notes == [f"brentq's root {0.5 - 1e-9:.15g} was infeasible; moved up to the safe side by bisection"]

    def fail(*args: object, **kwargs: object) -> float:
        raise RuntimeError("no convergence")

    monkeypatch.setattr(scipy.optimize, "brentq", fail)
    value, method, notes = _safe_crossing(f, 0.0, 1.0, 0.5)
    assert 0.5 <= value <= 0.5 + LAM_XTOL and method == "bisection on [0, 1]"
    assert notes == ["brentq failed (no convergence); bisection used"]
