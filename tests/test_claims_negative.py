"""Negative controls for the claims of docs/theory.md §6.1: each claim fails on a deliberately broken bound
(or a broken Monte Carlo summary, C7), and its failure message names what broke.

Every broken bound is ``dataclasses.replace`` of the registered one, passed to
``check_claim(..., bounds={id: broken})``; the registry itself is never changed.
The checks of a broken bound are computed once per module (module-scoped fixtures).
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sympy as sp

import stl_bounds
from stl_bounds.bound import Bound
from stl_bounds.claims import ClaimCheck, check_claim
from stl_bounds.parameters import symbol
from stl_bounds.registry import overriding
from stl_bounds.special import GeometricSum

THM1, THM2, K_ID, OPT_M, AMPLIFIED = (
    "fu2025.thm1",
    "fu2025.thm2",
    "li2023.transformer_K",
    "fu2025.optimal_m",
    "lemma.amplified_shift",
)
DRAWS = 60
lam, i, n, kappa, eps = (symbol(s) for s in ("lam", "i", "n", "kappa", "eps"))


# --- building broken bounds ---------------------------------------------------------------------------
def with_term(bound_id: str, name: str, change: Callable[[sp.Expr], sp.Expr], **fields: Any) -> Bound:
    """The registered bound with term ``name`` replaced by ``change(term)``."""
    bound = stl_bounds.get(bound_id)
    assert name in dict(bound.terms)
    terms = tuple((t, change(e) if t == name else e) for t, e in bound.terms)
    return dataclasses.replace(bound, terms=terms, **fields)


def with_default(bound_id: str, name: str, change: Callable[[sp.Expr], sp.Expr]) -> Bound:
    """The registered bound with the expression default of parameter ``name`` replaced by ``change(default)``."""
    bound = stl_bounds.get(bound_id)
    parameters = tuple(
        dataclasses.replace(p, default=change(p.default)) if p.name == name else p for p in bound.parameters
    )
    assert parameters != bound.parameters
    return dataclasses.replace(bound, parameters=parameters)


def failures(detail: str) -> str:
    """The ``FAILED: ...`` list at the head of a failing detail."""
    assert detail.startswith("FAILED: "), detail[:300]
    return detail.split(" | ", 1)[0]


def check(claim_id: str, broken: Bound) -> ClaimCheck:
    result = check_claim(claim_id, draws=DRAWS, bounds={broken.id: broken})
    assert not result.passed
    return result


# --- C1 converge ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def c1_wrong_limit() -> ClaimCheck:
    """A limit (the `limit` hook) that is twice the series: limit_in_generations() disagrees with B_i."""
    bound = stl_bounds.get(THM1)
    real = bound.limit_in_generations()
    broken = dataclasses.replace(bound, limit=lambda: 2 * real, notes=(*bound.notes, "broken: the limit doubled"))
    return check("C1", broken)


def test_c1_fails_on_a_limit_that_differs_from_the_series(c1_wrong_limit: ClaimCheck) -> None:
    symbolic = failures(c1_wrong_limit.symbolic_detail)
    assert "fu2025.thm1: limit_in_generations() equals the series closed form" in symbolic
    assert "finite" not in symbolic  # twice a finite limit is finite: only the equality breaks
    assert "fu2025.thm1: B_(10^12) equals limit_in_generations()" in failures(c1_wrong_limit.numeric_detail)


@pytest.fixture(scope="module")
def c1_overshoot() -> ClaimCheck:
    """The sampling term × (1 + min(1, i)/(i + 1)): 1.5× at i = 1, back to 1× in the limit (B_i not monotone)."""
    return check("C1", with_term(THM1, "sampling", lambda e: e * (1 + sp.Min(1, i) / (i + 1))))


def test_c1_fails_on_a_term_that_overshoots_its_limit(c1_overshoot: ClaimCheck) -> None:
    assert "fu2025.thm1: term sampling non-decreasing in i ≥ 1" in failures(c1_overshoot.symbolic_detail)
    for term in ("shift", "stability", "recursive_stability"):
        assert f"term {term} non-decreasing" not in failures(c1_overshoot.symbolic_detail)
    assert "fu2025.thm1: sup_i B_i ≤ max(B_0, limit)" in failures(c1_overshoot.numeric_detail)


@pytest.mark.parametrize(
    ("where", "region"),
    [
        ("κ > 1 (ρ = (1−λ)κ < 1 needs λ > 1 − 1/κ: the draws must reach κ up to 3)", kappa - 1),
        ("λ < 1e-3 (λ is drawn log-uniform down to 1e-6)", sp.Rational(1, 1000) - lam),
    ],
)
def test_c1_draws_reach_a_corner_where_a_term_overshoots(where: str, region: sp.Expr) -> None:
    """The sampling term × (1 + H(region)·min(1, i)/(i + 1)), H the step function: it overshoots its limit only
    in the corner ``where`` of the drawn box, so C1's numeric check fails only if its draws reach that corner."""
    broken = with_term(THM1, "sampling", lambda e: e * (1 + sp.Heaviside(region, 0) * sp.Min(1, i) / (i + 1)))
    assert "fu2025.thm1: sup_i B_i ≤ max(B_0, limit)" in failures(check("C1", broken).numeric_detail), where


