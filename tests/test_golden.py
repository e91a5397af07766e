"""Every registered id against golden values computed independently of the registry (tests/golden.py).

float64 must agree to 1e-12 and the mpmath path (``precision="mp"``, 50 digits) to 1e-25, the value and
every term, at 2-5 points per id.  A new id fails ``test_every_registered_id_has_golden_values`` until it
brings golden values of its own.
"""

from __future__ import annotations

import math

import mpmath
import pytest
from golden import DPS, GOLDEN, expected_terms
from mpmath import mpf

import stl_bounds

CASES = [(bound_id, j) for bound_id, (_, points) in GOLDEN.items() for j in range(len(points))]


def _mismatch(got: object, want: mpf, rtol: float) -> str | None:
    """None when ``got`` is within ``rtol`` (relative) of ``want``; exact agreement is required at 0."""
    with mpmath.workdps(DPS):
        got = mpf(got)
        if (want == 0 and got == 0) or abs(got - want) <= rtol * abs(want):
            return None
        return f"got {mpmath.nstr(got, 20)}, golden {mpmath.nstr(want, 20)}"


def _compare(bound_id: str, j: int, precision: str, rtol: float) -> list[str]:
    point = GOLDEN[bound_id][1][j]
    golden = expected_terms(bound_id, point)
    result = stl_bounds.get(bound_id).evaluate(precision=precision, **point)
    problems = []
    if set(result.terms) != set(golden):
        problems.append(f"terms {sorted(result.terms)} != golden {sorted(golden)}")
    for name, want in golden.items():
        if name in result.terms and (why := _mismatch(result.terms[name], want, rtol)):
            problems.append(f"term {name}: {why}")
    with mpmath.workdps(DPS):
        total = mpmath.fsum(golden.values())
    if why := _mismatch(result.value, total, rtol):
        problems.append(f"value: {why}")
    return [f"{bound_id} at {point} ({precision}): {p}" for p in problems]


def test_every_registered_id_has_golden_values() -> None:
    ids = set(stl_bounds.list_ids())
    assert not ids - set(GOLDEN), f"registered ids without golden values: {sorted(ids - set(GOLDEN))}"
    assert not set(GOLDEN) - ids, f"golden values for unregistered ids: {sorted(set(GOLDEN) - ids)}"


@pytest.mark.parametrize("bound_id", sorted(GOLDEN))
def test_golden_points_move_every_parameter(bound_id: str) -> None:
    """At least two points, and each parameter away from its default at one of them (so a mutated
    constant, exponent or default in any parameter's role changes some golden value)."""
    bound = stl_bounds.get(bound_id)
    points = GOLDEN[bound_id][1]
    assert len(points) >= 2
    for p in bound.parameters:
        default = None if p.default is None or p.default.free_symbols else float(p.default)
        moved = [pt for pt in points if p.name in pt and pt[p.name] != default]
        assert moved, f"{bound_id}: no golden point moves {p.name} off its default {p.default}"


@pytest.mark.parametrize(("bound_id", "j"), CASES)
def test_float64_matches_golden(bound_id: str, j: int) -> None:
    problems = _compare(bound_id, j, "float64", 1e-12)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("bound_id", "j"), CASES)
def test_mp_matches_golden(bound_id: str, j: int) -> None:
    problems = _compare(bound_id, j, "mp", 1e-25)
    assert not problems, "\n".join(problems)


def test_comparison_names_a_wrong_term() -> None:
    """Negative control: a golden comparison against a bound whose term is off by 1e-9 fails and names it."""
    point = GOLDEN["bousquet2002.stability"][1][0]
    golden = expected_terms("bousquet2002.stability", point)
    assert _mismatch(golden["concentration"] * (1 + mpf("1e-9")), golden["concentration"], 1e-12)
    assert _mismatch(golden["concentration"] * (1 + mpf("1e-14")), golden["concentration"], 1e-12) is None
    assert _mismatch(mpf("1e-300"), mpf(0), 1e-12)


