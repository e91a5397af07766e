"""The contract every registered bound satisfies (STYLE habit 8: one suite over the registry).

Metadata is complete, validation rejects generated invalid values, terms sum to
the value, LaTeX renders (sympy and matplotlib mathtext), float64 agrees with
the mpmath reference, grids agree with points, stated monotonicity holds and,
for recursive bounds, the symbolic limit i → ∞ matches the numeric values.
"""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

import stl_bounds
from stl_bounds.bound import FIDELITY_LABELS
from stl_bounds.domains import Domain
from stl_bounds.errors import EvaluationError, ParameterError
from stl_bounds.testing import MODERATE, domain_values, invalid_values, valid_params

IDS = stl_bounds.list_ids()


def _ids_with(predicate) -> list[str]:
    return [i for i in IDS if predicate(stl_bounds.get(i))]


@pytest.mark.parametrize("bound_id", IDS)
def test_metadata_is_complete(bound_id: str) -> None:
    b = stl_bounds.get(bound_id)
    assert b.id == bound_id
    assert b.fidelity in FIDELITY_LABELS
    assert b.title and b.assumptions and b.terms
    assert b.citation.paper and b.citation.location and b.citation.theory.startswith("THEORY §")
    assert all(p.default is not None for p in b.parameters), "every parameter needs a default"
    assert all(p.description for p in b.parameters)
    assert len({name for name, _ in b.terms}) == len(b.terms)


@pytest.mark.parametrize("bound_id", IDS)
def test_latex_renders(bound_id: str) -> None:
    from matplotlib.mathtext import MathTextParser

    b = stl_bounds.get(bound_id)
    parser = MathTextParser("path")
    for text in [b.latex(), b.latex(with_defaults=True), *b.term_latex().values()]:
        assert (text and "\\" in text) or text.replace(" ", "").isalnum() or text
        parser.parse(f"${text}$")  # raises ValueError if mathtext cannot typeset it


@pytest.mark.parametrize("bound_id", IDS)
def test_defaults_evaluate_and_terms_sum(bound_id: str) -> None:
    r = stl_bounds.get(bound_id).evaluate()
    assert math.isfinite(r.value)
    assert r.value == pytest.approx(math.fsum(r.terms.values()), rel=1e-12, abs=1e-300)
    json.dumps(r.to_dict(), allow_nan=False)
    assert r.regime in ("converges", "critical", "collapses", "n/a")


@pytest.mark.parametrize("bound_id", IDS)
@given(data=st.data())
def test_validation_rejects_invalid_values(bound_id: str, data: st.DataObject) -> None:
    b = stl_bounds.get(bound_id)
    p = data.draw(st.sampled_from(b.parameters))
    bad = data.draw(invalid_values(p.domain))
    with pytest.raises(ParameterError) as info:
        b.evaluate(**{p.name: bad})
    message = str(info.value)
    assert p.name in message and "\n" not in message


@pytest.mark.parametrize("bound_id", IDS)
def test_unknown_parameter_is_rejected(bound_id: str) -> None:
    with pytest.raises(ParameterError, match="unknown parameter 'nonsense'"):
        stl_bounds.get(bound_id).evaluate(nonsense=1.0)


def _input_sensitivity(b: stl_bounds.Bound, params: dict[str, float], term: str) -> float:
    """How much the exact term moves when each input moves by one float64 ulp (its condition).

    Float64 cannot do better than the rounding of its inputs, so near cancellation
    (e.g. m* = n (C/(c1 a) - 2) with C ~ 2 c1 a) the agreement is judged against it.
    """
    base = b.evaluate(precision="mp", dps=40, **params).terms[term]
    total = mpmath.mpf(0)
    for name, x in params.items():
        nudged = float(np.nextafter(x, np.inf))
        try:
            moved = b.evaluate(precision="mp", dps=40, **{**params, name: nudged}).terms[term]
        except ParameterError:  # nudged out of the domain (integers, closed ends)
            continue
        total += abs(moved - base)
    return float(total)


@pytest.mark.parametrize("bound_id", IDS)
@given(data=st.data())
def test_float64_agrees_with_mpmath(bound_id: str, data: st.DataObject) -> None:
    b = stl_bounds.get(bound_id)
    params = data.draw(valid_params(b))
    try:
        fast = b.evaluate(**params)
    except EvaluationError:
        assume(False)
    ref = b.evaluate(precision="mp", dps=40, **params)
    for name, value in fast.terms.items():
        exact = ref.terms[name]
        error = abs(value - exact)
        if error <= 1e-10 * abs(exact) + 1e-290:  # below 1e-290 float64 has no relative precision left
            continue
        assert error <= 1e-10 * abs(exact) + 64 * _input_sensitivity(b, params, name), (name, value, exact)