# --- C2 collapse ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def c2_no_collapse() -> ClaimCheck:
    """Δ = λ·ε·geom(ρ, i): at λ = 0 the shift term is exactly 0, so nothing grows (increments exactly 0)."""
    return check("C2", with_default(THM1, "shift", lambda d: lam * d))


def test_c2_fails_when_lambda_zero_does_not_collapse(c2_no_collapse: ClaimCheck) -> None:
    symbolic = failures(c2_no_collapse.symbolic_detail)
    assert "fu2025.thm1 at λ = 0, κ = 1: dB_i/di > 0" in symbolic
    assert "fu2025.thm1 at λ = 0, κ = 1: lim B_i = oo" in symbolic
    # the increments are exactly 0: 'increases at every generation' needs > 0, not ≥ 0
    assert "fu2025.thm1 at λ = 0: term shift increases at every generation" in failures(c2_no_collapse.numeric_detail)


@pytest.fixture(scope="module")
def c2_wrong_rate() -> ClaimCheck:
    """Δ = ε·geom(κ²(1−λ), i): at κ = 1 still linear, at κ > 1 geometric with ratio κ² instead of κ."""
    return check(
        "C2", with_default(THM1, "shift", lambda d: d.replace(GeometricSum, lambda r, k: GeometricSum(r * kappa, k)))
    )


def test_c2_fails_on_the_geometric_rate_only(c2_wrong_rate: ClaimCheck) -> None:
    symbolic, numeric = failures(c2_wrong_rate.symbolic_detail), failures(c2_wrong_rate.numeric_detail)
    assert "κ > 1: increment ratio = κ" in symbolic and "κ > 1: increment ratio κ" in numeric
    assert "κ = 1" not in symbolic and "κ = 1" not in numeric  # the linear regime is intact


# --- C3 monotone ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def c3_shift_grows_with_lambda() -> ClaimCheck:
    """Δ = ε·geom(ρ, i)·(1 + λ)²: the shift term (1 − λ)(1 + λ)²·... increases in λ near 0."""
    return check("C3", with_default(THM1, "shift", lambda d: d * (1 + lam) ** 2))


def test_c3_fails_on_a_shift_term_that_grows_with_lambda(c3_shift_grows_with_lambda: ClaimCheck) -> None:
    assert "fu2025.thm1: term shift non-increasing in λ" in failures(c3_shift_grows_with_lambda.symbolic_detail)
    numeric = failures(c3_shift_grows_with_lambda.numeric_detail)
    assert "fu2025.thm1: term shift non-increasing in λ (" in numeric
    assert "non-decreasing in i (" not in numeric


