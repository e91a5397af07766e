"""``stl-bounds check FILE``: the contract suite of the registry, run on one bound file.

The file must read (else :class:`~stl_bounds.errors.BoundFileError`, exit 2) and its id must be new or
registered for the same formula.  Then, each check a row of the report:

* the defaults lie in their domains and the bound evaluates there;
* the terms sum to the value, float64 agrees with the mpmath reference (the tolerance model of
  :func:`stl_bounds.contract.float64_disagreements`) and a grid equals its points, at hypothesis-drawn
  valid points (:func:`stl_bounds.testing.valid_params`, within the declared ``typical`` ranges);
* the LaTeX of the bound and of each term renders with matplotlib's mathtext;
* each stated property holds: a monotonicity symbolically when sympy decides the sign of the
  derivative (defaults substituted), else on drawn pairs of points; ``limit_<generation> = "finite"``
  by :func:`sympy.limit` and against the bound far out in the generation; a ``[recurrence]`` proved
  equal to its term by sympy, else iterated numerically.

A failing numeric check reports hypothesis' shrunk counterexample.  Nothing is registered.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from stl_bounds import contract
from stl_bounds.bound import Bound, Monotonicity, substitute_defaults
from stl_bounds.boundfiles.build import BoundFile
from stl_bounds.boundfiles.loader import PathLike, read_bound_file
from stl_bounds.boundfiles.numeric import NotARealNumber, mp_value
from stl_bounds.boundfiles.recurrence import STATE, Recurrence, solve
from stl_bounds.errors import EvaluationError, ParameterError, UnknownIdError

__all__ = ["CheckReport", "CheckRow", "check_file"]

#: Steps of a recurrence iterated numerically when sympy cannot prove it.
RECURRENCE_STEPS = 25


@dataclass(frozen=True)
class CheckRow:
    """One check: what, whether it holds, how it was decided, and the detail (a counterexample if not)."""

    check: str
    passed: bool
    how: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "passed": self.passed, "how": self.how, "detail": self.detail}


@dataclass(frozen=True)
class CheckReport:
    """All checks of one bound file."""

    path: str
    bound_id: str
    rows: tuple[CheckRow, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)

    def text(self) -> str:
        from stl_bounds.formatting import table

        header = ["check", "result", "how", "detail"]
        rows = [[r.check, "ok" if r.passed else "FAIL", r.how, r.detail] for r in self.rows]
        failed = sum(not r.passed for r in self.rows)
        verdict = f"all {len(self.rows)} checks hold" if not failed else f"{failed} of {len(self.rows)} checks fail"
        return f"{self.path}: {self.bound_id}\n\n{table(header, rows)}\n\n{verdict}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "id": self.bound_id,
            "passed": self.passed,
            "checks": [r.to_dict() for r in self.rows],
        }


class _Found(Exception):
    """Raised inside a hypothesis run to report a counterexample."""


def _search(strategy: Any, test: Callable[[Any], str | None], draws: int, seed: int) -> tuple[int, str | None]:
    """Run ``test`` on up to ``draws`` examples of ``strategy``; return how many were judged (not rejected)
    and the failure hypothesis shrank to, if any."""
    from hypothesis import HealthCheck, Verbosity, given, settings
    from hypothesis import seed as with_seed

    ran: list[int] = [0]
    failures: list[str] = []

    @settings(
        max_examples=draws,
        database=None,
        deadline=None,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @with_seed(seed)
    @given(strategy)
    def run(example: Any) -> None:
        message = test(example)  # a rejected draw (hypothesis.reject) does not count
        ran[0] += 1
        if message is not None:
            failures.append(message)
            raise _Found(message)

    try:
        run()
    except Exception:  # _Found after shrinking, or hypothesis' report of it (flaky, unsatisfiable)
        if not failures:
            raise
        return ran[0], failures[-1]
    return ran[0], None


def _skip() -> None:
    from hypothesis import reject

    reject()


def _evaluate(bound: Bound, **params: Any) -> Any:
    """``bound.evaluate`` for a drawn point; a point float64 cannot evaluate (overflow) is skipped."""
    try:
        return bound.evaluate(**params)
    except (EvaluationError, ParameterError):
        _skip()


def _params_text(params: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.17g}" for k, v in params.items())


def check_file(path: PathLike, *, draws: int = 100, seed: int = 0) -> CheckReport:
    """Run every check on the bound file ``path`` (see the module docstring).

    Raises
    ------
    BoundFileError
        If the file is invalid or its id is registered for another formula.
    """
    loaded = read_bound_file(path)
    _check_id(loaded)
    b = loaded.bound
    checks = _Checks(b, draws, seed)
    rows = [CheckRow("parses", True, "schema, ast whitelist", f"{len(b.terms)} terms, {len(b.parameters)} parameters")]
    rows += [checks.defaults(), checks.terms_sum(), checks.float64(), checks.grid(), checks.latex()]
    rows += [checks.monotone(m) for m in b.monotone]
    if loaded.finite_limit:
        rows.append(checks.limit())
    if loaded.recurrence is not None:
        rows.append(checks.recurrence(loaded.recurrence))
    return CheckReport(str(path), b.id, tuple(rows))


def _check_id(loaded: BoundFile) -> None:
    from stl_bounds import registry

    try:
        existing = registry.get(loaded.bound.id)
    except UnknownIdError:
        return
    if existing != loaded.bound:
        origin = registry.source(loaded.bound.id)
        raise loaded.source.error(
            ("bound", "id"), f"id {loaded.bound.id!r} is already registered for another formula (source: {origin})"
        )


class _Checks:
    """The checks of one bound, with the drawing settings."""

    def __init__(self, bound: Bound, draws: int, seed: int) -> None:
        self.bound = bound
        self.draws = draws
        self.seed = seed

    def _points(self) -> Any:
        from stl_bounds.testing import valid_params

        return valid_params(self.bound)

    def _drawn(self, name: str, test: Callable[[Any], str | None], strategy: Any = None) -> CheckRow:
        ran, failure = _search(self._points() if strategy is None else strategy, test, self.draws, self.seed)
        if failure is not None:
            return CheckRow(name, False, f"{ran} draws", f"counterexample: {failure}")
        return CheckRow(name, True, f"{ran} draws", f"seed {self.seed}")

    def defaults(self) -> CheckRow:
        b = self.bound
        values = b.check()
        outside = [n for n, v in values.items() if n in b.parameter_map and not b.parameter_map[n].domain.contains(v)]
        if outside:
            return CheckRow("defaults lie in their domains", False, "resolve", f"outside: {', '.join(outside)}")
        try:
            value = b.evaluate().value
        except EvaluationError as exc:
            return CheckRow("defaults lie in their domains", False, "float64", str(exc))
        return CheckRow("defaults lie in their domains", True, "resolve, float64", f"value {value:.6g} at the defaults")

    def terms_sum(self) -> CheckRow:
        def test(params: dict[str, float]) -> str | None:
            r = _evaluate(self.bound, **params)
            gap = contract.terms_sum_gap(r.value, r.terms)
            return None if gap <= 1e-12 else f"value {r.value!r}, terms {r.terms} at {_params_text(params)}"

        return self._drawn("terms sum to the value", test)

    def float64(self) -> CheckRow:
        def test(params: dict[str, float]) -> str | None:
            fast = _evaluate(self.bound, **params)
            ref = self.bound.evaluate(precision="mp", dps=contract.MP_DPS, **params)
            problems = contract.float64_disagreements(self.bound, params, fast.terms, ref.terms)
            return f"{'; '.join(problems)} at {_params_text(params)}" if problems else None

        return self._drawn("float64 agrees with mpmath", test)

    def grid(self) -> CheckRow:
        from hypothesis import strategies as st

        from stl_bounds.testing import domain_values, parameter_box

        b = self.bound
        constrained = {s.name for c in b.constraints for s in c.condition.free_symbols}

        @st.composite
        def cases(draw: st.DrawFn) -> tuple[dict[str, float], str, list[float]]:
            params = draw(self._points())
            free = sorted(k for k in params if b.parameter_map[k].symbol.name not in constrained)
            if not free:
                _skip()
            name = draw(st.sampled_from(free))
            values = domain_values(b.parameter_map[name].domain, parameter_box(b, name))
            return params, name, draw(st.lists(values, min_size=2, max_size=4))

        def test(case: tuple[dict[str, float], str, list[float]]) -> str | None:
            params, name, column = case
            grid = _evaluate(b, **{**params, name: np.array(column)})
            for k, x in enumerate(column):
                point = _evaluate(b, **{**params, name: x})
                if not math.isclose(grid.value[k], point.value, rel_tol=1e-12, abs_tol=1e-300):
                    return f"grid {grid.value[k]!r} vs point {point.value!r} at {name}={x!r}, {_params_text(params)}"
            return None

        return self._drawn("a grid equals its points", test, cases())

    def latex(self) -> CheckRow:
        failures = contract.latex_failures(self.bound)
        count = 2 + len(self.bound.terms)
        if failures:
            return CheckRow("LaTeX renders", False, "matplotlib mathtext", "; ".join(failures))
        return CheckRow("LaTeX renders", True, "matplotlib mathtext", f"{count} formulas")

    # --- stated properties ----------------------------------------------------------------------
    def _derivative_sign(self, mono: Monotonicity) -> bool:
        """Whether sympy proves the derivative of the (defaults-substituted) function has the stated sign."""
        b = self.bound
        expr = dict(b.terms)[mono.term] if mono.term else b.expr
        derivative = sp.diff(substitute_defaults(expr, b.parameters), b.parameter_map[mono.parameter].symbol)
        if derivative.has(sp.Derivative, sp.Subs):
            return False
        sign = derivative.is_nonnegative if mono.direction == "nondecreasing" else derivative.is_nonpositive
        return bool(sign)

    def monotone(self, mono: Monotonicity) -> CheckRow:
        from hypothesis import strategies as st

        from stl_bounds.testing import domain_values, parameter_box

        b = self.bound
        what = f"{mono.term}: " if mono.term else ""
        given = ", ".join(f"{n} {d.describe()}" for n, d in mono.given)
        name = f"{what}{mono.parameter} {mono.direction}" + (f" (given {given})" if given else "")
        if self._derivative_sign(mono):
            return CheckRow(name, True, "symbolic", f"sympy: the derivative in {mono.parameter} has the sign")
        restricted = dict(mono.given)
        p = b.parameter_map[mono.parameter]
        domain = restricted.get(p.name, p.domain)

        @st.composite
        def cases(draw: st.DrawFn) -> tuple[dict[str, float], float, float]:
            params = draw(self._points())
            for other, dom in restricted.items():
                params[other] = draw(domain_values(dom, parameter_box(b, other)))
            pair = draw(st.lists(domain_values(domain, parameter_box(b, p.name)), min_size=2, max_size=2, unique=True))
            x0, x1 = sorted(pair)
            return params, x0, x1

        def test(case: tuple[dict[str, float], float, float]) -> str | None:
            params, x0, x1 = case
            try:
                return contract.monotonicity_violation(b, mono, params, x0, x1)
            except (EvaluationError, ParameterError):
                _skip()
                return None

        return self._drawn(name, test, cases())

    def limit(self) -> CheckRow:
        b = self.bound
        gen = b.generation
        name = f"limit_{gen} finite"
        try:
            limit = b.limit_in_generations()
        except NotImplementedError as exc:
            return CheckRow(name, False, "sympy.limit", f"sympy cannot take the limit ({exc})")
        if limit is None or limit.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or limit.is_finite is False:
            return CheckRow(name, False, "sympy.limit", f"counterexample: the limit is {limit}")
        if b.growth_rate is None or not b.growth_rate.free_symbols:
            return CheckRow(name, True, "sympy.limit", f"limit {sp.sstr(limit)}"[:100])

        def test(params: dict[str, float]) -> str | None:
            assert gen is not None
            rho = _evaluate(b, **{**params, gen: 1}).diagnostics["rho"]
            if not rho < 1 - 1e-4:
                _skip()
            try:
                return contract.limit_disagreement(b, limit, params)
            except (EvaluationError, ParameterError):
                _skip()
                return None

        row = self._drawn(name, test)
        return CheckRow(name, row.passed, f"sympy.limit, {row.how} with rho < 1", row.detail)

    def recurrence(self, rec: Recurrence) -> CheckRow:
        b = self.bound
        name = f"recurrence solves {rec.what()}"
        if solve(b, rec).proved:
            return CheckRow(name, True, "sympy.rsolve", "the closed form is proved equal")
        index = str(rec.index)
        index_name = next(p.name for p in b.parameters if p.symbol == rec.index)

        def at(params: dict[str, float]) -> dict[sp.Symbol, Any]:
            return {b.parameter_map[n].symbol: v for n, v in b.check(**params).items() if n in b.parameter_map}

        def test(params: dict[str, float]) -> str | None:
            try:
                x = mp_value(rec.x0, at({**params, index_name: 0}))
                for k in range(RECURRENCE_STEPS):
                    if k:
                        x = mp_value(rec.x_next, {**at({**params, index_name: k}), STATE: x})
                    r = _evaluate(b, **{**params, index_name: k})
                    target = r.value if rec.term is None else r.terms[rec.term]
                    if abs(target - x) > 1e-9 * abs(x) + 1e-300:
                        return (
                            f"at {index}={k} the recurrence gives {mpmath.nstr(x, 17)}, "
                            f"{rec.what()} {target!r} ({_params_text(params)})"
                        )
            except NotARealNumber:
                _skip()
            return None

        row = self._drawn(name, test)
        return CheckRow(name, row.passed, f"iterated {RECURRENCE_STEPS} steps, {row.how}", row.detail)
