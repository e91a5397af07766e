"""Claims C1-C6 of docs/theory.md §6.1: the checks pass, and targeted tests that could fail independently."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import stl_bounds
from stl_bounds.claims import CLAIM_IDS, MONTE_CARLO_CLAIM_IDS, ClaimCheck, _sign_for_n_at_least, check_all, check_claim
from stl_bounds.library.fu2025 import solve_optimal_m
from stl_bounds.parameters import symbol

THM1 = "fu2025.thm1"


@pytest.fixture(scope="module")
def checks() -> list[ClaimCheck]:
    return check_all()


def test_every_claim_passes(checks: list[ClaimCheck]) -> None:
    assert list(CLAIM_IDS) == ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"] and MONTE_CARLO_CLAIM_IDS == ("C7",)
    assert [c.claim_id for c in checks] == ["C1", "C2", "C3", "C4", "C5", "C6", "C8"]  # C7 only when asked
    for c in checks:
        assert c.symbolic_ok, f"{c.claim_id} symbolic: {c.symbolic_detail}"
        assert c.numeric_ok, f"{c.claim_id} numeric: {c.numeric_detail}"
        assert c.passed
        assert c.theory == f"docs/theory.md §6.1 {c.claim_id}"
        assert c.bound_ids and all(b in stl_bounds.list_ids() for b in c.bound_ids)
        assert "\n" not in c.statement
        assert "200 random points" in c.numeric_detail


def test_to_dict_is_json(checks: list[ClaimCheck]) -> None:
    for c in checks:
        d = json.loads(json.dumps(c.to_dict(), allow_nan=False))
        assert d["claim_id"] == c.claim_id and d["passed"] is True and d["bound_ids"] == list(c.bound_ids)


def test_details_name_what_was_established(checks: list[ClaimCheck]) -> None:
    by_id = {c.claim_id: c for c in checks}
    assert "limit_in_generations()" in by_id["C1"].symbolic_detail
    assert "(kappa - 1)/kappa" in by_id["C4"].symbolic_detail
    assert "λ° = M*g/(-M*g + b)" in by_id["C3"].symbolic_detail
    assert "interior" in by_id["C3"].numeric_detail
    assert "m* = -n*(-C + 2*a*c_1)/(a*c_1)" in by_id["C6"].symbolic_detail
    c4 = by_id["C4"]  # the settings, then one account per bound, each after "; "
    assert "per bound with λ ∈ [0, 1), κ ∈ [1e-3, 3], ε ≥ 1e-3, c1 ≥ 0.1; " in c4.numeric_detail
    assert all(f"; {b}: regime reported by the registry" in c4.numeric_detail for b in c4.bound_ids)


def test_c8_details_account_for_every_loop_and_name_the_campaigns() -> None:
    c8 = check_claim("C8")  # not the module's `checks`: run here, so that mutation testing selects this test
    draws = re.search(r"cat\.replace\.diversity non-increasing and → 0 on (\d+)/(\d+)", c8.numeric_detail)
    assert draws is not None and draws[1] == draws[2]
    for bound_id in ("cat.accumulate.diversity", "cat.accumulate_subsample.diversity"):  # one account each, "; "-led
        assert f"; {bound_id} non-increasing, bounded below by H0(1 − 1/n)²/2 on {draws[2]}/{draws[2]}" in (
            c8.numeric_detail
        )
    campaigns = (
        "Monte Carlo side: the campaigns categorical_loops and kde_loops "
        "(`stl-bounds verify categorical_loops kde_loops`)"
    )
    assert c8.numeric_detail.endswith(campaigns) and c8.symbolic_detail.endswith(campaigns)


def test_c3_c4_details_computed_here() -> None:
    """C3 and C4 run here, not read from the module's `checks`, so that mutation testing selects this test."""
    c3 = check_claim("C3", draws=20)
    signs = "stability: d/dn ≤ 0 (log(n) - 1 ≥ 0 on Interval(E, oo)), sampling: d/dn ≤ 0, recursive_stability"
    assert signs in c3.symbolic_detail  # log n ≥ 1 exactly from n = e on: a closed interval
    counterexamples = re.search(
        r"the total B_i is not monotone in λ at some i ≥ 1 on (\d+) of 20 points", c3.numeric_detail
    )
    assert counterexamples is not None and int(counterexamples[1]) > 0  # the λ grid is read at generations i ≥ 1
    c4 = check_claim("C4", draws=20)  # the settings, then one account per bound, each after "; "
    assert "per bound with λ ∈ [0, 1), κ ∈ [1e-3, 3], ε ≥ 1e-3, c1 ≥ 0.1; fu2025.thm1: regime" in c4.numeric_detail
    assert "non-convergent; lemma.amplified_shift: regime reported by the registry" in c4.numeric_detail