@pytest.fixture(scope="module")
def c3_sampling_grows_with_n() -> ClaimCheck:
    """The sampling term × n^(3/4): it grows like n^(1/4) instead of decaying like n^(−1/2)."""
    return check("C3", with_term(THM1, "sampling", lambda e: e * n ** sp.Rational(3, 4)))


def test_c3_fails_on_a_term_that_grows_with_n(c3_sampling_grows_with_n: ClaimCheck) -> None:
    symbolic = failures(c3_sampling_grows_with_n.symbolic_detail)
    assert "fu2025.thm1: term sampling non-increasing in n ≥ 3" in symbolic
    assert "term stability non-increasing" not in symbolic and "term shift" not in symbolic
    assert "fu2025.thm1: term sampling non-increasing in n (" in failures(c3_sampling_grows_with_n.numeric_detail)


def test_c3_n_grid_is_dense_in_the_advertised_range() -> None:
    """The sampling term × (1 + c₂/(u + 1/u)), u = (n/2000)⁴: a bump that rises faster than n^(−1/2) decays only
    within a factor ~2 of n = 2000.  C3's 60 values of n in [3, 10⁶] (0.09 decades apart) see it rise; a grid
    stretched over [3, 10⁶⁰] (1.2 decades apart) steps over it, and the check would wrongly pass."""
    u = (n / 2000) ** 4
    broken = with_term(THM1, "sampling", lambda e: e * (1 + symbol("c2") / (u + 1 / u)))
    assert "fu2025.thm1: term sampling non-increasing in n (" in failures(check("C3", broken).numeric_detail)


@pytest.fixture(scope="module")
def c3_sign_undecided() -> ClaimCheck:
    """The sampling term × (1 + g·log n): d/dn has the factor 2g − 1 − g·log n, whose sign sympy cannot
    decide for n ≥ 3 (it is positive for g = 10, n < e^1.9): 'not shown' must count as a failure."""
    return check("C3", with_term(THM1, "sampling", lambda e: e * (1 + symbol("g") * sp.log(n))))


def test_c3_fails_when_the_sign_in_n_is_not_shown(c3_sign_undecided: ClaimCheck) -> None:
    assert "sampling: NOT shown" in c3_sign_undecided.symbolic_detail
    assert "fu2025.thm1: term sampling non-increasing in n ≥ 3" in failures(c3_sign_undecided.symbolic_detail)
    assert "fu2025.thm1: term sampling non-increasing in n (" in failures(c3_sign_undecided.numeric_detail)


# --- C4 threshold ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def c4_wrong_growth_rate() -> ClaimCheck:
    """growth_rate 2κ(1−λ): threshold at 1 − 1/(2κ); the terms (and so the measured growth) are intact."""
    bound = stl_bounds.get(THM1)
    return check("C4", dataclasses.replace(bound, growth_rate=2 * bound.growth_rate))


def test_c4_fails_on_a_threshold_at_one_minus_one_over_two_kappa(c4_wrong_growth_rate: ClaimCheck) -> None:
    symbolic = failures(c4_wrong_growth_rate.symbolic_detail)
    assert "fu2025.thm1: growth_rate = 1 exactly at λ* = 1 − 1/κ (got" in symbolic
    assert "fu2025.thm1: every geom(r, ·) has r = growth_rate" in symbolic
    assert AMPLIFIED not in symbolic
    numeric = failures(c4_wrong_growth_rate.numeric_detail)
    assert "fu2025.thm1: regime 'converges' iff λ > 1 − 1/κ" in numeric
    assert "measured growth factor" not in numeric  # exactly one of the two numeric checks breaks


@pytest.fixture(scope="module")
def c4_wrong_lemma_ratio() -> ClaimCheck:
    """lemma.amplified_shift summing geom(2ρ, i + 1) while declaring ρ: its measured growth is 2ρ."""
    broken = with_term(AMPLIFIED, "shift", lambda e: e.replace(GeometricSum, lambda r, k: GeometricSum(2 * r, k)))
    return check("C4", broken)


