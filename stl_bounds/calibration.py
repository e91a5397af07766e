r"""Inverse problems of THEORY §4.5: how much real data does a target need?

For a registered bound :math:`B_i(\theta)` and a horizon :math:`G` the *forward
map* is the worst case over generations

.. math::

    F(\theta) = \sup_{0 \le i \le G} B_i(\theta),

evaluated on the whole grid :math:`i = 0, \dots, G` in one vectorized call of the
registry.  With ``horizon=None`` the supremum runs over every :math:`i \ge 0`:
it is the maximum of :math:`B_i` on :math:`i = 0, \dots, 32` and of the symbolic
limit :math:`\lim_{i\to\infty} B_i` (lambdified) where the growth factor
:math:`\rho < 1`, and :math:`+\infty` where :math:`\rho \ge 1` and :math:`B_i` still
grows (THEORY §4.1 regimes ``critical``/``collapses``).  This is exact when
:math:`B_i` is monotone in :math:`i` from :math:`i = 32` on, as it is for every
bound whose generation dependence is :math:`\mathrm{geom}(\rho, i)` with
:math:`\rho \ge 0` (L3-L5, ``fu2025.thm1``, ``fu2025.thm2``).  Generation 0 is part
of the supremum: for ``fu2025.thm1`` it is the i.i.d. bound :math:`B_0`, which does
not depend on λ and is therefore a floor for every target.

Three inverse problems are solved:

* :func:`min_lambda`: the smallest :math:`\lambda \in [0, 1]` with
  :math:`F(\lambda) \le t`.  :math:`F` is not monotone in λ (THEORY §6.1 C3: the
  recursive-stability term grows like :math:`\sqrt\lambda`), so a dense grid
  finds the first feasible cell and ``scipy.optimize.brentq`` the crossing in it;
  the root is then verified and, if needed, moved to the feasible side.
* :func:`min_n`: the smallest integer :math:`n` with :math:`F(n) \le t`, by a
  log-spaced scan and integer bisection (the registry accepts integer ``n``
  only, so the answer is exact and on the safe side by construction).
* :func:`best_lambda`: the λ minimizing :math:`F` (bounded ``minimize_scalar``
  after a grid), which can be interior (C3).

Values of the calibrated quantity that the bound's joint constraints reject (e.g.
"λn must be an integer", THEORY §5.2) count as infeasible; when the constraints
leave only the lattice λ = k/n, the lattice is scanned and the answer is exact;
:func:`min_n` needs the allowed n to form a range.  For a bound counted in fits
(``t = i + 1``, THEORY §5) the horizon G means t = 1, ..., G + 1.

``scipy.optimize`` is imported inside the functions, so ``import stl_bounds``
stays light.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from stl_bounds.bound import Bound, substitute_defaults
from stl_bounds.errors import CalibrationError, EvaluationError, ParameterError
from stl_bounds.evaluation import numeric_modules
from stl_bounds.registry import get
from stl_bounds.result import json_number

__all__ = [
    "Calibration",
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


@dataclass(frozen=True)
class Calibration:
    """The answer to an inverse problem of THEORY §4.5.

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
        }


# --- the limit i -> oo -------------------------------------------------------
def _expression_defaults(bound: Bound) -> frozenset[str]:
    return frozenset(p.name for p in bound.parameters if p.default is not None and p.default.free_symbols)