@pytest.mark.parametrize(
    ("derivative", "n0", "sign", "thresholds"),
    [
        (sp.Integer(0), 3, 0, []),
        (-1 / symbol("n") ** 2, 3, -1, []),  # signed by sympy's assumptions alone
        (sp.log(symbol("n")) - 1, 3, 1, ["log(n) - 1 ≥ 0 on Interval(E, oo)"]),  # log n ≥ 1 iff n ≥ e
        (1 - sp.log(symbol("n")), 3, -1, ["1 - log(n) ≤ 0 on Interval(E, oo)"]),
        (2 - sp.sqrt(symbol("n")), 3, None, []),  # changes sign at n = 4
        (2 - sp.sqrt(symbol("n")), 4, -1, ["2 - sqrt(n) ≤ 0 on Interval(4, oo)"]),  # ... and is ≤ 0 from n = 4 on
    ],
)
def test_sign_for_n_at_least(derivative: sp.Expr, n0: int, sign: int | None, thresholds: list[str]) -> None:
    """C3's sign of d/dn for n ≥ n0: −1, 0, +1 or None, with the solved regions (closed where the factor is 0)."""
    assert _sign_for_n_at_least(derivative, n0) == (sign, thresholds)


def test_sign_for_n_at_least_reports_what_sympy_cannot_solve() -> None:
    """A factor in n alone that ``solve_univariate_inequality`` cannot handle leaves the sign unshown (C3 then
    fails on it) instead of raising NotImplementedError out of the claim."""
    n = symbol("n")
    sign, thresholds = _sign_for_n_at_least(n * sp.exp(-n) - sp.Rational(1, 10) + sp.log(n) / n**3, 3)
    assert sign is None and thresholds == [
        "the sign of 10*n**4 - n**3*exp(n) + 10*exp(n)*log(n) for n ≥ 3 is beyond sympy's solver"
    ]


def test_seed_and_draws_are_used() -> None:
    a, b, c = (
        check_claim("C4", seed=3, draws=50),
        check_claim("C4", seed=3, draws=50),
        check_claim("C4", seed=4, draws=50),
    )
    assert a == b
    assert a.numeric_detail != c.numeric_detail
    assert "50 random points" in a.numeric_detail and a.passed and c.passed


def test_unknown_claim_and_bad_arguments() -> None:
    with pytest.raises(stl_bounds.UnknownIdError, match="unknown claim id 'C9'; known: C1, C2, C3, C4, C5, C6, C7, C8"):
        check_claim("C9")
    with pytest.raises(stl_bounds.ParameterError, match="draws must be an integer >= 2; got 0"):
        check_claim("C1", draws=0)
    with pytest.raises(stl_bounds.ParameterError, match="seed must be an integer >= 0"):
        check_claim("C1", seed=-1)


