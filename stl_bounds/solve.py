r"""Calibrate any one parameter: the generalised inverse problem of docs/theory.md §4.5.

For a bound :math:`B_i(\theta)`, one of its parameters :math:`x` and a target
:math:`t`, with the forward map :math:`F(x) = \sup_{0 \le i \le G} B_i` of
:mod:`stl_bounds.calibration` (the limit :math:`i \to \infty` included when the
horizon is ``None``), :func:`solve_for` returns

* the **minimum** :math:`\min\{x : F(x) \le t\}` where the values meeting the target
  lie at the upper end of the domain (:math:`F` decreases in :math:`x`, e.g. ``n``,
  ``lam``, ``delta``), rounded **up** to the printed digits, or
* the **maximum** :math:`\max\{x : F(x) \le t\}` where they lie at the lower end
  (:math:`F` increases, e.g. the largest ``eps`` or ``kappa`` a target tolerates),
  rounded **down**.

Which one is decided by a scan of the whole domain (linear and log-spaced towards
both ends for a finite interval, :math:`10^{-12} \dots 10^{12}` from a finite end of
an unbounded one, integers rounded): the feasible points must form one run that
touches one end of the scanned domain.  Two runs, or one interior run, mean that
:math:`F` is not monotone in :math:`x` and neither a smallest nor a largest value
answers the question: this is refused with the feasible stretches named (for λ,
``best_lambda`` gives the minimizer instead).  The crossing is found in the cell
next to the run by ``brentq`` (:func:`stl_bounds.calibration._safe_crossing`, the
verified root moved to the feasible side when needed) for a real parameter and by
integer bisection for an integer one; the answer is rounded toward the safe side
to 8 significant digits and the bound evaluated again at the rounded value
(docs/theory.md §4.5).  ``lam`` and ``n`` minima are delegated to
:func:`~stl_bounds.calibration.min_lambda` and :func:`~stl_bounds.calibration.min_n`,
which also handle the λ = k/n lattice and answer in counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

import numpy as np

from stl_bounds.bound import Bound
from stl_bounds.calibration import (
    ANSWER_DIGITS,
    N_PER_DECADE,
    Calibration,
    _calibration,
    _check_target,
    _Forward,
    _outward,
    _reference,
    _resolved,
    _safe_crossing,
    _scan,
    _setup,
    _sup_note,
    _why_unreachable,
    min_lambda,
    min_n,
)
from stl_bounds.domains import Domain
from stl_bounds.errors import CalibrationError, ParameterError, unknown_choice
from stl_bounds.registry import get
from stl_bounds.safe_side import sig_text

__all__ = ["solve_for"]

#: Decades of the log-spaced part of a scan (offsets 10**-12 .. 10**12 from a finite end).
DECADES = 12
#: Points of the linear part of a scan of a finite interval (as the λ grid of min_lambda).
LINEAR_POINTS = 513
#: Integer domains with at most this many values are scanned completely.
FULL_INTEGER_SCAN = 4096

Goal = Literal["minimum", "maximum"]


def solve_for(bound_id: str, name: str, target: float, *, horizon: int | None = None, **params: Any) -> Calibration:
    r"""The smallest or largest value of parameter ``name`` with :math:`\sup_{0 \le i \le G} B_i \le` ``target``.

    Parameters
    ----------
    bound_id
        Registry id (a loaded bound file's too).
    name
        The parameter solved for: any declared parameter except the generation index.
    target
        Finite, > 0.
    horizon
        G, or ``None`` for the supremum over all generations (the limit i → ∞ included).
    **params
        The other (scalar) parameters; defaults fill the rest.  ``name`` itself is not accepted.

    Returns
    -------
    Calibration
        ``goal`` is ``"minimum"`` (the value is rounded up) or ``"maximum"`` (rounded down);
        ``achieved <= target`` at the value as printed, evaluated again.

    Raises
    ------
    ParameterError
        Unknown ``name`` (with the closest name), the generation index, a ``name`` the bound
        does not depend on, ``name`` also given in ``params``, bad target/horizon/parameters.
    CalibrationError
        When no value of ``name`` in its domain meets the target (with the reason), when every
        value down to an open or infinite end meets it (no smallest/largest value), or when
        :math:`F` is not monotone in ``name`` so that the values meeting the target do not
        touch one end of the domain.

    Notes
    -----
    The module docstring states the method (docs/theory.md §4.5).
    """
    target = _check_target(target)
    bound = get(bound_id)
    _check_name(bound, name)
    if name in params:
        raise ParameterError(f"{name} is solved for and also set to {params[name]!r}; drop one of the two")
    bound, fixed = _setup(bound.id, name, horizon, params)
    domain = bound.parameter_map[name].domain
    grid = _scan_grid(domain)
    fwd = _Forward(bound, name, horizon, fixed, _reference(bound, fixed, name, _candidates(bound, fixed, name, grid)))
    sup, _ = _scan(fwd, grid)
    feasible = sup <= target
    if not feasible.any():
        k = int(np.argmin(sup))
        raise CalibrationError(
            f"no {name} in {domain.describe()} reaches target {target:g} for {bound.id} "
            f"(smallest sup_i B_i is {sig_text(sup[k], 4, 'down')} at {name}={grid[k]:.6g})"
            f"{_why_unreachable(fwd, grid, sup, target)}"
        )
    goal = _goal(bound.id, name, domain, grid, sup, feasible, target)
    if goal == "minimum" and name == "lam":
        return min_lambda(bound.id, target, horizon=horizon, **params)
    if goal == "minimum" and name == "n" and domain.integer:
        return min_n(bound.id, target, horizon=horizon, **params)
    notes = [_sup_note(bound, horizon)]
    if not _monotone(sup):
        notes.append(
            f"sup_i B_i is not monotone in {name}: the cell next to the values meeting the target was searched"
        )
    value, method = _crossing(fwd, domain, grid, feasible, target, goal, notes)
    return replace(_calibration(fwd, value, target, method, notes), goal=goal)


# --- checking the question -------------------------------------------------------------
def _check_name(bound: Bound, name: str) -> None:
    """``name`` must be a parameter of the bound other than its generation index."""
    if name == "m" and bound.accepts_m and "m" not in bound.parameter_names:
        raise ParameterError(
            f"m is not a parameter of {bound.id} but stands for lam = n/(n+m); solve for lam "
            "(the answer states the largest m in counts)"
        )
    if name not in bound.parameter_names:
        raise unknown_choice(f"the parameter to solve for in {bound.id}", name, bound.parameter_names)
    if name == bound.generation:
        raise ParameterError(
            f"{name} is the generation index of {bound.id}, over which sup_i B_i is taken; "
            f"choose another parameter (the horizon is --horizon G; `eval --set {name}=...` gives B_{name})"
        )


def _candidates(bound: Bound, fixed: Mapping[str, Any], name: str, grid: np.ndarray) -> list[float]:
    """Values of ``name`` for the dry run of the registry: its default first, then spread over the scan."""
    out: list[float] = []
    try:
        out.append(_resolved(bound, fixed, None, None)[name])
    except (ParameterError, KeyError):
        pass
    return out + [float(x) for x in grid[:: max(1, grid.size // 16)]]


# --- the scan and the direction ---------------------------------------------------------
def _scan_grid(domain: Domain) -> np.ndarray:
    """Points of ``domain`` to scan: linear and log-spaced towards finite ends, integers rounded."""
    lo, hi = domain.lower, domain.upper
    offsets = 10.0 ** np.linspace(-DECADES, DECADES, 2 * DECADES * N_PER_DECADE + 1)
    if math.isfinite(lo) and math.isfinite(hi):
        span = hi - lo
        near = span * 10.0 ** np.linspace(-DECADES, 0, DECADES * N_PER_DECADE + 1)
        points = np.concatenate([np.linspace(lo, hi, LINEAR_POINTS), lo + near, hi - near])
        if domain.integer and span <= FULL_INTEGER_SCAN:
            points = np.arange(math.ceil(lo), math.floor(hi) + 1, dtype=float)
    elif math.isfinite(lo):
        points = np.concatenate([[lo], lo + offsets])
    elif math.isfinite(hi):
        points = np.concatenate([[hi], hi - offsets])
    else:
        points = np.concatenate([-offsets, [0.0], offsets])
    if domain.integer:
        first = math.floor(lo) + 1 if math.isfinite(lo) else None
        last = math.ceil(hi) - 1 if math.isfinite(hi) else None
        edges = [np.arange(first - 1, first + 16, dtype=float)] if first is not None else []
        edges += [np.arange(last - 15, last + 2, dtype=float)] if last is not None else []
        points = np.round(np.concatenate([points, *edges]))
    points = np.unique(points)
    return points[domain.contains(points)]


def _monotone(sup: np.ndarray) -> bool:
    """Whether the scanned values are nonincreasing or nondecreasing (allowing rounding)."""
    steps = np.diff(sup[np.isfinite(sup)])
    slack = 1e-12 * np.max(np.abs(sup[np.isfinite(sup)]), initial=0.0)
    return bool(np.all(steps <= slack) or np.all(steps >= -slack))


def _goal(
    bound_id: str,
    name: str,
    domain: Domain,
    grid: np.ndarray,
    sup: np.ndarray,
    feasible: np.ndarray,
    target: float,
) -> Goal:
    """``"minimum"`` when the values meeting the target run to the top of the scan, ``"maximum"`` to the bottom."""
    starts = np.flatnonzero(feasible & ~np.concatenate([[False], feasible[:-1]]))
    stops = np.flatnonzero(feasible & ~np.concatenate([feasible[1:], [False]]))
    if starts.size == 1 and feasible[-1] and not feasible[0]:
        return "minimum"
    if starts.size == 1 and feasible[0] and not feasible[-1]:
        return "maximum"
    if feasible.all():
        finite = sup[np.isfinite(sup)]
        trend = finite[-1] - finite[0]
        where = f"every {name} scanned in {domain.describe()} meets target {target:g} for {bound_id}"
        if trend == 0:
            raise CalibrationError(f"{where}, and sup_i B_i does not change with {name} there: nothing to solve")
        goal: Goal = "minimum" if trend < 0 else "maximum"
        end, closed = (
            (domain.lower, not domain.lower_open) if goal == "minimum" else (domain.upper, not domain.upper_open)
        )
        if not (math.isfinite(end) and closed):
            side = "smallest" if goal == "minimum" else "largest"
            raise CalibrationError(f"{where}, up to the open or infinite end {end:g}: there is no {side} {name}")
        return goal
    stretches = ", ".join(f"[{grid[a]:.4g}, {grid[b]:.4g}]" for a, b in zip(starts[:3], stops[:3], strict=True))
    hint = "; --best-lambda (best_lambda) gives the lam minimizing it" if name == "lam" else ""
    raise CalibrationError(
        f"sup_i B_i of {bound_id} is not monotone in {name} on {domain.describe()}: the values meeting target "
        f"{target:g} lie in {stretches}{' ...' if starts.size > 3 else ''} (of {grid.size} scanned), which "
        f"touch{'es' if starts.size == 1 else ''} neither end alone, so no smallest or largest {name} answers it; "
        f"set other parameters to fix the side{hint}"
    )


# --- the crossing -------------------------------------------------------------------------
def _crossing(
    fwd: _Forward,
    domain: Domain,
    grid: np.ndarray,
    feasible: np.ndarray,
    target: float,
    goal: Goal,
    notes: list[str],
) -> tuple[float, str]:
    """The value at the edge of the feasible run (``notes`` extended); the method used."""
    name = str(fwd.quantity)
    scan = f"scan of {grid.size} points of {domain.describe()}"
    k = int(np.argmax(feasible)) if goal == "minimum" else grid.size - 1 - int(np.argmax(feasible[::-1]))
    at_end = k == 0 if goal == "minimum" else k == grid.size - 1
    if at_end:
        notes.append(f"target met at the {'smallest' if goal == 'minimum' else 'largest'} {name} of its domain")
        return float(grid[k]), scan
    inside = float(grid[k])
    outside = float(grid[k - 1] if goal == "minimum" else grid[k + 1])
    sign = 1.0 if goal == "minimum" else -1.0  # a maximum is the minimum of x -> F(-x)
    if domain.integer:
        lo, hi = int(outside), int(inside)  # F(lo) > target >= F(hi); bisect on integers
        while abs(hi - lo) > 1:
            mid = (lo + hi) // 2
            if fwd.scalar(float(mid)) <= target:
                hi = mid
            else:
                lo = mid
        step = "-" if goal == "minimum" else "+"
        notes.append(f"integer answer: sup_i B_i <= target at {name} and > target at {name} {step} 1")
        return float(hi), f"{scan} + integer bisection on [{min(lo, hi)}, {max(lo, hi)}]"

    def mirrored(x: float) -> float:
        return fwd.scalar(sign * x)

    scale = max(abs(inside), abs(outside))
    xtol = max(1e-15 * scale, 8 * math.ulp(scale), 5e-324)
    root, how, extra = _safe_crossing(mirrored, sign * outside, sign * inside, target, xtol)
    notes += [e.replace("moved up", "moved").replace("root -", "root ") for e in extra]
    value, rounded = _outward(fwd.scalar, sign * root, target, "up" if goal == "minimum" else "down")
    if rounded:
        notes.append(rounded)
    if not domain.contains(value):
        raise CalibrationError(
            f"the {goal} {name} = {value!r} rounded to {ANSWER_DIGITS} digits leaves {domain.describe()}"
        )
    return value, f"{scan} + {how.replace(f'[{sign * outside:.6g}, {sign * inside:.6g}]', _cell(outside, inside))}"


def _cell(a: float, b: float) -> str:
    """The cell [min, max] as printed in a method."""
    return f"[{min(a, b):.6g}, {max(a, b):.6g}]"
