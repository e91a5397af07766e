"""Numeric evaluation of a :class:`~stl_bounds.bound.Bound` (STYLE habit 5).

One code path validates, fills defaults and computes; :func:`resolve` is its
first half and doubles as the dry run.  Per bound and per set of defaulted
parameters, one *kernel* is lambdified (cached) with common-subexpression
elimination: it returns the terms, their sum, the expression-valued defaults
(e.g. ``shift`` from L4) and the growth factor ρ in one pass.  Large grids are
evaluated in cache-sized chunks under ``np.errstate(over/invalid/divide='raise')``:
a float64 overflow is reported as :class:`EvaluationError`, never returned as NaN.
The mpmath path (``precision="mp"``) is the high-precision reference.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np
import sympy as sp

from stl_bounds.errors import EvaluationError, ParameterError
from stl_bounds.parameters import CATALOG
from stl_bounds.result import Result
from stl_bounds.special import MPMATH_FUNCTIONS, NUMPY_FUNCTIONS

if TYPE_CHECKING:
    from stl_bounds.bound import Bound

__all__ = ["CHUNK", "evaluate", "kernel", "resolve"]

#: Points per chunk: small enough for the temporaries to stay in cache.
CHUNK = 1 << 15

_M = CATALOG["m"]
#: Float64 evaluation raises on overflow, invalid operations and division by zero.
_RAISE = {"over": "raise", "invalid": "raise", "divide": "raise", "under": "ignore"}


def numeric_modules(exprs: list[sp.Expr], mp: bool = False) -> list[Any]:
    """``lambdify`` modules for ``exprs``: numpy (+ scipy.special when a Gamma-type
    function appears) or mpmath, with the numeric forms of :mod:`stl_bounds.special`.

    Module objects, not names: ``modules="numpy"`` makes sympy run
    ``from numpy import *``, which costs a tenth of a second at every start.
    """
    if mp:
        return [MPMATH_FUNCTIONS, "mpmath"]
    if any(e.has(sp.loggamma, sp.polygamma, sp.gamma) for e in exprs):
        import scipy
        import scipy.special  # lambdify's SciPy printer imports from it

        return [NUMPY_FUNCTIONS, scipy, np]
    return [NUMPY_FUNCTIONS, np]


def _args(bound: Bound) -> tuple[sp.Symbol, ...]:
    return tuple(p.symbol for p in bound.parameters) + (_M.symbol,)


def _substituted(bound: Bound, exprs: list[sp.Expr], defaulted: frozenset[str]) -> list[sp.Expr]:
    subs = {p.symbol: p.default for p in bound.parameters if p.name in defaulted}
    for _ in range(len(subs) + 1):
        exprs = [e.xreplace(subs) for e in exprs]
    return exprs


@dataclass(frozen=True)
class Kernel:
    """One lambdified pass: ``fn(*args) -> [*terms, value, *defaults, rho?, trivial?]``."""

    fn: Callable[..., list[Any]]
    n_terms: int
    defaults: tuple[str, ...]
    has_growth: bool
    has_trivial: bool

    @property
    def n_outputs(self) -> int:
        return self.n_terms + 1 + len(self.defaults) + int(self.has_growth) + int(self.has_trivial)


@cache
def kernel(bound: Bound, defaulted: frozenset[str], mp: bool = False) -> Kernel:
    """Lambdify terms, value, the ``defaulted`` expression defaults and ρ (cached).

    ``defaulted`` names the parameters with expression defaults that the caller
    did not give; their expressions are substituted so that the kernel computes
    them (sharing subexpressions with the terms) at the kernel's precision.
    """
    terms = [e for _, e in bound.terms]
    names = tuple(p.name for p in bound.parameters if p.name in defaulted)
    defaults = [bound.parameter_map[n].default for n in names]
    growth = [] if bound.growth_rate is None else [bound.growth_rate]
    trivial = [] if bound.trivial_at is None else [bound.trivial_at]
    outputs = _substituted(bound, [*terms, sp.Add(*terms), *defaults, *growth, *trivial], defaulted)
    fn = sp.lambdify(_args(bound), outputs, modules=numeric_modules(outputs, mp), cse=not mp)
    return Kernel(fn, len(terms), names, bool(growth), bool(trivial))


@cache
def _lam_from_m(bound: Bound) -> Callable[..., Any]:
    n = CATALOG["n"].symbol
    return sp.lambdify(_args(bound), n / (n + _M.symbol), modules=[np])


@cache
def _constraints(bound: Bound) -> tuple[tuple[Callable[..., Any], str], ...]:
    return tuple((sp.lambdify(_args(bound), c.condition, modules=[np]), c.message) for c in bound.constraints)


def _validated(bound: Bound, params: Mapping[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
    """Check names and domains, fill numeric defaults and ``lam`` from ``m``.

    Returns the values and the names of parameters left to expression defaults.
    """
    allowed = set(bound.parameter_names) | ({"m"} if bound.accepts_m else set())
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ParameterError(f"unknown parameter {unknown[0]!r} for {bound.id}; allowed: {', '.join(sorted(allowed))}")
    if "m" in params and "lam" in params:
        raise ParameterError(f"give lam or m, not both (λ = n/(n+m)); got lam={params['lam']!r}, m={params['m']!r}")
    values: dict[str, Any] = {}
    for name, raw in params.items():
        domain = _M.domain if name == "m" else bound.parameter_map[name].domain
        values[name] = domain.validate(name, raw)
    defaulted = set()
    for p in bound.parameters:
        if p.name in values or (p.name == "lam" and "m" in values):
            continue
        if p.default is None:
            raise ParameterError(f"{p.name} is required for {bound.id} ({p.description})")
        if p.default.free_symbols:
            defaulted.add(p.name)
        else:
            values[p.name] = float(p.default)
    if "m" in values:
        with np.errstate(all="ignore"):
            lam = np.asarray(_lam_from_m(bound)(*_argvals(bound, values)), dtype=float)
        values["lam"] = bound.parameter_map["lam"].domain.validate("lam", float(lam) if lam.ndim == 0 else lam)
    for fn, message in _constraints(bound):
        with np.errstate(all="ignore"):
            ok = np.asarray(fn(*_argvals(bound, values)))
        if not np.all(ok):
            raise ParameterError(f"{bound.id}: {message}; got {_fmt_values(bound, values)}")
    return values, frozenset(defaulted)


def resolve(bound: Bound, params: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``params`` and fill in every default (the dry run of :func:`evaluate`).

    Returns
    -------
    dict
        Every parameter of the bound → float or float array; ``m`` too when it
        was given (it determined ``lam``).

    Raises
    ------
    ParameterError
        Unknown name, value outside its domain, ``lam`` and ``m`` both given, a
        missing required parameter or a violated joint constraint.
    """
    values, defaulted = _validated(bound, params)
    if defaulted:
        k = kernel(bound, defaulted)
        with np.errstate(all="ignore"):
            out = k.fn(*_argvals(bound, values))
        for j, name in enumerate(k.defaults):
            v = np.asarray(out[k.n_terms + 1 + j], dtype=float)
            values[name] = float(v) if v.ndim == 0 else v
    return values