def test_c4_fails_on_the_lemma_with_the_wrong_ratio(c4_wrong_lemma_ratio: ClaimCheck) -> None:
    symbolic = failures(c4_wrong_lemma_ratio.symbolic_detail)
    assert "lemma.amplified_shift: every geom(r, ·) has r = growth_rate" in symbolic
    assert THM1 not in symbolic
    numeric = failures(c4_wrong_lemma_ratio.numeric_detail)
    assert "lemma.amplified_shift: measured growth factor < 1 iff λ > 1 − 1/κ" in numeric
    assert "regime" not in numeric and THM1 not in numeric  # the declared regime is right, thm1 is intact


# --- C5 transformer -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def c5_stability_does_not_decay() -> ClaimCheck:
    """thm2's stability term × √n: log(n)/√n·K instead of log(n)/n·K, so √n·(stability terms) grows with n."""
    return check("C5", with_term(THM2, "stability", lambda e: e * sp.sqrt(n)))


def test_c5_fails_when_the_stability_term_does_not_decay(c5_stability_does_not_decay: ClaimCheck) -> None:
    symbolic = failures(c5_stability_does_not_decay.symbolic_detail)
    assert "fu2025.thm2: √n·(stability terms)/(1 + K/λ) ≤ C with C finite, free of n, i, K" in symbolic
    assert "fu2025.thm2: √n·(stability terms) does not grow with n" in failures(
        c5_stability_does_not_decay.numeric_detail
    )


@pytest.fixture(scope="module")
def c5_stability_overshoots_in_i() -> ClaimCheck:
    """thm2's stability term × (1 + 10·min(1, i)·(2 − geom(1/2, i))): 11× at i = 1, 1× at i = 0 and in the limit,
    so the constant C (from generation 0 and the supremum's closed form) is exceeded in between."""
    overshoot = 1 + 10 * sp.Min(1, i) * (2 - GeometricSum(sp.Rational(1, 2), i))
    return check("C5", with_term(THM2, "stability", lambda e: e * overshoot))


def test_c5_fails_when_a_stability_term_overshoots_in_i(c5_stability_overshoots_in_i: ClaimCheck) -> None:
    symbolic = failures(c5_stability_overshoots_in_i.symbolic_detail)
    assert "fu2025.thm2: term stability non-decreasing in i ≥ 1 at κ = 1" in symbolic
    numeric = failures(c5_stability_overshoots_in_i.numeric_detail)
    assert "fu2025.thm2: √n·(stability terms)/(1 + K/λ) ≤ C (max ratio" in numeric
    assert "does not grow with n" not in numeric and "shift" not in numeric  # only the uniform bound breaks


@pytest.fixture(scope="module")
def c5_shift_above_cap() -> ClaimCheck:
    """thm2's shift term doubled: its supremum is 2·c1·M·(1−λ)·ε/λ, above the cap of the claim."""
    return check("C5", with_term(THM2, "shift", lambda e: 2 * e))


def test_c5_fails_when_the_shift_term_exceeds_its_cap(c5_shift_above_cap: ClaimCheck) -> None:
    assert "fu2025.thm2: sup_i of term shift = c1·M·(1−λ)·ε/λ (got" in failures(c5_shift_above_cap.symbolic_detail)
    numeric = failures(c5_shift_above_cap.numeric_detail)
    assert "fu2025.thm2: term shift ≤ c1·M·(1−λ)·ε/λ (max ratio 2" in numeric
    assert "stability" not in numeric


@pytest.fixture(scope="module")
def c5_wrong_depth_factor() -> ClaimCheck:
    """li2023.transformer_K with ((1+Γ)e^(2Γ))^D: one more layer multiplies K by (1+Γ)e^(2Γ)."""
    gamma = symbol("Gamma")
    return check("C5", with_term(K_ID, "K", lambda e: e.subs(sp.exp(gamma), sp.exp(2 * gamma))))