# --- C7: the Monte Carlo claim ----------------------------------------------------------------------
def test_c7_passes_on_the_real_campaign() -> None:
    """check_claim("C7") runs the campaign `claims` (quick, seeded) and the symbolic part on the closed forms."""
    c = check_claim("C7", seed=0)
    assert c.passed, f"{c.symbolic_detail}\n{c.numeric_detail}"
    assert c.theory == "docs/theory.md §6.1 C7" and "\n" not in c.statement
    assert set(c.bound_ids) <= set(stl_bounds.list_ids()) and "regression.accumulate.test_err" in c.bound_ids
    assert "lim_t E_t / E_1 = pi**2/6" in c.symbolic_detail and "Monte Carlo only" in c.symbolic_detail
    assert "stl-bounds verify claims --seed 0" in c.numeric_detail and "quick mode, seed 0" in c.numeric_detail
    assert (
        "collapse of Gaussian replace, linear growth of Gaussian and regression replace, boundedness of "
        "fresh/reused/accumulate/weighted/mixed (with replace as a control" in c.numeric_detail
    )
    passed, total = re.search(r"(\d+)/(\d+) checks pass", c.numeric_detail).groups()
    assert passed == total and int(total) > 10


def test_check_all_runs_c7_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import stl_bounds.claims as claims

    asked: list[tuple[str, int, int]] = []
    monkeypatch.setattr(claims, "check_claim", lambda c, *, seed, draws: asked.append((c, seed, draws)) or c)
    assert claims.check_all(seed=3, draws=7) == ["C1", "C2", "C3", "C4", "C5", "C6", "C8"]
    assert claims.check_all(monte_carlo=True)[-2:] == ["C7", "C8"]
    assert asked[0] == ("C1", 3, 7) and asked[-2] == ("C7", 0, 200)