def _argvals(bound: Bound, values: Mapping[str, Any]) -> list[Any]:
    """Kernel arguments; scalars as ``np.float64`` so that overflow follows ``np.errstate``."""
    out = [values.get(p.name, np.nan) for p in bound.parameters]
    out.append(values.get("m", np.nan))
    return [np.float64(v) if np.ndim(v) == 0 else v for v in out]


def _fmt_values(bound: Bound, values: Mapping[str, Any]) -> str:
    return ", ".join(f"{n}={values[n]:g}" for n in bound.parameter_names if n in values and np.ndim(values[n]) == 0)


def evaluate(bound: Bound, params: Mapping[str, Any], *, precision: str = "float64", dps: int = 50) -> Result:
    """Evaluate ``bound`` at ``params``; see :meth:`Bound.evaluate`."""
    if precision not in ("float64", "mp"):
        raise ParameterError(f"precision must be one of float64, mp; got {precision!r}")
    values, defaulted = _validated(bound, params)
    argvals = _argvals(bound, values)
    try:
        shape = np.broadcast_shapes(*(np.shape(v) for v in argvals))
    except ValueError as exc:
        shapes = {k: np.shape(v) for k, v in values.items() if np.ndim(v)}
        raise ParameterError(f"parameter arrays do not broadcast together: shapes {shapes}") from exc
    k = kernel(bound, defaulted, precision == "mp")
    if precision == "mp":
        outputs = _run_mp(k, argvals, shape, dps)
    else:
        outputs = _run_float(bound, k, argvals, shape)
    names = [name for name, _ in bound.terms]
    terms = dict(zip(names, outputs[: k.n_terms]))
    value = outputs[k.n_terms]
    for j, name in enumerate(k.defaults):
        values[name] = outputs[k.n_terms + 1 + j]
    diagnostics: dict[str, Any] = {"precision": precision}
    extra = k.n_terms + 1 + len(k.defaults)
    if k.has_growth:
        rho = outputs[extra]
        diagnostics["rho"] = rho if np.ndim(rho) else float(rho)
    if k.has_trivial:
        vacuous = np.asarray(value >= outputs[-1])
        diagnostics["vacuous"] = vacuous if vacuous.ndim else bool(vacuous)
        trivial = np.asarray(outputs[-1], dtype=float)  # Bound.trivial_at, e.g. M: the bound says nothing from here on
        diagnostics["trivial_at"] = trivial if trivial.ndim else float(trivial)
    return Result(bound.id, bound.fidelity, values, value, terms, diagnostics)