def test_c5_fails_on_the_wrong_depth_factor(c5_wrong_depth_factor: ClaimCheck) -> None:
    assert "li2023.transformer_K: K(D+1)/K(D) = (1+Γ)e^Γ (got" in failures(c5_wrong_depth_factor.symbolic_detail)
    assert "li2023.transformer_K: K(D+1)/K(D) = (1+Γ)e^Γ (relative error" in failures(
        c5_wrong_depth_factor.numeric_detail
    )


# --- C6 optimal size ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def c6_wrong_constant() -> ClaimCheck:
    """m* = max(0, n·(C/(c1·a) − 3)): the critical point shifted, interior only for C > 3·c1·a."""
    return check("C6", with_term(OPT_M, "m_star", lambda e: e.subs(-2, -3)))


def test_c6_fails_on_an_optimal_m_with_the_wrong_constant(c6_wrong_constant: ClaimCheck) -> None:
    assert "fu2025.optimal_m = max(0, sympy's critical point of B(m)) (got Max(0, n*(-3" in failures(
        c6_wrong_constant.symbolic_detail
    )
    numeric = failures(c6_wrong_constant.numeric_detail)
    assert "fu2025.optimal_m: B(m*) is the minimum of B(m)" in numeric
    assert "fu2025.optimal_m: m* > 0 iff C > 2·c1·a (" in numeric


@pytest.fixture(scope="module")
def c6_no_clip() -> ClaimCheck:
    """m* = n·(C/(c1·a) − 2) without max(0, ·): the right critical point, but negative for C < 2·c1·a."""
    bound = stl_bounds.get(OPT_M)
    (m_star,) = (arg for arg in bound.terms[0][1].args if arg != 0)
    return check("C6", dataclasses.replace(bound, terms=(("m_star", m_star),)))


def test_c6_fails_without_the_clip_at_zero(c6_no_clip: ClaimCheck) -> None:
    assert "fu2025.optimal_m = max(0, sympy's critical point of B(m))" in failures(c6_no_clip.symbolic_detail)
    numeric = failures(c6_no_clip.numeric_detail)
    assert "fu2025.optimal_m: m* ≥ 0 (" in numeric and "fu2025.optimal_m: B(m*) is the minimum" in numeric
    assert "m* > 0 iff" not in numeric  # positive exactly when C > 2·c1·a: that part still holds


# --- the substitution machinery -------------------------------------------------------------------------
def test_substitutes_do_not_leak_into_the_real_claim_and_back() -> None:
    """Caches are per bound: the broken check does not serve the real one, before or after."""
    broken = with_default(THM1, "shift", lambda d: lam * d)
    assert not check_claim("C2", draws=DRAWS, bounds={THM1: broken}).passed
    assert check_claim("C2", draws=DRAWS).passed
    assert not check_claim("C2", draws=DRAWS, bounds={THM1: broken}).passed
    assert stl_bounds.get(THM1) is not broken


def test_overriding_is_scoped_and_validated() -> None:
    real = stl_bounds.get(THM1)
    broken = dataclasses.replace(real, notes=(*real.notes, "a copy"))
    seen: list[Bound] = []
    with overriding({THM1: broken}):
        assert stl_bounds.get(THM1) is broken
        other = threading.Thread(target=lambda: seen.append(stl_bounds.get(THM1)))
        other.start()
        other.join()
    assert seen == [real] and seen[0] is real  # another thread does not see the substitute
    assert stl_bounds.get(THM1) is real
    with pytest.raises(RuntimeError), overriding({THM1: broken}):
        raise RuntimeError
    assert stl_bounds.get(THM1) is real  # removed after an exception too
    with (
        pytest.raises(stl_bounds.UnknownIdError, match=re.escape("unknown id 'fu2025.thm9'")),
        overriding({"fu2025.thm9": real}),
    ):
        pass
    with pytest.raises(
        stl_bounds.ParameterError,
        match=re.escape("substitute for 'fu2025.thm1' must be a Bound with that id; got a Bound with id 'fu2025.thm2'"),
    ):
        with overriding({THM1: stl_bounds.get(THM2)}):
            pass
    with pytest.raises(stl_bounds.ParameterError, match="must be a Bound with that id; got str"):
        with overriding({THM1: "fu2025.thm1"}):  # type: ignore[dict-item]
            pass
    only_limit = dataclasses.replace(real, limit=lambda: sp.Integer(0))
    with pytest.raises(stl_bounds.ParameterError, match="differs from the registered bound only in limit"):
        with overriding({THM1: only_limit}):
            pass