@pytest.mark.parametrize("bound_id", IDS)
@given(data=st.data())
def test_grid_equals_points(bound_id: str, data: st.DataObject) -> None:
    b = stl_bounds.get(bound_id)
    params = data.draw(valid_params(b))
    constrained = {s.name for c in b.constraints for s in c.condition.free_symbols}
    free = sorted(k for k in params if b.parameter_map[k].symbol.name not in constrained)
    assume(free)
    name = data.draw(st.sampled_from(free))  # a parameter outside joint constraints: any column is valid
    domain = b.parameter_map[name].domain
    column = data.draw(st.lists(domain_values(domain, MODERATE.get(name)), min_size=2, max_size=4))
    try:
        grid = b.evaluate(**{**params, name: np.array(column)})
    except (ParameterError, EvaluationError):
        assume(False)
    assert grid.shape == (len(column),)
    for k, x in enumerate(column):
        point = b.evaluate(**{**params, name: x})
        assert grid.value[k] == pytest.approx(point.value, rel=1e-12, abs=1e-300)
        assert grid.points()[k].regime == point.regime


MONOTONE = [(i, k) for i in IDS for k in range(len(stl_bounds.get(i).monotone))]


@pytest.mark.parametrize(("bound_id", "index"), MONOTONE)
@given(data=st.data())
def test_stated_monotonicity_holds(bound_id: str, index: int, data: st.DataObject) -> None:
    b = stl_bounds.get(bound_id)
    mono = b.monotone[index]
    given_domains: dict[str, Domain] = dict(mono.given)
    params = data.draw(valid_params(b))
    for name, dom in given_domains.items():
        params[name] = data.draw(domain_values(dom, MODERATE.get(name)))
    p = b.parameter_map[mono.parameter]
    box = MODERATE.get(p.name)
    dom = given_domains.get(p.name, p.domain)
    x0, x1 = sorted(data.draw(st.lists(domain_values(dom, box), min_size=2, max_size=2, unique=True)))
    try:
        lo = b.evaluate(**{**params, p.name: x0})
        hi = b.evaluate(**{**params, p.name: x1})
    except (ParameterError, EvaluationError):
        assume(False)
    f0 = lo.terms[mono.term] if mono.term else lo.value
    f1 = hi.terms[mono.term] if mono.term else hi.value
    slack = 1e-12 * max(abs(f0), abs(f1))
    if mono.direction == "nondecreasing":
        assert f1 >= f0 - slack, (params, x0, x1, f0, f1)
    else:
        assert f1 <= f0 + slack, (params, x0, x1, f0, f1)


LIMIT_IDS = _ids_with(lambda b: b.generation is not None and b.growth_rate is not None and b.growth_rate.free_symbols)


@pytest.mark.parametrize("bound_id", LIMIT_IDS)
@given(data=st.data())
def test_limit_in_generations_matches_large_i(bound_id: str, data: st.DataObject) -> None:
    b = stl_bounds.get(bound_id)
    limit = b.limit_in_generations()
    assert limit is not None and limit.is_finite is not False
    params = data.draw(valid_params(b))
    gen = b.generation
    assert gen is not None
    rho = b.evaluate(**{**params, gen: 1}).diagnostics["rho"]
    assume(rho < 1 - 1e-4)
    far_out = max(2000, math.ceil(45 / -math.log(rho)) if rho > 0 else 0)  # rho**far_out < 1e-19
    resolved = b.check(**params)
    subs = {b.parameter_map[k].symbol: v for k, v in resolved.items() if k in b.parameter_map}
    expected = float(limit.xreplace({s: sp.Float(v, 30) for s, v in subs.items()}).evalf(30))
    far = b.evaluate(**{**params, gen: far_out}).value
    assert far == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_registry_has_every_theory_id() -> None:
    theory_ids = {
        "lemma.shift", "lemma.amplified_shift", "lemma.recursive_stability", "fu2025.thm1", "fu2025.thm2",
        "fu2025.optimal_m", "bousquet2002.stability", "bkz2020.stability", "li2023.transformer_K",
        "gauss.replace.unbiased.mean_sq_err", "gauss.replace.unbiased.var", "gauss.replace.unbiased.std",
        "gauss.replace.unbiased.log_var", "gauss.replace.unbiased.w2_sq", "gauss.replace.mle.var",
        "gauss.replace.mle.mean_sq_err", "gauss.replace.unbiased.det_ratio", "gauss.replace.mle.det_ratio",
        "gauss.fresh.mean_sq_err", "gauss.fresh.var", "gauss.reused.mean_sq_err", "gauss.reused.var",
        "gauss.accumulate.mle.var", "gauss.accumulate.mle.mean_sq_err", "gauss.accumulate.unbiased.var",
        "gauss.weighted.stationary_mean_sq_err", "gauss.weighted.w_opt", "regression.replace.test_err",
        "regression.accumulate.test_err", "regression.two_size.test_err", "icl.ols.risk", "icl.averaging.risk",
        "icl.lsa_opt.risk",
    }  # fmt: skip
    assert theory_ids <= set(IDS), sorted(theory_ids - set(IDS))


def test_mpmath_reference_keeps_precision() -> None:
    r = stl_bounds.get("lemma.shift").evaluate(precision="mp", dps=60, eps=0.1, lam=0.3, i=5)
    assert isinstance(r.value, mpmath.mpf)
    with mpmath.workdps(60):
        exact = mpmath.mpf("0.1") * (1 - mpmath.mpf("0.7") ** 6) / mpmath.mpf("0.3")
        # inputs pass through float64 (0.1, 0.3 are not exact binary numbers): compare at float64 resolution
        assert abs(r.value - exact) < mpmath.mpf("1e-16")
