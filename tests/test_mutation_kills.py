"""Tests written to kill the mutants that survived ``benchmarks/mutation.py`` (issue 12).

Each test pins down a property the rest of the suite left loose: exact order statistics and unbounded ends of
:func:`verification.stats.quantile_interval`, the exact constants of the median-of-means standard error and of
the slope interval, the defaults of ``level``, the float arrays the statistics return and the keys of the JSON
forms; every form of :meth:`stl_bounds.domains.Domain.describe`, the end points the fast array check of
``Domain.validate`` must refuse and the exact messages of its type errors.  The expected values are computed
here independently of the code under test (binomial sums with ``math.comb``, the normal-consistency constant of
the MAD, the textbook least-squares standard error).
See ``benchmarks/MUTATION.md`` for the survivors these tests kill and the ones listed as equivalent.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import stats

import stl_bounds
from stl_bounds import evaluation
from stl_bounds.domains import Domain
from stl_bounds.errors import EvaluationError, ParameterError
from stl_bounds.special import (
    DigammaMinusLog,
    DividedPower,
    GeometricSum,
    LogGammaRatio,
    digamma_minus_log_mpmath,
    digamma_minus_log_numpy,
    divided_power_numpy,
    geometric_sum_mpmath,
    geometric_sum_numpy,
    log_gamma_ratio_mpmath,
    log_gamma_ratio_numpy,
)
from verification.stats import Moments, batch_means, median_of_means, quantile_interval, slope, upper_quantile

# --- verification.stats (docs/theory.md §6.2–6.5) ------------------------------------------------------------


def _binomial_quantile(q: float, m: int, p: float) -> int:
    """Smallest j with P(Bin(m, p) <= j) >= q, by summing the pmf exactly (independent of scipy)."""
    cdf = 0.0
    for j in range(m + 1):
        cdf += math.comb(m, j) * p**j * (1 - p) ** (m - j)
        if cdf >= q * (1 - 1e-12):
            return j
    return m


def _expected_bounds(m: int, delta: float, level: float) -> tuple[float, float]:
    """Ranks (l, u) of the order-statistic interval (David & Nagaraja §7.1), 1-based; ∓inf where l = 0 or u > m.

    With samples 1..m the order statistic of rank r is r itself, so the ranks are the expected values.
    """
    alpha = 1 - level
    low = _binomial_quantile(alpha / 2, m, 1 - delta)
    high = _binomial_quantile(1 - alpha / 2, m, 1 - delta) + 1
    return (low if low >= 1 else -math.inf), (high if high <= m else math.inf)


@pytest.mark.parametrize(
    ("m", "delta", "level"),
    [(400, 0.05, 0.95), (400, 0.05, None), (60, 0.2, 0.9), (6, 0.5, 0.95), (5, 0.5, 0.99), (1, 0.99, 0.95)],
    ids=["m400", "m400-default-level", "m60", "l=1-and-u=m", "unbounded-both-sides", "single-sample"],
)
def test_quantile_interval_is_the_exact_pair_of_order_statistics(m: int, delta: float, level: float | None) -> None:
    """Samples 1..m (shuffled) in one column and 10·(1..m) in another: the interval is (l, u) and (10l, 10u)."""
    ranks = np.random.default_rng(0).permutation(np.arange(1, m + 1))
    samples = np.stack([ranks, 10 * ranks], axis=1)  # integers: the statistics must still return floats
    low, high = quantile_interval(samples, delta) if level is None else quantile_interval(samples, delta, level=level)
    want_low, want_high = _expected_bounds(m, delta, 0.95 if level is None else level)
    assert low.tolist() == [want_low, 10 * want_low], f"lower end: want {want_low}, got {low.tolist()}"
    assert high.tolist() == [want_high, 10 * want_high], f"upper end: want {want_high}, got {high.tolist()}"
    assert low.dtype == np.float64 and high.dtype == np.float64


def test_upper_quantile_returns_floats_for_integer_samples() -> None:
    q = upper_quantile(np.arange(1, 101), 0.05)
    assert q == 95 and q.dtype == np.float64


def test_median_of_means_value_se_and_label_per_column() -> None:
    """Value = column medians; SE = sqrt(π/2)·1.4826·MAD/sqrt(K) with 1.4826 = 1/Φ⁻¹(3/4) (normal consistency)."""
    rng = np.random.default_rng(5)
    blocks = np.stack([rng.normal(0.0, 1.0, 41), rng.normal(5.0, 3.0, 41)], axis=1)
    est = median_of_means(blocks)
    median = np.median(blocks, axis=0)
    mad = np.median(np.abs(blocks - median), axis=0) / 0.6744897501960817
    np.testing.assert_allclose(est.value, median, rtol=1e-15)
    np.testing.assert_allclose(est.se, math.sqrt(math.pi / 2) * mad / math.sqrt(41), rtol=1e-12)
    assert est.method == "median of 41 block means"


def _textbook_slope(x: np.ndarray, y: np.ndarray, level: float) -> tuple[float, float, float, float]:
    """Least squares by hand: slope, its standard error and the Student-t interval with N − 2 degrees of freedom."""
    xc = x - x.mean()
    b = float(np.sum(xc * (y - y.mean())) / np.sum(xc**2))
    resid = y - y.mean() - b * xc
    se = math.sqrt(float(np.sum(resid**2)) / (x.size - 2) / float(np.sum(xc**2)))
    half = float(stats.t.ppf((1 + level) / 2, x.size - 2)) * se
    return b, se, b - half, b + half


@pytest.mark.parametrize("level", [None, 0.99])
def test_slope_matches_the_textbook_interval(level: float | None) -> None:
    x = np.arange(8)  # integers on purpose
    y = 0.5 * x + np.array([0.3, -0.1, 0.2, -0.4, 0.1, 0.0, -0.2, 0.3])
    s = slope(x, y) if level is None else slope(x, y, level=level)
    b, se, low, high = _textbook_slope(x.astype(float), y, 0.95 if level is None else level)
    assert (s.value, s.stderr, s.low, s.high) == pytest.approx((b, se, low, high), rel=1e-12, abs=0)
    assert s.level == (0.95 if level is None else level) and s.points == 8
    assert s.to_dict() == {
        "slope": s.value,
        "stderr": s.stderr,
        "ci_low": s.low,
        "ci_high": s.high,
        "level": s.level,
        "points": 8,
    }


def test_slope_of_constant_and_of_unit_range_data() -> None:
    """Constant y: the exact fit has slope 0 and standard error 0 (linregress's own is 0/0).  A y whose range is
    exactly 1 is an ordinary fit."""
    flat = slope(np.arange(5.0), np.full(5, 2.5))
    assert (flat.value, flat.stderr, flat.low, flat.high) == (0.0, 0.0, 0.0, 0.0)
    x = np.arange(5.0)
    y = np.array([0.0, 0.5, 0.25, 1.0, 0.75])  # np.ptp(y) == 1
    s = slope(x, y)
    assert s.stderr == pytest.approx(_textbook_slope(x, y, 0.95)[1], rel=1e-12, abs=0) and s.stderr > 0


def test_batch_means_from_two_blocks_up() -> None:
    """K = 2 blocks is the smallest batch: mean 2, s_b = √2, SE = s_b/√2 = 1 on 1 degree of freedom."""
    estimate, dof = batch_means(np.array([1.0, 3.0]))
    assert (float(estimate.value), float(estimate.se), dof) == (2.0, 1.0, 1)
    with pytest.raises(ValueError, match=r"^batch means need at least 2 blocks; got 1$"):
        batch_means(np.array([1.0]))


def test_moments_from_json_integers_are_float_arrays() -> None:
    """JSON writes 2.0 as 2 in some writers; the restored moments must still be float arrays."""
    m = Moments.from_dict({"count": 3, "mean": [1, 2], "m2": [0, 4]})
    assert m.mean.dtype == np.float64 and m.m2.dtype == np.float64
    np.testing.assert_array_equal(m.se, [0.0, math.sqrt(4 / 2 / 3)])


# --- stl_bounds.domains --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "text"),
    [
        (Domain(), "(-inf, inf)"),
        (Domain(0.0, math.inf), ">= 0"),
        (Domain(0.0, math.inf, integer=True, lower_open=True), "integer > 0"),
        (Domain(0.0, 10.0, integer=True), "integer in [0, 10]"),
        (Domain(0.0, 10.0, integer=True, lower_open=True, upper_open=True), "integer in (0, 10)"),
        (Domain(0.0, 1234567.0), "[0, 1234567]"),  # integral values print as integers, not 1.23457e+06
        (Domain(0.0, 1e15), "[0, 1e+15]"),  # ... below 1e15 only
        (Domain(-math.inf, 0.5, upper_open=True), "(-inf, 0.5)"),
    ],
)
def test_describe_every_form(domain: Domain, text: str) -> None:
    assert domain.describe() == text


def test_domain_end_points() -> None:
    assert Domain(1.0, 1.0).validate("x", 1.0) == 1.0  # a single point is a domain
    with pytest.raises(ValueError, match=r"^empty domain \[2\.0, 1\.0\]$"):
        Domain(2.0, 1.0)


@pytest.mark.parametrize(
    ("domain", "values"),
    [
        (Domain(0.0, 1.0, lower_open=True), [0.0, 0.5]),  # an open end point is outside
        (Domain(0.0, 1.0, upper_open=True), [0.5, 1.0]),
        (Domain(0.0, 1.0), [-1.0, 0.5]),
        (Domain(0.0, 1.0), [0.5, 2.0]),
        (Domain(), [-np.inf, 1.0]),  # unbounded domains still reject infinities
        (Domain(), [1.0, np.inf]),
    ],
)
def test_array_validation_rejects_every_kind_of_outsider(domain: Domain, values: list[float]) -> None:
    """Arrays go through the two-reduction fast path; each outsider must still be refused and named."""
    bad = next(v for v in values if not domain.contains(v))
    with pytest.raises(ParameterError, match=rf"^x must be .*; got {re.escape(_fmt_value(bad))}$"):
        domain.validate("x", np.array(values))


def _fmt_value(v: float) -> str:
    return "inf" if v == math.inf else "-inf" if v == -math.inf else f"{v:g}"


def test_validate_returns_a_float_for_a_scalar_and_the_array_itself_for_a_float_array() -> None:
    unit = Domain(0.0, 1.0)
    assert type(unit.validate("lam", 0.5)) is float
    assert type(unit.validate("lam", np.float64(0.5))) is float
    values = np.array([0.2, 0.4])
    out = unit.validate("lam", values)
    assert isinstance(out, np.ndarray) and np.shares_memory(out, values)  # no copy of a large float grid


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "lam must be a real number; got True"),
        ("abc", "lam must be a real number; got 'abc'"),
        ([[0.1], [0.1, 0.2]], "lam must be a real number or array; got [[0.1], [0.1, 0.2]]"),
        ([], "lam must be a real number or a non-empty real array; got []"),
    ],
)
def test_type_errors_name_the_parameter_and_the_value(value: object, message: str) -> None:
    with pytest.raises(ParameterError) as info:
        Domain(0.0, 1.0).validate("lam", value)
    assert str(info.value) == message


# --- stl_bounds.evaluation -----------------------------------------------------------------------------------

THM1 = stl_bounds.get("fu2025.thm1")


def test_chunked_grid_pads_and_slices_lower_dimensional_arguments() -> None:
    """A (2, N) grid above CHUNK points: lam varies along the last axis only (1-d, padded to (1, N)), kappa along
    the first (shape (2, 1), sliced row by row), i is a scalar.  Row r equals the direct evaluation of row r."""
    n = evaluation.CHUNK // 2 + 1000  # 2 rows exceed CHUNK; one row does not
    lam = np.linspace(0.05, 0.95, n)
    kappa = np.array([[0.8], [1.3]])
    grid = THM1.evaluate(lam=lam, kappa=kappa, i=12)
    assert grid.value.shape == (2, n)
    for row in range(2):
        direct = THM1.evaluate(lam=lam, kappa=float(kappa[row, 0]), i=12)
        np.testing.assert_allclose(grid.value[row], direct.value, rtol=1e-15, err_msg=f"row {row}")
        np.testing.assert_allclose(grid.params["shift"][row], direct.params["shift"], rtol=1e-15)


def test_mp_grid_equals_mp_points_and_float64() -> None:
    lam, i = np.array([0.1, 0.6]), np.array([[3.0], [40.0]])
    grid = THM1.evaluate(lam=lam, i=i, precision="mp", dps=30)
    assert grid.value.shape == (2, 2) and grid.value.dtype == np.float64
    floats = THM1.evaluate(lam=lam, i=i)
    np.testing.assert_allclose(grid.value, floats.value, rtol=1e-12)
    for a in range(2):
        for b in range(2):
            point = THM1.evaluate(lam=lam[b], i=i[a, 0], precision="mp", dps=30)
            assert grid.value[a, b] == float(point.value)
            assert grid.terms["shift"][a, b] == float(point.terms["shift"])


def test_dry_run_ignores_float_overflow_that_evaluation_reports() -> None:
    """resolve() computes expression defaults with floating-point errors silenced: (1−λ)κ = 3 over 1000
    generations overflows the shift, which the dry run reports as inf instead of warning or raising."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resolved = THM1.check(lam=0.0, kappa=3.0, i=1000)
    assert resolved["shift"] == math.inf
    with pytest.raises(EvaluationError):
        THM1.evaluate(lam=0.0, kappa=3.0, i=1000)


def test_constraint_message_lists_the_scalar_parameters() -> None:
    bound = stl_bounds.get("gauss.fresh.var")
    with pytest.raises(ParameterError) as scalar:
        bound.evaluate(n=1, lam=0.5)
    assert str(scalar.value).endswith("; got sigma=1, n=1, lam=0.5, t=10")
    with pytest.raises(ParameterError) as grid:
        bound.evaluate(n=1, lam=[0.5, 1.0])  # an array parameter is left out of the message
    assert str(grid.value).endswith("; got sigma=1, n=1, t=10")


@pytest.mark.parametrize(
    ("make", "value"),
    [
        (sp.loggamma, math.lgamma(5.5)),
        (sp.gamma, math.gamma(5.5)),
        (lambda x: sp.polygamma(0, x), 1.6110931485817511),  # ψ(5.5) = H_{4.5} − γ (A&S 6.3.4)
        (lambda x: x**2, 30.25),
    ],
    ids=["loggamma", "gamma", "polygamma", "plain"],
)
def test_numeric_modules_evaluate_gamma_type_functions_in_float64(make: Any, value: float) -> None:
    x = sp.Symbol("x")
    expr = make(x)
    fn = sp.lambdify(x, expr, modules=evaluation.numeric_modules([expr]))
    out = np.asarray(fn(np.float64(5.5)))
    assert out.dtype == np.float64 and float(out) == pytest.approx(value, rel=1e-14, abs=0)
    grid = fn(np.array([5.5, 5.5]))  # arrays need scipy.special: math.lgamma/math.gamma take scalars only
    np.testing.assert_allclose(grid, [value, value], rtol=1e-14)
    mp_fn = sp.lambdify(x, expr, modules=evaluation.numeric_modules([expr], mp=True))
    assert isinstance(mp_fn(mpmath.mpf("5.5")), mpmath.mpf)


# --- stl_bounds.special (docs/theory.md §3, §5) -----------------------------------------------------------------


def test_signed_zero_results_are_positive_zero() -> None:
    """``+ 0.0`` turns the −0.0 of −expm1(0)/(1 − ρ) and of a −0.0 node into +0.0 (printed as 0, not -0)."""
    assert not np.signbit(geometric_sum_numpy(0.5, 0.0))
    assert not np.signbit(divided_power_numpy(1.0, -0.0))


@pytest.mark.parametrize(
    ("function", "args", "name"),
    [
        (log_gamma_ratio_numpy, (np.array([2.0, -1.0]), 0.5), "LogGammaRatio"),
        (digamma_minus_log_numpy, (0.0,), "DigammaMinusLog"),
    ],
)
def test_gamma_type_errors_name_the_function(function: Any, args: tuple, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} needs positive Gamma-function arguments; got "):
        function(*args)


def test_log_gamma_ratio_near_the_pole_of_gamma_x_plus_a() -> None:
    """a close to −x: Γ(x + a) is near its pole, and the shift must continue until min(z, z + a) >= 10."""
    x = np.array([10.0, 12.0, 30.0])
    a = np.array([-9.5, -11.75, -29.0])
    with mpmath.workdps(50):
        exact = [
            float(mpmath.loggamma(mpmath.mpf(xi) + ai) - mpmath.loggamma(xi) - ai * mpmath.log(xi))
            for xi, ai in zip(x, a)
        ]
    np.testing.assert_allclose(log_gamma_ratio_numpy(x, a), exact, rtol=1e-13)


@pytest.mark.parametrize("x", [1e6, 1e12])
def test_mpmath_references_keep_their_guard_bits(x: float) -> None:
    """The references lose ~2·log2(x) (LogGammaRatio) and ~log2(x) + log2(log x) (DigammaMinusLog) bits to
    cancellation; with their guard bits they are still correct to a few ulp at double precision."""
    with mpmath.workdps(90):
        lgr = mpmath.loggamma(mpmath.mpf(x) + 0.5) - mpmath.loggamma(x) - 0.5 * mpmath.log(x)
        dml = mpmath.digamma(mpmath.mpf(x)) - mpmath.log(x)
    assert float(log_gamma_ratio_mpmath(x, 0.5)) == pytest.approx(float(lgr), rel=1e-15, abs=0)
    assert float(digamma_minus_log_mpmath(x)) == pytest.approx(float(dml), rel=1e-15, abs=0)


def test_divided_power_leaves_finished_points_alone() -> None:
    """Binary powering squares a point's base only while its exponent needs it: a huge node with k = 1 next to a
    point with k = 1000 must not overflow (the squares of 1e200 would)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = divided_power_numpy(np.array([1.0, 1000.0]), np.array([1e200, 0.5]), np.array([1e200, 0.5]))
    assert out[0] == 1.0  # (·)^1[x, x] = 1
    assert out[1] == pytest.approx(1000 * 0.5**999, rel=1e-13, abs=0)  # (·)^k[x, x] = k x^(k−1)


def test_divided_power_below_the_number_of_nodes_expands_to_zero() -> None:
    x, y, z = sp.symbols("x y z")
    assert DividedPower(sp.Integer(1), x, y, z, evaluate=False).doit() == 0  # h_{-1} = 0
    assert DividedPower(sp.Integer(2), x, y, z, evaluate=False).doit() == 1  # h_0 = 1


def test_unknown_parameter_message_names_it_and_every_allowed_name() -> None:
    with pytest.raises(ParameterError) as info:
        THM1.evaluate(zz=1, lam=0.3, aa=2)
    allowed = ", ".join(sorted([*THM1.parameter_names, "m"]))
    assert str(info.value).startswith(f"unknown parameter 'aa' for fu2025.thm1; allowed: {allowed}")
    no_m = stl_bounds.get("bousquet2002.stability")
    assert not no_m.accepts_m
    with pytest.raises(ParameterError, match=r"^unknown parameter 'm' for bousquet2002\.stability"):
        no_m.evaluate(m=3)


def test_domain_message_names_the_parameter() -> None:
    with pytest.raises(ParameterError, match=r"^lam must be \[0, 1\]; got 2$"):
        THM1.evaluate(lam=2)


def test_m_as_an_array_gives_lam_as_an_array() -> None:
    by_m = THM1.evaluate(n=100, m=[100, 300])
    by_lam = THM1.evaluate(n=100, lam=[0.5, 0.25])
    np.testing.assert_allclose(by_m.value, by_lam.value, rtol=1e-15)
    np.testing.assert_array_equal(by_m.params["lam"], [0.5, 0.25])


def test_constraints_pass_where_they_hold_and_name_the_broken_one() -> None:
    bound = stl_bounds.get("gauss.fresh.var")
    assert bound.evaluate(n=10, lam=0.5).value > 0  # lam*n = 5 is an integer, n >= 2
    assert bound.evaluate(n=10, lam=[0.5, 0.3]).value.shape == (2,)
    with pytest.raises(ParameterError, match=r"^gauss\.fresh\.var: lam\*n must be an integer"):
        bound.evaluate(n=10, lam=[0.5, 0.25])  # one point of the grid breaks it


def test_broadcast_error_lists_the_shapes() -> None:
    with pytest.raises(ParameterError) as info:
        THM1.evaluate(lam=[0.1, 0.2], i=[1, 2, 3])
    assert str(info.value) == "parameter arrays do not broadcast together: shapes {'lam': (2,), 'i': (3,)}"


def test_result_identity_types_and_diagnostics() -> None:
    r = evaluation.evaluate(THM1, {"lam": 0.3})  # the module function with its own defaults
    assert r.id == "fu2025.thm1" and r.fidelity == THM1.fidelity
    assert r.diagnostics["precision"] == "float64"
    assert type(r.diagnostics["rho"]) is float and type(r.diagnostics["vacuous"]) is bool
    assert type(THM1.check(lam=0.3)["shift"]) is float
    assert THM1.check(lam=[0.3, 0.4])["shift"].shape == (2,)
    mp = evaluation.evaluate(THM1, {"lam": 0.3}, precision="mp")
    assert mp.diagnostics["precision"] == "mp"
    assert mp.value == evaluation.evaluate(THM1, {"lam": 0.3}, precision="mp", dps=50).value  # 50 digits by default
    assert mp.value != evaluation.evaluate(THM1, {"lam": 0.3}, precision="mp", dps=51).value


@pytest.mark.parametrize(
    ("eps", "lam", "vacuous"),
    [(1.0, 1.0, True), (0.5, 1.0, False), (1.0, 0.5, True)],
    ids=["value-equals-trivial", "below", "above"],
)
def test_vacuous_from_the_value_reaching_trivial_at(eps: float, lam: float, vacuous: bool) -> None:
    """lemma.shift = ε·geom(1 − λ, i + 1) says nothing from trivial_at = 1 on; at λ = 1 the value is exactly ε."""
    r = stl_bounds.get("lemma.shift").evaluate(eps=eps, lam=lam, i=5)
    assert type(r.diagnostics["trivial_at"]) is float and r.diagnostics["trivial_at"] == 1.0
    assert r.diagnostics["vacuous"] is vacuous, (r.value, r.diagnostics)
    grid = stl_bounds.get("lemma.shift").evaluate(eps=[eps, 0.01], lam=lam, i=5).diagnostics["vacuous"]
    assert grid.tolist() == [vacuous, False]


def _one_term_bound(bound_id: str, term: sp.Expr) -> Any:
    """A throw-away bound of the parameter n with one term (not registered)."""
    from stl_bounds.bound import Bound, Citation
    from stl_bounds.parameters import param

    return Bound(
        id=bound_id,
        title="x",
        citation=Citation("p", "l", "docs/theory.md §1"),
        fidelity="exact",
        assumptions=("a",),
        parameters=(param("n"),),
        terms=(("t", term),),
    )


def test_a_non_finite_value_is_an_error_with_the_mp_hint() -> None:
    from stl_bounds.parameters import symbol

    with pytest.raises(EvaluationError) as info:
        _one_term_bound("test.infinite", sp.oo * symbol("n")).evaluate(n=3)
    assert str(info.value) == (
        "test.infinite: value is not finite in float64 at these parameters; use precision='mp' (CLI: --precision mp)"
    )


def test_scalar_overflow_is_numpys_floating_point_error() -> None:
    """Scalars enter the kernel as np.float64, so n**n overflows under np.errstate like an array does (Python
    floats would raise OverflowError with the C library's "Numerical result out of range")."""
    from stl_bounds.parameters import symbol

    n = symbol("n")
    with pytest.raises(EvaluationError, match=r"^test\.power: float64 overflow encountered in"):
        _one_term_bound("test.power", n**n).evaluate(n=1000)


@pytest.mark.parametrize(("rho", "k"), [(-0.5, 4), (-0.5, 5), (-2.0, 3), (-2.0, 4), (-0.999999, 7), (0.0, 2.5)])
def test_geometric_sum_mpmath_at_negative_and_zero_rho(rho: float, k: float) -> None:
    """For ρ < 0 (an integer k) the sum alternates in sign; ρ = 0 gives 1 for every k > 0."""
    with mpmath.workdps(40):
        exact = 1 if rho == 0 else mpmath.fsum(mpmath.mpf(rho) ** j for j in range(int(k)))
        assert geometric_sum_mpmath(rho, k) == pytest.approx(exact, rel=1e-35, abs=0)


def test_geometric_sum_mpmath_refuses_a_fractional_k_below_zero() -> None:
    with pytest.raises(ValueError, match=r"^GeometricSum needs an integer k for rho < 0; got rho=-0\.5, k=2\.5$"):
        geometric_sum_mpmath(-0.5, 2.5)


def test_evalf_keeps_the_requested_precision() -> None:
    """evalf(50) of GeometricSum (non-integer k) and DividedPower is right to 50 digits: k enters with guard bits."""
    third = sp.Rational(1, 3)
    with mpmath.workdps(60):
        exact = geometric_sum_mpmath(mpmath.mpf(1) / 3, mpmath.mpf(1) / 3)
    # ~0.46 to 50 digits, and then some: the error is ~4e-53; k rounded to 10 bits fewer than asked gives 1.6e-50
    assert abs(GeometricSum(third, third).evalf(50) - sp.Float(exact, 60)) < sp.Float("1e-51")
    nodes = (third, sp.Rational(1, 7))
    exact_h = (nodes[0] ** 40 - nodes[1] ** 40) / (nodes[0] - nodes[1])  # h_39(a, b) = (a^40 − b^40)/(a − b)
    assert abs(DividedPower(40, *nodes).evalf(50) / exact_h - 1) < sp.Float("1e-45")
    x = sp.Symbol("x")
    assert GeometricSum(x, 3).evalf() == GeometricSum(x, 3)  # a symbolic argument stays unevaluated


def test_nonnegativity_needs_both_arguments() -> None:
    r, k = sp.Symbol("r"), sp.Symbol("k", nonnegative=True)
    assert GeometricSum(sp.Symbol("r", nonnegative=True), k).is_nonnegative is True
    assert GeometricSum(r, k).is_nonnegative is None


def test_doit_honours_deep() -> None:
    x, y = sp.symbols("x y")
    d = sp.Derivative(x**2, x)
    assert GeometricSum(d, 2).doit() == 1 + 2 * x
    assert GeometricSum(d, 2).doit(deep=False) == 1 + d
    assert DividedPower(3, d, y).doit() == sp.expand((2 * x) ** 2 + 2 * x * y + y**2)
    assert DividedPower(3, d, y).doit(deep=False) == d**2 + d * y + y**2
    k = sp.Symbol("k")
    assert DividedPower(k, x, y).doit() == DividedPower(k, x, y)  # a symbolic exponent stays


def test_divided_power_of_one_node_and_without_nodes() -> None:
    x = sp.Symbol("x")
    assert DividedPower(5, x) == x**5
    assert DividedPower(5, x, x) == 5 * x**4
    with pytest.raises(TypeError, match=r"^DividedPower takes an exponent and at least one node$"):
        DividedPower(3)


def test_divided_power_numpy_with_integer_nodes_beyond_int64() -> None:
    """Integer nodes are computed in floats: 3^64, a square on the way to (·)^80[3, 3] = 80·3^79, exceeds int64."""
    assert divided_power_numpy(np.array(80), np.array(3), np.array(3)) == pytest.approx(80 * 3.0**79, rel=1e-13, abs=0)


def test_rewrite_as_gamma_is_the_same_function() -> None:
    x, a = sp.symbols("x a", positive=True)
    ratio = LogGammaRatio(x, a)
    at = {x: sp.Rational(5, 2), a: sp.Rational(7, 10)}
    assert abs(ratio.rewrite(sp.gamma).subs(at).evalf(30) - ratio.rewrite(sp.loggamma).subs(at).evalf(30)) < 1e-25


def test_latex_forms() -> None:
    x, a, k, y, rho = sp.symbols("x a k y rho")
    ratio = r"\log\frac{\Gamma\left(a + x\right)}{\Gamma\left(x\right) \left(x\right)^{a}}"
    assert sp.latex(LogGammaRatio(x, a)) == ratio
    assert sp.latex(DigammaMinusLog(x)) == r"\left(\psi\left(x\right) - \log\left(x\right)\right)"
    assert sp.latex(DividedPower(k, x, y)) == r"\left(\cdot\right)^{k}\left[x, y\right]"
    assert sp.latex(GeometricSum(rho, k)) == r"\frac{1 - \left(\rho\right)^{k}}{1 - \left(\rho\right)}"