def test_check_claim_refuses_a_substitute_the_claim_does_not_use() -> None:
    with pytest.raises(
        stl_bounds.ParameterError,
        match=re.escape("bounds: claim C6 uses fu2025.optimal_m; got a substitute for fu2025.thm1"),
    ):
        check_claim("C6", bounds={THM1: stl_bounds.get(THM1)})


# --- boundaries of the verdict logic --------------------------------------------------------------------
@pytest.mark.parametrize(("symbolic_ok", "numeric_ok"), [(True, False), (False, True), (False, False)])
def test_a_claim_passes_only_when_both_checks_pass(symbolic_ok: bool, numeric_ok: bool) -> None:
    c = ClaimCheck("C1", "s", "docs/theory.md §6.1 C1", (THM1,), symbolic_ok, "a", numeric_ok, "b")
    assert not c.passed and c.to_dict()["passed"] is False


def test_draws_boundary() -> None:
    with pytest.raises(stl_bounds.ParameterError, match="draws must be an integer >= 2; got 1"):
        check_claim("C4", draws=1)
    smallest = check_claim("C4", draws=2)
    assert smallest.passed and "2 random points" in smallest.numeric_detail
    assert check_claim("C4", seed=0, draws=2) == smallest  # seed 0 is allowed (>= 0)
    with pytest.raises(stl_bounds.ParameterError, match="draws must be an integer >= 2; got True"):
        check_claim("C4", draws=True)


# --- C7 concrete loops: the campaign's judge on a broken summary ---------------------------------------
def test_c7_fails_on_a_broken_campaign_summary_and_a_broken_closed_form(monkeypatch: pytest.MonkeyPatch) -> None:
    """The collapse loops report that no trajectory collapsed (data from the wrong law), and the regression
    replace error is quadratic in t: C7 fails numerically and symbolically, naming exactly those."""
    from verification.campaigns import loop_claims

    real = loop_claims.CAMPAIGN

    def no_collapse(params: Any, rng: Any, replicates: int) -> dict[str, Any]:
        if params["claim"] == "collapse":
            return {"collapsed": 0, "count": replicates}
        return real.simulate(params, rng, replicates)

    monkeypatch.setattr(loop_claims, "CAMPAIGN", dataclasses.replace(real, simulate=no_collapse))
    t = symbol("t")
    quadratic = with_term("regression.replace.test_err", "test_err", lambda e: e * t)
    result = check_claim("C7", bounds={quadratic.id: quadratic})
    assert not result.symbolic_ok and not result.numeric_ok
    symbolic = failures(result.symbolic_detail)
    assert "regression.replace.test_err: increment in t free of t (linear growth" in symbolic
    assert "gauss." not in symbolic and "accumulate" not in symbolic
    numeric = failures(result.numeric_detail)
    assert "campaign claims passes (status fail)" in numeric
    named = [part.split(" (")[0] for part in numeric.removeprefix("FAILED: ").split("; ")[1:]]
    assert named == [
        "C7.collapse.gaussian.replace[unbiased,n=10,fits=300]",
        "C7.collapse.gaussian.replace[mle,n=10,fits=300]",
    ]
    assert "share_collapsed=0" in numeric


# --- C8 more loops: categorical and kernel density loops -----------------------------------------------
@pytest.fixture(scope="module")
def c8_no_collapse() -> ClaimCheck:
    """A categorical replace diversity that never decays: E H(p_t) = H₀ at every fit."""
    return check("C8", with_term("cat.replace.diversity", "diversity", lambda e: symbol("H0")))