def _run_float(bound: Bound, k: Kernel, argvals: list[Any], shape: tuple[int, ...]) -> list[Any]:
    size = int(np.prod(shape)) if shape else 1
    try:
        if size <= CHUNK:
            with np.errstate(**_RAISE):
                raw = k.fn(*argvals)
            out = [np.broadcast_to(np.asarray(t, dtype=float), shape) for t in raw]
        else:
            out = list(_run_chunked(k, argvals, shape, size))
    except (FloatingPointError, OverflowError) as exc:
        raise EvaluationError(
            f"{bound.id}: float64 {exc} at these parameters; use precision='mp' (CLI: --precision mp)"
        ) from exc
    if not np.isfinite(out[k.n_terms]).all():
        raise EvaluationError(
            f"{bound.id}: value is not finite in float64 at these parameters; use precision='mp' (CLI: --precision mp)"
        )
    if shape == ():
        return [float(t) for t in out]
    return out


def _run_chunked(k: Kernel, argvals: list[Any], shape: tuple[int, ...], size: int) -> np.ndarray:
    """Evaluate the kernel in slabs along the first grid axis, on a small thread pool.

    Arguments keep their own (broadcastable) shapes inside a slab, so a
    subexpression of parameters that vary along few axes is computed on those
    axes only; numpy releases the GIL inside each ufunc, so slabs run in parallel.
    """
    ndim = len(shape)
    padded = [np.reshape(v, (1,) * (ndim - np.ndim(v)) + np.shape(v)) if np.ndim(v) else v for v in argvals]
    sliced = [np.ndim(v) > 0 and np.shape(v)[0] > 1 for v in padded]
    n_out = k.n_outputs
    buf = np.empty((n_out,) + shape)
    rows = max(1, CHUNK * shape[0] // size)

    def run(start: int) -> None:
        stop = min(start + rows, shape[0])
        with np.errstate(**_RAISE):
            outputs = k.fn(*(v[start:stop] if s else v for v, s in zip(padded, sliced)))
        for j, t in enumerate(outputs):
            buf[j, start:stop] = t

    for _ in _thread_pool().map(run, range(0, shape[0], rows)):
        pass
    return buf


@lru_cache(maxsize=1)
def _thread_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="stl-bounds")


def _run_mp(k: Kernel, argvals: list[Any], shape: tuple[int, ...], dps: int) -> list[Any]:
    """Outputs with mpmath at ``dps`` digits: mpf numbers at one point, float arrays on a grid."""
    size = int(np.prod(shape)) if shape else 1
    flat = [np.broadcast_to(np.asarray(v, dtype=float), shape).reshape(size) for v in argvals]
    with mpmath.workdps(dps):
        rows = [[+mpmath.mpf(t) for t in k.fn(*(mpmath.mpf(float(v[j])) for v in flat))] for j in range(size)]
    if shape == ():
        return rows[0]
    return [np.array([float(r[c]) for r in rows]).reshape(shape) for c in range(len(rows[0]))]