def test_cli_claims_says_where_c7_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    from stl_bounds.cli import main

    assert main(["claims", "--draws", "20"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "7 of 7 claims pass"
    assert "C7" in out[-1] and "`stl-bounds verify claims`" in out[-1] and 'check_claim("C7")' in out[-1]
    assert main(["claims", "--draws", "20", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert [c["claim_id"] for c in json.loads(captured.out)] == ["C1", "C2", "C3", "C4", "C5", "C6", "C8"]
    assert "`stl-bounds verify claims`" in captured.err.splitlines()[-1]


def test_cli_claims_takes_claim_ids(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`stl-bounds claims C7 C1` checks exactly those (C7 included when named), and an unknown id exits 2."""
    from stl_bounds import claims
    from stl_bounds.cli import main

    real = claims.check_claim
    asked: list[str] = []

    def fake(c: str, *, seed: int, draws: int) -> claims.ClaimCheck:
        asked.append(c)
        return real("C1", seed=seed, draws=draws)

    monkeypatch.setattr(claims, "check_claim", fake)
    assert main(["claims", "C7", "C1", "C7", "--draws", "10"]) == 0
    assert asked == ["C7", "C1"]
    assert "Monte Carlo claim, not checked here" not in capsys.readouterr().out
    assert main(["claims", "C9"]) == 2
    assert "unknown claim 'C9'" in capsys.readouterr().err
    assert main(["claims", "--draws", "1"]) == 2


# --- C1: the limit, independently -----------------------------------------------------------------
@functools.cache
def thm1_limit() -> Callable[..., float]:
    bound = stl_bounds.get(THM1)
    lim = bound.limit_in_generations()
    return sp.lambdify([p.symbol for p in bound.parameters], lim, modules="mpmath")


@settings(max_examples=30)
@given(lam=st.floats(0.01, 1.0), rho_fraction=st.floats(0.0, 0.99), eps=st.floats(0.0, 1.0), n=st.integers(2, 10**6))
def test_c1_limit_matches_far_generations(lam: float, rho_fraction: float, eps: float, n: int) -> None:
    """lim_i B_i from sympy (evaluated in mpmath) equals B_i at i = 10^6 when ρ ≤ 0.99, and bounds every B_i."""
    bound = stl_bounds.get(THM1)
    kappa = rho_fraction / (1 - lam) if lam < 1 else 1.0
    params = {"lam": lam, "kappa": kappa, "eps": eps, "n": float(n)}
    resolved = bound.check(**params, i=1)
    with mpmath.workdps(40):
        expected = float(thm1_limit()(*(mpmath.mpf(resolved[p.name]) for p in bound.parameters)))
    values = bound.evaluate(i=np.array([1, 10, 100, 10**6]), **params).value
    assert values[-1] == pytest.approx(expected, rel=1e-10)
    assert np.all(values <= expected * (1 + 1e-10))


# --- C2: collapse, independently -------------------------------------------------------------------
def test_c2_linear_and_geometric_growth() -> None:
    bound = stl_bounds.get(THM1)
    i = np.arange(1.0, 40.0)
    linear = bound.evaluate(lam=0.0, kappa=1.0, eps=0.1, i=i).value
    assert np.allclose(np.diff(linear), 0.1, rtol=1e-12)  # c1·M·ε per generation
    geometric = bound.evaluate(lam=0.0, kappa=1.5, eps=0.1, i=i).value
    steps = np.diff(geometric)
    assert np.allclose(steps[1:] / steps[:-1], 1.5, rtol=1e-12)
    converging = bound.evaluate(lam=0.0, kappa=0.5, eps=0.1, i=np.array([10.0, 10.0**6])).value
    assert converging[1] == pytest.approx(float(bound.evaluate(lam=0.0, kappa=0.5, eps=0.1, i=1).value) + 0.1)


# --- C3: monotonicity and the counterexample -------------------------------------------------------
def test_c3_counterexample_total_not_monotone_in_lambda() -> None:
    """At the defaults, B_1 rises then falls in λ; with nβ > 2Mg the limit has an interior minimum."""
    bound = stl_bounds.get(THM1)
    lam = np.linspace(0.0, 1.0, 201)
    b1 = bound.evaluate(lam=lam, i=1).value
    steps = np.diff(b1)
    assert np.any(steps > 0) and np.any(steps < 0)
    far = bound.evaluate(lam=lam[1:], i=10**9, eps=0.0, g=0.25).value  # b = nβ = 1 > 2Mg = 0.5
    k = int(np.argmin(far))
    assert 0 < k < far.size - 1
    assert lam[1:][k] == pytest.approx(1 / 3, abs=0.01)  # λ° = Mg/(b − Mg)


def test_c3_limit_monotone_at_the_defaults() -> None:
    """The docs/theory.md §6.1 remark 'the minimizing λ can be interior when ε is small' needs nβ > 2Mg."""
    bound = stl_bounds.get(THM1)
    lam = np.linspace(0.01, 1.0, 200)
    for eps in (0.0, 1e-4, 0.05):
        far = bound.evaluate(lam=lam, i=10**9, eps=eps).value
        assert np.all(np.diff(far) <= 1e-15)


def test_c3_stability_term_rises_below_e() -> None:
    """β_n log(n)/... = log(n)/n grows from n = 2 to n = 3: 'non-increasing in n' needs n ≥ 3 (n ≥ e)."""
    stability = stl_bounds.get(THM1).evaluate(n=np.array([2.0, 3.0, 4.0]), i=1).terms["stability"]
    assert stability[1] > stability[0] and stability[2] < stability[1]


# --- C4: the threshold at specific κ --------------------------------------------------------------------
@pytest.mark.parametrize("kappa", [1.25, 1.5, 2.0, 3.0, 10.0])
def test_c4_threshold(kappa: float) -> None:
    bound = stl_bounds.get(THM1)
    (threshold,) = sp.solve(sp.Eq(bound.growth_rate.subs(symbol("kappa"), kappa), 1), symbol("lam"))
    lam_star = 1 - 1 / kappa
    assert float(threshold) == pytest.approx(lam_star, rel=1e-14)
    regimes = bound.evaluate(lam=np.array([lam_star - 1e-6, lam_star + 1e-6]), kappa=kappa).regime
    assert list(regimes) == ["collapses", "converges"]
    i = np.arange(0.0, 400.0)
    above = bound.evaluate(lam=lam_star + 0.05, kappa=kappa, i=i).value
    below = bound.evaluate(lam=lam_star - 0.05, kappa=kappa, i=i).value
    assert above[-1] - above[-2] < 1e-12 * above[-1]  # converged
    assert below[-1] > 1e3 * below[1]  # geometric blow-up


@pytest.mark.parametrize("kappa", [0.0, 0.5, 1.0])
def test_c4_no_threshold_below_one(kappa: float) -> None:
    regime = stl_bounds.get(THM1).evaluate(lam=1e-9, kappa=kappa).regime
    assert regime == "converges"


# --- C5: thm2 -----------------------------------------------------------------------------------------------
def test_c5_rate_in_n_and_depth() -> None:
    bound = stl_bounds.get("fu2025.thm2")
    n = 10.0 ** np.arange(2, 9)
    i = np.array([[0.0, 1.0, 10.0, 10.0**6]])
    terms = bound.evaluate(n=n[:, None], i=i, lam=0.3).terms
    stability = sum(terms[t] for t in ("stability", "sampling", "recursive_stability")).max(axis=1)
    scaled = stability * np.sqrt(n)
    assert np.all(np.diff(scaled[2:]) < 0.1 * scaled[2:-1])  # √n·(stability terms) levels off
    assert np.max(terms["shift"]) <= 1 * 1 * 0.7 * 0.05 / 0.3 * (1 + 1e-12)
    depth = [float(bound.evaluate(D=d, i=0).terms["stability"]) for d in (1, 2, 3)]
    assert depth[2] / depth[1] == pytest.approx(depth[1] / depth[0], rel=1e-9)  # ((1+Γ)e^Γ)^D


# --- C6: m* against an independent numeric minimizer ---------------------------------------------------
def objective_from_theory(m: float, n: float, a: float, delta: float, c1: float, c3: float) -> float:
    """docs/theory.md §4.3 typed here: B(m)/M = c1·(1−λ)·ε/λ + C/√N, N = n + m, λ = n/N, ε = a/√N."""
    N = n + m
    lam = n / N
    eps = a / math.sqrt(N)
    C = c3 * math.sqrt(math.log(1 / delta))
    return c1 * (1 - lam) * eps / lam + C / math.sqrt(N)


@pytest.mark.parametrize(
    "p",
    [
        {"n": 1000.0, "a": 0.5, "delta": 0.05, "c1": 1.0, "c3": 1.0},
        {"n": 50.0, "a": 0.1, "delta": 0.01, "c1": 2.0, "c3": 3.0},
        {"n": 1e5, "a": 0.05, "delta": 0.2, "c1": 0.5, "c3": 1.0},
        {"n": 300.0, "a": 2.0, "delta": 0.05, "c1": 1.0, "c3": 1.0},  # C ≤ 2·c1·a: m* = 0
    ],
)
def test_c6_m_star_is_the_numeric_minimizer(p: dict) -> None:
    from scipy.optimize import minimize_scalar

    m_star = float(stl_bounds.get("fu2025.optimal_m").evaluate(**p).value)
    upper = 100 * p["n"]
    numeric = minimize_scalar(
        lambda m: objective_from_theory(m, **p), bounds=(0.0, upper), method="bounded", options={"xatol": 1e-8 * upper}
    )
    assert m_star == pytest.approx(numeric.x, abs=1e-4 * p["n"])
    value = objective_from_theory(m_star, **p)
    assert value <= objective_from_theory(numeric.x, **p) * (1 + 1e-12)
    critical, _, _ = solve_optimal_m()
    C = p["c3"] * math.sqrt(math.log(1 / p["delta"]))
    names = {"n": p["n"], "a": p["a"], "c_1": p["c1"], "C": C}
    unclipped = float(critical.subs({s: names[s.name] for s in critical.free_symbols}))
    assert m_star == pytest.approx(max(unclipped, 0.0), rel=1e-12, abs=1e-9)
    assert (m_star > 0) == (C > 2 * p["c1"] * p["a"])