def test_c8_fails_on_a_replace_diversity_that_does_not_decay(c8_no_collapse: ClaimCheck) -> None:
    symbolic = failures(c8_no_collapse.symbolic_detail)
    assert "cat.replace.diversity: E_(t+1)/E_t = 1 − 1/n (got 1)" in symbolic
    assert "cat.replace.diversity → 0 as t → ∞ (got H_0)" in symbolic
    assert "kde." not in symbolic and "cat.fresh" not in symbolic  # only the broken bound is named
    numeric = failures(c8_no_collapse.numeric_detail)
    assert "cat.replace.diversity: non-increasing in t and → 0 (0/60 points)" in numeric
    assert "kde." not in numeric


@pytest.fixture(scope="module")
def c8_threshold_off() -> ClaimCheck:
    """The KDE threshold moved up by 0.02: the spectral radius is no longer 1 there."""
    return check("C8", with_term("kde.fresh.threshold", "threshold", lambda e: e + sp.Rational(1, 50)))


def test_c8_fails_on_a_kde_threshold_off_by_two_percent(c8_threshold_off: ClaimCheck) -> None:
    symbolic = failures(c8_threshold_off.symbolic_detail)
    assert "kde.fresh.var: growth rate α = 1 at λ = kde.fresh.threshold" in symbolic
    assert "kde.fresh.var: α > 1 just below and α < 1 just above kde.fresh.threshold" in symbolic
    assert "cat." not in symbolic
    numeric = failures(c8_threshold_off.numeric_detail)
    assert re.search(r"kde\.fresh\.var: regime 'converges' iff λ > kde\.fresh\.threshold \((\d+)/(\d+)", numeric)
    assert "cat." not in numeric


@pytest.fixture(scope="module")
def c8_kde_collapses() -> ClaimCheck:
    """A KDE replace variance that decays like the MLE Gaussian loop, σ²(1 − 1/n)^t, instead of diverging."""
    sigma, n_, t = symbol("sigma"), symbol("n"), symbol("t")
    return check("C8", with_term("kde.replace.var", "var", lambda e: sigma**2 * (1 - 1 / n_) ** t))


def test_c8_fails_on_a_kde_replace_loop_that_does_not_diverge(c8_kde_collapses: ClaimCheck) -> None:
    symbolic = failures(c8_kde_collapses.symbolic_detail)
    assert "kde.replace.var: E_(t+1)/E_t = ρ = 1 − 1/n + n^(−2/5) (got (n - 1)/n)" in symbolic
    assert "kde.replace.var: ρ > 1 for every n > 1 (diverges geometrically)" in symbolic
    assert "kde.replace.var: E_(t+1)/E_t = ρ > 1 (0/60 points)" in failures(c8_kde_collapses.numeric_detail)


# Each numeric part of C8 on its own: the counts of the failing parts are read from the detail, so a check that
# stops counting point by point (or looks at the wrong λ or t) shows.
H0, t_ = symbol("H0"), symbol("t")
C8_POINTS = re.compile(rf"\((\d+)/{DRAWS} points\)")


def c8_points(detail: str, bound_id: str) -> int:
    """The number of points at which C8's numeric part for ``bound_id`` held."""
    part = next(p for p in failures(detail).removeprefix("FAILED: ").split("; ") if p.startswith(bound_id + ":"))
    return int(C8_POINTS.search(part)[1])


def c8_fresh(transient: Callable[[sp.Expr], sp.Expr], keep_limit: bool = True) -> Bound:
    """``cat.fresh.diversity`` as H₀(c·[keep_limit] + transient(r))/(c + 1), c = λ(n(2 − λ) − 1), r as registered."""
    c = lam * (n * (2 - lam) - 1)
    r = (1 - lam) * (1 - lam - 1 / n)
    limit = {} if keep_limit else {"limit": lambda: sp.Integer(0)}  # the registered `limit` hook would stay
    return with_term(
        "cat.fresh.diversity", "diversity", lambda e: H0 * (c * int(keep_limit) + transient(r)) / (c + 1), **limit
    )