# --- numbers by hand or from the papers ------------------------------------------------------------------------


def test_w_opt_at_k_one_is_the_golden_ratio_conjugate() -> None:
    """He, Xu, Cheng 2025 (docs/theory.md §5.4): w*(1) = 1/φ = 0.6180339887..."""
    r = stl_bounds.get("gauss.weighted.w_opt").evaluate(k=1.0)
    assert r.value == pytest.approx(2 / (1 + math.sqrt(5)), rel=1e-15)
    assert r.value == pytest.approx(0.6180339887498949, rel=1e-15)


def _stationary_error(k: float, w: mpf) -> mpf:
    """The golden V_∞ of docs/theory.md §5.4 at σ = n = 1."""
    point = {"sigma": 1.0, "n": 1.0, "k": k, "w": w}
    return expected_terms("gauss.weighted.stationary_mean_sq_err", point)["stationary_mean_sq_err"]


@pytest.mark.parametrize("k", [0.25, 1.0, 4.0])
def test_w_opt_minimizes_the_stationary_error(k: float) -> None:
    """w* is the root of dV_∞/dw (mpmath's numeric derivative of the golden V_∞), and a minimum."""
    with mpmath.workdps(DPS):
        root = mpmath.findroot(lambda w: mpmath.diff(lambda x: _stationary_error(k, x), w), 0.5)
        assert mpmath.diff(lambda x: _stationary_error(k, x), root, 2) > 0
    got = stl_bounds.get("gauss.weighted.w_opt").evaluate(k=k).value
    assert got == pytest.approx(float(root), rel=1e-12)


@pytest.mark.parametrize("n", [2.0, 10.0, 1000.0])
def test_accumulate_variance_tends_to_the_sine_ratio(n: float) -> None:
    """docs/theory.md §5.3: ∏_{k≥1}(1 − 1/(k²n)) = sin(π/√n)/(π/√n) (Euler's product for the sine);
    the factors after t = 10¹² change it by a relative O(1/(nt))."""
    x = math.pi / math.sqrt(n)
    r = stl_bounds.get("gauss.accumulate.mle.var").evaluate(sigma=1.0, n=n, t=1e12)
    assert r.value == pytest.approx(math.sin(x) / x, rel=1e-11)
    bound = stl_bounds.get("gauss.accumulate.mle.mean_sq_err").evaluate(sigma=1.0, n=n, t=1e12).value
    assert bound == pytest.approx(1 - math.sin(x) / x, rel=1e-10)
    assert bound <= math.pi**2 / (6 * n)  # docs/theory.md §5.3: E‖μ̂_t − μ‖² ≤ (π²/6) tr Σ/n


def test_optimal_m_minimizes_the_objective() -> None:
    """The two §4.3 ids agree: the objective at λ = n/(n + m*) is below its value one point either side."""
    point = GOLDEN["fu2025.optimal_m"][1][0]
    m_star = stl_bounds.get("fu2025.optimal_m").evaluate(**point).value
    objective = stl_bounds.get("fu2025.synthetic_size_objective")
    n = point["n"]
    common = {k: point[k] for k in ("n", "a", "delta", "c1", "c3")}
    at = [objective.evaluate(**common, lam=n / (n + m)).value for m in (m_star - 1, m_star, m_star + 1)]
    assert at[1] < at[0] and at[1] < at[2]


def test_lsa_optimum_is_below_averaging_and_the_zero_predictor() -> None:
    """docs/theory.md §5.6: the optimal step beats the step γ = 1 and γ = 0 (risk d)."""
    for point in GOLDEN["icl.lsa_opt.risk"][1]:
        opt = stl_bounds.get("icl.lsa_opt.risk").evaluate(**point).value
        assert opt < stl_bounds.get("icl.averaging.risk").evaluate(**point).value
        assert opt < point["d"]
