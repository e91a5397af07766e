"""The contract checks of one bound at one point: shared by the test suite and ``stl-bounds check``.

``tests/test_contract.py`` runs them over the registry with hypothesis; :mod:`stl_bounds.boundfiles.check`
runs them on a bound file.  Each function returns what is wrong (a list of messages, or ``None``/an empty
list when the contract holds), naming the term, the parameters and the values, so a failure is its own
counterexample.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from stl_bounds import evaluation
from stl_bounds.bound import Bound, Monotonicity
from stl_bounds.errors import EvaluationError, ParameterError

__all__ = [
    "MP_DPS",
    "float64_disagreements",
    "input_sensitivity",
    "latex_failures",
    "limit_disagreement",
    "monotonicity_violation",
    "terms_sum_gap",
    "underflows",
]

#: Digits of the mpmath reference in the float64 comparison.
MP_DPS = 40


def input_sensitivity(bound: Bound, params: Mapping[str, float], term: str) -> float:
    """How much the exact term moves when each input moves by one float64 ulp (its condition).

    Float64 cannot do better than the rounding of its inputs, so near cancellation
    (e.g. m* = n (C/(c1 a) - 2) with C ~ 2 c1 a) the agreement is judged against it.
    """
    base = bound.evaluate(precision="mp", dps=MP_DPS, **params).terms[term]
    total = mpmath.mpf(0)
    for name, x in params.items():
        nudged = float(np.nextafter(x, np.inf))
        try:
            moved = bound.evaluate(precision="mp", dps=MP_DPS, **{**params, name: nudged}).terms[term]
        except ParameterError:  # nudged out of the domain (integers, closed ends)
            continue
        total += abs(moved - base)
    return float(total)


def underflows(bound: Bound, params: Mapping[str, float]) -> bool:
    """Whether some float64 operation of the evaluation at ``params`` underflows (numpy's flag).

    The float64 path ignores underflow (``evaluation._RAISE``); here it is raised for one evaluation.
    """
    previous = evaluation._RAISE["under"]
    evaluation._RAISE["under"] = "raise"
    try:
        bound.evaluate(**params)
    except EvaluationError as exc:
        return "underflow" in str(exc)
    finally:
        evaluation._RAISE["under"] = previous
    return False


def float64_disagreements(
    bound: Bound, params: Mapping[str, float], fast: Mapping[str, float], ref: Mapping[str, Any]
) -> list[str]:
    """The terms where float64 misses the mpmath reference by more than the tolerance model allows.

    The model: 1e-10 relative (rounding accumulated through the kernel), plus 64 times the input sensitivity
    (the inputs are float64 numbers), as long as no operation underflows.  When an intermediate falls below
    the smallest normal float64 (2.2e-308) it keeps only an absolute precision of 2^-1074, and later factors
    may scale that loss up by any amount; no relative accuracy is promised then, whatever the size of the
    result, so the model excuses exactly the draws whose evaluation raised numpy's underflow flag.
    """
    out = []
    underflow = None
    for name, value in fast.items():
        exact = ref[name]
        error = abs(value - exact)
        if error <= 1e-10 * abs(exact) or error <= 1e-10 * abs(exact) + 64 * input_sensitivity(bound, params, name):
            continue
        if underflow is None:
            underflow = underflows(bound, params)
        if not underflow:
            out.append(f"{name}: float64 {value!r}, mpmath {mpmath.nstr(exact, 17)}")
    return out


def terms_sum_gap(value: float, terms: Mapping[str, float]) -> float:
    """``|value - sum(terms)|`` relative to ``|value|`` (absolute below 1e-300)."""
    return abs(value - math.fsum(terms.values())) / max(abs(value), 1e-300)


def latex_failures(bound: Bound) -> list[str]:
    """The formulas of ``bound`` (whole, with defaults, each term) that matplotlib's mathtext cannot typeset."""
    from matplotlib.mathtext import MathTextParser

    parser = MathTextParser("path")
    formulas = {"bound": bound.latex(), "bound with defaults": bound.latex(with_defaults=True)}
    formulas.update({f"term {name}": text for name, text in bound.term_latex().items()})
    out = []
    for what, text in formulas.items():
        try:
            parser.parse(f"${text}$")
        except ValueError as exc:
            out.append(f"{what}: {' '.join(str(exc).split())[:120]}")
    return out


def monotonicity_violation(
    bound: Bound, mono: Monotonicity, params: Mapping[str, float], x0: float, x1: float
) -> str | None:
    """For ``x0 < x1``: whether the bound (or the term) at ``x1`` breaks the stated direction, by more than
    1e-12 relative; the message is the counterexample.  Raises ParameterError/EvaluationError as evaluate."""
    lo = bound.evaluate(**{**params, mono.parameter: x0})
    hi = bound.evaluate(**{**params, mono.parameter: x1})
    f0 = lo.terms[mono.term] if mono.term else lo.value
    f1 = hi.terms[mono.term] if mono.term else hi.value
    slack = 1e-12 * max(abs(f0), abs(f1))
    broken = f1 < f0 - slack if mono.direction == "nondecreasing" else f1 > f0 + slack
    if not broken:
        return None
    what = f"term {mono.term}" if mono.term else "the bound"
    others = ", ".join(f"{k}={v:.17g}" for k, v in params.items() if k != mono.parameter)
    return (
        f"{what} is {f0:.17g} at {mono.parameter}={x0:.17g} and {f1:.17g} at {mono.parameter}={x1:.17g} "
        f"({others}), not {mono.direction}"
    )


def limit_disagreement(bound: Bound, limit: sp.Expr, params: Mapping[str, float]) -> str | None:
    """Whether the bound far out in the generation misses the symbolic ``limit`` at ``params`` (ρ < 1 - 1e-4
    there; the caller checks): the generation is taken so large that ρ^i < 1e-19."""
    gen = bound.generation
    assert gen is not None
    first = bound.evaluate(**{**params, gen: 1})
    rho = first.diagnostics["rho"]
    far_out = max(2000, math.ceil(45 / -math.log(rho)) if rho > 0 else 0)
    resolved = bound.check(**params)
    subs = {bound.parameter_map[k].symbol: sp.Float(v, 30) for k, v in resolved.items() if k in bound.parameter_map}
    expected = float(limit.xreplace(subs).evalf(30))
    far = bound.evaluate(**{**params, gen: far_out}).value
    # What is left after far_out generations is of order rho^far_out < 1e-19 times the bound's early scale,
    # so the comparison is relative to that scale when the limit itself is 0 (or tiny).
    scale = max(abs(expected), abs(float(first.value)))
    if math.isfinite(expected) and abs(far - expected) <= 1e-9 * scale + 1e-300:
        return None
    return f"at {gen}={far_out} the bound is {far:.17g}, its limit {expected:.17g} (rho={rho:.6g}, {dict(params)})"