def generations_limit(bound: Bound, defaulted: frozenset[str] | None = None) -> sp.Expr | None:
    r""":math:`\lim_{i\to\infty} B_i` symbolically, valid where :math:`\rho < 1` (THEORY §6.1 C1).

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
    if defaulted is None or frozenset(defaulted) == _expression_defaults(bound):
        return bound.limit_in_generations()
    kept = _expression_defaults(bound) - frozenset(defaulted)
    parameters = tuple(replace(p, default=None) if p.name in kept else p for p in bound.parameters)
    return replace(bound, parameters=parameters).limit_in_generations()


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
        defaulted = _expression_defaults(bound) - set(fixed) - {quantity}
        self.limit = (
            _limit_function(bound, frozenset(defaulted)) if horizon is None and bound.generation is not None else None
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
    return bound, dict(params)


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
    r"""The forward map of THEORY §4.5, :math:`\sup_{0 \le i \le G} B_i`, at one parameter point.

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
def _safe_crossing(f: Callable[[float], float], lo: float, hi: float, target: float) -> tuple[float, str, list[str]]:
    """Smallest-side crossing of ``f = target`` in [lo, hi] with f(lo) > target >= f(hi), on the safe side.

    brentq on arctan(f - target) (finite where f = inf), then: if the root is
    infeasible, step up by doubling steps to a feasible point and bisect back.
    Falls back to bisection on the whole bracket when brentq fails.
    Returns the answer (f(answer) <= target), the method and notes.
    """
    from scipy.optimize import brentq

    notes: list[str] = []
    bracket = f"[{lo:.6g}, {hi:.6g}]"
    try:
        root = float(brentq(lambda x: float(np.arctan(f(x) - target)), lo, hi, xtol=LAM_XTOL))
    except (ValueError, RuntimeError) as exc:
        notes.append(f"brentq failed ({exc}); bisection used")
        method = f"bisection on {bracket}"
    else:
        method = f"brentq on {bracket}"
        if f(root) <= target:
            return root, method, notes
        step = LAM_XTOL
        lo = root
        while root + step < hi and f(root + step) > target:
            lo = root + step
            step *= 2.0
        hi = min(root + step, hi)
        notes.append(f"brentq's root {root:.15g} was infeasible; moved up to the safe side by bisection")
        method += " + bisection"
    while hi - lo > LAM_XTOL:
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
    integer", THEORY §5.2), the lattice k = 0..n is scanned instead: the answer is exact.
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


# --- public inverse problems -----------------------------------------------------------
def min_lambda(bound_id: str, target: float, *, horizon: int | None = None, **params: Any) -> Calibration:
    r"""Smallest proportion of real data λ with :math:`\sup_{0 \le i \le G} B_i \le` ``target`` (THEORY §4.5).

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
        No ``lam`` parameter, bad target/horizon/parameters.
    CalibrationError
        When no λ in [0, 1] reaches the target.

    Notes
    -----
    :math:`F(\lambda) = \sup_i B_i` is not monotone in λ (THEORY §6.1 C3), so a grid
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
            f"(smallest sup_i B_i is {sup[k]:.4g} at lam={grid[k]:.4g}{_floor_note(fwd, grid, k, sup)})"
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
        notes.append("sup_i B_i is not monotone in lam (THEORY §6.1 C3): the first feasible grid cell was searched")
    achieved = fwd.scalar(value)
    return Calibration(
        bound_id,
        "lam",
        value,
        target,
        achieved,
        horizon,
        _used_params(bound, fixed, "lam", value),
        method,
        tuple(notes),
    )


def min_n(
    bound_id: str, target: float, *, horizon: int | None = None, n_max: float = 1e12, **params: Any
) -> Calibration:
    r"""Smallest training-set size n with :math:`\sup_{0 \le i \le G} B_i \le` ``target`` (THEORY §4.5).

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
        No ``n`` parameter, bad target/horizon/n_max/parameters.
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
            f"(smallest sup_i B_i is {sup[k]:.4g} at n={grid[k]:.6g})"
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
    achieved = fwd.scalar(value)
    return Calibration(
        bound_id, "n", value, target, achieved, horizon, _used_params(bound, fixed, "n", value), method, tuple(notes)
    )


def best_lambda(bound_id: str, *, horizon: int | None = None, **params: Any) -> Calibration:
    r"""The λ minimizing :math:`F(\lambda) = \sup_{0 \le i \le G} B_i` (THEORY §4.5, §6.1 C3).

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
        if objective(x) < current and fwd.scalar(x) <= best + 1e-12 * abs(best):
            value = x
        method = f"grid scan ({grid.size} points on [0, 1]) + bounded minimize_scalar on [{a:.6g}, {b:.6g}]"
    if value <= 1e-9 or value >= 1 - 1e-9:
        notes.append("optimum at the edge of [0, 1]")
    else:
        notes.append("interior optimum: sup_i B_i is not monotone in lam (THEORY §6.1 C3)")
    achieved = fwd.scalar(value)
    return Calibration(
        bound_id, "lam", value, None, achieved, horizon, _used_params(bound, fixed, "lam", value), method, tuple(notes)
    )
