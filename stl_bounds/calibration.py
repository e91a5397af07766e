r"""Inverse problems of docs/theory.md §4.5: how much real data does a target need?

For a registered bound :math:`B_i(\theta)` and a horizon :math:`G` the *forward
map* is the worst case over generations

.. math::

    F(\theta) = \sup_{0 \le i \le G} B_i(\theta),

evaluated on the whole grid :math:`i = 0, \dots, G` in one vectorized call of the
registry.  With ``horizon=None`` the supremum runs over every :math:`i \ge 0`:
it is the maximum of :math:`B_i` on :math:`i = 0, \dots, 32` and of the symbolic
limit :math:`\lim_{i\to\infty} B_i` (lambdified) where the growth factor
:math:`\rho < 1`, and :math:`+\infty` where :math:`\rho \ge 1` and :math:`B_i` still
grows (docs/theory.md §4.1 regimes ``critical``/``collapses``).  This is exact when
:math:`B_i` is monotone in :math:`i` from :math:`i = 32` on, as it is for every
bound whose generation dependence is :math:`\mathrm{geom}(\rho, i)` with
:math:`\rho \ge 0` (L3-L5, ``fu2025.thm1``, ``fu2025.thm2``).  Generation 0 is part
of the supremum: for ``fu2025.thm1`` it is the i.i.d. bound :math:`B_0`, which does
not depend on λ and is therefore a floor for every target.

Three inverse problems are solved:

* :func:`min_lambda`: the smallest :math:`\lambda \in [0, 1]` with
  :math:`F(\lambda) \le t`.  :math:`F` is not monotone in λ (docs/theory.md §6.1 C3: the
  recursive-stability term grows like :math:`\sqrt\lambda`), so a dense grid
  finds the first feasible cell and ``scipy.optimize.brentq`` the crossing in it;
  the root is then verified and, if needed, moved to the feasible side.
* :func:`min_n`: the smallest integer :math:`n` with :math:`F(n) \le t`, by a
  log-spaced scan and integer bisection (the registry accepts integer ``n``
  only, so the answer is exact and on the safe side by construction).
* :func:`best_lambda`: the λ minimizing :math:`F` (bounded ``minimize_scalar``
  after a grid), which can be interior (C3).

:func:`stl_bounds.solve.solve_for` generalises the first two to any one parameter,
its minimum or its maximum, on the same forward map and with the same safe-side
verification.  A calibrated quantity that the bound does not depend on (its
expression defaults substituted, except those the user sets) is refused.

Values of the calibrated quantity that the bound's joint constraints reject (e.g.
"λn must be an integer", docs/theory.md §5.2) count as infeasible; when the constraints
leave only the lattice λ = k/n, the lattice is scanned and the answer is exact;
:func:`min_n` needs the allowed n to form a range.  For a bound counted in fits
(``t = i + 1``, docs/theory.md §5) the horizon G means t = 1, ..., G + 1.

Every answer is stated on the safe side and re-verified *as printed*
(docs/theory.md §4.5): a minimum λ is rounded up to :data:`ANSWER_DIGITS`
significant digits (:mod:`stl_bounds.safe_side`) and the bound is evaluated again
at that decimal, stepping one unit of the last digit outward while it misses the
target; n is an integer already.  The answer is also given in counts
(:class:`Counts`: real points per generation, the largest number of synthetic
points), each count evaluated again.  An unreachable target says why: the terms
that do not depend on the calibrated quantity, their floor, and the parameters
that could lower it.

``scipy.optimize`` is imported inside the functions, so ``import stl_bounds``
stays light.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cache
from typing import Any, Literal

import numpy as np
import sympy as sp

from stl_bounds.bound import Bound, substitute_defaults
from stl_bounds.errors import CalibrationError, EvaluationError, ParameterError
from stl_bounds.evaluation import numeric_modules
from stl_bounds.limits import limit_terms
from stl_bounds.registry import get
from stl_bounds.result import json_number
from stl_bounds.safe_side import next_sig, round_sig, sig_text

__all__ = [
    "Calibration",
    "Counts",
    "best_lambda",
    "generations_limit",
    "min_lambda",
    "min_n",
    "sup_over_generations",
]

#: Generations evaluated explicitly when ``horizon=None`` (the tail comes from the limit).
DENSE_GENERATIONS = 32
#: Largest number of (λ, i) points evaluated in one grid scan.
GRID_BUDGET = 2_000_000
#: Points of the λ grid when the budget allows (2**9 + 1: the grid contains 0, 1/2, 1/4, ...).
LAM_GRID = 513
#: Log-spaced points per decade of the ``n`` scan.
N_PER_DECADE = 24
#: Absolute tolerance on λ for brentq, bisection and minimize_scalar.
LAM_XTOL = 1e-12
#: Significant digits of a λ answer: rounded to the safe side, then verified again at that decimal.
ANSWER_DIGITS = 8
#: Largest number of one-unit steps outward when a rounded answer or a count misses the target.
MAX_OUTWARD_STEPS = 16


@dataclass(frozen=True)
class Counts:
    r"""A proportion of real data λ in points (docs/theory.md §1), each count evaluated again.

    Attributes
    ----------
    n
        Points per generation (the bound's ``n``).
    real
        At least this many real points per generation: :math:`\lceil \lambda n \rceil`,
        raised further only where the bound at λ = real/n missed the target.
    synthetic
        At most this many synthetic points per generation, ``n - real``
        (:math:`\lfloor (1 - \lambda) n \rfloor`).
    achieved
        :math:`\sup_i B_i` at λ = real/n (at most the target).
    m_max
        With ``n`` real points and m synthetic ones (λ = n/(n+m), docs/theory.md §1):
        the largest m, :math:`\lfloor n (1 - \lambda)/\lambda \rfloor`, lowered further
        only where the bound at that m missed the target; ``None`` where the bound
        takes no ``m`` or λ = 0 (any m).
    m_achieved
        :math:`\sup_i B_i` at ``n`` real and ``m_max`` synthetic points.
    """

    n: int
    real: int
    synthetic: int
    achieved: float
    m_max: int | None = None
    m_achieved: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``n``, ``real_min``, ``synthetic_max``, ``achieved``, ``m_max``, ``m_achieved``."""
        return {
            "n": self.n,
            "real_min": self.real,
            "synthetic_max": self.synthetic,
            "achieved": json_number(self.achieved),
            "m_max": self.m_max,
            "m_achieved": None if self.m_achieved is None else json_number(self.m_achieved),
        }


@dataclass(frozen=True)
class Calibration:
    """The answer to an inverse problem of docs/theory.md §4.5.

    Attributes
    ----------
    bound_id
        Registry id of the bound.
    quantity
        ``"lam"`` or ``"n"``: what was solved for.
    value
        The answer (an integer-valued float for ``n``).
    target
        The target on :math:`\\sup_i B_i`; ``None`` for :func:`best_lambda`.
    achieved
        :math:`\\sup_{0 \\le i \\le G} B_i` at the answer (over all i when ``horizon`` is None).
    horizon
        G, or ``None`` for the limit :math:`i \\to \\infty`.
    params
        The other parameters used, defaults filled (those that depend on the
        generation index, such as ``shift`` and ``gamma`` from L4/L5, are left out:
        they are evaluated at every generation).
    method
        The numerical method, e.g. ``"grid scan (513 points) + brentq on [0.41, 0.42]"``.
    notes
        Footnotes: optimum at an edge, answer nudged to the safe side, plateaus.
    counts
        The answer in points (:class:`Counts`), for a target on a bound with ``lam`` and an
        integer ``n``; ``None`` otherwise.
    trivial_at
        The value at or above which the bound says nothing (``Bound.trivial_at``, e.g. M);
        ``None`` where the bound has none.  ``achieved >= trivial_at`` is :attr:`vacuous`.
    goal
        ``"minimum"`` (the smallest value meeting the target, rounded up), ``"maximum"`` (the
        largest, rounded down: :func:`stl_bounds.solve.solve_for`) or ``"minimizer"``
        (:func:`best_lambda`).
    """

    bound_id: str
    quantity: str
    value: float
    target: float | None
    achieved: float
    horizon: int | None
    params: dict[str, float]
    method: str
    notes: tuple[str, ...]
    counts: Counts | None = None
    trivial_at: float | None = None
    goal: Literal["minimum", "maximum", "minimizer"] = "minimum"

    @property
    def vacuous(self) -> bool | None:
        """Whether the bound at the answer is at or above its trivial value (it says nothing there)."""
        return None if self.trivial_at is None else bool(self.achieved >= self.trivial_at)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (divergence encoded as the string ``"inf"``, never NaN/Infinity)."""
        return {
            "bound_id": self.bound_id,
            "quantity": self.quantity,
            "value": json_number(self.value),
            "target": None if self.target is None else json_number(self.target),
            "achieved": json_number(self.achieved),
            "horizon": self.horizon,
            "params": {k: json_number(v) for k, v in self.params.items()},
            "method": self.method,
            "notes": list(self.notes),
            "counts": None if self.counts is None else self.counts.to_dict(),
            "trivial_at": None if self.trivial_at is None else json_number(self.trivial_at),
            "vacuous": self.vacuous,
            "goal": self.goal,
        }


# --- the limit i -> oo -------------------------------------------------------
def _expression_defaults(bound: Bound) -> frozenset[str]:
    return frozenset(p.name for p in bound.parameters if p.default is not None and p.default.free_symbols)


def generations_limit(bound: Bound, defaulted: frozenset[str] | None = None) -> sp.Expr | None:
    r""":math:`\lim_{i\to\infty} B_i` symbolically, valid where :math:`\rho < 1` (docs/theory.md §6.1 C1).

    Parameters
    ----------
    bound
        A registered bound.
    defaulted
        Parameters whose expression defaults are substituted (e.g. ``shift`` from
        L4); ``None`` means all of them, i.e. ``bound.limit_in_generations()``.

    Returns
    -------
    sympy.Expr or None
        The limit, or ``None`` when the bound has no generation parameter.

    Notes
    -----
    For a proper subset (the user supplied, say, ``shift``), the limit is
    ``limit_in_generations`` of an unregistered copy of the bound in which the
    other expression defaults are dropped, so that their symbols stay free: the
    one symbolic code path of :mod:`stl_bounds.limits` serves both cases.
    """
    if bound.generation is None:
        return None
    return _limit_view(bound, defaulted).limit_in_generations()


def _limit_view(bound: Bound, defaulted: frozenset[str] | None) -> Bound:
    """``bound``, or an unregistered copy whose expression defaults outside ``defaulted`` are dropped."""
    if defaulted is None or frozenset(defaulted) == _expression_defaults(bound):
        return bound
    kept = _expression_defaults(bound) - frozenset(defaulted)
    parameters = tuple(replace(p, default=None) if p.name in kept else p for p in bound.parameters)
    return replace(bound, parameters=parameters)


@cache
def _term_limit_functions(bound: Bound, defaulted: frozenset[str]) -> dict[str, Callable[..., Any]] | None:
    """Each term's lim_(i→∞), lambdified (for ρ < 1); None where the bound states its own limit or sympy fails."""
    if bound.generation is None or bound.limit is not None:
        return None
    try:
        terms = limit_terms(_limit_view(bound, defaulted))
    except NotImplementedError:
        return None
    if terms is None or any(e.has(sp.Limit, sp.Sum) for e in terms.values()):
        return None
    args = tuple(p.symbol for p in bound.parameters)
    return {name: sp.lambdify(args, e, modules=numeric_modules([e])) for name, e in terms.items()}


@cache
def _limit_function(bound: Bound, defaulted: frozenset[str]) -> Callable[..., Any]:
    """The lambdified limit; :class:`CalibrationError` where sympy cannot take it in closed form."""
    advice = (
        f"sympy could not take lim_(i→∞) B_i of {bound.id} in closed form; pass a finite horizon (CLI: --horizon G)"
    )
    try:
        expr = generations_limit(bound, defaulted)
    except NotImplementedError as exc:
        raise CalibrationError(f"{advice} ({exc})") from exc
    if expr.has(sp.Limit, sp.Sum):
        raise CalibrationError(f"{advice} (got {sp.sstr(expr)})")
    args = tuple(p.symbol for p in bound.parameters)
    return sp.lambdify(args, expr, modules=numeric_modules([expr]))


@cache
def _constraint_functions(bound: Bound) -> tuple[Callable[..., Any], ...]:
    args = tuple(p.symbol for p in bound.parameters)
    return tuple(sp.lambdify(args, c.condition, modules=[np]) for c in bound.constraints)


# --- the forward map -----------------------------------------------------------
def _generation_grid(bound: Bound, horizon: int | None) -> np.ndarray | None:
    """Generation values i = 0..G (or t = 1..G+1 for a bound counted in fits)."""
    if bound.generation is None:
        return None
    first = math.ceil(bound.parameter_map[bound.generation].domain.lower)
    last = DENSE_GENERATIONS if horizon is None else horizon
    return first + np.arange(last + 1, dtype=float)


class _Forward:
    """Vectorized :math:`q \\mapsto (\\sup_{i} B_i, \\sup_{i > i_0} B_i)` for the calibrated quantity q.

    The second component leaves out the first generation; :func:`best_lambda`
    uses it to break ties on the plateau where generation 0 dominates.
    """

    def __init__(
        self,
        bound: Bound,
        quantity: str | None,
        horizon: int | None,
        fixed: Mapping[str, Any],
        reference: Mapping[str, float],
    ) -> None:
        self.bound = bound
        self.quantity = quantity
        self.horizon = horizon
        self.fixed = dict(fixed)
        self.reference = dict(reference)
        self.generations = _generation_grid(bound, horizon)
        self.defaulted = frozenset(_expression_defaults(bound) - set(fixed) - {quantity})
        self.limit = (
            _limit_function(bound, self.defaulted) if horizon is None and bound.generation is not None else None
        )

    def valid(self, q: np.ndarray) -> np.ndarray:
        """Which values of q the bound accepts: their domain and the joint constraints (e.g. λn an integer)."""
        q = np.atleast_1d(np.asarray(q, dtype=float))
        if self.quantity is None:
            return np.ones(q.shape, dtype=bool)
        ok = self.bound.parameter_map[self.quantity].domain.contains(q)
        if not self.bound.constraints:
            return ok
        values = dict(self.reference)
        values[self.quantity] = q
        if self.quantity == "n" and "m" in self.fixed:
            values["lam"] = q / (q + float(self.fixed["m"]))
        args = [np.asarray(values.get(p.name, np.nan), dtype=float) for p in self.bound.parameters]
        with np.errstate(all="ignore"):
            for condition in _constraint_functions(self.bound):
                ok = ok & np.broadcast_to(np.asarray(condition(*args), dtype=bool), q.shape)
        return ok

    def __call__(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sup over all generations, sup over generations after the first); +inf where q is not allowed."""
        q = np.atleast_1d(np.asarray(q, dtype=float))
        ok = self.valid(q)
        first, later = np.full(q.shape, math.inf), np.full(q.shape, math.inf)
        if ok.any():
            first[ok], later[ok] = self._safe_grid(q[ok])
        return first, later

    def _safe_grid(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        try:
            return self._grid(q)
        except EvaluationError:
            # float64 overflow somewhere on the grid: redo point by point, +inf where it fails.
            if q.size == 1:
                return np.array([math.inf]), np.array([math.inf])
            parts = [self._safe_grid(q[k : k + 1]) for k in range(q.size)]
            return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def scalar(self, q: float) -> float:
        """:math:`\\sup_i B_i` at one value of q."""
        return float(self(np.array([q]))[0][0])

    def _grid(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        kwargs: dict[str, Any] = dict(self.fixed)
        if self.generations is None:
            if self.quantity is not None:
                kwargs[self.quantity] = q
            value = np.broadcast_to(self.bound.evaluate(**kwargs).value, q.shape)
            return np.array(value, dtype=float), np.array(value, dtype=float)
        if self.quantity is not None:
            kwargs[self.quantity] = q[:, None]
        kwargs[self.bound.generation] = self.generations[None, :]
        result = self.bound.evaluate(**kwargs)
        value = np.broadcast_to(result.value, (q.size, self.generations.size))
        first = value.max(axis=1)
        later = value[:, 1:].max(axis=1) if value.shape[1] > 1 else first
        if self.limit is None:
            return first, later
        tail = self._tail(result, value)
        return np.maximum(first, tail), np.maximum(later, tail)

    def term_values(self, q: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray], list[str]] | None:
        """Each term at the allowed values of q and every generation, for :func:`_why_unreachable`.

        Returns the allowed q, arrays of shape (q, generation) by term name, and a label per
        generation column; with ``horizon=None`` and ρ < 1 at every q, a last column holds each
        term's limit i → ∞.  ``None`` where float64 overflows.
        """
        q = np.atleast_1d(np.asarray(q, dtype=float))
        q = q[self.valid(q)]
        kwargs: dict[str, Any] = dict(self.fixed)
        if self.quantity is not None:
            kwargs[self.quantity] = q[:, None]
        labels = ["every parameter point"]
        if self.generations is not None:
            kwargs[self.bound.generation] = self.generations[None, :]
            labels = [f"{self.bound.generation} = {g:g}" for g in self.generations]
        try:
            result = self.bound.evaluate(**kwargs)
        except EvaluationError:
            return None
        shape = (q.size, len(labels))
        values = {name: np.broadcast_to(np.asarray(v, dtype=float), shape) for name, v in result.terms.items()}
        tails = None if self.limit is None else _term_limit_functions(self.bound, self.defaulted)
        rho = result.diagnostics.get("rho")
        if tails is None or (rho is not None and not np.all(np.asarray(rho) < 1.0)):
            return q, values, labels
        args = [np.asarray(result.params.get(p.name, np.nan), dtype=float) for p in self.bound.parameters]
        with np.errstate(all="ignore"):
            for name, lim in tails.items():
                column = np.broadcast_to(np.asarray(lim(*args), dtype=float), shape)[:, :1]
                values[name] = np.concatenate([values[name], column], axis=1)
        return q, values, [*labels, f"{self.bound.generation} → ∞"]

    def _tail(self, result: Any, value: np.ndarray) -> np.ndarray:
        """:math:`\\sup_{i > 32} B_i`: the limit where ρ < 1, +inf where ρ ≥ 1 and B_i grows."""
        shape = (value.shape[0], 1)
        args = [np.asarray(result.params.get(p.name, np.nan), dtype=float) for p in self.bound.parameters]
        with np.errstate(all="ignore"):
            lim = np.broadcast_to(np.asarray(self.limit(*args), dtype=float), shape)[:, 0]
        if self.bound.growth_rate is None:
            return lim
        rho = np.broadcast_to(np.asarray(result.diagnostics["rho"], dtype=float), value.shape)[:, 0]
        growing = value[:, -1] > value[:, -2]
        return np.where(rho < 1.0, lim, np.where(growing, math.inf, -math.inf))


# --- validation ------------------------------------------------------------------
def _setup(
    bound_id: str, quantity: str | None, horizon: Any, params: Mapping[str, Any]
) -> tuple[Bound, dict[str, Any]]:
    """Check the problem; return the bound and the user's (scalar) fixed parameters."""
    bound = get(bound_id)
    names = bound.parameter_names
    if quantity is not None and quantity not in names:
        raise ParameterError(
            f"{bound_id} has no parameter {quantity!r} to calibrate; its parameters are: {', '.join(names)}"
        )
    forbidden: dict[str, str] = {}
    if quantity is not None:
        forbidden[quantity] = f"{quantity} is the calibrated quantity"
    if quantity == "lam" and bound.accepts_m:
        forbidden["m"] = "m fixes lam = n/(n+m), the calibrated quantity"
    if bound.generation is not None:
        forbidden[bound.generation] = (
            f"{bound.generation} is swept over the generations; pass horizon=G (CLI: --horizon G) instead"
        )
    for name, why in forbidden.items():
        if name in params:
            raise ParameterError(f"{why}; do not pass {name} (got {name}={params[name]!r})")
    if horizon is not None:
        if bound.generation is None:
            raise ParameterError(f"{bound_id} has no generation index, so horizon must be None; got {horizon!r}")
        if isinstance(horizon, (bool, np.bool_)) or not isinstance(horizon, numbers.Integral) or horizon < 0:
            raise ParameterError(f"horizon must be an integer >= 0 or None; got {horizon!r}")
    for name, value in params.items():
        if np.ndim(value) != 0:
            raise ParameterError(f"calibration takes scalar parameters; got an array for {name}: {value!r}")
    if quantity is not None:
        _check_dependence(bound, quantity, params)
    return bound, dict(params)


def _check_dependence(bound: Bound, quantity: str, fixed: Mapping[str, Any]) -> None:
    """The bound, its expression defaults substituted except where set, must involve the calibrated quantity."""
    free = tuple(p for p in bound.parameters if p.name not in fixed)
    expr = substitute_defaults(bound.expr, free)
    if bound.parameter_map[quantity].symbol not in expr.free_symbols:
        setting = f" with {', '.join(sorted(fixed))} set" if fixed else ""
        uses = ", ".join(p.name for p in bound.parameters if p.symbol in expr.free_symbols)
        raise ParameterError(
            f"{bound.id} does not depend on {quantity}{setting}: no value of {quantity} changes it "
            f"(its value depends on {uses})"
        )


def _check_target(target: Any) -> float:
    if isinstance(target, (bool, np.bool_)) or not isinstance(target, numbers.Real) or not 0 < target < math.inf:
        raise ParameterError(f"target must be a finite number > 0; got {target!r}")
    return float(target)


def _resolved(bound: Bound, fixed: Mapping[str, Any], quantity: str | None, value: float | None) -> dict[str, float]:
    """Dry run of the registry (validates ``fixed``) at ``quantity=value`` and the first generation."""
    probe = dict(fixed)
    if quantity is not None:
        probe[quantity] = value
    if bound.generation is not None:
        probe[bound.generation] = math.ceil(bound.parameter_map[bound.generation].domain.lower)
    return {k: float(v) for k, v in bound.check(**probe).items()}


def _reference(bound: Bound, fixed: Mapping[str, Any], quantity: str | None, candidates: Any) -> dict[str, float]:
    """The dry run at the first candidate value of q that the bound accepts (raises the first error if none)."""
    errors: list[ParameterError] = []
    for value in candidates:
        try:
            return _resolved(bound, fixed, quantity, value)
        except ParameterError as exc:
            errors.append(exc)
    raise errors[0]


def _depends_on_generation(bound: Bound, name: str) -> bool:
    """Whether the default of ``name`` (nested defaults substituted) involves the generation index."""
    p = bound.parameter_map[name]
    if bound.generation is None or p.default is None:
        return False
    expr = substitute_defaults(p.default, bound.parameters)
    return bound.parameter_map[bound.generation].symbol in expr.free_symbols


def _used_params(bound: Bound, fixed: Mapping[str, Any], quantity: str, value: float) -> dict[str, float]:
    """Parameters used at the answer, defaults filled; not q, the generation or generation-dependent defaults."""
    out = {}
    for name, v in _resolved(bound, fixed, quantity, value).items():
        if name in (quantity, bound.generation):
            continue
        if name in bound.parameter_map and name not in fixed and _depends_on_generation(bound, name):
            continue
        out[name] = v
    return out


def _sup_note(bound: Bound, horizon: int | None) -> str:
    if bound.generation is None:
        return "no generation index: the bound itself is the supremum"
    if horizon is None:
        return (
            f"sup over all i: max of B_i for i = 0..{DENSE_GENERATIONS} and of the symbolic limit i → ∞ "
            "where ρ < 1; +inf where ρ ≥ 1 and B_i still grows"
        )
    return f"sup over the generations i = 0..{horizon}, every one evaluated"


def sup_over_generations(bound_id: str, *, horizon: int | None = None, **params: Any) -> float:
    r"""The forward map of docs/theory.md §4.5, :math:`\sup_{0 \le i \le G} B_i`, at one parameter point.

    Parameters
    ----------
    bound_id
        Registry id.
    horizon
        G, or ``None`` for the supremum over every generation (module notes).
    **params
        Scalar parameters of the bound, without the generation index.

    Returns
    -------
    float
        The supremum; ``inf`` where :math:`B_i` grows without bound.

    Raises
    ------
    ParameterError
        For invalid parameters or horizon.
    """
    bound, fixed = _setup(bound_id, None, horizon, params)
    reference = _resolved(bound, fixed, None, None)
    return _Forward(bound, None, horizon, fixed, reference).scalar(0.0)


# --- root finding --------------------------------------------------------------------
def _safe_crossing(
    f: Callable[[float], float], lo: float, hi: float, target: float, xtol: float = LAM_XTOL
) -> tuple[float, str, list[str]]:
    """Smallest-side crossing of ``f = target`` in [lo, hi] with f(lo) > target >= f(hi), on the safe side.

    brentq on arctan(f - target) (finite where f = inf), then: if the root is
    infeasible, step up by doubling steps to a feasible point and bisect back.
    Falls back to bisection on the whole bracket when brentq fails.  ``xtol`` is the
    absolute tolerance of both (brentq adds its relative one).
    Returns the answer (f(answer) <= target), the method and notes.
    """
    from scipy.optimize import brentq

    notes: list[str] = []
    bracket = f"[{lo:.6g}, {hi:.6g}]"
    try:
        root = float(brentq(lambda x: float(np.arctan(f(x) - target)), lo, hi, xtol=xtol))
    except (ValueError, RuntimeError) as exc:
        notes.append(f"brentq failed ({exc}); bisection used")
        method = f"bisection on {bracket}"
    else:
        method = f"brentq on {bracket}"
        if f(root) <= target:
            return root, method, notes
        step = xtol
        lo = root
        while root + step < hi and f(root + step) > target:
            lo = root + step
            step *= 2.0
        hi = min(root + step, hi)
        notes.append(f"brentq's root {root:.15g} was infeasible; moved up to the safe side by bisection")
        method += " + bisection"
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        if f(mid) <= target:
            hi = mid
        else:
            lo = mid
    return hi, method, notes


def _chunk(fwd: _Forward) -> int:
    """Values of q per grid evaluation, so that (q, i) grids stay within :data:`GRID_BUDGET`."""
    width = 1 if fwd.generations is None else fwd.generations.size
    return max(1, GRID_BUDGET // width)


def _scan(fwd: _Forward, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``fwd`` on a long vector of q, in chunks."""
    size = _chunk(fwd)
    parts = [fwd(q[k : k + size]) for k in range(0, q.size, size)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _lam_candidates(fwd: _Forward) -> tuple[np.ndarray, bool]:
    """The λ values to scan, and whether they are a lattice (no root finding between them).

    Normally a uniform grid of :data:`LAM_GRID` points (fewer for long horizons).  When
    the bound's constraints reject most of it but accept λ = k/n (e.g. "λn must be an
    integer", docs/theory.md §5.2), the lattice k = 0..n is scanned instead: the answer is exact.
    """
    grid = np.linspace(0.0, 1.0, min(LAM_GRID, max(33, _chunk(fwd))))
    if fwd.valid(grid).mean() >= 0.5 or "n" not in fwd.reference:
        return grid, False
    n = int(fwd.reference["n"])
    lattice = np.arange(n + 1, dtype=float) / n
    if fwd.valid(lattice).any():
        return lattice, True
    return grid, False


def _floor_note(fwd: _Forward, grid: np.ndarray, k: int, sup: np.ndarray) -> str:
    """Say so when sup_i B_i at ``grid[k]`` is the first generation's bound and that one does not depend on q."""
    if fwd.generations is None:
        return ""
    first = _scan(_Forward(fwd.bound, fwd.quantity, 0, fwd.fixed, fwd.reference), grid)[0]
    allowed = np.isfinite(first)
    if allowed[k] and np.ptp(first[allowed]) == 0 and sup[k] <= first[k] * (1 + 1e-12):
        return (
            f" = the first generation's bound, which does not depend on {fwd.quantity}: no {fwd.quantity} goes below it"
        )
    return ""


# --- stating the answer: safe-side rounding, counts, unreachable targets ----------------
def _outward(
    f: Callable[[float], float], x: float, target: float, direction: Literal["up", "down"]
) -> tuple[float, str | None]:
    """``x`` (with ``f(x) <= target``) rounded to :data:`ANSWER_DIGITS` digits in ``direction`` and verified again.

    While ``f`` at the rounded decimal misses the target, step one unit of the last
    digit further in ``direction`` (at most :data:`MAX_OUTWARD_STEPS` times); if none
    meets it, keep ``x`` at full precision.  Returns the value and a note (None when
    ``x`` is short already).
    """
    d = round_sig(x, ANSWER_DIGITS, direction)
    if float(d) == x:
        return x, None
    for _ in range(MAX_OUTWARD_STEPS):
        if f(float(d)) <= target:
            return float(d), (
                f"{x!r} rounded {direction} to {float(d)!r} ({ANSWER_DIGITS} significant digits) "
                "and evaluated again there: the printed value meets the target"
            )
        d = next_sig(d, ANSWER_DIGITS, direction)
    return x, f"kept at full precision: {x!r} rounded {direction} to {ANSWER_DIGITS} digits misses the target"


def _sup_at(bound: Bound, horizon: int | None, params: Mapping[str, Any]) -> float:
    """:math:`\\sup_i B_i` at ``params`` (scalars, no generation index); +inf where the bound rejects them."""
    try:
        return _Forward(bound, None, horizon, params, _resolved(bound, params, None, None)).scalar(0.0)
    except ParameterError:
        return math.inf


def _counts(
    bound: Bound, horizon: int | None, params: Mapping[str, Any], lam: float, target: float, *, with_m: bool
) -> tuple[Counts | None, str | None]:
    """λ in points at the bound's n (in ``params``), each count evaluated again (see :class:`Counts`).

    Returns the counts (None where ⌈λn⌉ and the next counts all miss the target) and a note.
    """
    n = int(params["n"])
    base = {k: v for k, v in params.items() if k not in ("lam", "m")}
    exact = Fraction(lam)  # the float λ exactly: ⌈λn⌉ and ⌊n(1−λ)/λ⌋ without rounding error
    first = min(math.ceil(exact * n), n)
    if first > 0 and (first - 1) / n >= lam:  # the float k/n that is evaluated reaches λ one count earlier
        first -= 1
    real = next(
        (
            k
            for k in range(first, min(first + MAX_OUTWARD_STEPS, n) + 1)
            if _sup_at(bound, horizon, {**base, "lam": k / n}) <= target
        ),
        None,
    )
    if real is None:
        return None, f"no count stated: sup_i B_i misses the target at lam = k/n for k = {first}, ..., (n = {n})"
    counts = Counts(n, real, n - real, _sup_at(bound, horizon, {**base, "lam": real / n}))
    if not with_m or exact == 0:
        return counts, None
    top = math.floor(n * (1 - exact) / exact)
    if n / (n + top + 1) >= lam:  # as above: λ = n/(n+m) is evaluated in float
        top += 1
    for m in range(top, max(top - MAX_OUTWARD_STEPS, -1), -1):
        value = _sup_at(bound, horizon, {**base, "m": m})
        if value <= target:
            return replace(counts, m_max=m, m_achieved=value), None
    return counts, f"no largest m stated: sup_i B_i misses the target at m = {top} and the {MAX_OUTWARD_STEPS} below"


def _term_parameters(fwd: _Forward, name: str, column: int) -> set[str]:
    """Parameters that term ``name`` depends on at generation column ``column`` of
    :meth:`_Forward.term_values` (past the grid: its limit i → ∞), expression defaults
    substituted; not q, not the generation index."""
    view, generations = _limit_view(fwd.bound, fwd.defaulted), fwd.generations
    if generations is not None and column >= generations.size:
        expr = limit_terms(view)[name]
    else:
        expr = substitute_defaults(dict(view.terms)[name], view.parameters)
        if generations is not None:
            gen = fwd.bound.parameter_map[str(fwd.bound.generation)].symbol
            expr = expr.subs(gen, sp.Integer(int(generations[column])))
    return {p.name for p in fwd.bound.parameters if p.symbol in expr.free_symbols} - {
        fwd.quantity,
        fwd.bound.generation,
    }


def _hint(bound: Bound, parameter: str, terms: Iterable[str], uses: Mapping[str, set[str]]) -> str:
    """``parameter``, with "raise"/"lower" where every term using it declares that monotonicity (Bound.monotone)."""
    ways = set()
    for term in terms:
        if parameter not in uses[term]:
            continue
        stated = {m.direction for m in bound.monotone if m.parameter == parameter and m.term == term and not m.given}
        ways.add(stated.pop() if len(stated) == 1 else None)
    if ways == {"nonincreasing"}:
        return f"{parameter} (raise it)"
    if ways == {"nondecreasing"}:
        return f"{parameter} (lower it)"
    return parameter


def _why_unreachable(fwd: _Forward, q: np.ndarray, sup: np.ndarray, target: float) -> str:
    """Why no scanned value of the calibrated quantity meets ``target``: a floor that does not depend on it.

    For each generation g (and the limit i → ∞ where available) the terms whose value
    does not change over the scanned q are found; then for every scanned q,
    :math:`\\sup_i B_i \\ge B_g \\ge \\sum_{\\text{constant}} + \\sum_{\\text{others}} \\min(0, \\min_q)`.
    The generation with the largest such floor is reported with the parameters the
    constant terms depend on (those could lower it) and the other inverse problem
    that may reach the target.  Returns ``""`` when there is no floor above the target.
    """
    name = fwd.quantity
    if fwd.limit is not None and not np.isfinite(sup).any():
        return (
            f"; sup over all generations is +inf for every {name} scanned: ρ ≥ 1 and B_i grows without bound "
            "(docs/theory.md §4.1); pass a finite horizon (CLI: --horizon G)"
        )
    table = fwd.term_values(q)
    if table is None or table[0].size == 0:
        return ""
    _, values, labels = table
    stack = np.stack(list(values.values()))  # (term, q, generation)
    with np.errstate(invalid="ignore"):
        lo, hi = stack.min(axis=1), stack.max(axis=1)
        constant = np.isfinite(lo) & (hi - lo <= 1e-12 * np.maximum(np.abs(hi), 1e-300))
    floor = np.where(constant, lo, np.minimum(lo, 0.0)).sum(axis=0)
    floor = np.where(constant.any(axis=0) & np.isfinite(floor), floor, -np.inf)
    near = floor >= floor.max() - 1e-12 * abs(floor.max())
    g = floor.size - 1 - int(np.argmax(near[::-1]))  # ties (to rounding): the latest generation, the limit if there
    if not floor[g] >= target:
        return ""
    terms = [t for t, c, v in zip(values, constant[:, g], lo[:, g], strict=True) if c and v != 0]
    uses = {t: _term_parameters(fwd, t, g) for t in terms}
    depends = [p.name for p in fwd.bound.parameters if any(p.name in uses[t] for t in terms)]
    verb = "does" if len(terms) == 1 else "do"
    text = (
        f": the term{'s' if len(terms) > 1 else ''} {', '.join(terms)} {verb} not depend on {name} at {labels[g]} "
        f"and alone keep{'s' if len(terms) == 1 else ''} sup_i B_i >= {sig_text(floor[g], 6, 'down')} "
        f"for every {name}, not below the target {target:g}"
    )
    if depends:
        text += f"; this floor depends on {', '.join(_hint(fwd.bound, p, terms, uses) for p in depends)}: change those"
    other = {"n": "lam", "lam": "n"}.get(name or "")
    if other in depends and other in fwd.bound.parameter_names and "m" not in fwd.fixed:
        text += f" (min_{'lambda' if other == 'lam' else 'n'}, CLI --for {other}, finds the smallest {other} for it)"
    return text


# --- public inverse problems -----------------------------------------------------------
def min_lambda(bound_id: str, target: float, *, horizon: int | None = None, **params: Any) -> Calibration:
    r"""Smallest proportion of real data λ with :math:`\sup_{0 \le i \le G} B_i \le` ``target`` (docs/theory.md §4.5).

    Parameters
    ----------
    bound_id
        Registry id of a bound with a ``lam`` parameter.
    target
        Finite, > 0.
    horizon
        G, or ``None`` for the supremum over all generations.
    **params
        The other (scalar) parameters; defaults fill the rest.  ``lam``, ``m`` and
        the generation index are not accepted.

    Returns
    -------
    Calibration
        ``value`` is the smallest feasible λ found, with ``achieved <= target``.

    Raises
    ------
    ParameterError
        No ``lam`` parameter, a bound that does not depend on it, bad target/horizon/parameters.
    CalibrationError
        When no λ in [0, 1] reaches the target.

    Notes
    -----
    :math:`F(\lambda) = \sup_i B_i` is not monotone in λ (docs/theory.md §6.1 C3), so a grid
    of 513 points (fewer for long horizons) locates the first feasible cell
    :math:`[\lambda_{k-1}, \lambda_k]`; ``brentq`` finds the crossing in it, which is
    then verified, and moved up by bisection if it lands on the infeasible
    side.  A feasible region narrower than the grid spacing can be missed.
    """
    target = _check_target(target)
    bound, fixed = _setup(bound_id, "lam", horizon, params)
    fwd = _Forward(bound, "lam", horizon, fixed, _reference(bound, fixed, "lam", (1.0, 0.5)))
    grid, lattice = _lam_candidates(fwd)
    sup, _ = _scan(fwd, grid)
    feasible = sup <= target
    notes = [_sup_note(bound, horizon)]
    if not feasible.any():
        k = int(np.argmin(sup))
        raise CalibrationError(
            f"no lam in [0, 1] reaches target {target:g} for {bound_id} "
            f"(smallest sup_i B_i is {sig_text(sup[k], 4, 'down')} at lam={grid[k]:.4g})"
            f"{_why_unreachable(fwd, grid, sup, target)}"
        )
    k = int(np.argmax(feasible))
    if lattice:
        value = float(grid[k])
        method = (
            f"scan of the {grid.size} values lam = k/n, k = 0..n (the only ones the constraints of {bound_id} allow)"
        )
        notes.append("exact answer on the lattice lam = k/n")
    elif k == 0:
        value, method = 0.0, f"grid scan ({grid.size} points on [0, 1])"
        notes.append("target met already at lam = 0: no real data needed")
    else:
        value, how, extra = _safe_crossing(fwd.scalar, float(grid[k - 1]), float(grid[k]), target)
        method = f"grid scan ({grid.size} points on [0, 1]) + {how}"
        notes += extra
        notes.append(
            "sup_i B_i is not monotone in lam (docs/theory.md §6.1 C3): the first feasible grid cell was searched"
        )
    value, rounded = _outward(fwd.scalar, value, target, "up")
    return _calibration(fwd, value, target, method, [*notes, *([rounded] if rounded else [])])


def _calibration(fwd: _Forward, value: float, target: float | None, method: str, notes: list[str]) -> Calibration:
    """The :class:`Calibration` at ``value``: sup_i B_i there, counts (for a target), the trivial value."""
    bound, quantity = fwd.bound, str(fwd.quantity)
    resolved = _resolved(bound, fwd.fixed, quantity, value)
    counts = None
    names = bound.parameter_names
    if target is not None and quantity in ("lam", "n") and "lam" in names and "n" in names and "m" not in fwd.fixed:
        if bound.parameter_map["n"].domain.integer:
            params = {**fwd.fixed, quantity: value, "n": resolved["n"]}
            counts, note = _counts(
                bound, fwd.horizon, params, resolved["lam"], target, with_m=quantity == "lam" and bound.accepts_m
            )
            notes = [*notes, *([note] if note else [])]
    return Calibration(
        bound.id,
        quantity,
        value,
        target,
        fwd.scalar(value),
        fwd.horizon,
        _used_params(bound, fwd.fixed, quantity, value),
        method,
        tuple(notes),
        counts,
        _trivial_at(bound, resolved),
    )


def _trivial_at(bound: Bound, params: Mapping[str, float]) -> float | None:
    """``Bound.trivial_at`` (e.g. M) at ``params``: from there on the bound says nothing."""
    if bound.trivial_at is None:
        return None
    return float(
        bound.trivial_at.xreplace({p.symbol: sp.Float(params[p.name]) for p in bound.parameters if p.name in params})
    )


def min_n(
    bound_id: str, target: float, *, horizon: int | None = None, n_max: float = 1e12, **params: Any
) -> Calibration:
    r"""Smallest training-set size n with :math:`\sup_{0 \le i \le G} B_i \le` ``target`` (docs/theory.md §4.5).

    Parameters
    ----------
    bound_id
        Registry id of a bound with an ``n`` parameter.
    target
        Finite, > 0.
    horizon
        G, or ``None`` for the supremum over all generations.
    n_max
        Largest n searched.
    **params
        The other (scalar) parameters; ``m`` may be given (then λ = n/(n+m)).

    Returns
    -------
    Calibration
        ``value`` is an integer n with ``achieved <= target`` and, inside the
        bisection bracket, :math:`F(n-1) >` target.

    Raises
    ------
    ParameterError
        No ``n`` parameter, a bound that does not depend on it, bad target/horizon/n_max/parameters.
    CalibrationError
        When no n in [n_min, n_max] reaches the target (e.g. a term that does not
        decrease with n, such as the shift term of ``fu2025.thm1``, exceeds it).

    Notes
    -----
    The registry accepts integer n only, so instead of ``brentq`` on a continuous
    relaxation the answer is found by a log-spaced scan (24 points per decade,
    plus the first 16 integers) and integer bisection between the last
    infeasible and the first feasible scan point: exact, and on the safe side
    by construction.  :math:`F` need not be monotone in n (e.g. ``log(n)/n``
    grows up to n = e), hence the scan for the first feasible point.
    """
    target = _check_target(target)
    bound, fixed = _setup(bound_id, "n", horizon, params)
    domain = bound.parameter_map["n"].domain
    n_min = math.ceil(domain.lower)
    if isinstance(n_max, (bool, np.bool_)) or not isinstance(n_max, numbers.Real) or not n_min <= n_max < math.inf:
        raise ParameterError(f"n_max must be a finite number >= {n_min}; got {n_max!r}")
    n_top = math.floor(n_max)
    starts = np.arange(n_min, min(n_min + 64, n_top) + 1, dtype=float)
    fwd = _Forward(bound, "n", horizon, fixed, _reference(bound, fixed, "n", starts))
    allowed = fwd.valid(starts)
    if not allowed.any():
        raise CalibrationError(f"the constraints of {bound_id} reject every n in [{n_min}, {starts[-1]:g}]")
    n_min = int(starts[np.argmax(allowed)])
    decades = max(math.log10(n_top / n_min), 0.0)
    grid = np.unique(
        np.concatenate(
            [
                np.arange(n_min, min(n_min + 16, n_top) + 1, dtype=float),
                np.round(np.logspace(math.log10(n_min), math.log10(n_top), int(N_PER_DECADE * decades) + 2)),
                [float(n_top)],
            ]
        )
    )
    rejected = ~fwd.valid(grid)
    if rejected.any():
        raise CalibrationError(
            f"the constraints of {bound_id} reject n={grid[np.argmax(rejected)]:g} but allow n={n_min}: "
            f"min_n needs every n from {n_min} on ({'; '.join(c.message for c in bound.constraints)})"
        )
    sup, _ = _scan(fwd, grid)
    feasible = sup <= target
    notes = [_sup_note(bound, horizon)]
    if not feasible.any():
        k = int(np.argmin(sup))
        raise CalibrationError(
            f"no n in [{n_min}, {n_top:g}] reaches target {target:g} for {bound_id} "
            f"(smallest sup_i B_i is {sig_text(sup[k], 4, 'down')} at n={grid[k]:.6g})"
            f"{_why_unreachable(fwd, grid, sup, target)}"
        )
    k = int(np.argmax(feasible))
    scan = f"log-spaced scan ({grid.size} integers in [{n_min}, {n_top:g}])"
    if k == 0:
        value, method = float(grid[0]), scan
        notes.append(f"target met already at the smallest n = {n_min}")
    else:
        lo, hi = int(grid[k - 1]), int(grid[k])
        method = f"{scan} + integer bisection on [{lo}, {hi}]"
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if fwd.scalar(float(mid)) <= target:
                hi = mid
            else:
                lo = mid
        value = float(hi)
        notes.append("integer answer: sup_i B_i <= target at n and > target at n - 1")
    return _calibration(fwd, value, target, method, notes)


def best_lambda(bound_id: str, *, horizon: int | None = None, **params: Any) -> Calibration:
    r"""The λ minimizing :math:`F(\lambda) = \sup_{0 \le i \le G} B_i` (docs/theory.md §4.5, §6.1 C3).

    Parameters
    ----------
    bound_id
        Registry id of a bound with a ``lam`` parameter.
    horizon
        G, or ``None`` for the supremum over all generations.
    **params
        The other (scalar) parameters.

    Returns
    -------
    Calibration
        ``target`` is None; ``achieved`` is the minimal :math:`F`.

    Raises
    ------
    ParameterError
        As :func:`min_lambda`.
    CalibrationError
        When :math:`F = +\infty` for every λ.

    Notes
    -----
    A 513-point grid, then a bounded ``minimize_scalar`` on the two cells around
    the best grid point (kept only if it improves on it).  For ``fu2025.thm1``
    generation 0 is the i.i.d. bound :math:`B_0`, independent of λ, and
    :math:`B_i = B_0` for every i at λ = 1, so :math:`\min_\lambda F = B_0`
    always; when some λ < 1 also keeps every later generation below
    :math:`B_0`, :math:`F` is flat at :math:`B_0` on an interval.  On such a
    plateau the reported λ minimizes the supremum over the later generations
    :math:`i \ge 1` (a minimizer of :math:`F` too): this is where the interior
    optimum of C3 shows.
    """
    from scipy.optimize import minimize_scalar

    bound, fixed = _setup(bound_id, "lam", horizon, params)
    fwd = _Forward(bound, "lam", horizon, fixed, _reference(bound, fixed, "lam", (1.0, 0.5)))
    grid, lattice = _lam_candidates(fwd)
    sup, later = _scan(fwd, grid)
    if not np.isfinite(sup).any():
        raise CalibrationError(f"sup_i B_i is infinite for every lam in [0, 1] for {bound_id}; nothing to minimize")
    best = float(np.min(sup))
    ties = sup <= best + 1e-12 * abs(best)
    notes = [_sup_note(bound, horizon)]
    if ties.sum() > 1:
        k = int(np.argmin(np.where(ties, later, np.inf)))
        run_lo, run_hi = k, k
        while run_lo > 0 and ties[run_lo - 1]:
            run_lo -= 1
        while run_hi < grid.size - 1 and ties[run_hi + 1]:
            run_hi += 1
        notes.append(
            f"sup_i B_i is flat at its minimum {best:.6g} for lam in [{grid[run_lo]:.4g}, {grid[run_hi]:.4g}]"
            f"{_floor_note(fwd, grid, k, sup)}; reported the lam minimizing the sup over the later generations"
        )

        def objective(x: float) -> float:
            return float(fwd(np.array([x]))[1][0])

        current = float(later[k])
    else:
        k = int(np.argmin(sup))

        def objective(x: float) -> float:
            return fwd.scalar(x)

        current = float(sup[k])
    value = float(grid[k])
    if lattice:
        method = (
            f"scan of the {grid.size} values lam = k/n, k = 0..n (the only ones the constraints of {bound_id} allow)"
        )
    else:
        a, b = float(grid[max(k - 1, 0)]), float(grid[min(k + 1, grid.size - 1)])
        refined = minimize_scalar(objective, bounds=(a, b), method="bounded", options={"xatol": 1e-10})
        x = float(refined.x)
        short = float(round_sig(x, ANSWER_DIGITS, "nearest"))  # what is printed is what was evaluated
        value = next(
            (c for c in (short, x) if objective(c) < current and fwd.scalar(c) <= best + 1e-12 * abs(best)), value
        )
        method = f"grid scan ({grid.size} points on [0, 1]) + bounded minimize_scalar on [{a:.6g}, {b:.6g}]"
    if value <= 1e-9 or value >= 1 - 1e-9:
        notes.append("optimum at the edge of [0, 1]")
    else:
        notes.append("interior optimum: sup_i B_i is not monotone in lam (docs/theory.md §6.1 C3)")
    return replace(_calibration(fwd, value, None, method, notes), goal="minimizer")