@pytest.fixture(scope="module")
def c8_parts_broken() -> ClaimCheck:
    """Three bounded loops that are not: fresh(λ) without the fresh data's share (limit 0), accumulate rising in t
    for n < 20, accumulate_subsample falling to 0.45·H₀(1 − 1/n)² (below the floor H₀(1 − 1/n)²/2) at t = 10⁹;
    and a KDE replace variance growing at ρ(1 + n⁻³) instead of ρ (off by more than 1e-12 for n < 10⁴ only)."""
    fresh = c8_fresh(lambda r: r**t_, keep_limit=False)
    rises = with_term(
        "cat.accumulate.diversity", "diversity", lambda e: H0 * (1 - 1 / n) * (1 + (1 - 20 / n) / (10 * (t_ + 1)))
    )
    late = (t_ / 10**9) ** 20
    drops = with_term(
        "cat.accumulate_subsample.diversity",
        "diversity",
        lambda e: H0 * (1 - 1 / n) * (1 - (1 - sp.Rational(45, 100) * (1 - 1 / n)) * late),
    )
    slips = with_term("kde.replace.var", "var", lambda e: e * (1 + n**-3) ** (t_ - 1))
    result = check_claim("C8", draws=DRAWS, bounds={b.id: b for b in (fresh, rises, drops, slips)})
    assert not result.passed
    return result


def test_c8_fails_on_loops_that_are_not_bounded_below(c8_parts_broken: ClaimCheck) -> None:
    numeric = c8_parts_broken.numeric_detail
    assert c8_points(numeric, "cat.fresh.diversity") == 0  # a zero limit is not a positive one
    assert 0 < c8_points(numeric, "cat.accumulate.diversity") < DRAWS  # point by point: only n < 20 rises
    assert c8_points(numeric, "cat.accumulate_subsample.diversity") == 0  # the floor is read at t = 10⁹
    assert 0 < c8_points(numeric, "kde.replace.var") < DRAWS  # the growth factor is compared point by point
    assert "kde.fresh" not in failures(numeric) and "cat.replace" not in failures(numeric)
    symbolic = failures(c8_parts_broken.symbolic_detail)
    assert "cat.accumulate.diversity → H0·sin(π/√n)/(π/√n)" in symbolic and "cat.fresh.diversity: " in symbolic
    assert "cat.accumulate_subsample.diversity → a positive limit" in symbolic and "kde.fresh" not in symbolic
    assert "kde.replace.var: E_(t+1)/E_t = ρ = 1 − 1/n + n^(−2/5)" in symbolic


@pytest.fixture(scope="module")
def c8_fresh_transient_broken() -> tuple[ClaimCheck, ClaimCheck]:
    """fresh(λ) with the transient t·rᵗ (a double root: rises before it decays where r > 1/2), and with the
    ratio (1 − 2λ)(1 − λ − 1/n) (negative for 1/2 < λ < 1 − 1/n: oscillates around its limit)."""
    return check("C8", c8_fresh(lambda r: t_ * r**t_)), check(
        "C8", c8_fresh(lambda r: ((1 - 2 * lam) * (1 - lam - 1 / n)) ** t_)
    )


def test_c8_fails_on_a_fresh_loop_that_rises_or_oscillates(
    c8_fresh_transient_broken: tuple[ClaimCheck, ClaimCheck],
) -> None:
    double_root, oscillates = c8_fresh_transient_broken
    for result in (double_root, oscillates):
        # some lattice points λ = j/n fail, others not: the whole lattice 1/n..1 is drawn
        assert 0 < c8_points(result.numeric_detail, "cat.fresh.diversity") < DRAWS
        assert "kde." not in failures(result.numeric_detail)
    assert "cat.fresh.diversity: E_t − limit is geometric in t" in failures(double_root.symbolic_detail)
    # a negative ratio passes the symbolic part (r < 1 holds; r < 0 for λ > 1 − 1/n is the registered form's too):
    # only the lattice check of the numeric part sees the oscillation
    assert oscillates.symbolic_ok and not oscillates.numeric_ok
